"""`flask demo` loads the demo academy and accounts, and running it twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.models import Academy, Membership, User
from quizapp.services.academy.demo import DEMO_ACCOUNTS, DEMO_INVITE_CODE
from quizapp.services.academy.demo_cohort import TRAINEES
from tests.conftest import login


def _counts(db):
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Academy, User, Membership)
    )


def test_demo_is_idempotent_and_its_logins_work(app, db, client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(db)
    assert counts == (1, 3 + TRAINEES, 3 + TRAINEES)  # the accounts and the demo cohort
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts(db) == counts
    for account in DEMO_ACCOUNTS:
        assert account.email in first.output and account.password in first.output
    assert DEMO_INVITE_CODE in first.output
    trainee, educator, admin = DEMO_ACCOUNTS
    assert login(client, admin.email, admin.password).status_code == 302
    assert client.get("/academy/").status_code == 200


def test_users_create_command(app, db):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "--quiet"])
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@example.com",
            "--name",
            "New Educator",
            "--role",
            "educator",
            "--academy",
            "northbridge",
            "--password",
            "long-enough-pw",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.memberships[0].role.value == "educator"
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@example.com",
            "--name",
            "X",
            "--password",
            "long-enough-pw",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_backup_and_restore_keep_every_row(tmp_path):
    """flask backup makes a consistent copy that a fresh app can run on."""
    import os

    from flask_migrate import upgrade

    from quizapp import MIGRATIONS_DIR, create_app

    if os.environ.get("TEST_DATABASE_URL"):
        import pytest

        pytest.skip("flask backup is for the embedded SQLite database (PostgreSQL: pg_dump)")
    live = tmp_path / "live.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}", "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    copy = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["backup", str(copy)])
    assert result.exit_code == 0, result.output
    restored = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}", "SECRET_KEY": "x"})
    with restored.app_context():
        from quizapp.extensions import db as restored_db

        counts = tuple(
            restored_db.session.scalar(select(func.count()).select_from(m))
            for m in (Academy, User, Membership)
        )
        restored_db.engine.dispose()
    assert counts == (1, 3 + TRAINEES, 3 + TRAINEES)
    client = restored.test_client()
    from quizapp.services.academy.demo import DEMO_ACCOUNTS as accounts_

    assert login(client, accounts_[2].email, accounts_[2].password).status_code == 302
    with app.app_context():
        from quizapp.extensions import db as live_db

        live_db.engine.dispose()
