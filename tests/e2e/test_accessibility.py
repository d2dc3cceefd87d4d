"""axe-core in a real browser: no serious or critical violations on the main pages."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

ANONYMOUS_PAGES = ["/", "/login", "/signup", "/about", "/sources", "/no-such-page"]
TRAINEE_PAGES = [
    "/learn/",
    "/learn/modules/natural-results",
    "/learn/cases/",
    "/certificates/",
    "/account/password",
    "/account/",
    "/cpd/",
    "/cpd/summary",
]


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _serious(axe, page) -> list[tuple[str, str, int]]:
    results = axe.run(page)
    return [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages(page, axe, path):
    page.goto(path)
    assert _serious(axe, page) == []


def test_trainee_pages_quiz_and_case_steps(page, axe, new_trainee):
    log_in(page, *new_trainee)
    found = {}
    for path in TRAINEE_PAGES:
        page.goto(path)
        found[path] = _serious(axe, page)
    page.goto("/learn/modules/natural-results")
    page.locator("form button.button").first.click()
    found["question"] = _serious(axe, page)
    page.goto("/learn/cases/")
    page.locator("form[action='/learn/cases/f44-frown-lines/start'] button").click()
    base = page.url.rsplit("/", 1)[0]
    for step in ("patient", "assessment"):
        page.goto(f"{base}/{step}")
        found[step] = _serious(axe, page)
    assert {k: v for k, v in found.items() if v} == {}
