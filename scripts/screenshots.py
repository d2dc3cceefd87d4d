"""Render the main pages from the demo data into docs/screenshots/ (run with `make screenshots`).

Starts the app on a fresh SQLite database with the demo loaded, walks a trainee through a quiz and
a case study so the result pages have content, and photographs each page at 1280 and 375 px in
Debian's chromium. Needs `apt-get install chromium`.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from pathlib import Path

from flask_migrate import upgrade
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quizapp import MIGRATIONS_DIR, create_app  # noqa: E402
from quizapp.services.academy.demo import DEMO_ACCOUNTS  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": 1280, "phone": 375}


def serve(database: Path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "shots"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
    result = app.test_cli_runner().invoke(args=["demo", "--quiet"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    with app.app_context():
        certification_setup()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def certification_setup() -> None:
    """A programme and a cohort with the demo trainee in it, so a natural plan earns a
    certificate and its pages have something to show."""
    from quizapp.extensions import db
    from quizapp.models.base import now_utc
    from quizapp.services.academy import certification
    from quizapp.services.academy.demo import DEMO_ACADEMY
    from quizapp.services.people import accounts, members

    academy = accounts.academy_by_slug(DEMO_ACADEMY[1])
    programme = certification.save_programme(
        academy.id,
        None,
        name="Natural upper face",
        description="Plans the upper face conservatively or naturally, with no unsafe plan.",
        required_modules=[],
        min_good_cases=1,
        no_unsafe_in_last=3,
        validity_months=24,
        recertification="",
        active=True,
        actor_id=None,
    )
    cohort = members.save_cohort(academy.id, None, "Spring cohort", now_utc().date(), None)
    trainee = accounts.find_user(DEMO_ACCOUNTS[0].email)
    members.add_to_cohort(cohort, [trainee.id], "trainee", None)
    members.set_cohort_programmes(cohort, [programme.id], None)
    db.session.commit()


def log_in(page, account) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def shoot(page, name: str) -> None:
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(OUT / f"{name}-{label}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        if overflow:
            print(f"warning: {name} scrolls sideways at {width} px")
    print(f"  {name}")


def trainee_pages(page) -> None:
    log_in(page, DEMO_ACCOUNTS[0])
    page.goto("/learn/cases/")
    page.locator("form[action='/learn/cases/f44-frown-lines/start'] button").click()
    shoot(page, "case-patient")
    page.get_by_role("button", name="Continue to the assessment").click()
    for zone, rest, moving in (
        ("glabella", "1", "3"),
        ("crows_feet", "0", "2"),
        ("forehead", "0", "1"),
    ):
        page.locator(f"label[for='rest-{zone}-{rest}']").click()
        page.locator(f"label[for='moving-{zone}-{moving}']").click()
    shoot(page, "case-assessment")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Treat as planned").check()
    page.get_by_role("button", name="Save and continue").click()
    rows = (
        ("glabella", "ona", "20", "midline"),
        ("crows_feet", "ona", "12", "both"),
        ("forehead", "ona", "20", "midline"),
    )
    for index, (zone, product, amount, side) in enumerate(rows):
        page.locator(f"#zone-{index}").select_option(zone)
        page.locator(f"#product-{index}").select_option(product)
        page.locator(f"#amount-{index}").fill(amount)
        page.locator(f"#side-{index}").select_option(side)
        if index < len(rows) - 1:
            page.get_by_role("button", name="Add a row").click()  # no reload with JS
    shoot(page, "case-plan")
    page.get_by_role("button", name="Submit plan for scoring").click()
    page.wait_for_url("**/result")
    shoot(page, "case-result")
    # The top of the result on a phone (band, reasons, face), for the README.
    page.set_viewport_size({"width": 375, "height": 1500})
    page.screenshot(path=str(OUT / "case-result-phone-top.png"))
    natural_plan(page)
    page.goto("/learn/modules/natural-results")
    page.locator("form button.button").first.click()
    shoot(page, "quiz-question")
    page.get_by_role("button", name="Save and finish…").click()
    page.get_by_role("button", name="Submit attempt").click()
    page.wait_for_url("**/review")
    shoot(page, "quiz-review")
    page.goto("/learn/")
    shoot(page, "trainee-dashboard")
    page.goto("/certificates/")
    shoot(page, "certificates")
    earned = page.locator(".certificate-card h2 a")
    if earned.count():
        earned.first.click()
        page.wait_for_load_state()
        shoot(page, "certificate")
        page.goto(page.get_by_role("link", name="Open the verification page").get_attribute("href"))
        shoot(page, "certificate-verification")
    else:
        print("warning: the demo plan earned no certificate; its pages are not photographed")


def natural_plan(page) -> None:
    """A second attempt at the same case, planned within the reference: it earns the demo
    programme's certificate (certification_setup)."""
    page.goto("/learn/cases/")
    page.locator("form[action='/learn/cases/f44-frown-lines/start'] button").click()
    page.get_by_role("button", name="Continue to the assessment").click()
    page.locator("label[for='moving-glabella-3']").click()
    page.locator("label[for='rest-glabella-1']").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Treat as planned").check()
    page.get_by_role("button", name="Save and continue").click()
    for index, (zone, amount, side) in enumerate(
        (("glabella", "20", None), ("crows_feet", "8", "both"))
    ):
        page.locator(f"#zone-{index}").select_option(zone)
        page.locator(f"#product-{index}").select_option("ona")
        page.locator(f"#amount-{index}").fill(amount)
        if side:
            page.locator(f"#side-{index}").select_option(side)
        if index == 0:
            page.get_by_role("button", name="Add a row").click()
    page.get_by_role("button", name="Submit plan for scoring").click()
    page.wait_for_url("**/result")


def staff_pages(browser, base: str) -> None:
    """The educator's and the academy admin's main pages, with the trainee's attempts in them."""
    educator = browser.new_context(base_url=base).new_page()
    log_in(educator, DEMO_ACCOUNTS[1])
    for path, name in (
        ("/author/", "author-index"),
        ("/author/cases/1", "author-case"),
        ("/author/insight/", "author-insight"),
        ("/author/insight/mistakes", "author-mistakes"),
    ):
        educator.goto(path)
        shoot(educator, name)
    # A cohort trainee's performed treatment waiting for sign-off: its zones on the face.
    educator.goto("/portfolio/mentor")
    entry = educator.locator("tr:has-text('Performed') a[href^='/portfolio/entries/']")
    if entry.count():
        entry.first.click()
        educator.wait_for_load_state()
        shoot(educator, "logbook-entry")
    else:
        print("warning: no performed logbook entry to review; the logbook is not photographed")
    educator.context.close()
    admin = browser.new_context(base_url=base).new_page()
    log_in(admin, DEMO_ACCOUNTS[2])
    for path, name in (
        ("/academy/", "academy-overview"),
        ("/academy/members", "academy-members"),
        ("/academy/cohorts", "academy-cohorts"),
        ("/academy/programmes", "academy-programmes"),
        ("/academy/reports", "academy-reports"),
    ):
        admin.goto(path)
        shoot(admin, name)
    admin.context.close()


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server, base = serve(Path(tmp) / "shots.sqlite3")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
                )
                page = browser.new_context(base_url=base).new_page()
                page.goto("/")
                shoot(page, "home")
                trainee_pages(page)
                staff_pages(browser, base)
                browser.close()
        finally:
            server.shutdown()
    print(f"Screenshots written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
