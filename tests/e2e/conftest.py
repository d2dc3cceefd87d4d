"""Real-browser fixtures: Debian's chromium driven by Playwright, against a live server that
runs the app on a fresh, migrated database with the demo academy loaded."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import fresh_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The app served over real HTTP on a loopback port, with `flask db upgrade` + `flask demo`.

    Yields (base URL, app) so tests can also prepare data through the app."""
    from flask_migrate import upgrade

    from quizapp import MIGRATIONS_DIR, create_app

    with fresh_database(tmp_path_factory.mktemp("e2e")) as url:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "e2e-secret", "RATELIMIT_ENABLED": True}
        )
        with app.app_context():
            upgrade(directory=MIGRATIONS_DIR)
        result = app.test_cli_runner().invoke(args=["demo", "--quiet"])
        assert result.exit_code == 0, result.output
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", app
        finally:
            server.shutdown()
            thread.join(timeout=5)
            with app.app_context():
                from quizapp.extensions import db

                db.engine.dispose()


@pytest.fixture()
def page(browser, live_server):
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def live_server(live) -> str:
    return live[0]


@pytest.fixture()
def new_trainee(live):
    """A trainee of the demo academy of its own, so browser tests never share progress."""
    from quizapp.extensions import db
    from quizapp.models import Role
    from quizapp.services.academy.demo import DEMO_ACADEMY
    from quizapp.services.people import accounts

    app = live[1]
    email = f"trainee-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context():
        user = accounts.create_user(email, "Dr Browser Trainee", "browser-trainee-pw")
        accounts.add_membership(user, accounts.academy_by_slug(DEMO_ACADEMY[1]), Role.TRAINEE)
        db.session.commit()
    return email, "browser-trainee-pw"


def log_in(page, email: str, password: str, landing: str = "**/learn/") -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(landing)


def grade(page, zone: str, kind: str, value: int) -> None:
    """Choose a grade on the assessment step the way a pointer does: its button (label)."""
    page.locator(f"label[for='{kind}-{zone}-{value}']").click()


def case_to_plan(page) -> None:
    """From a case's patient step to its plan: the glabella graded, "treat as planned" chosen."""
    page.get_by_role("button", name="Continue to the assessment").click()
    grade(page, "glabella", "moving", 3)
    grade(page, "glabella", "rest", 1)
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Treat as planned").check()
    page.get_by_role("button", name="Save and continue").click()


def check_pages(page, axe, paths, found: dict, wide: list) -> None:
    """Open each path at 375 and 1280 px: its serious or critical axe violations go into
    `found` by (width, path), a page wider than the window into `wide`."""
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for path in paths:
            page.goto(path)
            if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
                wide.append((width, path))
            violations = [
                (v["id"], v["impact"], len(v["nodes"]))
                for v in axe.run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if violations:
                found[(width, path)] = violations
