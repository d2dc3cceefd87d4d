"""Joining an academy with an invitation code never changes a membership the user already has:
a deactivated member cannot let themselves back in (nor take the invitation's role); bringing
them back is the admins' action on the members page, with an audit entry."""

from __future__ import annotations

from sqlalchemy import select

from quizapp.models import AuditEntry, Invitation, Membership, Role
from quizapp.services.people import accounts, members
from tests.conftest import csrf_from, login
from tests.web.test_concurrent_submissions import race


def _join(client, code: str):
    page = client.get("/account/join").get_data(as_text=True)
    return client.post(
        "/account/join", data={"csrf_token": csrf_from(page), "code": code}, follow_redirects=True
    )


def _membership(db, user) -> Membership:
    db.session.expire_all()
    return db.session.scalar(select(Membership).where(Membership.user_id == user.id))


def test_a_deactivated_member_cannot_join_back_with_an_open_invitation(client, db, factory):
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    trainee = factory.user(Role.TRAINEE, academy)
    members.set_member_active(_membership(db, trainee), False, admin)
    invitation = accounts.create_invitation(academy, Role.ADMIN, max_uses=None)
    db.session.commit()

    login(client, trainee.email)
    html = _join(client, invitation.code).get_data(as_text=True)
    assert "has been deactivated" in html
    membership = _membership(db, trainee)
    assert not membership.active and membership.role is Role.TRAINEE
    assert db.session.get(Invitation, invitation.id).uses == 0
    assert client.get("/learn/").status_code in (302, 403)

    # An active member joining again keeps their role too.
    other = factory.user(Role.TRAINEE, academy)
    other_client = client.application.test_client()
    login(other_client, other.email)
    assert "already a member" in _join(other_client, invitation.code).get_data(as_text=True)
    assert _membership(db, other).role is Role.TRAINEE


def test_reactivation_is_one_admin_action_with_one_audit_entry(app, db, factory):
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    trainee = factory.user(Role.TRAINEE, academy)
    members.set_member_active(_membership(db, trainee), False, admin)
    db.session.commit()
    membership_id = _membership(db, trainee).id

    def reactivate(_):
        from quizapp.extensions import db as thread_db

        members.set_member_active(
            thread_db.session.get(Membership, membership_id),
            True,
            thread_db.session.get(type(admin), admin.id),
        )

    assert race(app, reactivate, threads=5) == [None] * 5
    assert _membership(db, trainee).active
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["member.deactivated", "member.reactivated"]
