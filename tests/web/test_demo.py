"""`flask demo` loads the demo academy and accounts, and running it twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from quizapp.models import Academy, Membership, User
from quizapp.services.demo import DEMO_ACCOUNTS, DEMO_INVITE_CODE
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
    assert counts == (1, 3, 3)
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
