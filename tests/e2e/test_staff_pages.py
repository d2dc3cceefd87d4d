"""The staff's pages on the demo data (a cohort with weeks of activity): insight (modules' and
cases'), common mistakes, reports (the academy's and each cohort's), members, audit,
certificates, cohorts, programmes, the logbook queue and the sources picker all pass axe at 375
and 1280 px, fit the screen and log no console errors."""

from __future__ import annotations

import pytest

from quizapp.services.academy.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import check_pages, log_in

pytestmark = pytest.mark.e2e

EDUCATOR_PAGES = [
    "/author/insight/",
    "/author/insight/mistakes",
    "/author/modules/new",
    "/portfolio/mentor",
    "/sources",
]
ADMIN_PAGES = [
    "/academy/reports",
    "/academy/cohorts",
    "/academy/programmes",
    "/portfolio/admin",
    "/academy/members",  # emails and actions: restacked on a phone, never off to the side
    "/academy/audit",
    "/academy/certificates",
]


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _links(page, prefix: str, limit: int) -> list[str]:
    hrefs = page.eval_on_selector_all(
        f"main a[href^='{prefix}']", "links => links.map(a => a.getAttribute('href'))"
    )
    return list(dict.fromkeys(hrefs))[:limit]


@pytest.mark.parametrize("who", [1, 2])
def test_staff_pages_with_data_pass_axe_fit_and_log_no_errors(page, axe, who):
    account = DEMO_ACCOUNTS[who]
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, account.email, account.password, landing="**/")
    paths = list(EDUCATOR_PAGES if who == 1 else ADMIN_PAGES)
    page.goto(paths[0])
    if who == 1:  # modules' and cases' insight, with the cohort's answers in them
        paths += _links(page, "/author/insight/modules/", 3) + _links(
            page, "/author/insight/cases/", 3
        )
    else:  # the demo cohort's page, its members and programmes, and its own report
        page.goto("/academy/cohorts")
        cohorts = _links(page, "/academy/cohorts/", 2)
        paths += cohorts + [f"/academy/reports?cohort={c.rsplit('/', 1)[-1]}" for c in cohorts]
    found, wide = {}, []
    check_pages(page, axe, paths, found, wide)
    assert len(paths) > len(EDUCATOR_PAGES if who == 1 else ADMIN_PAGES)
    assert found == {} and wide == [] and errors == []
