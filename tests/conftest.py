"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL with
TEST_DATABASE_URL), a client that speaks real HTTP through the app, factories and a login helper.

This file imports neither Flask nor SQLAlchemy: the fixtures load tests/appkit.py (and with it the
app) only when a test asks for them, so `pytest tests/domain` runs on the pure core alone
(tests/test_layout.py checks it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

TEST_PASSWORD = "correct-horse-battery"
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def fresh_database(directory: Path) -> AbstractContextManager[str]:
    """A new, empty database of the suite's kind (tests/appkit.py: a new SQLite file, or a new
    PostgreSQL database on the TEST_DATABASE_URL server, dropped afterwards)."""
    from tests.appkit import fresh_database as fresh

    return fresh(directory)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """The suite's database: a fresh SQLite file, or, with TEST_DATABASE_URL, a fresh database on
    that PostgreSQL server, so two runs at once never drop each other's tables."""
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url):
    from tests import appkit

    app = appkit.make_app(database_url)
    yield app
    with app.app_context():
        appkit.drop_everything()


@pytest.fixture()
def db(app) -> Iterator:
    """The database, emptied after each test so tests never see each other's rows."""
    from quizapp.extensions import db as _db
    from quizapp.extensions import limiter
    from tests.appkit import empty_tables

    with app.app_context():
        yield _db
        empty_tables()
    limiter.reset()


@pytest.fixture()
def client(app, db):
    return app.test_client()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


@pytest.fixture()
def factory(db):
    from tests.appkit import Factory

    return Factory(db)


def login(client, email: str, password: str = TEST_PASSWORD, *, follow: bool = False):
    page = client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


@pytest.fixture()
def count_queries(app):
    """Counts SQL statements run inside the `with` block: `with count_queries() as counter: ...`."""
    from tests.appkit import counting_queries

    return counting_queries
