"""The trainee's pages with data in them, as one of the demo cohort sees them: the dashboard, the
module and case lists, every past case result and quiz review, and a complication drill's list,
step and result. Each passes axe (no serious or critical violation), fits the screen (no
sideways scrolling) and logs no console error, at 375 and at 1280 px.

The staff's insight, common-mistakes and report pages are checked the same way in
test_staff_pages.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.services.academy.demo_cohort import TRAINEE_PASSWORD
from tests.e2e.conftest import check_pages, log_in

pytestmark = pytest.mark.e2e

DRILL = "occlusion-lip-filler"


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def _busiest_cohort_trainee(app) -> str:
    """The demo cohort trainee with the most submitted case studies who also took a quiz."""
    from quizapp.extensions import db
    from quizapp.models import AttemptStatus, CaseAttempt, QuizAttempt, User

    with app.app_context():
        quizzed = select(QuizAttempt.user_id).where(QuizAttempt.status == AttemptStatus.SUBMITTED)
        email = db.session.scalar(
            select(User.email)
            .join(CaseAttempt, CaseAttempt.user_id == User.id)
            .where(
                User.email.like("cohort%@demo.example.com"),
                CaseAttempt.status == AttemptStatus.SUBMITTED,
                User.id.in_(quizzed),
            )
            .group_by(User.email)
            .order_by(func.count(CaseAttempt.id).desc(), User.email)
            .limit(1)
        )
    assert email, "the demo cohort has a trainee with cases and quizzes"
    return email


def _links(page, prefix: str, suffix: str = "", limit: int = 6) -> list[str]:
    hrefs = page.eval_on_selector_all(
        f"main a[href^='{prefix}']", "links => links.map(a => a.getAttribute('href'))"
    )
    return [h for h in dict.fromkeys(hrefs) if h.endswith(suffix)][:limit]


def test_trainee_pages_with_data_pass_axe_fit_and_log_no_errors(page, axe, live):
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, _busiest_cohort_trainee(live[1]), TRAINEE_PASSWORD)
    paths = ["/learn/", "/learn/cases/", "/learn/drills/"]
    page.goto("/learn/")
    paths += _links(page, "/learn/modules/", limit=3)
    reviews = _links(page, "/learn/attempts/", "/review")
    page.goto("/learn/cases/")
    results = _links(page, "/learn/cases/attempts/", "/result")
    for module in paths[3:]:
        page.goto(module)
        reviews += _links(page, "/learn/attempts/", "/review")
    reviews, results = list(dict.fromkeys(reviews))[:6], list(dict.fromkeys(results))[:6]
    assert reviews and results, "past quizzes and case studies link to their review and result"
    found: dict = {}
    wide: list = []
    # A drill underway (its step page, with an action taken), then its result.
    page.goto("/learn/drills/")
    page.locator(f"form[action='/learn/drills/{DRILL}/start'] button").click()
    page.wait_for_url("**/learn/drills/attempts/*")
    step = page.url.removeprefix(page.url.split("/learn/")[0])
    page.locator("form.drill-action:has(input[value='stop-injecting']) button").click()
    page.wait_for_url("**#taken")
    check_pages(page, axe, [step], found, wide)
    page.goto(step)
    page.get_by_role("button", name="Finish the drill and see the result").click()
    page.wait_for_url("**/result")
    paths += [step + "/result", *reviews, *results]
    check_pages(page, axe, paths, found, wide)
    assert found == {} and wide == [] and errors == []
