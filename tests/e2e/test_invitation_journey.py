"""Journey 1 end to end in a real browser: an academy admin invites a new trainee from the members
page; the trainee accepts the invitation, passes through a module quiz and its review, completes
a case study, sees the result with its face map and band, and finds the tendency on the
dashboard."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from quizapp.services.academy.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import case_to_plan, log_in

pytestmark = pytest.mark.e2e


def _invite(page, email: str) -> str:
    """The admin creates an invitation for `email` and reads the link to send."""
    admin = DEMO_ACCOUNTS[2]
    log_in(page, admin.email, admin.password, landing="**/")
    page.goto("/academy/members")
    page.get_by_label("Role").select_option("trainee")
    page.get_by_label("Email (optional)").fill(email)
    page.get_by_role("button", name="Create invitation").click()
    flash = page.locator(".flash-success").inner_text()
    assert f"Invitation created for {email}" in flash
    link = re.search(r"Send this link: (\S+)", flash).group(1)
    # The open invitation is listed with the same link.
    assert page.locator(f"input.copy-link[value='{link}']").count() == 1
    return link


def test_invited_trainee_signs_up_learns_and_sees_their_tendency(browser, live_server, page):
    email = f"invited-{uuid.uuid4().hex[:8]}@example.com"
    link = _invite(page, email)

    trainee = browser.new_context(base_url=live_server).new_page()
    trainee.goto(link)
    expect(trainee.get_by_role("heading", name="Create your account")).to_be_visible()
    code = link.rsplit("code=", 1)[1]
    assert trainee.get_by_label("Invitation code").input_value() == code
    trainee.get_by_label("Your name").fill("Dr Invited Trainee")
    trainee.get_by_label("Email").fill(email)
    trainee.get_by_label("Password", exact=True).fill("invited-trainee-pw-2026")
    trainee.get_by_label("Repeat password").fill("invited-trainee-pw-2026")
    trainee.get_by_role("button", name="Create account").click()
    expect(
        trainee.get_by_text("Welcome, Dr Invited Trainee. Your account is ready.")
    ).to_be_visible()
    assert "Northbridge" in trainee.locator("header").inner_text()

    # A module quiz: start, answer, submit, review.
    trainee.goto("/learn/")
    expect(trainee.get_by_text("Complete a case study to see whether")).to_be_visible()
    trainee.get_by_role("link", name="The case for natural results").click()
    trainee.get_by_role("button", name="Start attempt 1").click()
    expect(trainee.get_by_text("Question 1 of 20")).to_be_visible()
    first_choice = trainee.locator(".choice input").first
    if first_choice.count():
        first_choice.check()
    trainee.get_by_role("button", name="Save and finish…").click()
    trainee.get_by_role("button", name="Submit attempt").click()
    trainee.wait_for_url("**/review")
    expect(trainee.get_by_text("pass mark").first).to_be_visible()
    assert trainee.locator(".review-item").count() == 20

    # A case study planned naturally: the result places it on the band scale and the face map.
    trainee.get_by_role("link", name="Case studies").first.click()
    trainee.locator("form[action='/learn/cases/f44-frown-lines/start'] button").click()
    case_to_plan(trainee)
    trainee.get_by_label("Row 1 zone").select_option("glabella")
    trainee.get_by_label("Row 1 product").select_option("ona")
    trainee.get_by_label("Row 1 amount").fill("20")
    trainee.get_by_role("button", name="Add a row").click()
    trainee.get_by_label("Row 2 zone").select_option("crows_feet")
    trainee.get_by_label("Row 2 product").select_option("ona")
    trainee.get_by_label("Row 2 amount").fill("8")
    trainee.get_by_label("Row 2 side").select_option("both")
    trainee.get_by_role("button", name="Submit plan for scoring").click()
    trainee.wait_for_url("**/result")
    assert trainee.locator(".band-scale .band.active").inner_text().strip() == "Natural"
    assert trainee.locator(".facemap .zone.v-on_target").count() == 2

    # The dashboard now shows the tendency over the zones judged, and the score chart.
    trainee.goto("/learn/")
    tendency = trainee.locator(".dashboard .tendency")
    assert re.fullmatch(r"[+-]\d+%", tendency.inner_text().strip())
    expect(trainee.get_by_text(re.compile(r"over 2 zones in 1 case\."))).to_be_visible()
    assert trainee.locator("svg.score-chart .pt").count() == 2  # the quiz and the case
    trainee.context.close()

    # The invitation was for one person, once: it is no longer open.
    page.goto("/academy/members")
    assert email not in page.locator("#invitations").locator("..").inner_text()
    people = ""  # the demo cohort fills several pages of people
    for number in range(1, 6):
        page.goto(f"/academy/members?page={number}")
        if not page.locator("#people").count():
            break
        people += page.locator("#people").locator("..").inner_text()
    assert "Dr Invited Trainee" in people


def test_an_invitation_link_works_only_once(browser, live_server, page):
    email = f"once-{uuid.uuid4().hex[:8]}@example.com"
    link = _invite(page, email)
    first = browser.new_context(base_url=live_server).new_page()
    first.goto(link)
    first.get_by_label("Your name").fill("Dr Once")
    first.get_by_label("Email").fill(email)
    first.get_by_label("Password", exact=True).fill("once-only-password-1")
    first.get_by_label("Repeat password").fill("once-only-password-1")
    first.get_by_role("button", name="Create account").click()
    expect(first.get_by_text("Your account is ready.")).to_be_visible()
    first.context.close()

    second = browser.new_context(base_url=live_server).new_page()
    second.goto(link)
    second.get_by_label("Your name").fill("Dr Twice")
    second.get_by_label("Email").fill(email)
    second.get_by_label("Password", exact=True).fill("once-only-password-1")
    second.get_by_label("Repeat password").fill("once-only-password-1")
    second.get_by_role("button", name="Create account").click()
    expect(second.locator(".flash-error")).to_be_visible()
    expect(second.get_by_role("heading", name="Create your account")).to_be_visible()
    second.context.close()
