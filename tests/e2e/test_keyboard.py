"""Keyboard only: a case study can be completed with Tab, arrows, Space and Enter."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e


def tab_to(page, selector: str, limit: int = 200) -> None:
    """Press Tab until the element matching `selector` has focus (fails if it never does)."""
    for _ in range(limit):
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"could not reach {selector} with the Tab key")


def choose(page, selector: str, steps: int) -> None:
    """Pick an option of a focused <select> by arrowing down from the first one."""
    tab_to(page, selector)
    for _ in range(steps):
        page.keyboard.press("ArrowDown")


def test_case_study_by_keyboard_only(page, new_trainee):
    log_in(page, *new_trainee)
    page.goto("/learn/cases/")
    tab_to(page, "form[action='/learn/cases/f44-frown-lines/start'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/patient")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/assessment")
    # Each grade is a radio group: Tab reaches it, the arrow keys move along "–", 0, 1, 2, 3, 4.
    tab_to(page, "#moving-glabella-none")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    tab_to(page, "#rest-glabella-none")
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    assert page.locator("#moving-glabella-3").is_checked()
    assert page.locator("#rest-glabella-1").is_checked()
    # The face follows: the glabella shows the higher grade, 3.
    glabella = page.locator(".facemap .zone[data-zone=glabella]")
    assert glabella.get_attribute("class") == "zone grade-3"
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/candidacy")
    tab_to(page, "#disp-treat")
    page.keyboard.press("Space")
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/plan")
    zone_index = page.eval_on_selector(
        "#zone-0", "s => [...s.options].findIndex(o => o.value === 'glabella')"
    )
    choose(page, "#zone-0", zone_index)
    product_index = page.eval_on_selector(
        "#product-0", "s => [...s.options].findIndex(o => o.value === 'ona')"
    )
    choose(page, "#product-0", product_index)
    tab_to(page, "#amount-0")
    page.keyboard.type("20")
    tab_to(page, "button[value=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/result")
    assert page.get_by_text("Plan score").is_visible()
    # The glabella is on target; the untreated crow's feet count as missed or conservative.
    assert page.locator("#verdict-glabella .verdict-chip").inner_text() == "On target"
