"""Smoke test in a real browser: the home page loads and the demo trainee can log in."""

from __future__ import annotations

import pytest

from quizapp.services.academy.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.e2e


def test_home_page_and_demo_trainee_login(page):
    page.goto("/")
    assert page.get_by_role("heading", name="Plan treatments that look natural.").is_visible()
    assert "not clinical advice" in page.locator("footer").inner_text()
    trainee = DEMO_ACCOUNTS[0]
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill(trainee.email)
    page.get_by_label("Password").fill(trainee.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/learn/")
    assert page.get_by_role("heading", name="My learning").is_visible()
    assert trainee.display_name in page.locator("header").inner_text()


def test_wrong_password_shows_message_in_browser(page):
    page.goto("/login")
    page.get_by_label("Email").fill(DEMO_ACCOUNTS[0].email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_text("Email or password is not correct.").is_visible()
