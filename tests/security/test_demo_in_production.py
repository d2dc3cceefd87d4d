"""The demo in production: its invitation code is public, so it expires and is limited in uses,
and `flask demo` refuses a database with real users unless told --force."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from quizapp.models import Academy, Role, User
from quizapp.models.base import now_utc
from quizapp.services.academy.demo import DEMO_ACADEMY, DEMO_INVITE_CODE
from quizapp.services.people import accounts


def _demo_invitation(db):
    db.session.expire_all()
    return accounts.find_invitation(DEMO_INVITE_CODE)


def test_the_demo_code_expires_and_is_limited_in_uses(app, db):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    invitation = _demo_invitation(db)
    assert invitation.max_uses is not None
    assert invitation.expires_at is not None
    assert invitation.expires_at <= now_utc() + timedelta(days=14, minutes=1)
    assert "until" in result.output  # the printed code says how long it works
    later = invitation.expires_at + timedelta(seconds=1)
    assert "expired" in invitation.refusal("someone@example.com", later)


def test_running_the_demo_again_renews_an_expired_code_only(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    invitation = _demo_invitation(db)
    first_expiry = invitation.expires_at
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    assert _demo_invitation(db).expires_at == first_expiry  # still valid: left alone
    invitation = _demo_invitation(db)
    invitation.expires_at = now_utc() - timedelta(days=1)
    invitation.uses = 3
    db.session.commit()
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    renewed = _demo_invitation(db)
    assert renewed.expires_at > now_utc() and renewed.uses == 3


def test_an_unlimited_demo_code_from_before_is_closed(app, db):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    invitation = _demo_invitation(db)
    invitation.expires_at, invitation.max_uses = None, None
    db.session.commit()
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    invitation = _demo_invitation(db)
    assert invitation.expires_at is not None and invitation.max_uses is not None


def test_demo_refuses_a_database_with_real_users_unless_forced(app, db, factory):
    real = factory.user(Role.ADMIN, factory.academy("Real Academy", "real"))
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["demo", "--quiet"])
    assert refused.exit_code != 0
    assert "--force" in refused.output and "1 user" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Academy)) == 1  # nothing loaded
    forced = runner.invoke(args=["demo", "--quiet", "--force"])
    assert forced.exit_code == 0, forced.output
    assert accounts.academy_by_slug(DEMO_ACADEMY[1]) is not None
    assert db.session.get(User, real.id) is not None


def test_people_who_joined_the_demo_academy_do_not_block_the_demo(app, db, factory):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0
    factory.user(Role.TRAINEE, accounts.academy_by_slug(DEMO_ACADEMY[1]))
    assert runner.invoke(args=["demo", "--quiet"]).exit_code == 0  # `make run` again
    factory.user(Role.TRAINEE, factory.academy("Elsewhere", "elsewhere"))
    assert runner.invoke(args=["demo", "--quiet"]).exit_code != 0
