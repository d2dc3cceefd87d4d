"""Every main page is usable on a 375 px phone and at 1280 px: no sideways scrolling."""

from __future__ import annotations

import pytest

from quizapp.services.academy.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

PAGES = {
    None: ["/", "/login", "/signup", "/about", "/sources", "/verify/"],
    0: [
        "/learn/",
        "/learn/cases/",
        "/learn/modules/natural-results",
        "/certificates/",
        "/portfolio/",
        "/portfolio/new",
        "/cpd/",
        "/cpd/summary",
        "/account/",
    ],
    1: [
        "/author/",
        "/author/insight/",
        "/author/insight/mistakes",
        "/author/cases/upload",
        "/portfolio/mentor",
    ],
    2: [
        "/academy/",
        "/academy/members",
        "/academy/cohorts",
        "/academy/programmes",
        "/academy/reports",
        "/academy/certificates",
        "/academy/invitations/import",
        "/academy/audit",
        "/portfolio/admin",
    ],
}


@pytest.mark.parametrize("who", list(PAGES))
def test_no_sideways_scrolling(page, who):
    if who is not None:
        account = DEMO_ACCOUNTS[who]
        landing = "**/learn/" if who == 0 else "**/"  # trainees land on My learning
        log_in(page, account.email, account.password, landing=landing)
    wide = []
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for path in PAGES[who]:
            page.goto(path)
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                wide.append((width, path))
    assert wide == []
