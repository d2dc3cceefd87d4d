"""50 trainees submit case plans at the same moment through gunicorn workers on SQLite: every
attempt is stored once and no request fails with "database is locked"."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from quizapp import MIGRATIONS_DIR, create_app
from quizapp.models import AttemptStatus, CaseAttempt, Role

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 50
PASSWORD = "parallel-writers-pw"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Browser:
    """A tiny cookie-keeping HTTP client for one trainee."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.status, response.geturl(), response.read().decode()

    def post(self, path: str, data: dict) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        with self.opener.open(self.base + path, data=body, timeout=60) as response:
            return response.status, response.geturl(), response.read().decode()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture()
def sqlite_server(tmp_path):
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("this test is about SQLite's single writer; PostgreSQL has its own test")
    database = tmp_path / "writers.sqlite3"
    url = f"sqlite:///{database}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "writers"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        cases = tmp_path / "bank"
        cases.mkdir()
        shutil.copy(ROOT / "cases" / "f44-frown-lines.yaml", cases)
        from quizapp.extensions import db
        from quizapp.services.authoring import content
        from quizapp.services.people import accounts

        content.import_bank(cases)
        academy = accounts.create_academy("Parallel Academy", "parallel")
        for n in range(WRITERS):
            user = accounts.create_user(f"writer{n}@example.com", f"Writer {n}", PASSWORD)
            accounts.add_membership(user, academy, Role.TRAINEE)
        db.session.commit()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "writers", "RATELIMIT_ENABLED": "false"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).read()
            break
        except OSError:
            time.sleep(0.1)
    try:
        yield base, app
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=20)
        assert b"database is locked" not in errors


def test_fifty_parallel_case_submissions_lose_nothing(sqlite_server):
    base, app = sqlite_server
    barrier = threading.Barrier(WRITERS)
    outcomes: list = [None] * WRITERS

    def trainee(n: int) -> None:
        browser = Browser(base)
        try:
            page = browser.get("/login")[2]
            browser.post(
                "/login",
                {
                    "email": f"writer{n}@example.com",
                    "password": PASSWORD,
                    "csrf_token": _token(page),
                },
            )
            page = browser.get("/learn/cases/")[2]
            _, url, _ = browser.post(
                "/learn/cases/f44-frown-lines/start", {"csrf_token": _token(page)}
            )
            attempt = url.rsplit("/", 1)[0].replace(base, "")
            token = _token(browser.get(attempt + "/patient")[2])
            browser.post(attempt + "/patient", {"csrf_token": token})
            browser.post(attempt + "/assessment", {"csrf_token": token, "moving-glabella": "3"})
            browser.post(attempt + "/candidacy", {"csrf_token": token, "disposition": "treat"})
            plan = {
                "csrf_token": token,
                "zone-0": "glabella",
                "product-0": "ona",
                "amount-0": "20",
                "side-0": "midline",
                "go": "submit",
            }
            barrier.wait(timeout=120)
            status, url, _ = browser.post(attempt + "/plan", plan)
            outcomes[n] = (status, url.endswith("/result"))
        except Exception as error:  # noqa: BLE001 - the assertion lists every failure
            outcomes[n] = error

    threads = [threading.Thread(target=trainee, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    failures = [o for o in outcomes if o != (200, True)]
    assert failures == []
    with app.app_context():
        from quizapp.extensions import db

        submitted = db.session.scalar(
            select(func.count())
            .select_from(CaseAttempt)
            .where(CaseAttempt.status == AttemptStatus.SUBMITTED)
        )
        db.engine.dispose()
    assert submitted == WRITERS
