"""In a real browser: a trainee logs a supervised treatment, it is scored like a case study, the
mentor signs it, and the programme's logbook counter moves."""

from __future__ import annotations

import datetime as dt
import re

from tests.e2e.conftest import log_in


def _enrol_with_mentor(live, email: str) -> None:
    """The admin's part, prepared through the app: the demo educator mentors this trainee, who
    joins the demo cohort (whose programme counts signed toxin treatments)."""
    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import Cohort
    from quizapp.services.academy.demo import DEMO_ACADEMY, DEMO_ACCOUNTS, DEMO_COHORT
    from quizapp.services.people import accounts, members
    from quizapp.services.portfolio import practice

    with live[1].app_context():
        academy = accounts.academy_by_slug(DEMO_ACADEMY[1])
        trainee = accounts.find_user(email)
        educator = accounts.find_user(DEMO_ACCOUNTS[1].email)
        practice.assign(academy.id, educator.id, trainee.id, None)
        cohort = db.session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
        members.add_to_cohort(cohort, [trainee.id], "trainee", None)
        db.session.commit()


def _counter(page) -> str:
    page.goto("/portfolio/")
    item = page.locator("li", has_text="signed toxin treatments performed under supervision")
    return item.inner_text()


def test_trainee_logs_mentor_signs_counter_moves(browser, live, page, new_trainee):
    email, password = new_trainee
    _enrol_with_mentor(live, email)
    log_in(page, email, password)
    assert "0 of 2 signed" in _counter(page)

    # The trainee records a supervised glabellar treatment.
    page.get_by_role("link", name="New entry").click()
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    page.get_by_label("Date of treatment").fill(yesterday)
    page.get_by_label("Modality").select_option("toxin")
    page.get_by_label("Your role").select_option("performed")
    page.get_by_label("Patient's age band").select_option("35-44")
    page.get_by_label("Patient's sex").select_option("F")
    page.get_by_label("Fitzpatrick skin type").select_option("II")
    page.get_by_label("Consent form version").fill("v3")
    page.get_by_label("Row 1 zone").select_option("glabella")
    page.get_by_label("Row 1 grade").select_option("3")
    page.get_by_label("Row 1 product").select_option("ona")
    page.get_by_label("Row 1 amount").fill("20")
    page.get_by_label("Row 1 technique").fill("5 points")
    page.get_by_label("Two-week review outcome").fill("Even, no ptosis.")
    page.get_by_label("Complications").fill("None")
    page.get_by_label("Reflection: what went well").fill("Marked the points first.")
    page.get_by_label("Reflection: what you would change").fill("Photograph at rest.")
    page.get_by_role("button", name="Save entry").click()
    page.wait_for_url(re.compile(r".*/portfolio/entries/\d+$"))
    entry_url = page.url
    assert page.locator("#practice-score").get_by_text("Natural").first.is_visible()
    assert page.get_by_text("is within the range").is_visible()
    page.get_by_role("button", name="Submit to mentor").click()
    assert page.locator("#entry-status").inner_text() == "With mentor"

    # The mentor finds it in the queue and signs it.
    mentor = browser.new_context(base_url=live[0]).new_page()
    log_in(mentor, "educator@demo.example.com", "educator-demo-2026", f"{live[0]}/")
    mentor.goto("/portfolio/mentor")
    mentor.get_by_role("link", name=yesterday).first.click()
    assert mentor.url == entry_url
    mentor.get_by_label("Comment").fill("Well recorded.")
    mentor.get_by_role("button", name="Sign entry").click()
    assert mentor.locator("#entry-status").inner_text() == "Signed"
    assert mentor.get_by_text("Signed by Dr Jonas Weller").is_visible()
    mentor.context.close()

    # The counter moved, and the signed entry is locked.
    assert "1 of 2 signed" in _counter(page)
    page.goto(entry_url)
    assert page.get_by_role("link", name="Correct with a new entry").is_visible()
    assert page.get_by_role("link", name="Edit entry").count() == 0


def test_logbook_pages_have_no_serious_accessibility_violations(live, page, new_trainee):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    email, password = new_trainee
    _enrol_with_mentor(live, email)
    log_in(page, email, password)
    found = {}
    for path in ("/portfolio/", "/portfolio/new"):
        page.goto(path)
        found[path] = axe.run(page).response["violations"]
    # The form with errors shown, and an entry page with its score.
    page.get_by_role("button", name="Save entry").click()
    found["errors"] = axe.run(page).response["violations"]
    serious = {
        where: [
            (v["id"], v["impact"]) for v in found[where] if v["impact"] in ("serious", "critical")
        ]
        for where in found
    }
    assert {k: v for k, v in serious.items() if v} == {}
