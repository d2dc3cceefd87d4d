"""A trainee completes a quiz and a case study in a real browser and sees the review and result."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import case_to_plan, log_in

pytestmark = pytest.mark.e2e


def test_trainee_takes_a_quiz_and_reviews_it(page, new_trainee):
    log_in(page, *new_trainee)
    page.get_by_role("link", name="The case for natural results").click()
    page.get_by_role("button", name="Start attempt 1").click()
    assert page.get_by_text("Question 1 of 20").is_visible()
    # Answer the first question whatever its type, then finish.
    first_choice = page.locator(".choice input").first
    if first_choice.count():
        first_choice.check()
    page.get_by_role("button", name="Save and finish…").click()
    assert page.get_by_role("heading", name="Submit your attempt").is_visible()
    page.get_by_role("button", name="Submit attempt").click()
    page.wait_for_url("**/review")
    assert page.get_by_text("pass mark").first.is_visible()
    assert page.locator(".review-item").count() == 20
    # The dashboard now charts the score.
    page.goto("/learn/")
    assert page.locator("svg.score-chart circle").count() >= 1


def test_trainee_completes_a_case_study(page, new_trainee):
    log_in(page, *new_trainee)
    page.get_by_role("link", name="Case studies").first.click()
    page.locator("form[action='/learn/cases/f44-frown-lines/start'] button").click()
    case_to_plan(page)
    page.get_by_label("Row 1 zone").select_option("glabella")
    page.get_by_label("Row 1 product").select_option("ona")
    page.get_by_label("Row 1 amount").fill("20")
    page.get_by_role("button", name="Add a row").click()
    assert "20 U" in page.locator(".totals").inner_text()
    page.get_by_label("Row 2 zone").select_option("crows_feet")
    page.get_by_label("Row 2 product").select_option("ona")
    page.get_by_label("Row 2 amount").fill("8")
    page.get_by_label("Row 2 side").select_option("both")
    page.get_by_role("button", name="Submit plan for scoring").click()
    page.wait_for_url("**/result")
    assert page.locator(".band-scale .band.active").inner_text().strip() == "Natural"
    assert page.get_by_text("Plan score 100/100").is_visible()
    assert page.locator(".facemap .zone.v-on_target").count() == 2
