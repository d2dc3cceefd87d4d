"""A long list in a real browser: the pagination links lead from page to page, mark the
current page, pass axe and fit a 375 px phone."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from quizapp.services.academy.demo import DEMO_ACCOUNTS
from quizapp.web.pagination import PER_PAGE
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture()
def many_cohorts(live) -> str:
    """Enough cohorts in the demo academy for two pages; returns their shared name prefix."""
    from quizapp.extensions import db
    from quizapp.services.academy.demo import DEMO_ACADEMY
    from quizapp.services.people import accounts, members

    app = live[1]
    prefix = f"Paged {uuid.uuid4().hex[:4]}"
    with app.app_context():
        academy = accounts.academy_by_slug(DEMO_ACADEMY[1])
        start = date(2030, 1, 1)  # after the demo's cohorts: these fill page 1 first
        for n in range(PER_PAGE + 3):
            members.save_cohort(academy.id, None, f"{prefix} {n:02d}", start + timedelta(n), None)
        db.session.commit()
    return prefix


def _serious(page) -> list[tuple[str, str, int]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_paginated_list_in_the_browser(page, many_cohorts):
    admin = DEMO_ACCOUNTS[2]
    log_in(page, admin.email, admin.password, landing="**/")
    page.goto("/academy/cohorts")
    pager = page.get_by_role("navigation", name="Pagination")
    assert pager.locator("[aria-current=page]").text_content().strip() == "Page 1"
    assert page.get_by_role("link", name=f"{many_cohorts} {PER_PAGE + 2:02d}").is_visible()
    assert page.get_by_role("link", name=f"{many_cohorts} 00").count() == 0
    assert _serious(page) == []
    wide = []
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            wide.append(width)
    assert wide == []

    pager.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/academy/cohorts?page=2")
    pager = page.get_by_role("navigation", name="Pagination")
    assert pager.locator("[aria-current=page]").text_content().strip() == "Page 2"
    assert page.get_by_role("link", name=f"{many_cohorts} 00").is_visible()
    pager.get_by_role("link", name="Previous page").click()
    page.wait_for_url("**/academy/cohorts")
