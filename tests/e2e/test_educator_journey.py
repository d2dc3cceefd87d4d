"""An educator writes a small case in a real browser, previews it as a trainee would, publishes
it, and a trainee of the academy takes it."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import case_to_plan, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture()
def new_educator(live):
    """An educator of the demo academy of their own, so browser tests never share drafts."""
    from quizapp.extensions import db
    from quizapp.models import Role
    from quizapp.services.academy.demo import DEMO_ACADEMY
    from quizapp.services.people import accounts

    app = live[1]
    email = f"educator-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        user = accounts.create_user(email, "Dr Browser Educator", "browser-educator-pw")
        accounts.add_membership(user, accounts.academy_by_slug(DEMO_ACADEMY[1]), Role.EDUCATOR)
        db.session.commit()
    return email, "browser-educator-pw"


def _walk_the_case(page, amount: str) -> None:
    """Patient -> assessment -> candidacy -> plan -> result, as the trainee player asks."""
    case_to_plan(page)
    page.get_by_label("Row 1 zone").select_option("glabella")
    page.get_by_label("Row 1 product").select_option("ona")
    page.get_by_label("Row 1 amount").fill(amount)
    page.get_by_role("button", name="Submit plan for scoring").click()
    page.wait_for_url("**/result")


def test_educator_writes_previews_and_publishes_a_case_a_trainee_takes(
    page, browser, live_server, new_educator, new_trainee
):
    slug = f"e2e-{uuid.uuid4().hex[:6]}"
    title = f"Frown lines in the browser {slug[-6:]}"
    log_in(page, *new_educator, landing=f"{live_server}/")
    page.get_by_role("link", name="Authoring", exact=True).click()
    page.get_by_role("link", name="New case", exact=True).click()

    # Write a small case in the structured editor.
    page.get_by_label("Case id", exact=True).fill(slug)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Vignette (Markdown)").fill("A teacher is told she looks **cross** in class.")
    page.get_by_label("Age", exact=True).fill("44")
    page.get_by_label("Fitzpatrick skin type").select_option("III")
    page.get_by_label("Glogau photoageing type").select_option("II")
    page.get_by_label("Glabellar (frown) lines at rest").select_option("1")
    page.get_by_label("Glabellar (frown) lines moving").select_option("3")
    page.get_by_label("Disposition today").select_option("treat")
    page.get_by_label("Zone row 1: zone").select_option("glabella")
    page.get_by_role("checkbox", name="onabotulinumtoxinA").check()
    page.get_by_label("Learning point 1 (Markdown)").fill("Start at the label dose.")
    # A first save without sources: the problem is shown beside the field, nothing is saved.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#references-error")).to_be_visible()
    assert "nothing was saved" in page.locator("#problems").inner_text()
    page.locator("#references").fill("B1 B6")  # the case's own picker: typed keys count too
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Saved as draft version 1.")).to_be_visible()

    # Preview it exactly as a trainee would; the plan is scored, nothing is recorded.
    page.get_by_role("button", name="Preview v1 as a trainee").click()
    expect(page.get_by_text("Preview — nothing is recorded.")).to_be_visible()
    assert page.locator(".vignette-md strong").inner_text() == "cross"
    _walk_the_case(page, "20")
    assert page.locator(".band-scale .band.active").inner_text().strip() == "Natural"
    expect(page.get_by_text("Preview — nothing is recorded.")).to_be_visible()

    # Publish it.
    page.get_by_role("link", name="Back to the case").first.click()
    page.get_by_role("button", name="Publish v1").click()
    expect(page.get_by_text("Version 1 is published")).to_be_visible()

    # A trainee of the academy now finds it and takes it.
    context = browser.new_context(base_url=live_server)
    trainee = context.new_page()
    try:
        log_in(trainee, *new_trainee)
        trainee.get_by_role("link", name="Case studies").first.click()
        expect(trainee.get_by_role("heading", name=title)).to_be_visible()
        trainee.locator(f"form[action='/learn/cases/{slug}/start'] button").click()
        assert not trainee.get_by_text("Preview — nothing is recorded.").count()
        _walk_the_case(trainee, "30")
        assert trainee.locator(".band-scale .band.active").inner_text().strip() == "Overdone"
    finally:
        context.close()

    # The educator sees the attempt in the case's insight.
    page.goto("/author/insight/")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_text("1 submitted attempt")).to_be_visible()


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def test_authoring_pages_have_no_serious_accessibility_problems(
    page, axe, live_server, new_educator
):
    log_in(page, *new_educator, landing=f"{live_server}/")
    found = {}

    def check(name: str) -> None:
        results = axe.run(page)
        found[name] = [
            (v["id"], v["impact"], len(v["nodes"]))
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    for path in (
        "/author/",
        "/author/cases/new",
        "/author/cases/upload",
        "/author/modules/new",
        "/author/insight/",
        "/author/insight/mistakes",
    ):
        page.goto(path)
        check(path)
    # A case of one's own: its page, editors, history and preview; and an editor with problems.
    slug = f"a11y-{uuid.uuid4().hex[:6]}"
    page.goto("/author/cases/upload")
    page.get_by_label("…or paste the YAML").fill(SMALL_CASE.format(slug=slug))
    page.get_by_role("button", name="Check and import").click()
    page.wait_for_url("**/author/cases/*")
    case_url = page.url
    check("case")
    for suffix in ("/edit", "/yaml"):
        page.goto(case_url + suffix)
        check(suffix)
    page.goto(case_url + "/edit")
    page.get_by_label("Age", exact=True).fill("old")
    page.get_by_role("button", name="Save draft").click()
    check("editor with problems")
    page.goto(case_url)
    page.get_by_role("button", name="Preview v1 as a trainee").click()
    check("preview")
    page.goto(case_url.replace("/cases/", "/cases/") + "/history")
    check("history")
    assert {k: v for k, v in found.items() if v} == {}


SMALL_CASE = """\
id: {slug}
title: A small case for accessibility
summary: A 44-year-old asks about her frown lines.
patient: {{age: 44, sex: F, fitzpatrick: III, glogau: II}}
assessment:
  glabella: {{rest: 1, moving: 3}}
reference:
  disposition: treat
  zones:
    glabella: {{products: [ona]}}
learning_points: [Start at the label dose.]
references: [B1]
"""
