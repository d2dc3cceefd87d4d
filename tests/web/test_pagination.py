"""Long lists come a page at a time: `?page=N` links with rel=prev/next and aria-current, other
query arguments kept, bad page numbers answering 404, and a fixed number of queries per page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from quizapp.models import Role
from quizapp.models.base import now_utc
from quizapp.services.people import members
from quizapp.web.pagination import PER_PAGE, Page
from tests.conftest import login


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """Dozens of accounts per test: hash their passwords cheaply (logins still verify)."""
    from argon2 import PasswordHasher

    from quizapp.services.people import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture()
def academy(factory):
    return factory.academy("Northbridge", "northbridge")


@pytest.fixture()
def admin(factory, client, academy):
    user = factory.user(Role.ADMIN, academy, display_name="Ada Admin")
    login(client, user.email)
    return user


def _trainees(factory, academy, n: int) -> list[str]:
    return [factory.user(Role.TRAINEE, academy).email for _ in range(n)]


def _section(html: str, heading_id: str) -> str:
    """The HTML of the card whose heading has this id (up to the card's end)."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _nav(html: str, label: str = "Pagination") -> str:
    match = re.search(rf'<nav class="pagination" aria-label="{label}">(.*?)</nav>', html, re.S)
    assert match, f"no pagination labelled {label!r}"
    return match.group(1)


def _href(nav: str, rel: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)" rel="{rel}">', nav)
    return match.group(1).replace("&amp;", "&") if match else None


def test_members_come_a_page_at_a_time(client, admin, academy, factory):
    emails = [admin.email, *_trainees(factory, academy, PER_PAGE + 5)]

    first = client.get("/academy/members")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    people = _section(html, "people")
    shown_first = {e for e in emails if e in people}
    assert len(shown_first) == PER_PAGE
    nav = _nav(people, "Pagination of people")
    assert f"1–{PER_PAGE} of {PER_PAGE + 6}" in nav
    assert _href(nav, "prev") is None
    assert _href(nav, "next") == "/academy/members?page=2#people"
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>1<', nav)
    assert f"({PER_PAGE + 6} active)" in html  # the count covers every page

    people = _section(client.get("/academy/members?page=2").get_data(as_text=True), "people")
    shown_second = {e for e in emails if e in people}
    assert len(shown_second) == 6
    assert shown_first.isdisjoint(shown_second) and shown_first | shown_second == set(emails)
    nav = _nav(people, "Pagination of people")
    assert _href(nav, "prev") == "/academy/members#people"
    assert _href(nav, "next") is None
    assert re.search(r'aria-current="page"><span class="visually-hidden">Page </span>2<', nav)


def test_a_list_that_fits_on_one_page_has_no_pagination(client, admin, academy, factory):
    _trainees(factory, academy, 3)
    html = client.get("/academy/members").get_data(as_text=True)
    assert 'class="pagination"' not in html


def test_bad_page_numbers_answer_404(client, admin, academy, db):
    for n in range(PER_PAGE + 1):  # two pages of cohorts
        members.save_cohort(academy.id, None, f"Cohort {n}", date(2026, 1, 1), None)
    db.session.commit()
    assert client.get("/academy/cohorts?page=2").status_code == 200
    for bad in ("0", "-1", "abc", "2.5", "", "1e3", "3", "99999", "99999999999999"):
        assert client.get(f"/academy/cohorts?page={bad}").status_code == 404, bad


def test_an_empty_list_still_has_its_first_page(client, admin):
    assert client.get("/academy/certificates?page=1").status_code == 200
    assert client.get("/academy/certificates?page=2").status_code == 404
    html = client.get("/academy/certificates").get_data(as_text=True)
    assert "No certificates yet." in html and "Set up a programme" in html


def test_two_lists_on_one_page_page_separately(client, admin, academy, factory, db):
    _trainees(factory, academy, PER_PAGE + 1)
    now = now_utc()
    for n in range(PER_PAGE + 2):  # newest first: invitee26 ... invitee0
        members.invite(
            academy,
            Role.TRAINEE,
            email=f"invitee{n}@example.com",
            valid_days=14,
            max_uses=1,
            actor=admin,
            now=now,
        )
    db.session.commit()

    html = client.get("/academy/members?page=2").get_data(as_text=True)
    invitations = _section(html, "invitations")
    assert "invitee26@" in invitations and "invitee1@" not in invitations
    nav = _nav(invitations, "Pagination of invitations")
    # The people list stays on its page 2 while the invitations move on.
    assert _href(nav, "next") == "/academy/members?page=2&invitations_page=2#invitations"

    html = client.get("/academy/members?page=2&invitations_page=2").get_data(as_text=True)
    invitations = _section(html, "invitations")
    assert "invitee1@" in invitations and "invitee0@" in invitations
    assert "invitee26@" not in invitations
    assert 'aria-current="page"><span class="visually-hidden">Page </span>2<' in _section(
        html, "people"
    )
    assert client.get("/academy/members?invitations_page=3").status_code == 404


def test_cohorts_and_cohort_members_are_paginated(client, admin, academy, factory, db):
    start = date(2026, 1, 1)
    for n in range(PER_PAGE + 1):
        members.save_cohort(academy.id, None, f"Cohort {n:02d}", start + timedelta(days=n), None)
    db.session.commit()
    html = client.get("/academy/cohorts").get_data(as_text=True)
    assert "Cohort 25" in html and "Cohort 00" not in html  # latest start first
    html = client.get("/academy/cohorts?page=2").get_data(as_text=True)
    assert "Cohort 00" in html and "Cohort 25" not in html

    trainees = [factory.user(Role.TRAINEE, academy) for _ in range(PER_PAGE + 2)]
    cohort = members.academy_cohorts(academy.id)[0][0]
    members.add_to_cohort(cohort, [t.id for t in trainees], "trainee", None)
    db.session.commit()
    page_one = _section(
        client.get(f"/academy/cohorts/{cohort.id}").get_data(as_text=True), "members"
    )
    page_two = _section(
        client.get(f"/academy/cohorts/{cohort.id}?page=2").get_data(as_text=True), "members"
    )
    names_one = {t.display_name for t in trainees if f"{t.display_name}\n" in page_one}
    names_two = {t.display_name for t in trainees if f"{t.display_name}\n" in page_two}
    assert len(names_one) == PER_PAGE and len(names_two) == 2
    assert f"({PER_PAGE + 2})" in page_one
    assert client.get(f"/academy/cohorts/{cohort.id}?page=3").status_code == 404


def test_members_page_query_count_does_not_grow_with_the_list(
    client, admin, academy, factory, count_queries
):
    _trainees(factory, academy, 3)
    client.get("/academy/members")
    with count_queries() as few:
        assert client.get("/academy/members").status_code == 200
    _trainees(factory, academy, PER_PAGE * 2)
    with count_queries() as many:
        assert client.get("/academy/members?page=2").status_code == 200
    assert len(many) == len(few)


def test_window_marks_gaps_and_keeps_the_ends(app):
    page = Page(items=[0], number=7, per_page=10, total=200)
    assert page.pages == 20
    assert page.window() == [1, None, 5, 6, 7, 8, 9, None, 20]
    assert Page(items=[0], number=1, per_page=10, total=30).window() == [1, 2, 3]
    empty = Page(items=[], number=1, per_page=10, total=0)
    assert empty.pages == 1 and not empty and (empty.first, empty.last) == (0, 0)


def test_links_keep_filters_and_sorting(app):
    page = Page(items=[0], number=2, per_page=10, total=50, param="learners_page")
    with app.test_request_context("/academy/reports?cohort=3&inactive=14&learners_page=2"):
        assert page.url(3) == "/academy/reports?cohort=3&inactive=14&learners_page=3"
        assert page.url(1) == "/academy/reports?cohort=3&inactive=14"
