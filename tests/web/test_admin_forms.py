"""Admin pages that are easy to get wrong: members chosen by ticking (not Ctrl-click), programme
summaries that name every requirement, and mentor forms that preselect nobody."""

from __future__ import annotations

from sqlalchemy import select

from quizapp.models import Cohort, MentorProfile, Programme, Role
from tests.web.test_academy_programmes import _post, setting  # noqa: F401  (fixture)


def test_cohort_members_are_chosen_from_a_checkbox_list(client, setting, db, factory):  # noqa: F811
    academy, _ = setting
    first = factory.user(Role.TRAINEE, academy, display_name="Dr First")
    second = factory.user(Role.TRAINEE, academy, display_name="Dr Second")
    _post(client, "/academy/cohorts", {"name": "Autumn", "start_date": "2026-09-01"})
    cohort = db.session.scalar(select(Cohort))
    url = f"/academy/cohorts/{cohort.id}"
    html = client.get(url).get_data(as_text=True)
    assert f'type="checkbox" name="add-users" value="{first.id}"' in html
    assert 'id="add-users" multiple' not in html and "<select multiple" not in html
    assert "Ctrl" not in html
    _post(
        client, f"{url}/members", {"add-users": [first.id, second.id], "add-role": "trainee"}, url
    )
    db.session.expire_all()
    assert {m.user_id for m in db.session.get(Cohort, cohort.id).members} == {first.id, second.id}


def test_programme_summary_names_the_logbook_and_hides_zero_counts(client, setting, db):  # noqa: F811
    academy, _ = setting
    db.session.add(
        Programme(
            academy_id=academy.id,
            name="Supervised practice",
            required_modules=[],
            min_good_cases=0,
            extra_rules={"logbook": {"toxin": {"observed": 2, "performed": 3}}, "cpd_hours": 10},
        )
    )
    db.session.commit()
    html = client.get("/academy/programmes").get_data(as_text=True)
    assert "0 modules" not in html and "0 good cases" not in html
    assert "2 signed toxin treatments observed" in html
    assert "3 signed toxin treatments performed" in html and "10 hours of CPD" in html


def test_mentor_forms_preselect_nobody(client, setting, db, factory):  # noqa: F811
    academy, _ = setting
    factory.user(Role.TRAINEE, academy, display_name="Dr Trainee")
    html = client.get("/portfolio/admin").get_data(as_text=True)
    member_select = html.split('name="profile-user_id"', 1)[1].split("</select>", 1)[0]
    first, *others = member_select.split("<option")[1:]
    assert 'value="">Choose a member' in first and "Dr Trainee" in "".join(others)
    assert not any("selected" in option for option in others)
    response = _post(
        client,
        "/portfolio/admin/mentors",
        {"profile-registration_body": "other", "profile-toxin_years": "1"},
        "/portfolio/admin",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(MentorProfile)) is None
