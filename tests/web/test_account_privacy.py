"""A learner's own data: the export holds all of theirs and nobody else's; deleting an account
anonymises it in place, ends its sessions, keeps the academy's figures unchanged and makes the
public verification page say the holder's account was deleted. Admins may delete trainees of
their own academy only (another academy's people answer 404)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from quizapp.models import (
    AuditEntry,
    CaseAttempt,
    CaseZoneResult,
    Certificate,
    CpdActivity,
    Invitation,
    LogbookEntry,
    Membership,
    MentorProfile,
    QuestionResult,
    QuizAttempt,
    Role,
    User,
)
from quizapp.models.base import now_utc
from quizapp.services.academy import reports
from quizapp.services.authoring import insight
from quizapp.services.people import accounts, auditlog, privacy
from tests.conftest import TEST_PASSWORD, csrf_from, login
from tests.data import academykit as kit

NOW = now_utc()
DAY = timedelta(days=1)


def _certificate(db, holder, academy, programme, code, *, expires=NOW + 300 * DAY):
    certificate = Certificate(
        code=code,
        user_id=holder.id,
        programme_id=programme.id,
        academy_id=academy.id,
        cycle=1,
        holder_name=holder.display_name,
        programme_name=programme.name,
        academy_name=academy.name,
        issued_at=NOW - 30 * DAY,
        expires_at=expires,
    )
    db.session.add(certificate)
    db.session.commit()
    return certificate


def _zone(db, attempt, zone="glabella", verdict="natural"):
    db.session.add(
        CaseZoneResult(
            attempt_id=attempt.id,
            user_id=attempt.user_id,
            case_version_id=attempt.case_version_id,
            zone=zone,
            verdict=verdict,
            planned=20.0,
            reference_min=15.0,
            reference_max=25.0,
            deviation=0.0,
        )
    )
    db.session.commit()


@pytest.fixture()
def world(tmp_path, factory, db):
    """Two trainees of one academy with a full history each, their admin and educator, a cohort
    and a programme, and another academy with its own admin and trainee."""
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy, display_name="Ada Admin")
    educator = factory.user(Role.EDUCATOR, academy, display_name="Ed Educator")
    ana = factory.user(Role.TRAINEE, academy, display_name="=SUM(1)+Ana", email="ana@example.com")
    ben = factory.user(Role.TRAINEE, academy, display_name="Ben Other", email="ben@example.com")
    histories = {}
    for person, score, band in ((ana, 80, "natural"), (ben, 40, "unsafe")):
        first = kit.quiz(person, academy, "basics", score - 30, NOW - 3 * DAY)
        second = kit.quiz(person, academy, "basics", score, NOW - 2 * DAY)
        opened = kit.open_quiz(person, academy, "advanced", NOW - DAY)
        case = kit.case_attempt(person, academy, band, NOW - DAY)
        case.plan_items = [{"zone": "glabella", "product": "toxin", "amount": "20"}]
        case.grades = {"glabella": 2}
        case.red_flags = []
        db.session.commit()
        _zone(db, case)
        entry = LogbookEntry(
            academy_id=academy.id,
            trainee_user_id=person.id,
            treated_on=date(2026, 1, 15),
            modality="toxin",
            role="observed",
            age_band="40-49",
            sex="F",
            fitzpatrick="II",
            zones=[{"zone": "glabella", "grade": 2, "product": "ona", "amount": 20}],
            reflection_went_well=f"Reflection of {person.display_name}",
        )
        activity = CpdActivity(
            academy_id=academy.id,
            user_id=person.id,
            done_on=date(2026, 1, 20),
            topic=f"Workshop of {person.display_name}",
            method="workshop",
            hours=Decimal("2.50"),
        )
        db.session.add_all([entry, activity])
        db.session.commit()
        histories[person.id] = {
            "quiz": {first.id, second.id, opened.id},
            "case": {case.id},
            "logbook": {entry.id},
            "cpd": {activity.id},
        }
    programme = kit.programme(academy)
    cohort = kit.cohort(academy, [ana, ben], [programme], name="Spring")
    ana_certificate = _certificate(db, ana, academy, programme, "ana-cert-code")
    ben_certificate = _certificate(db, ben, academy, programme, "ben-cert-code")
    # An invitation addressed to Ana (used to sign up) and one Ana's admin wrote for someone else.
    invitation = accounts.create_invitation(
        academy, Role.TRAINEE, email="ana@example.com", created_by=admin
    )
    auditlog.audit(
        academy.id,
        admin.id,
        "invitation.created",
        f"invitation {invitation.id}",
        {"email": "ana@example.com", "role": "trainee"},
    )
    auditlog.audit(
        academy.id,
        admin.id,
        "invitation.bulk_created",
        "2 invitations",
        {"emails": ["ana@example.com", "cleo@example.com"]},
    )
    db.session.commit()
    db.session.add(
        MentorProfile(
            academy_id=academy.id,
            user_id=educator.id,
            registration_body="NMC",
            registration_number="12A3456B",
            prescriber=True,
        )
    )
    auditlog.audit(
        academy.id,
        admin.id,
        "mentor.profile_created",
        f"user {educator.id}",
        {"registration_body": "NMC", "registration_number": "12A3456B"},
    )
    db.session.commit()
    elsewhere = factory.academy("Elsewhere", "elsewhere")
    other_admin = factory.user(Role.ADMIN, elsewhere, display_name="Other Admin")
    stranger = factory.user(Role.TRAINEE, elsewhere, display_name="Stranger")
    kit.quiz(stranger, elsewhere, "basics", 100, NOW - DAY)
    return {
        "academy": academy,
        "admin": admin,
        "educator": educator,
        "ana": ana,
        "ben": ben,
        "histories": histories,
        "programme": programme,
        "cohort": cohort,
        "certificates": {ana.id: ana_certificate, ben.id: ben_certificate},
        "elsewhere": elsewhere,
        "other_admin": other_admin,
        "stranger": stranger,
    }


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.data))


def _csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def _delete(client, path="/account/delete", *, password=TEST_PASSWORD, confirm="DELETE"):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"password": password, "confirm": confirm, "csrf_token": token})


# --------------------------------------------------------------------------------------------
# The account page and the export
# --------------------------------------------------------------------------------------------


def test_account_page_links_password_export_and_deletion(client, world):
    login(client, world["ana"].email)
    html = client.get("/account/").get_data(as_text=True)
    for link in ("/account/password", "/account/export.zip", "/account/delete"):
        assert f'href="{link}"' in html
    # The main navigation's Account link leads here.
    assert 'href="/account/"' in client.get("/learn/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/account/", "/account/export.zip", "/account/delete"])
def test_account_pages_need_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_export_holds_all_of_the_users_data_and_only_theirs(client, world, db):
    ana, ben = world["ana"], world["ben"]
    login(client, ana.email)
    archive = _zip(client.get("/account/export.zip"))
    assert {
        "README.txt",
        "data.json",
        "profile.csv",
        "memberships.csv",
        "quiz_attempts.csv",
        "quiz_answers.csv",
        "case_attempts.csv",
        "case_plans.csv",
        "case_zones.csv",
        "certificates.csv",
        "actions.csv",
    } <= set(archive.namelist())
    data = json.loads(archive.read("data.json"))

    assert data["profile"]["email"] == "ana@example.com"
    assert data["profile"]["display_name"] == "=SUM(1)+Ana"
    assert [(m["academy"], m["role"], m["active"]) for m in data["memberships"]] == [
        ("Northbridge", "trainee", True)
    ]
    assert data["cohorts"] == [{"cohort_id": world["cohort"].id, "role": "trainee"}]

    # Quiz attempts: all three of Ana's (two submitted with answers and scores, one open).
    own = world["histories"][ana.id]
    assert {a["id"] for a in data["quiz_attempts"]} == own["quiz"]
    submitted = [a for a in data["quiz_attempts"] if a["status"] == "submitted"]
    assert sorted(a["score_percent"] for a in submitted) == [50, 80]
    assert all(a["module_slug"] == "basics" and a["passed"] is not None for a in submitted)
    results = db.session.scalar(
        select(func.count())
        .select_from(QuestionResult)
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(QuizAttempt.user_id == ana.id)
    )
    assert sum(len(a["question_results"]) for a in data["quiz_attempts"]) == results == 4
    opened = next(a for a in data["quiz_attempts"] if a["status"] == "in_progress")
    assert opened["result"] is None and opened["question_results"] == []

    # Case attempts with their steps (assessment, candidacy, plan) and results.
    (case,) = data["case_attempts"]
    assert case["id"] in own["case"]
    assert case["band"] == "natural"
    assert case["steps"]["assessment"] == {"glabella": 2}
    assert case["steps"]["candidacy"]["disposition"] == "treat"
    assert case["steps"]["plan"] == [{"zone": "glabella", "product": "toxin", "amount": "20"}]
    assert [z["zone"] for z in case["zone_results"]] == ["glabella"]

    assert [c["code"] for c in data["certificates"]] == ["ana-cert-code"]

    # The portfolio: her logbook entries and CPD activities.
    assert {e["id"] for e in data["logbook"]} == own["logbook"]
    assert data["logbook"][0]["zones"][0]["zone"] == "glabella"
    assert {a["id"] for a in data["cpd"]} == own["cpd"]
    assert data["cpd"][0]["hours"] == 2.5
    assert data["mentor_profiles"] == []

    # Nothing of Ben's anywhere in the archive.
    everything = "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    assert "ben@example.com" not in everything and "Ben Other" not in everything
    assert "ben-cert-code" not in everything
    assert "Reflection of Ben" not in everything and "Workshop of Ben" not in everything
    ben_rows = world["histories"][ben.id]
    assert not ben_rows["quiz"] & {a["id"] for a in data["quiz_attempts"]}

    # The CSV files agree with the JSON, through the formula-safe writer.
    (profile,) = _csv(archive, "profile.csv")
    assert profile["display_name"] == "'=SUM(1)+Ana"
    assert {int(r["id"]) for r in _csv(archive, "quiz_attempts.csv")} == own["quiz"]
    assert len(_csv(archive, "quiz_answers.csv")) == 4
    assert [r["zone"] for r in _csv(archive, "case_plans.csv")] == ["glabella"]
    assert [r["code"] for r in _csv(archive, "certificates.csv")] == ["ana-cert-code"]
    assert [int(r["id"]) for r in _csv(archive, "logbook.csv")] == list(own["logbook"])
    assert [r["topic"] for r in _csv(archive, "cpd.csv")] == ["Workshop of =SUM(1)+Ana"]


def test_export_is_recorded_in_the_audit_log(client, world, db):
    login(client, world["ben"].email)
    _zip(client.get("/account/export.zip"))
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.exported"))
    assert entry is not None
    assert (entry.actor_id, entry.target) == (world["ben"].id, f"user {world['ben'].id}")


def test_an_admins_export_lists_their_actions_without_details(client, world, db):
    """Audit entries they wrote are theirs; details (which can name others) are left out."""
    admin = world["admin"]
    login(client, admin.email)
    archive = _zip(client.get("/account/export.zip"))
    data = archive.read("data.json").decode()
    actions = json.loads(data)["actions"]
    assert [a["action"] for a in actions] == [
        "invitation.created",
        "invitation.bulk_created",
        "mentor.profile_created",
    ]  # the export's own entry is written after the file is built
    assert actions[1]["target"] == "2 invitations"
    assert "ana@example.com" not in data and "cleo@example.com" not in data
    assert "12A3456B" not in data
    assert "Ben Other" not in data  # nor anything of the trainees


# --------------------------------------------------------------------------------------------
# Deleting one's own account
# --------------------------------------------------------------------------------------------


def _counts(db, user_id):
    return {
        model.__name__: db.session.scalar(
            select(func.count()).select_from(model).where(model.user_id == user_id)
        )
        for model in (QuizAttempt, CaseAttempt, CaseZoneResult, Certificate, CpdActivity)
    } | {
        "LogbookEntry": db.session.scalar(
            select(func.count())
            .select_from(LogbookEntry)
            .where(LogbookEntry.trainee_user_id == user_id)
        )
    }


def test_deletion_needs_the_password_and_the_typed_confirmation(client, world, db):
    ana = world["ana"]
    login(client, ana.email)
    assert _delete(client, password="not-my-password").status_code == 422
    response = _delete(client, confirm="delete please")
    assert response.status_code == 422
    assert "Type DELETE" in response.get_data(as_text=True)
    db.session.expire_all()
    user = db.session.get(User, ana.id)
    assert (user.email, user.active) == ("ana@example.com", True)
    assert client.get("/learn/").status_code == 200  # still signed in


def test_deletion_anonymises_the_account_in_place_and_keeps_history(client, world, db):
    ana = world["ana"]
    before = _counts(db, ana.id)
    assert all(before.values()), before
    version = ana.session_version
    login(client, ana.email)
    response = _delete(client)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")

    db.session.expire_all()
    user = db.session.get(User, ana.id)
    assert user.email == f"deleted-{ana.id}@invalid"
    assert user.display_name == "Deleted learner"
    assert user.active is False and user.is_site_admin is False
    assert user.session_version == version + 1
    assert not accounts.authenticate(f"deleted-{ana.id}@invalid", TEST_PASSWORD)
    assert not accounts.authenticate("ana@example.com", TEST_PASSWORD)
    assert "argon2" not in user.password_hash
    assert [m.active for m in user.memberships] == [False]
    # Attempts, results and certificates are kept, and no longer carry the name.
    assert _counts(db, ana.id) == before
    certificate = db.session.get(Certificate, world["certificates"][ana.id].id)
    assert certificate.holder_name == "Deleted learner" and certificate.revoked_at is None
    # The invitation addressed to her no longer holds the address; the admin's stays theirs.
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == f"deleted-{ana.id}@invalid"
    assert invitation.created_by_id == world["admin"].id
    # The audit log keeps the admin's invitations, without her address.
    details = {
        e.action: e.details
        for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("invitation.%"))
        )
    }
    assert details["invitation.created"]["email"] == f"deleted-{ana.id}@invalid"
    assert details["invitation.bulk_created"]["emails"] == [
        f"deleted-{ana.id}@invalid",
        "cleo@example.com",
    ]
    # Ben is untouched.
    ben = db.session.get(User, world["ben"].id)
    assert (ben.email, ben.active) == ("ben@example.com", True)
    assert db.session.get(Certificate, world["certificates"][ben.id].id).holder_name == "Ben Other"


def test_deletion_is_audited_with_ids_only(client, world, db):
    ana = world["ana"]
    login(client, ana.email)
    started = now_utc()
    _delete(client)
    (entry,) = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert entry.actor_id == ana.id
    assert entry.academy_id == world["academy"].id
    assert entry.target == f"user {ana.id}"
    assert entry.details == {"by": "self"}
    assert entry.created_at >= started - timedelta(seconds=5)
    text = json.dumps([entry.target, entry.details])
    assert "ana@example.com" not in text and "Ana" not in text


def test_deletion_ends_every_session(app, client, world):
    ana = world["ana"]
    other = app.test_client()
    login(other, ana.email)
    assert other.get("/learn/").status_code == 200
    login(client, ana.email)
    _delete(client)
    # The session that deleted is gone, and so is the one in the other browser.
    for session in (client, other):
        response = session.get("/learn/")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert login(other, ana.email).status_code == 200  # the login form again: no way back in


def test_the_last_admin_cannot_delete_their_account(client, world, db):
    admin = world["admin"]
    login(client, admin.email)
    response = _delete(client)
    assert response.status_code == 200
    assert "only admin of Northbridge" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted")) is None
    )


def test_a_deleted_members_membership_cannot_be_reactivated(client, world, db):
    ana = world["ana"]
    login(client, ana.email)
    _delete(client)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == ana.id))
    login(client, world["admin"].email)
    page = client.get("/academy/members").get_data(as_text=True)
    client.post(
        f"/academy/members/{membership.id}/reactivate", data={"csrf_token": csrf_from(page)}
    )
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).active is False


# --------------------------------------------------------------------------------------------
# The academy's figures do not change
# --------------------------------------------------------------------------------------------


def _figures(academy_id: int, cohort_id: int | None = None) -> dict:
    """Every number of the academy report (names, emails and at-risk reasons left out)."""
    report = reports.build(reports.Scope(academy_id, cohort_id), NOW)
    return {
        "learners": report.learner_count,
        "funnel": report.funnel,
        "bands": report.bands.counts,
        "certificates": report.certificates.by_programme,
        "expiring": [(c.certificate_id, c.expires_at) for c in report.certificates.expiring],
        "per_learner": {
            row.user_id: (
                row.modules_passed,
                row.failing_attempts,
                row.cases,
                row.good_cases,
                row.recent_bad_plans,
                row.unsafe,
                row.average_band,
                row.valid_certificates,
                row.next_expiry,
                row.last_active,
            )
            for row in report.learners
        },
    }


def _insight(academy_id: int, world) -> dict:
    module = kit.module("basics")
    case = kit.case("f44-frown-lines")
    return {
        "common_mistakes": insight.common_mistakes(academy_id),
        "questions": insight.question_stats(academy_id, module.latest_published().id),
        "case": insight.case_insight(academy_id, case.id),
        "modules": insight.module_activity(academy_id),
        "cases": insight.case_activity(academy_id),
    }


def test_academy_reports_and_insight_are_unchanged_after_deletion(client, world, db):
    academy = world["academy"]
    before = _figures(academy.id)
    before_cohort = _figures(academy.id, world["cohort"].id)
    before_insight = _insight(academy.id, world)
    assert before["learners"] == 2 and before["bands"]["natural"] == 1  # the fixture's history

    login(client, world["ana"].email)
    assert _delete(client).status_code == 302
    db.session.expire_all()

    assert _figures(academy.id) == before
    assert _figures(academy.id, world["cohort"].id) == before_cohort
    assert _insight(academy.id, world) == before_insight
    # The learners table shows the anonymous learner, not the person, and asks no follow-up.
    report = reports.build(reports.Scope(academy.id), NOW + 60 * DAY)
    row = next(r for r in report.learners if r.user_id == world["ana"].id)
    assert (row.name, row.email, row.reasons) == (
        "Deleted learner",
        f"deleted-{world['ana'].id}@invalid",
        [],
    )
    html = client.get("/academy/reports")  # signed out now: the page itself is for admins
    login(client, world["admin"].email)
    html = client.get("/academy/reports").get_data(as_text=True)
    assert "=SUM(1)+Ana" not in html and "ana@example.com" not in html


def test_a_deleted_learner_is_not_issued_new_certificates(client, world, db):
    ana = world["ana"]
    db.session.delete(world["certificates"][ana.id])
    db.session.commit()
    login(client, ana.email)
    _delete(client)
    from quizapp.services.academy import certification

    db.session.expire_all()
    assert certification.issue_earned(ana.id, world["academy"].id, NOW) == []
    # Her history does meet the programme: only the deleted account stops the issue.
    db.session.get(User, ana.id).active = True
    assert len(certification.issue_earned(ana.id, world["academy"].id, NOW)) == 1
    db.session.rollback()


# --------------------------------------------------------------------------------------------
# The public verification page
# --------------------------------------------------------------------------------------------


def test_verification_page_says_the_holder_account_was_deleted(client, world):
    html = client.get("/verify/ana-cert-code").get_data(as_text=True)
    assert "Valid certificate" in html and "=SUM(1)+Ana" in html
    login(client, world["ana"].email)
    _delete(client)
    response = client.get("/verify/ana-cert-code")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Holder account deleted" in html
    assert "Valid certificate" not in html
    assert "=SUM(1)+Ana" not in html and "Deleted learner" not in html
    assert "Holder</dt>" not in html
    # Ben's certificate is as it was.
    assert "Valid certificate" in client.get("/verify/ben-cert-code").get_data(as_text=True)


# --------------------------------------------------------------------------------------------
# Admins deleting accounts
# --------------------------------------------------------------------------------------------


def test_an_academy_admin_deletes_a_trainee_of_their_academy(client, world, db):
    ana, admin = world["ana"], world["admin"]
    login(client, admin.email)
    members_page = client.get("/academy/members").get_data(as_text=True)
    assert f'href="/account/users/{ana.id}/delete"' in members_page
    path = f"/account/users/{ana.id}/delete"
    page = client.get(path).get_data(as_text=True)
    assert "=SUM(1)+Ana" in page  # the admin sees whom they are deleting
    assert _delete(client, path, password="wrong-password-here").status_code == 422
    response = _delete(client, path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/academy/members")
    db.session.expire_all()
    user = db.session.get(User, ana.id)
    assert user.email == f"deleted-{ana.id}@invalid" and not user.active
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.deleted"))
    assert (entry.actor_id, entry.target, entry.details) == (
        admin.id,
        f"user {ana.id}",
        {"by": "academy_admin"},
    )
    assert client.get("/academy/").status_code == 200  # the admin is still signed in


@pytest.mark.parametrize(
    "actor, target, status",
    [
        ("other_admin", "ana", 404),  # another academy's admin: the trainee does not exist
        ("admin", "stranger", 404),  # a trainee of another academy
        ("admin", "educator", 404),  # an academy admin deletes trainees only
        ("admin", "admin", 404),  # not oneself here (the account page does that)
        ("educator", "ana", 403),
        ("ben", "ana", 403),
    ],
)
def test_who_may_delete_whom(client, world, db, actor, target, status):
    login(client, world[actor].email)
    user_id = world[target].id
    path = f"/account/users/{user_id}/delete"
    assert client.get(path).status_code == status
    # A post straight at the endpoint changes nothing either.
    token = csrf_from(client.get("/account/").get_data(as_text=True))
    response = client.post(
        path, data={"password": TEST_PASSWORD, "confirm": "DELETE", "csrf_token": token}
    )
    assert response.status_code == status
    db.session.expire_all()
    assert db.session.get(User, user_id).active is True


def test_an_academy_admin_cannot_delete_someone_who_belongs_elsewhere_too(client, world, db):
    ana = world["ana"]
    accounts.add_membership(ana, world["elsewhere"], Role.TRAINEE)
    db.session.commit()
    login(client, world["admin"].email)
    response = _delete(client, f"/account/users/{ana.id}/delete")
    assert "only a site admin" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, ana.id).active is True


def test_a_site_admin_may_delete_anyone(client, world, db, factory):
    root = factory.user(None, site_admin=True, display_name="Root")
    login(client, root.email)
    for name in ("stranger", "educator"):
        user_id = world[name].id
        response = _delete(client, f"/account/users/{user_id}/delete")
        assert response.status_code == 302
        db.session.expire_all()
        assert db.session.get(User, user_id).email == f"deleted-{user_id}@invalid"
    # The educator was a mentor: the registration number (a public register's key) is gone.
    profile = db.session.scalar(select(MentorProfile).where(MentorProfile.user_id == user_id))
    assert (profile.registration_body, profile.registration_number) == ("NMC", "")
    logged = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "mentor.profile_created")
    )
    assert logged.details == {"registration_body": "NMC", "registration_number": ""}
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "account.deleted")
    ).all()
    assert {(e.actor_id, e.details["by"]) for e in entries} == {(root.id, "site_admin")}
    # Deleted accounts cannot be deleted twice.
    assert client.get(f"/account/users/{world['stranger'].id}/delete").status_code == 404


def test_the_deleted_helper_recognises_only_anonymised_accounts(world, db):
    ana = world["ana"]
    assert not privacy.is_deleted(ana)
    ana.active = False  # deactivated, not deleted
    assert not privacy.is_deleted(ana)
    privacy.delete_account(world["ben"], world["ben"], NOW)
    db.session.commit()
    assert privacy.is_deleted(world["ben"])
    assert set(db.session.scalars(privacy.deleted_user_ids())) == {world["ben"].id}
