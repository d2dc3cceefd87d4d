"""What the app-level fixtures of tests/conftest.py are made of: fresh databases, the app on one,
a client that runs each request in its own context, and factories. Imported only by fixtures that
need an app, so domain tests never load Flask or SQLAlchemy."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

from quizapp import create_app
from quizapp.extensions import db as _db
from quizapp.models import Role
from quizapp.services.people import accounts
from tests.conftest import TEST_PASSWORD


@contextmanager
def fresh_database(directory: Path) -> Iterator[str]:
    """A new, empty database of the suite's kind: a new SQLite file, or a new PostgreSQL database
    on the TEST_DATABASE_URL server (dropped afterwards)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(directory / f"fresh-{uuid.uuid4().hex[:8]}.sqlite3")
        return
    name = "quizapp_t_" + uuid.uuid4().hex[:10]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    Tests hold an app context for their database work; without this, requests would share its `g`
    and its database session, hiding bugs that only show between separate requests.
    """

    def open(self, *args, **kwargs):
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)


def make_app(database_url: str) -> Flask:
    """The suite's app on `database_url`, with the schema built from the models."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        # Tests build the schema from the models; tests/web/test_migrations.py proves that the
        # Alembic revisions produce the same schema.
        _db.drop_all()
        _drop_enum_types()
        _db.create_all()
    return app


def drop_everything() -> None:
    _db.session.remove()
    _db.drop_all()
    _drop_enum_types()
    _db.engine.dispose()


def _drop_enum_types() -> None:
    if _db.engine.dialect.name == "postgresql":
        with _db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            for name in ("content_status", "member_role", "attempt_status", "logbook_status"):
                connection.exec_driver_sql(f"DROP TYPE IF EXISTS {name} CASCADE")


def empty_tables() -> None:
    """Every row gone, the schema kept: what each test leaves behind."""
    _db.session.rollback()
    _db.session.remove()
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


class Factory:
    """Creates academies and members with sensible defaults."""

    def __init__(self, db):
        self.db = db
        self._n = 0

    def academy(self, name: str = "Test Academy", slug: str | None = None):
        self._n += 1
        academy = accounts.create_academy(name, slug or f"academy-{self._n}")
        self.db.session.commit()
        return academy

    def user(self, role: Role | None = Role.TRAINEE, academy=None, *, email=None, **kw):
        self._n += 1
        user = accounts.create_user(
            email or f"user{self._n}@example.com",
            kw.pop("display_name", f"User {self._n}"),
            kw.pop("password", TEST_PASSWORD),
            site_admin=kw.pop("site_admin", False),
        )
        if role is not None:
            accounts.add_membership(user, academy or self.academy(), role)
        self.db.session.commit()
        return user


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block."""
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    engine = _db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
