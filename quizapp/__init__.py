"""quizapp: learn to plan natural-looking toxin and filler treatments.

`create_app` builds an app from environment settings (see quizapp.config); tests pass overrides.
Flask and the database are imported when an app is built, not when the package is: the pure
domain (quizapp.domain, quizapp.formats) loads, and is tested, without them.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from flask import Flask

    from quizapp.config import build_config
    from quizapp.extensions import csrf, db, limiter

    app = Flask(__name__, instance_relative_config=True)
    # instance/ holds the secret key and the embedded database: owner only.
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.update(build_config(app.instance_path, overrides))
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    if app.config.get("MIGRATIONS", True):
        _configure_migrations(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _configure_login(app)
    _configure_sqlite(app)

    from quizapp.web import register_blueprints
    from quizapp.web.inputs import DatabaseIdConverter, QuizappRequest, install_input_rules

    # Numbers from URLs, queries and forms: ASCII digits within the database's range.
    app.url_map.converters["int"] = DatabaseIdConverter  # before any rule is added
    app.request_class = QuizappRequest
    install_input_rules()
    register_blueprints(app)

    from quizapp.web import bench

    if bench.enabled(app):  # QUIZAPP_BENCH_ROUTES=1 only: /bench/hello, /bench/page, X-Query-Count
        bench.register_bench(app)

    from quizapp.cli import register_cli

    register_cli(app)
    return app


def _configure_migrations(app: Flask) -> None:
    """Flask-Migrate and the `flask db` commands.

    Flask-Migrate imports Alembic, Mako and Pygments (~17 MB resident). A web worker never
    migrates, so wsgi.py leaves them out when gunicorn loads it (MIGRATIONS=False); the `flask`
    command, tests and scripts get them.
    """
    from flask_migrate import Migrate

    from quizapp.extensions import db

    Migrate(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)


def _configure_login(app: Flask) -> None:
    from sqlalchemy import bindparam, select
    from sqlalchemy.orm import joinedload

    from quizapp.extensions import db, login_manager
    from quizapp.models import Membership, User
    from quizapp.services.learning.catalogue import content_token_column, remember_content_token

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    # "strong": a session whose client identity changes is dropped, not just marked non-fresh.
    login_manager.session_protection = "strong"

    # Built once: every signed-in request runs it. Memberships and their academies come in the
    # same statement (every signed-in page checks the membership and shows the academy's name),
    # and so does the content token that the trainee's lists are cached under.
    user_with_access = (
        select(User, content_token_column())
        .options(joinedload(User.memberships).joinedload(Membership.academy))
        .where(User.id == bindparam("user_id"))
    )

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The id carries the session version (see User.get_id); an old version means logged out.
        raw_id, _, version = user_id.partition(":")
        if not raw_id.isdigit() or not version.isdigit():
            return None
        found = db.session.execute(user_with_access, {"user_id": int(raw_id)}).unique().first()
        if found is None:
            return None
        user, token = found
        remember_content_token(token)
        if user.session_version != int(version) or not user.active:
            return None
        return user


def _configure_sqlite(app: Flask) -> None:
    """WAL and a busy timeout let readers and one writer share the embedded database.

    The driver's own transaction handling is kept on purpose: it begins a transaction at the first
    write, so a request's reads never hold a snapshot that a later write would have to upgrade
    (the cause of "database is locked" under parallel writers). The known cost: a SAVEPOINT
    issued before any write in a request commits when released (harmless where it is used:
    starting an attempt and issuing a certificate are complete on their own).
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    from sqlalchemy import event

    from quizapp.extensions import db

    with app.app_context():
        engine = db.engine
        _create_owner_only(engine.url.database)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # A burst of writers queues on SQLite's one write lock: with every write also keeping
            # the report's rows, 50 plans at once on a loaded machine waited past 5 s and failed
            # "database is locked" (tests/web/test_gunicorn_writers.py). 20 s stays under
            # gunicorn's 30 s worker timeout.
            cursor.execute("PRAGMA busy_timeout=20000")
            if ":memory:" not in app.config["SQLALCHEMY_DATABASE_URI"]:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()


def _create_owner_only(path: str | None) -> None:
    """Create the SQLite file with mode 0600 before SQLite does (it would follow the umask, 0644
    as a rule); SQLite gives its -wal and -shm files the database file's mode."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    # OSError: it exists, or SQLite will say why it cannot open it.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
