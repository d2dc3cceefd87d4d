"""A complication drill completed end to end in a real browser, by keyboard only."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in
from tests.e2e.test_keyboard import choose, tab_to

pytestmark = pytest.mark.e2e


def _take(page, action: str, done: int) -> None:
    """Tab to the action's button, press Enter, and wait for it in the list of what was done."""
    tab_to(page, f"form.drill-action:has(input[name=action][value='{action}']) button")
    page.keyboard.press("Enter")
    page.locator("#taken + ol.timeline > li").nth(done - 1).wait_for()


def test_occlusion_drill_by_keyboard_only(page, new_trainee):
    log_in(page, *new_trainee)
    page.goto("/learn/")
    tab_to(page, "a[href='/learn/drills/']")
    page.keyboard.press("Enter")
    page.wait_for_url("**/learn/drills/")
    tab_to(page, "form[action='/learn/drills/occlusion-lip-filler/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/learn/drills/attempts/*")
    assert "server clock" in page.locator("#clock").inner_text()
    _take(page, "stop-injecting", 1)
    assert page.get_by_text("slow to pink again").is_visible()  # the next stage appeared
    _take(page, "check-refill", 2)
    _take(page, "ask-allergy", 3)
    choose(page, "#dose-hyaluronidase-where", 1)  # "Choose…", then the whole area
    choose(page, "#dose-hyaluronidase-repeat", 1)  # hourly, until recovered
    _take(page, "hyaluronidase", 4)
    _take(page, "record", 5)
    tab_to(page, "form[action$='/submit'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/result")
    assert page.locator(".drill-outcome").inner_text() == "Managed"
    assert page.get_by_text("Score 100/100").is_visible()
    assert page.locator(".drill-verdict-done").count() == 5
