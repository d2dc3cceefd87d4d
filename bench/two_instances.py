"""Two app servers, one PostgreSQL, one Redis: either instance serves any request the same way.

Starts two gunicorn instances on two loopback ports against a fresh PostgreSQL database, with
the rate limiter in Redis, and prints the evidence that

  1. a session signed in through instance A is valid on instance B (signed cookie sessions);
  2. the login throttle counts failed sign-ins made through both instances together (Redis);
  3. a case plan walked through A and B and submitted through B, then again through A, is
     stored once (the database decides, not the worker).

    .venv/bin/python bench/two_instances.py \\
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] \\
        [--redis redis://127.0.0.1:6379/0]

The server URL names an existing database used only to create and drop a fresh one.
Exit status 0 when every check holds. tests/web/test_two_instances.py runs the same checks.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import urllib.parse
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import PLAN  # noqa: E402
from bench.loadkit import Session, free_port, log_in, start_server  # noqa: E402

PASSWORD = "two-instances-pw-2026"  # noqa: S105 - a throwaway local account


def prepare(url: str) -> str:
    """A trainee (email returned) in a fresh database with one bank case."""
    from flask_migrate import upgrade

    from quizapp import MIGRATIONS_DIR, create_app
    from quizapp.extensions import db
    from quizapp.models import Role
    from quizapp.services.authoring import content
    from quizapp.services.people import accounts

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "two-instances"})
    email = f"trainee-{uuid.uuid4().hex[:8]}@example.com"
    with app.app_context(), tempfile.TemporaryDirectory() as bank:
        upgrade(directory=MIGRATIONS_DIR)
        shutil.copy(ROOT / "cases" / "f44-frown-lines.yaml", bank)
        content.import_bank(bank)
        academy = accounts.create_academy("Two Instances", "two-instances")
        user = accounts.create_user(email, "Two Instances Trainee", PASSWORD)
        accounts.add_membership(user, academy, Role.TRAINEE)
        db.session.commit()
        db.engine.dispose()
    return email


def submitted_attempts(url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    text("SELECT COUNT(*) FROM case_attempts WHERE status = 'submitted'")
                ).scalar()
            )
    finally:
        engine.dispose()


def run(server_url: str, redis_url: str, say=print) -> dict[str, bool]:
    """Run the three checks; returns {check: held}."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = "quizapp_two_" + uuid.uuid4().hex[:10]
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    servers = []
    results: dict[str, bool] = {}
    try:
        email = prepare(url)
        env = {
            "RATELIMIT_STORAGE_URI": redis_url,
            "SECRET_KEY": "two-instances-shared-secret",
            "LOGIN_LIMIT_PER_ACCOUNT": "5 per 10 minutes",
        }
        ports = [free_port(), free_port()]
        for port in ports:
            servers.append(start_server(url, 2, port, env))
        a, b = ports
        say(
            f"instance A on 127.0.0.1:{a}, instance B on 127.0.0.1:{b}; database {name}; "
            f"limiter {redis_url}"
        )

        # 1. A session from A works on B.
        session = log_in(a, email, PASSWORD)
        on_b = Session(b, dict(session.cookies))
        status, _, _ = on_b.request("GET", "/learn/")
        results["session"] = status == 200
        say(f"1. signed in on A; GET /learn/ on B with the same cookie -> {status}")

        # 2. Failed sign-ins through A and B count together.
        statuses = []
        for attempt in range(7):
            port = (a, b)[attempt % 2]
            client = Session(port)
            client.get_token("/login")
            status, _, _ = client.post("/login", {"email": email, "password": "wrong-password"})
            statuses.append(f"{'AB'[attempt % 2]}:{status}")
        say(f"2. wrong passwords alternating A/B (limit 5 per account): {' '.join(statuses)}")
        codes = [int(s.split(":")[1]) for s in statuses]
        results["throttle"] = codes[:5] == [200] * 5 and codes[5:] == [429, 429]

        # 3. A case walked through both instances is stored once.
        before = submitted_attempts(url)
        session.get_token("/learn/cases/")
        status, headers, _ = session.post("/learn/cases/f44-frown-lines/start", {})
        base = urllib.parse.urlparse(headers.get("location", "")).path.rsplit("/", 1)[0]
        on_b = Session(b, dict(session.cookies), session.token)
        session.post(base + "/patient", {})
        on_b.post(base + "/assessment", {"moving-glabella": "3", "moving-crows_feet": "2"})
        session.post(base + "/candidacy", {"disposition": "treat"})
        first = on_b.post(base + "/plan", PLAN)
        again = session.post(base + "/plan", PLAN)
        after = submitted_attempts(url)
        say(
            f"3. plan submitted on B -> {first[0]} {first[1].get('location', '')}; "
            f"again on A -> {again[0]} {again[1].get('location', '')}; "
            f"submitted attempts {before} -> {after}"
        )
        results["submission"] = first[0] == 302 and after - before == 1
    finally:
        for server in servers:
            server.terminate()
            server.communicate(timeout=30)
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    for check, held in results.items():
        say(f"   {check}: {'same on both instances' if held else 'FAILED'}")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL server URL (a fresh database is created on it and dropped)",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    args = parser.parse_args(argv)
    results = run(args.database_url, args.redis)
    return 0 if results and all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
