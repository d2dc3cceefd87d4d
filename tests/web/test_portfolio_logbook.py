"""The logbook through real HTTP: validation, scoring of real practice, mentor sign-off and who
may see what, locking and superseding, the audit trail, and programme requirement counters."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from quizapp.domain.certification import add_months
from quizapp.extensions import db as _db
from quizapp.models import (
    AuditEntry,
    Certificate,
    EntryStatus,
    InvalidTransition,
    LogbookEntry,
    Programme,
    Role,
)
from quizapp.models.base import now_utc
from quizapp.services.academy import certification
from quizapp.services.portfolio import practice
from tests.conftest import csrf_from, login
from tests.data import academykit as kit

TODAY = now_utc().date()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()


def entry_form(**overrides) -> dict[str, str]:
    """A complete performed toxin entry as the form posts it: glabella 20 U at grade 3."""
    data = {
        "treated_on": YESTERDAY,
        "modality": "toxin",
        "role": "performed",
        "age_band": "35-44",
        "sex": "F",
        "fitzpatrick": "II",
        "consultation_done": "yes",
        "consent_form_version": "v3",
        "contraindications_screened": "yes",
        "zone-0": "glabella",
        "grade-0": "3",
        "product-0": "ona",
        "amount-0": "20",
        "side-0": "",
        "technique-0": "5 points",
        "review_outcome": "Even result at two weeks.",
        "complications": "None",
        "reflection_went_well": "Marked the points before injecting.",
        "reflection_change": "Photograph the frown before and after.",
        "go": "save",
    }
    data.update(overrides)
    return data


def raw_entry(**overrides):
    """The same entry as the service takes it."""
    raw = {
        "treated_on": YESTERDAY,
        "modality": "toxin",
        "role": "performed",
        "age_band": "35-44",
        "sex": "F",
        "fitzpatrick": "II",
        "consultation_done": "yes",
        "consent_form_version": "v3",
        "contraindications_screened": "yes",
        "zones": [{"zone": "glabella", "grade": "3", "product": "ona", "amount": "20"}],
        "review_outcome": "Even result.",
        "complications": "",
        "reflection_went_well": "Calm patient.",
        "reflection_change": "Slower.",
    }
    raw.update(overrides)
    return raw


@pytest.fixture()
def people(factory, db):
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    mentor = factory.user(Role.EDUCATOR, academy)
    trainee = factory.user(Role.TRAINEE, academy)
    other_trainee = factory.user(Role.TRAINEE, academy)
    practice.save_mentor_profile(
        academy.id,
        mentor.id,
        registration_body="NMC",
        registration_number="12A3456E",
        prescriber=True,
        toxin_years=6,
        filler_years=4,
        actor_id=admin.id,
    )
    practice.assign(academy.id, mentor.id, trainee.id, admin.id)
    db.session.commit()
    return {
        "academy": academy,
        "admin": admin,
        "mentor": mentor,
        "trainee": trainee,
        "other_trainee": other_trainee,
    }


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _switch(client, user):
    token = csrf_from(client.get("/portfolio/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    login(client, user.email)


def _new_entry(client, **overrides) -> LogbookEntry:
    response = _post(client, "/portfolio/new", entry_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    entry_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return _db.session.get(LogbookEntry, entry_id)


def _submit(client, entry, mentor):
    page = f"/portfolio/entries/{entry.id}"
    return _post(client, f"{page}/submit", {"mentor_user_id": str(mentor.id)}, page)


def _review(client, entry, decision, comment=""):
    page = f"/portfolio/entries/{entry.id}"
    return _post(client, f"{page}/review", {"decision": decision, "comment": comment}, page)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def test_form_refuses_impossible_dates_unknown_zones_and_amounts_out_of_range(client, people, db):
    login(client, people["trainee"].email)
    response = _post(
        client,
        "/portfolio/new",
        entry_form(
            treated_on=(TODAY + dt.timedelta(days=2)).isoformat(),
            **{"zone-0": "earlobe", "amount-0": "5000"},
        ),
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The treatment date is in the future." in html
    assert "Choose a zone from the list." in html
    assert "at most 1000 U" in html
    assert db.session.scalar(select(LogbookEntry.id)) is None
    html = _post(client, "/portfolio/new", entry_form(treated_on="1999-12-31")).get_data(
        as_text=True
    )
    assert "before 2000" in html
    html = _post(client, "/portfolio/new", entry_form(**{"product-0": "ha_firm"})).get_data(
        as_text=True
    )
    assert "this entry is toxin" in html


def test_the_form_has_no_identifying_fields_and_the_service_refuses_unknown_keys(
    client, people, db
):
    login(client, people["trainee"].email)
    html = client.get("/portfolio/new").get_data(as_text=True)
    for name in ("name", "patient_name", "date_of_birth", "dob", "photo"):
        assert f'name="{name}"' not in html
    assert 'type="file"' not in html
    # A hand-made post with a name is stored without it: the form does not read the key ...
    entry = _new_entry(client, patient_name="Jane Doe")
    assert "Jane" not in str(practice.entry_raw(entry))
    # ... and the service refuses it outright.
    academy, trainee = people["academy"], people["trainee"]
    with pytest.raises(practice.EntryInvalid) as refused:
        practice.create_entry(academy.id, trainee.id, raw_entry(date_of_birth="1980-01-01"), TODAY)
    assert "date_of_birth" in refused.value.errors


def test_add_and_remove_zone_rows_without_javascript(client, people, db):
    login(client, people["trainee"].email)
    html = _post(client, "/portfolio/new", entry_form(go="add")).get_data(as_text=True)
    assert 'name="zone-1"' in html and 'name="zone-2"' in html
    data = entry_form(
        go="remove", remove="0", **{"zone-1": "crows_feet", "product-1": "ona", "amount-1": "8"}
    )
    html = _post(client, "/portfolio/new", data).get_data(as_text=True)
    assert re.search(r'<option value="crows_feet" selected', html)
    assert not re.search(r'<option value="glabella" selected', html)
    assert db.session.scalar(select(LogbookEntry.id)) is None


# --------------------------------------------------------------------------------------------
# Scoring real practice
# --------------------------------------------------------------------------------------------


def test_performed_entry_is_scored_by_the_engine_and_shows_band_and_reasons(client, people, db):
    login(client, people["trainee"].email)
    natural = _new_entry(client)
    assert (natural.score_band, natural.score) == ("natural", 100)
    html = client.get(f"/portfolio/entries/{natural.id}").get_data(as_text=True)
    assert "Scored like a case study" in html
    assert "is within the range" in html
    heavy = _new_entry(client, **{"amount-0": "60"})
    assert heavy.score_band == "overfilled" and heavy.score < natural.score
    html = client.get(f"/portfolio/entries/{heavy.id}").get_data(as_text=True)
    assert "Overfilled" in html and "glabellar (frown) lines: overfilled" in html
    observed = _new_entry(client, role="observed", **{"grade-0": ""})
    assert observed.score_band is None and observed.score is None


def test_entry_draws_the_treated_zones_on_the_face(client, people, db):
    """The same face drawing as the case result: the treated zone in its verdict's colour once
    scored, linked to its row; an observed entry shows the zone treated, without verdicts."""
    login(client, people["trainee"].email)
    heavy = _new_entry(client, sex="M", **{"amount-0": "60"})
    html = client.get(f"/portfolio/entries/{heavy.id}").get_data(as_text=True)
    face = html[html.index('aria-labelledby="logbook-map-caption"') : html.index("Zones treated")]
    assert 'class="zone v-heavy" data-zone="glabella"' in face  # 60 U where 20 is labelled
    assert 'aria-label="Glabellar (frown) lines: Heavy' in face
    assert 'href="#logzone-glabella"' in face and 'id="logzone-glabella"' in html
    assert 'data-zone="forehead"' not in face  # only the zones treated are drawn
    assert "Heavy, not indicated" in face and "Unsafe (cross-hatched)" not in face  # its legend
    observed = _new_entry(client, role="observed", **{"grade-0": ""})
    html = client.get(f"/portfolio/entries/{observed.id}").get_data(as_text=True)
    assert 'class="zone planned" data-zone="glabella"' in html
    assert 'class="zone v-' not in html


def test_tendency_covers_cases_and_real_practice_separately_and_together(client, people, db):
    trainee, mentor = people["trainee"], people["mentor"]
    login(client, trainee.email)
    entry = _new_entry(client, **{"amount-0": "30"})  # glabella range 20-20: 50 % above
    draft_only = practice.practice_tendency(trainee.id)
    assert draft_only.zones_judged == 0  # drafts do not count
    _submit(client, entry, mentor)
    real = practice.practice_tendency(trainee.id)
    assert real.attempts == 1 and real.zones_judged == 1
    assert real.mean_deviation == pytest.approx(0.5)
    from quizapp.services.learning.casestudy import tendency

    both = practice.tendencies(trainee.id, tendency(trainee.id))
    assert both.cases.zones_judged == 0
    assert both.together.zones_judged == 1
    assert both.together.mean_deviation == pytest.approx(0.5)
    html = client.get("/learn/").get_data(as_text=True)
    assert "Real practice" in html and "+50%" in html


# --------------------------------------------------------------------------------------------
# Sign-off
# --------------------------------------------------------------------------------------------


def test_submit_ask_for_changes_resubmit_and_sign(client, people, db):
    trainee, mentor = people["trainee"], people["mentor"]
    login(client, trainee.email)
    entry = _new_entry(client)
    assert entry.status == EntryStatus.DRAFT
    _submit(client, entry, mentor)
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SUBMITTED and entry.mentor_user_id == mentor.id
    # While with the mentor, the trainee cannot change it.
    page = f"/portfolio/entries/{entry.id}"
    response = _post(client, f"{page}/edit", entry_form(), page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    _switch(client, mentor)
    assert "Entries of your trainees" in client.get("/portfolio/mentor").get_data(as_text=True)
    html = _review(client, entry, "changes", "").get_data(as_text=True)
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SUBMITTED  # a request for changes needs a comment
    _review(client, entry, "changes", "Add the dilution you used.")
    db.session.refresh(entry)
    assert entry.status == EntryStatus.CHANGES_REQUESTED
    _switch(client, trainee)
    html = client.get(f"/portfolio/entries/{entry.id}/edit").get_data(as_text=True)
    assert "Add the dilution you used." in html
    response = _post(
        client,
        f"/portfolio/entries/{entry.id}/edit",
        entry_form(**{"technique-0": "5 points, 2.5 mL dilution"}),
    )
    assert response.status_code == 302
    _submit(client, entry, mentor)
    _switch(client, mentor)
    _review(client, entry, "sign", "Well recorded.")
    db.session.refresh(entry)
    assert entry.status == EntryStatus.SIGNED
    assert entry.signed_by_user_id == mentor.id and entry.signed_at is not None
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.like("logbook.%")).order_by(AuditEntry.id)
    ).all()
    assert [a.action for a in audit] == [
        "logbook.submitted",
        "logbook.changes_requested",
        "logbook.submitted",
        "logbook.signed",
    ]
    signed = audit[-1]
    assert signed.actor_id == mentor.id and signed.details["signed_by"] == mentor.id
    assert signed.details["signed_at"] == entry.signed_at.isoformat()
    assert signed.target == f"logbook entry {entry.id}"


def test_signed_entry_is_locked_and_corrected_by_a_superseding_entry(client, people, db):
    trainee, mentor = people["trainee"], people["mentor"]
    login(client, trainee.email)
    entry = _new_entry(client)
    # A draft cannot be superseded: edit it instead.
    assert client.get(f"/portfolio/new?supersedes={entry.id}").status_code == 404
    _submit(client, entry, mentor)
    _switch(client, mentor)
    _review(client, entry, "sign")
    _switch(client, trainee)
    before = practice.entry_raw(entry)
    page = f"/portfolio/entries/{entry.id}"
    response = _post(client, f"{page}/edit", entry_form(**{"amount-0": "25"}), page)
    assert response.status_code == 302
    db.session.refresh(entry)
    assert practice.entry_raw(entry) == before
    with pytest.raises(practice.PortfolioError, match="locked"):
        practice.update_entry(entry, raw_entry(), TODAY)
    with pytest.raises(InvalidTransition):
        entry.submit(mentor.id)
    with pytest.raises(InvalidTransition):
        entry.request_changes("too late")
    db.session.rollback()
    response = _post(
        client,
        f"/portfolio/new?supersedes={entry.id}",
        entry_form(**{"technique-0": "corrected"}),
    )
    assert response.status_code == 302
    correction = db.session.scalar(
        select(LogbookEntry).where(LogbookEntry.supersedes_id == entry.id)
    )
    assert correction.status == EntryStatus.DRAFT
    html = client.get(f"/portfolio/entries/{entry.id}").get_data(as_text=True)
    assert "newer entry" in html
    # Signed, the correction replaces the original in the counts (no double counting).
    _submit(client, correction, mentor)
    _switch(client, mentor)
    _review(client, correction, "sign")
    academy = people["academy"]
    assert practice.signed_counts(academy.id, trainee.id) == {("toxin", "performed"): 1}


def test_status_machine_refuses_invalid_moves(people, db):
    academy, trainee, mentor = people["academy"], people["trainee"], people["mentor"]
    entry = practice.create_entry(academy.id, trainee.id, raw_entry(), TODAY)
    with pytest.raises(InvalidTransition):
        entry.sign(mentor.id, now_utc())
    with pytest.raises(InvalidTransition):
        entry.request_changes("why")
    entry.submit(mentor.id)
    with pytest.raises(InvalidTransition):
        entry.submit(mentor.id)
    entry.sign(mentor.id, now_utc())
    with pytest.raises(InvalidTransition):
        entry.sign(mentor.id, now_utc())
    assert entry.locked and not entry.editable


def test_submission_needs_an_assigned_mentor_and_a_complete_entry(client, people, db):
    academy, trainee = people["academy"], people["trainee"]
    entry = practice.create_entry(academy.id, trainee.id, raw_entry(reflection_change=""), TODAY)
    with pytest.raises(practice.PortfolioError, match="would change"):
        practice.submit_entry(entry, people["mentor"].id, trainee.id)
    practice.update_entry(entry, raw_entry(), TODAY)
    with pytest.raises(practice.PortfolioError, match="assigned mentors"):
        practice.submit_entry(entry, people["admin"].id, trainee.id)
    assert entry.status == EntryStatus.DRAFT


# --------------------------------------------------------------------------------------------
# Who sees what
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def submitted(client, people, db):
    login(client, people["trainee"].email)
    entry = _new_entry(client)
    _submit(client, entry, people["mentor"])
    return entry


def test_another_academys_mentor_and_admin_get_404(client, people, submitted, factory, db):
    elsewhere = factory.academy("Southgate", "southgate")
    foreign_admin = factory.user(Role.ADMIN, elsewhere)
    foreign_mentor = factory.user(Role.EDUCATOR, elsewhere)
    practice.save_mentor_profile(
        elsewhere.id,
        foreign_mentor.id,
        registration_body="GMC",
        registration_number="7654321",
        prescriber=True,
        toxin_years=10,
        filler_years=10,
        actor_id=foreign_admin.id,
    )
    db.session.commit()
    for outsider in (foreign_admin, foreign_mentor):
        _switch(client, outsider)
        assert client.get(f"/portfolio/entries/{submitted.id}").status_code == 404
        page = client.get("/portfolio/").get_data(as_text=True)
        token = csrf_from(page)
        response = client.post(
            f"/portfolio/entries/{submitted.id}/review",
            data={"csrf_token": token, "decision": "sign"},
        )
        assert response.status_code == 404
    html = client.get("/portfolio/mentor").get_data(as_text=True)
    assert f"/portfolio/entries/{submitted.id}" not in html
    _switch(client, foreign_admin)
    assert f"/portfolio/entries/{submitted.id}" not in client.get("/portfolio/admin").get_data(
        as_text=True
    )
    db.session.refresh(submitted)
    assert submitted.status == EntryStatus.SUBMITTED


def test_unassigned_mentor_and_other_trainee_get_404_admin_sees_all(client, people, submitted, db):
    academy, admin = people["academy"], people["admin"]
    unassigned = people["other_trainee"]
    practice.save_mentor_profile(
        academy.id,
        admin.id,
        registration_body="GMC",
        registration_number="1234567",
        prescriber=True,
        toxin_years=3,
        filler_years=3,
        actor_id=admin.id,
    )
    db.session.commit()
    _switch(client, unassigned)
    assert client.get(f"/portfolio/entries/{submitted.id}").status_code == 404
    assert client.get(f"/portfolio/entries/{submitted.id}/edit").status_code == 404
    assert client.get("/portfolio/mentor").status_code == 404  # not a mentor
    _switch(client, admin)
    # The admin sees every entry of the academy but, not assigned, cannot sign it.
    html = client.get(f"/portfolio/entries/{submitted.id}").get_data(as_text=True)
    assert "Sign entry" not in html
    assert _review(client, submitted, "sign").status_code == 404
    assert f"/portfolio/entries/{submitted.id}" in client.get("/portfolio/admin").get_data(
        as_text=True
    )
    trainee_role = client.get("/portfolio/admin")
    assert trainee_role.status_code == 200
    _switch(client, people["trainee"])
    assert client.get("/portfolio/admin").status_code == 403


def test_admin_records_mentors_and_assigns_them(client, people, db):
    academy, admin, other = people["academy"], people["admin"], people["other_trainee"]
    login(client, admin.email)
    response = _post(
        client,
        "/portfolio/admin/mentors",
        {
            "profile-user_id": str(admin.id),
            "profile-registration_body": "GDC",
            "profile-registration_number": "99887",
            "profile-prescriber": "y",
            "profile-toxin_years": "2",
            "profile-filler_years": "1",
        },
        "/portfolio/admin",
    )
    assert response.status_code == 302
    profile = practice.mentor_profile(academy.id, admin.id)
    assert (profile.registration_body, profile.registration_number) == ("GDC", "99887")
    _post(
        client,
        "/portfolio/admin/assignments",
        {"assign-mentor_user_id": str(admin.id), "assign-trainee_user_id": str(other.id)},
        "/portfolio/admin",
    )
    assert practice.is_assigned(academy.id, admin.id, other.id)
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"mentor.profile_created", "mentor.assigned"} <= actions
    # Someone outside the academy cannot be made a mentor here.
    with pytest.raises(practice.PortfolioError):
        practice.save_mentor_profile(
            academy.id + 999,
            admin.id,
            registration_body="GMC",
            registration_number="1",
            prescriber=False,
            toxin_years=0,
            filler_years=0,
            actor_id=admin.id,
        )


# --------------------------------------------------------------------------------------------
# Programme requirements
# --------------------------------------------------------------------------------------------


def test_programme_counts_signed_entries_and_issues_when_met(client, people, db):
    academy, trainee, mentor = people["academy"], people["trainee"], people["mentor"]
    programme = kit.programme(
        academy,
        required_modules=[],
        min_good_cases=0,
        no_unsafe_in_last=0,
        extra_rules={"logbook": {"toxin": {"performed": 2}}},
    )
    kit.cohort(academy, trainees=[trainee], programmes=[programme])

    def counter() -> str:
        (standing,) = certification.standings(trainee.id, academy.id, now_utc())
        (requirement,) = standing.check.requirements
        return requirement.detail

    assert counter() == "0 of 2 signed"
    login(client, trainee.email)
    first, second = _new_entry(client), _new_entry(client, **{"amount-0": "22"})
    for entry in (first, second):
        _submit(client, entry, mentor)
    assert counter() == "0 of 2 signed"  # submitted is not signed
    html = client.get("/learn/").get_data(as_text=True)
    assert "2 signed toxin treatments performed under supervision" in html
    _switch(client, mentor)
    _review(client, first, "sign")
    assert counter() == "1 of 2 signed"
    assert db.session.scalar(select(Certificate.id)) is None
    _review(client, second, "sign")  # the last requirement: the certificate is issued
    certificate = db.session.scalar(select(Certificate))
    assert certificate is not None and certificate.user_id == trainee.id


def test_programme_form_saves_logbook_duration_and_cpd_rules(client, people, tmp_path, db):
    kit.import_bank(tmp_path)
    login(client, people["admin"].email)
    data = {
        "name": "Level 7 practice",
        "description": "",
        "min_good_cases": "0",
        "no_unsafe_in_last": "0",
        "validity_months": "24",
        "recertification": "",
        "active": "y",
        "logbook_toxin_observed": "10",
        "logbook_toxin_performed": "10",
        "logbook_filler_observed": "0",
        "logbook_filler_performed": "5",
        "max_duration_months": "18",
        "cpd_hours": "12.5",
    }
    response = _post(client, "/academy/programmes", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    programme = db.session.scalar(select(Programme))
    assert programme.extra_rules == {
        "logbook": {"toxin": {"observed": 10, "performed": 10}, "filler": {"performed": 5}},
        "max_duration_months": 18,
        "cpd_hours": 12.5,
    }
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="logbook_toxin_performed" type="text" value="10"' in html or re.search(
        r'id="logbook_toxin_performed"[^>]*value="10"', html
    )


def test_programme_window_and_cpd_hours_from_the_database(client, people, db):
    from decimal import Decimal

    from quizapp.models import CpdActivity

    academy, trainee = people["academy"], people["trainee"]
    programme = kit.programme(
        academy,
        required_modules=[],
        min_good_cases=0,
        no_unsafe_in_last=0,
        extra_rules={
            "logbook": {"filler": {"observed": 1}},
            "cpd_hours": 5,
            "max_duration_months": 12,
        },
    )
    cohort = kit.cohort(academy, trainees=[trainee], programmes=[programme])
    start = cohort.start_date
    for done_on, hours in ((start - dt.timedelta(days=1), "9"), (start, "3"), (start, "1.5")):
        db.session.add(
            CpdActivity(
                user_id=trainee.id,
                done_on=done_on,
                topic="Anatomy",
                method="course",
                hours=Decimal(hours),
            )
        )
    db.session.commit()
    (standing,) = certification.standings(trainee.id, academy.id, now_utc())
    details = {r.label: (r.met, r.detail) for r in standing.check.requirements}
    assert details["5 hours of CPD in the programme window"] == (False, "4.5 of 5 hours")
    within = details["Complete within 12 months"]
    deadline = add_months(start, 12)
    still_open = deadline >= TODAY
    closing = f"by {deadline}" if still_open else f"closed on {deadline}"
    assert within == (still_open, closing)


def test_academy_report_counts_signed_and_waiting_entries(client, people, db):
    trainee, mentor, admin = people["trainee"], people["mentor"], people["admin"]
    login(client, trainee.email)
    first, second = _new_entry(client), _new_entry(client, role="observed")
    _submit(client, first, mentor)
    _submit(client, second, mentor)
    _switch(client, mentor)
    _review(client, first, "sign")
    (row,) = practice.academy_logbook_report(people["academy"].id)
    assert row.signed == {("toxin", "performed"): 1} and row.waiting == 1
    _switch(client, admin)
    html = client.get("/academy/reports").get_data(as_text=True)
    section = html[html.index('id="logbook-title"') :]
    assert re.search(
        rf"<th scope=\"row\">{trainee.display_name}</th><td>0</td><td>1</td><td>0</td>"
        r"<td>0</td><td>1</td>",
        section,
    )
