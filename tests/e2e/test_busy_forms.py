"""Progress on long operations: a form marked data-busy disables its button, turns aria-busy and
says what it is doing in a live region while the server works (static/app.js); without
JavaScript the same form simply submits."""

from __future__ import annotations

import time
import uuid

import pytest
from flask import request
from playwright.sync_api import expect

from quizapp.services.academy.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

IMPORT = "/academy/invitations/import"


def _csv() -> dict:
    tag = uuid.uuid4().hex[:8]
    body = f"email,role,days\nbusy-{tag}@example.com,trainee,30\n".encode()
    return {"name": "people.csv", "mimeType": "text/csv", "buffer": body}


@pytest.fixture()
def slow_import(live):
    """The import answers only after a pause, as a big file would, so the page can be watched
    while it waits. The live app's view is wrapped for this test and put back afterwards."""
    app = live[1]
    endpoint = "academy.import_invitations"
    view = app.view_functions[endpoint]

    def slow(*args, **kwargs):
        if request.method == "POST":
            time.sleep(1.5)
        return view(*args, **kwargs)

    app.view_functions[endpoint] = slow
    yield
    app.view_functions[endpoint] = view


def test_import_form_shows_it_is_working_until_the_answer_comes(page, slow_import):
    admin = DEMO_ACCOUNTS[2]
    log_in(page, admin.email, admin.password, landing="**/")
    page.goto(IMPORT)
    form = page.locator("form[data-busy]")
    button = form.get_by_role("button", name="Check and invite")
    status = form.get_by_role("status")
    expect(status).to_have_text("")  # the live region is there, silent, before submitting
    assert status.get_attribute("aria-live") == "polite"
    assert form.get_attribute("aria-busy") is None
    expect(button).to_be_enabled()

    form.get_by_label("Invitation file (CSV)").set_input_files(_csv())
    started = time.monotonic()
    # Press the button and look 200 ms later, while the answer is on its way and the old page
    # is still the one on screen (one evaluate: Playwright waits out pending navigations).
    state = page.evaluate(
        """() => new Promise((resolve) => {
            const form = document.querySelector("form[data-busy]");
            const button = form.querySelector("button[type=submit]");
            const status = form.querySelector("[role=status]");
            button.click();
            setTimeout(() => resolve([
                button.disabled,
                form.getAttribute("aria-busy"),
                status.textContent,
                status.getBoundingClientRect().height > 0,
            ]), 200);
        })"""
    )
    assert time.monotonic() - started < 1.5  # seen before the answer came
    assert state == [True, "true", "Checking the file and creating invitations…", True]
    page.wait_for_url(f"**{IMPORT}")
    expect(page.get_by_text("1 invitations created.")).to_be_visible()
    # The answer is a fresh page: usable again.
    expect(page.get_by_role("button", name="Check and invite")).to_be_enabled()
    assert page.locator("form[data-busy]").get_attribute("aria-busy") is None


def test_without_javascript_the_form_just_submits(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    admin = DEMO_ACCOUNTS[2]
    log_in(page, admin.email, admin.password, landing="**/")
    page.goto(IMPORT)
    assert page.locator("form[data-busy] [role=status]").count() == 0  # nothing added
    page.get_by_label("Invitation file (CSV)").set_input_files(_csv())
    page.get_by_role("button", name="Check and invite").click()
    assert page.get_by_text("1 invitations created.").is_visible()
    context.close()


@pytest.mark.parametrize(
    "who, path",
    [
        (1, "/author/cases/upload"),
        (2, "/academy/invitations/import"),
        (2, "/academy/reports"),
    ],
)
def test_long_operations_are_marked_busy(page, who, path):
    account = DEMO_ACCOUNTS[who]
    log_in(page, account.email, account.password, landing="**/")
    page.goto(path)
    assert page.locator("form[data-busy]").count() == 1
    assert page.locator("form[data-busy] .busy-status[role=status]").count() == 1
