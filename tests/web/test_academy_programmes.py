"""Cohorts (members, educators, programmes) and certification programmes, through real HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.models import Certificate, Cohort, CohortMember, Programme, Role
from tests.conftest import csrf_from, login
from tests.data import academykit as kit


@pytest.fixture()
def setting(tmp_path, factory, client, db):
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    login(client, admin.email)
    return academy, admin


def _post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _programme_data(**overrides):
    data = {
        "name": "Safe toxin practice",
        "description": "Upper-face toxin planning.",
        "required_modules": ["basics"],
        "min_good_cases": "2",
        "no_unsafe_in_last": "5",
        "validity_months": "24",
        "recertification": "Attend one supervised clinic day.",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_create_a_programme(client, setting, db):
    response = _post(client, "/academy/programmes", _programme_data())
    assert response.status_code == 302
    programme = db.session.scalar(select(Programme))
    assert programme.required_modules == ["basics"] and programme.min_good_cases == 2
    assert programme.no_unsafe_in_last == 5 and programme.validity_months == 24
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Pass <strong>Basics of restraint</strong>" in html
    assert "Certificates are valid for 24 months" in html
    assert "Attend one supervised clinic day." in html


def test_programme_needs_a_requirement_and_a_unique_name_and_known_modules(client, setting, db):
    html = _post(
        client, "/academy/programmes", _programme_data(required_modules=[], min_good_cases="0")
    ).get_data(as_text=True)
    assert "Require at least one module or one case study" in html
    _post(client, "/academy/programmes", _programme_data())
    html = _post(client, "/academy/programmes", _programme_data()).get_data(as_text=True)
    assert "already has a programme called" in html
    html = _post(
        client, "/academy/programmes", _programme_data(name="Other", required_modules=["nope"])
    ).get_data(as_text=True)
    assert "not a valid choice" in html
    assert len(db.session.scalars(select(Programme)).all()) == 1


def test_edit_a_programme(client, setting, db):
    academy, _ = setting
    programme = kit.programme(academy)
    url = f"/academy/programmes/{programme.id}"
    response = _post(client, url, _programme_data(name="Renamed", validity_months="12", active=""))
    assert response.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Programme, programme.id)
    assert changed.name == "Renamed" and changed.validity_months == 12 and not changed.active


def test_cohort_with_members_educators_and_programmes(client, setting, db, factory):
    academy, _ = setting
    trainee = factory.user(Role.TRAINEE, academy, display_name="Dr Trainee")
    educator = factory.user(Role.EDUCATOR, academy, display_name="Dr Educator")
    programme = kit.programme(academy)
    response = _post(
        client, "/academy/cohorts", {"name": "Spring 2026", "start_date": "2026-04-01"}
    )
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort))
    url = f"/academy/cohorts/{cohort.id}"
    assert _post(client, f"{url}/members", {"add-users": [trainee.id], "add-role": "trainee"}, url)
    # A trainee cannot be a cohort's educator.
    other = factory.user(Role.TRAINEE, academy)
    _post(client, f"{url}/members", {"add-users": [other.id], "add-role": "educator"}, url)
    assert "Only educators and admins" in client.get(url).get_data(as_text=True)
    _post(client, f"{url}/members", {"add-users": [educator.id], "add-role": "educator"}, url)
    _post(client, f"{url}/programmes", {"prog-programmes": [programme.id]}, url)
    db.session.expire_all()
    cohort = db.session.get(Cohort, cohort.id)
    assert sorted((m.user_id, m.role) for m in cohort.members) == sorted(
        [(trainee.id, "trainee"), (educator.id, "educator")]
    )
    assert [p.id for p in cohort.programmes] == [programme.id]
    html = client.get(url).get_data(as_text=True)
    assert "Dr Trainee" in html and "Dr Educator" in html
    listing = client.get("/academy/cohorts").get_data(as_text=True)
    assert "Spring 2026" in listing and "Safe toxin practice" in listing
    # Removing a member keeps their history: nothing else is deleted.
    member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == trainee.id))
    _post(client, f"{url}/members/{member.id}/remove", {}, url)
    assert db.session.scalar(select(CohortMember).where(CohortMember.id == member.id)) is None


def test_cohort_names_are_unique(client, setting, db):
    _post(client, "/academy/cohorts", {"name": "Spring", "start_date": "2026-04-01"})
    html = _post(client, "/academy/cohorts", {"name": "Spring", "start_date": "2026-05-01"})
    assert "already has a cohort called" in html.get_data(as_text=True)


def test_check_now_issues_to_trainees_who_already_meet_the_rules(client, setting, db, factory):
    academy, _ = setting
    trainee = factory.user(Role.TRAINEE, academy)
    kit.quiz(trainee, academy, "basics", 90)
    kit.case_attempt(trainee, academy, "natural")
    programme = kit.programme(academy)
    kit.cohort(academy, [trainee], [programme])
    url = f"/academy/programmes/{programme.id}"
    _post(client, f"{url}/issue", {}, url)
    assert "1 certificate(s) issued" in client.get(url).get_data(as_text=True)
    assert db.session.scalar(select(Certificate)).user_id == trainee.id
    _post(client, f"{url}/issue", {}, url)
    assert "No trainee has newly met" in client.get(url).get_data(as_text=True)


def test_another_academys_cohorts_and_programmes_answer_404(client, setting, factory, db):
    elsewhere = factory.academy("Elsewhere")
    programme = kit.programme(elsewhere, name="Their programme")
    cohort = kit.cohort(elsewhere, name="Their cohort")
    mine = kit.cohort(setting[0], name="Mine")
    for path in (
        f"/academy/programmes/{programme.id}",
        f"/academy/cohorts/{cohort.id}",
        f"/academy/cohorts/{cohort.id}/xapi.json",
        f"/academy/reports?cohort={cohort.id}",
        f"/academy/reports/learners.csv?cohort={cohort.id}",
    ):
        assert client.get(path).status_code == 404, path
    page = client.get(f"/academy/cohorts/{mine.id}").get_data(as_text=True)
    token = csrf_from(page)
    for path in (
        f"/academy/programmes/{programme.id}/issue",
        f"/academy/cohorts/{cohort.id}/members",
        f"/academy/cohorts/{cohort.id}/programmes",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    # Nor can their programme be assigned to my cohort, or their people added to it.
    client.post(
        f"/academy/cohorts/{mine.id}/programmes",
        data={"csrf_token": token, "prog-programmes": [programme.id]},
    )
    stranger = factory.user(Role.TRAINEE, elsewhere)
    client.post(
        f"/academy/cohorts/{mine.id}/members",
        data={"csrf_token": token, "add-users": [stranger.id], "add-role": "trainee"},
    )
    db.session.expire_all()
    assert db.session.get(Cohort, mine.id).programmes == []
    assert db.session.get(Cohort, mine.id).members == []
    assert "Their programme" not in client.get("/academy/programmes").get_data(as_text=True)
    assert "Their cohort" not in client.get("/academy/cohorts").get_data(as_text=True)
