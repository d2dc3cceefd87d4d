"""Every state-changing action of an educator or admin leaves an audit entry: who (actor), what
(action), on what (target) and when (timestamp). Each action is performed through real HTTP.

COVERED maps every state-changing (POST) route of the staff blueprints to the entries it writes;
NOT_AUDITED lists the few that change nothing worth auditing, with the reason. A new POST route
must be placed in one of them (test_every_staff_post_route_is_accounted_for), so coverage cannot
silently fall behind. The admin's audit page (/academy/audit) is tested at the end.

These tests use the function-scoped `db`, `client` and `factory` fixtures, not the module-scoped
world of tests/security/conftest.py.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.models import (
    AuditEntry,
    Certificate,
    CohortMember,
    LogbookEntry,
    Membership,
    MentorAssignment,
    Role,
)
from quizapp.models.base import now_utc
from quizapp.services.people import auditlog
from tests.conftest import csrf_from, login
from tests.data import academykit as kit
from tests.web.test_academy_xapi import lrs  # noqa: F401 (a fixture: a loopback LRS)
from tests.web.test_author_cases import CASE_FORM, CASE_YAML, _form_from_page
from tests.web.test_author_modules import GIFT, QUESTIONS, SETTINGS
from tests.web.test_portfolio_logbook import entry_form

# Route (endpoint) -> the audit actions it writes. "case.*"/"module.*": records.audit prefixes
# the kind of item.
COVERED: dict[str, tuple[str, ...]] = {
    "author.case_new": ("case.create",),
    "author.case_edit": ("case.edit",),
    "author.case_yaml": ("case.edit",),
    "author.case_upload": ("case.import",),
    "author.publish": ("case.publish", "module.publish", "drill.publish"),
    "author.retire": ("case.retire", "module.retire"),
    "author.discard": ("case.discard",),
    "author.clone": ("case.clone", "module.clone"),
    "author.module_new": ("module.create",),
    "author.module_settings_edit": ("module.edit",),
    "author.module_yaml": ("module.edit",),
    "author.question_edit": ("module.edit",),
    "author.question_action": ("module.edit",),
    "author.gift_import": ("module.import",),
    "author.module_import": ("module.import",),
    "author.drill_new": ("drill.create",),
    "author.drill_yaml": ("drill.edit",),
    "academy.members_page": ("invitation.created",),
    "academy.withdraw_invitation": ("invitation.withdrawn",),
    "academy.import_invitations": ("invitation.bulk_created",),
    "academy.member_active": ("member.deactivated", "member.reactivated"),
    "academy.cohorts": ("cohort.created",),
    "academy.cohort": ("cohort.changed",),
    "academy.cohort_add": ("cohort.members_added",),
    "academy.cohort_remove": ("cohort.member_removed",),
    "academy.cohort_programmes": ("cohort.programmes_set",),
    "academy.cohort_xapi_send": ("xapi.sent",),
    "academy.programmes": ("programme.created",),
    "academy.programme": ("programme.changed",),
    "academy.programme_issue": ("programme.issue_run", "certificate.issued"),
    "academy.certificate": ("certificate.revoked",),
    "academy.credentials": ("credentials.look_changed",),
    "academy.rotate_key": ("credentials.key_rotated",),
    "account.delete": ("account.deleted",),
    "account.delete_member": ("account.deleted",),
    "portfolio.admin_mentor": ("mentor.profile_created", "mentor.profile_changed"),
    "portfolio.admin_assign": ("mentor.assigned",),
    "portfolio.admin_unassign": ("mentor.unassigned",),
    "portfolio.review": ("logbook.changes_requested", "logbook.signed"),
    "portfolio.submit": ("logbook.submitted",),
    "sites.index": ("academy.created", "invitation.created"),
    "sites.academy": ("academy.renamed",),
    "sites.invite_admin": ("invitation.created",),
    "sites.set_active": ("academy.deactivated", "academy.reactivated"),
}
NOT_AUDITED = {
    "portfolio.new": "a trainee's own draft entry (its submission is audited)",
    "portfolio.edit": "a trainee's own draft entry (its submission is audited)",
    "author.case_preview_start": "a preview lives in the educator's session; nothing is stored",
    "author.case_preview": "a preview step; nothing is stored",
    "author.question_preview": "a preview answer; nothing is stored",
}
STAFF_BLUEPRINTS = ("author", "academy", "account", "portfolio", "sites")


def test_every_staff_post_route_is_accounted_for(app):
    posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS
    }
    missing = sorted(posts - set(COVERED) - set(NOT_AUDITED))
    assert missing == [], f"add these routes to COVERED (with a test) or NOT_AUDITED: {missing}"
    assert not set(COVERED) & set(NOT_AUDITED)


class Trail:
    """Reads the audit entries written since the last check."""

    def __init__(self, db):
        self.db = db
        self.last_id = db.session.scalar(select(func.max(AuditEntry.id))) or 0
        self.since = now_utc()
        self.seen: set[str] = set()

    def expect(self, actor, action: str, target: str | re.Pattern) -> AuditEntry:
        self.db.session.expire_all()
        new = self.db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > self.last_id).order_by(AuditEntry.id)
        ).all()
        matching = [e for e in new if e.action == action]
        assert matching, f"no {action!r} entry; written: {[e.action for e in new]}"
        entry = matching[-1]
        actor_id = actor if actor is None else actor.id
        assert entry.actor_id == actor_id, (action, entry.actor_id)
        if isinstance(target, re.Pattern):
            assert target.fullmatch(entry.target), (action, entry.target)
        else:
            assert entry.target == target, (action, entry.target)
        slack = timedelta(seconds=5)
        assert self.since - slack <= entry.created_at <= now_utc() + slack
        self.last_id = max(e.id for e in new)
        self.since = now_utc()
        self.seen.add(action)
        return entry


def post(client, url, data=None, *, page=None, **kw):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kw)


def _new_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].split("?")[0].rstrip("/").rsplit("/", 1)[1])


@pytest.fixture()
def academy(tmp_path, factory):
    kit.import_bank(tmp_path)  # bank modules basics/advanced and the bank case f44-frown-lines
    return factory.academy("Northbridge", "northbridge")


# --------------------------------------------------------------------------------------------
# Authoring
# --------------------------------------------------------------------------------------------


def test_authoring_actions_are_audited(client, academy, factory, db):
    educator = factory.user(Role.EDUCATOR, academy)
    login(client, educator.email)
    trail = Trail(db)

    # Cases: create, edit (form and YAML), publish, a new version, discard, retire, import, clone.
    case_id = _new_id(post(client, "/author/cases/new", CASE_FORM))
    trail.expect(educator, "case.create", f"case:{case_id}")
    form = _form_from_page(client.get(f"/author/cases/{case_id}/edit").get_data(as_text=True))
    form["title"] = "Frown lines at 44, edited"
    post(client, f"/author/cases/{case_id}/edit", form)
    trail.expect(educator, "case.edit", f"case:{case_id}")
    post(client, f"/author/cases/{case_id}/publish", page=f"/author/cases/{case_id}")
    assert trail.expect(educator, "case.publish", f"case:{case_id}").details["version"] == 1
    changed = CASE_YAML.replace("Frown lines at 44", "Frown lines at 45")
    post(client, f"/author/cases/{case_id}/yaml", {"text": changed})
    entry = trail.expect(educator, "case.edit", f"case:{case_id}")
    assert entry.details["version"] == 2  # a new version after publishing
    post(client, f"/author/cases/{case_id}/discard", page=f"/author/cases/{case_id}")
    trail.expect(educator, "case.discard", f"case:{case_id}")
    post(client, f"/author/cases/{case_id}/retire", page=f"/author/cases/{case_id}")
    trail.expect(educator, "case.retire", f"case:{case_id}")
    other = CASE_YAML.replace("id: t44-frown", "id: t46-other")
    response = post(client, "/author/cases/upload", {"text": other})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trail.expect(educator, "case.import", re.compile(r"case:\d+"))
    bank_case = kit.case("f44-frown-lines")
    copy_id = _new_id(post(client, f"/author/cases/{bank_case.id}/clone", page="/author/"))
    entry = trail.expect(educator, "case.clone", f"case:{copy_id}")
    assert entry.details["source"] == f"case:{bank_case.id}"

    # Modules: create, questions, settings, GIFT, YAML, publish, zip import, retire, clone.
    module_id = _new_id(post(client, "/author/modules/new", SETTINGS))
    trail.expect(educator, "module.create", f"module:{module_id}")
    for kind in ("single", "truefalse"):
        url = f"/author/modules/{module_id}/questions/new?type={kind}"
        post(client, url, QUESTIONS[kind])
        trail.expect(educator, "module.edit", f"module:{module_id}")
    post(
        client,
        f"/author/modules/{module_id}/questions/rs-03/up",
        page=f"/author/modules/{module_id}",
    )
    trail.expect(educator, "module.edit", f"module:{module_id}")
    post(
        client,
        f"/author/modules/{module_id}/questions/rs-03/delete",
        page=f"/author/modules/{module_id}",
    )
    trail.expect(educator, "module.edit", f"module:{module_id}")
    post(client, f"/author/modules/{module_id}/settings", {**SETTINGS, "title": "Restraint II"})
    trail.expect(educator, "module.edit", f"module:{module_id}")
    post(client, f"/author/modules/{module_id}/gift", {"text": GIFT, "skip_unsupported": "yes"})
    trail.expect(educator, "module.import", f"module:{module_id}")
    text = client.get(f"/author/modules/{module_id}/yaml").get_data(as_text=True)
    assert "Restraint II" in text
    from quizapp.services.authoring import records

    record = records.owned("module", module_id, academy.id)
    yaml_text = records.latest(record).source_text.replace("Restraint II", "Restraint III")
    post(client, f"/author/modules/{module_id}/yaml", {"text": yaml_text})
    trail.expect(educator, "module.edit", f"module:{module_id}")
    post(client, f"/author/modules/{module_id}/publish", page=f"/author/modules/{module_id}")
    trail.expect(educator, "module.publish", f"module:{module_id}")
    exported = client.get(f"/author/modules/{module_id}/export.zip")
    assert exported.status_code == 200
    response = post(
        client,
        "/author/modules/import",
        {"file": (io.BytesIO(exported.data), "restraint.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    trail.expect(educator, "module.import", f"module:{module_id}")
    post(client, f"/author/modules/{module_id}/retire", page=f"/author/modules/{module_id}")
    trail.expect(educator, "module.retire", f"module:{module_id}")
    bank_module = kit.module("basics")
    copy_id = _new_id(post(client, f"/author/modules/{bank_module.id}/clone", page="/author/"))
    trail.expect(educator, "module.clone", f"module:{copy_id}")

    from quizapp.services.authoring.drills import NEW_DRILL

    drill_id = _new_id(post(client, "/author/drills/new", {"text": NEW_DRILL}))
    trail.expect(educator, "drill.create", f"drill:{drill_id}")
    edited = NEW_DRILL.replace("title: A new complication drill", "title: Lip blanching")
    post(client, f"/author/drills/{drill_id}/yaml", {"text": edited})
    trail.expect(educator, "drill.edit", f"drill:{drill_id}")
    post(client, f"/author/drills/{drill_id}/publish", page=f"/author/drills/{drill_id}")
    trail.expect(educator, "drill.publish", f"drill:{drill_id}")

    authored = {
        a
        for endpoint, actions in COVERED.items()
        if endpoint.startswith("author.")
        for a in actions
    }
    assert authored <= trail.seen, authored - trail.seen


# --------------------------------------------------------------------------------------------
# The academy: members, invitations, cohorts, programmes, certificates, xAPI, accounts
# --------------------------------------------------------------------------------------------


def test_academy_admin_actions_are_audited(client, academy, factory, db, lrs):  # noqa: F811
    admin = factory.user(Role.ADMIN, academy)
    trainee = factory.user(Role.TRAINEE, academy, display_name="Tia Trainee")
    leaver = factory.user(Role.TRAINEE, academy, display_name="Leo Leaver")
    kit.quiz(trainee, academy, "basics", 90)
    kit.case_attempt(trainee, academy, "natural")
    login(client, admin.email)
    trail = Trail(db)

    # Invitations: one, withdrawn, then a file of them.
    post(
        client,
        "/academy/members",
        {"role": "trainee", "email": "new@example.com", "days": "7", "max_uses": "1"},
    )
    entry = trail.expect(admin, "invitation.created", re.compile(r"invitation \d+"))
    invitation_id = int(entry.target.split()[1])
    post(
        client,
        f"/academy/invitations/{invitation_id}/withdraw",
        page="/academy/members",
    )
    trail.expect(admin, "invitation.withdrawn", f"invitation {invitation_id}")
    upload = {"file": (io.BytesIO(b"email,role\na@example.com,trainee\n"), "people.csv")}
    post(client, "/academy/invitations/import", upload, content_type="multipart/form-data")
    trail.expect(admin, "invitation.bulk_created", "1 invitations")

    # Members: deactivate and reactivate.
    membership = db.session.scalar(select(Membership).where(Membership.user_id == leaver.id))
    for change in ("deactivate", "reactivate"):
        post(
            client,
            f"/academy/members/{membership.id}/{change}",
            page="/academy/members",
        )
        trail.expect(admin, f"member.{change}d", f"user {leaver.id}")

    # Programme, cohort, members, programmes of the cohort.
    programme_form = {
        "name": "Safe toxin practice",
        "description": "Upper-face toxin planning.",
        "required_modules": ["basics"],
        "min_good_cases": "1",
        "no_unsafe_in_last": "3",
        "validity_months": "24",
        "recertification": "",
        "active": "y",
    }
    programme_id = _new_id(post(client, "/academy/programmes", programme_form))
    trail.expect(admin, "programme.created", f"programme {programme_id}")
    post(
        client,
        f"/academy/programmes/{programme_id}",
        {**programme_form, "validity_months": "12"},
    )
    trail.expect(admin, "programme.changed", f"programme {programme_id}")
    cohort_id = _new_id(
        post(client, "/academy/cohorts", {"name": "Spring", "start_date": "2026-04-01"})
    )
    trail.expect(admin, "cohort.created", f"cohort {cohort_id}")
    cohort_url = f"/academy/cohorts/{cohort_id}"
    post(client, cohort_url, {"name": "Spring 2026", "start_date": "2026-04-01"})
    trail.expect(admin, "cohort.changed", f"cohort {cohort_id}")
    post(
        client,
        f"{cohort_url}/members",
        {"add-users": [trainee.id, leaver.id], "add-role": "trainee"},
        page=cohort_url,
    )
    trail.expect(admin, "cohort.members_added", f"cohort {cohort_id}")
    leaving = db.session.scalar(select(CohortMember).where(CohortMember.user_id == leaver.id))
    post(client, f"{cohort_url}/members/{leaving.id}/remove", page=cohort_url)
    trail.expect(admin, "cohort.member_removed", f"cohort {cohort_id}")
    post(client, f"{cohort_url}/programmes", {"prog-programmes": [programme_id]}, page=cohort_url)
    trail.expect(admin, "cohort.programmes_set", f"cohort {cohort_id}")

    # Certificates: the admin's "issue now" run, the certificate it issues, a revocation.
    programme_url = f"/academy/programmes/{programme_id}"
    post(client, f"{programme_url}/issue", page=programme_url)
    db.session.expire_all()
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == trainee.id))
    assert certificate is not None
    issued = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "certificate.issued",
            AuditEntry.target == f"certificate {certificate.id}",
        )
    )
    assert issued is not None and issued.actor_id is None  # quizapp issued it ...
    entry = trail.expect(admin, "programme.issue_run", f"programme {programme_id}")
    assert entry.details == {"certificates": [certificate.id]}  # ... on the admin's request
    trail.seen.add("certificate.issued")
    post(
        client,
        f"/academy/certificates/{certificate.id}",
        {"reason": "Issued in error during testing."},
    )
    trail.expect(admin, "certificate.revoked", f"certificate {certificate.id}")

    # xAPI: statements sent to the learning record store.
    post(client, f"{cohort_url}/xapi/send", page=cohort_url)
    assert lrs.received, "nothing reached the LRS"
    trail.expect(admin, "xapi.sent", f"cohort {cohort_id}")

    # Credentials: the certificates' signatory, and a new signing key.
    post(
        client,
        "/academy/credentials/",
        {"signatory_name": "Dr Priya Raman", "signatory_title": "Director"},
        content_type="multipart/form-data",
    )
    trail.expect(admin, "credentials.look_changed", "certificates")
    post(client, "/academy/credentials/rotate-key", page="/academy/credentials/")
    trail.expect(admin, "credentials.key_rotated", re.compile(r"key-[0-9a-f]{12}"))

    # Deleting a trainee's account.
    post(
        client,
        f"/account/users/{leaver.id}/delete",
        {"password": "correct-horse-battery", "confirm": "DELETE"},
    )
    entry = trail.expect(admin, "account.deleted", f"user {leaver.id}")
    assert entry.details == {"by": "academy_admin"}

    managed = {
        a
        for endpoint, actions in COVERED.items()
        if endpoint.startswith("academy.")
        for a in actions
    }
    assert managed | {"account.deleted"} <= trail.seen, managed - trail.seen


def test_a_learner_deleting_their_own_account_is_audited(client, academy, factory, db):
    trainee = factory.user(Role.TRAINEE, academy)
    login(client, trainee.email)
    trail = Trail(db)
    post(client, "/account/delete", {"password": "correct-horse-battery", "confirm": "DELETE"})
    entry = trail.expect(trainee, "account.deleted", f"user {trainee.id}")
    assert entry.academy_id == academy.id and entry.details == {"by": "self"}


def test_mentor_and_logbook_actions_are_audited(app, client, academy, factory, db):
    admin = factory.user(Role.ADMIN, academy)
    mentor = factory.user(Role.EDUCATOR, academy)
    trainee = factory.user(Role.TRAINEE, academy)
    login(client, admin.email)
    trail = Trail(db)
    profile = {
        "profile-user_id": str(mentor.id),
        "profile-registration_body": "NMC",
        "profile-registration_number": "12A3456E",
        "profile-prescriber": "y",
        "profile-toxin_years": "6",
        "profile-filler_years": "4",
    }
    post(client, "/portfolio/admin/mentors", profile, page="/portfolio/admin")
    trail.expect(admin, "mentor.profile_created", f"user {mentor.id}")
    post(
        client,
        "/portfolio/admin/mentors",
        {**profile, "profile-toxin_years": "7"},
        page="/portfolio/admin",
    )
    trail.expect(admin, "mentor.profile_changed", f"user {mentor.id}")
    assign = {"assign-mentor_user_id": str(mentor.id), "assign-trainee_user_id": str(trainee.id)}
    post(client, "/portfolio/admin/assignments", assign, page="/portfolio/admin")
    trail.expect(admin, "mentor.assigned", f"user {trainee.id}")

    learner = app.test_client()
    login(learner, trainee.email)
    response = post(learner, "/portfolio/new", entry_form())
    entry_id = _new_id(response)
    page = f"/portfolio/entries/{entry_id}"
    post(learner, f"{page}/submit", {"mentor_user_id": str(mentor.id)}, page=page)
    trail.expect(trainee, "logbook.submitted", f"logbook entry {entry_id}")

    reviewer = app.test_client()
    login(reviewer, mentor.email)
    post(
        reviewer,
        f"{page}/review",
        {"decision": "changes", "comment": "Add the dilution."},
        page=page,
    )
    trail.expect(mentor, "logbook.changes_requested", f"logbook entry {entry_id}")
    post(learner, f"{page}/submit", {"mentor_user_id": str(mentor.id)}, page=page)
    trail.expect(trainee, "logbook.submitted", f"logbook entry {entry_id}")
    post(reviewer, f"{page}/review", {"decision": "sign", "comment": ""}, page=page)
    entry = trail.expect(mentor, "logbook.signed", f"logbook entry {entry_id}")
    assert db.session.get(LogbookEntry, entry_id).signed_by_user_id == mentor.id
    assert entry.details["signed_by"] == mentor.id

    assignment = db.session.scalar(select(MentorAssignment))
    post(
        client,
        f"/portfolio/admin/assignments/{assignment.id}/delete",
        page="/portfolio/admin",
    )
    trail.expect(admin, "mentor.unassigned", f"user {trainee.id}")
    staff = {a for e, actions in COVERED.items() if e.startswith("portfolio.") for a in actions}
    assert staff <= trail.seen, staff - trail.seen


# --------------------------------------------------------------------------------------------
# The academy admin's audit page
# --------------------------------------------------------------------------------------------


def _entries(db, academy, admin, n: int, action="cohort.changed"):
    start = now_utc() - timedelta(hours=1)
    for i in range(n):
        entry = auditlog.audit(academy.id, admin.id, action, f"cohort {i}")
        entry.created_at = start + timedelta(seconds=i)
    db.session.commit()


def test_audit_page_is_paginated_newest_first(client, academy, factory, db):
    admin = factory.user(Role.ADMIN, academy, display_name="Ada Admin")
    _entries(db, academy, admin, 60)
    login(client, admin.email)
    first = client.get("/academy/audit").get_data(as_text=True)
    targets = re.findall(r"<td>cohort (\d+)</td>", first)
    assert targets[:3] == ["59", "58", "57"] and len(targets) == 50
    assert "Ada Admin" in first and 'rel="next"' in first
    second = client.get("/academy/audit?page=2").get_data(as_text=True)
    assert re.findall(r"<td>cohort (\d+)</td>", second) == [str(i) for i in range(9, -1, -1)]
    assert client.get("/academy/audit?page=3").status_code == 404
    assert client.get("/academy/audit?page=abc").status_code == 404


def test_audit_page_filters_by_action_and_downloads_csv(client, academy, factory, db):
    admin = factory.user(Role.ADMIN, academy)
    _entries(db, academy, admin, 3)
    _entries(db, academy, admin, 2, action="programme.changed")
    auditlog.audit(academy.id, admin.id, "cohort.created", "=HYPERLINK(1)")
    db.session.commit()
    login(client, admin.email)
    html = client.get("/academy/audit?action=programme.changed").get_data(as_text=True)
    assert html.count("<code>programme.changed</code>") == 2
    assert "<code>cohort.changed</code>" not in html
    assert '<option value="programme.changed" selected>' in html
    response = client.get("/academy/audit.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["when (UTC)", "actor id", "actor", "action", "target", "details"]
    assert len(rows) == 1 + 6
    assert rows[1][3:5] == ["cohort.created", "'=HYPERLINK(1)"]  # newest first, formula-safe
    assert all(row[1] == str(admin.id) for row in rows[1:])
    filtered = client.get("/academy/audit.csv?action=cohort.changed").get_data(as_text=True)
    assert len(list(csv.reader(io.StringIO(filtered.lstrip("\ufeff"))))) == 1 + 3


def test_audit_page_shows_only_the_admins_academy(app, client, academy, factory, db):
    admin = factory.user(Role.ADMIN, academy)
    elsewhere = factory.academy("Elsewhere", "elsewhere")
    other_admin = factory.user(Role.ADMIN, elsewhere)
    auditlog.audit(elsewhere.id, other_admin.id, "cohort.created", "cohort secret-elsewhere")
    auditlog.audit(academy.id, admin.id, "cohort.created", "cohort ours")
    db.session.commit()
    educator = factory.user(Role.EDUCATOR, academy)
    login(client, admin.email)
    html = client.get("/academy/audit").get_data(as_text=True)
    csv_text = client.get("/academy/audit.csv").get_data(as_text=True)
    for text in (html, csv_text):
        assert "cohort ours" in text and "secret-elsewhere" not in text
    other = app.test_client()
    login(other, educator.email)
    assert other.get("/academy/audit").status_code == 403
    assert other.get("/academy/audit.csv").status_code == 403
