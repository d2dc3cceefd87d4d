"""People services called directly with the database: who counts as deleted, the one audit
writer, and reactivation refused for a deleted account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from quizapp.models import AuditEntry, Membership, Role
from quizapp.models.base import now_utc
from quizapp.services.people import auditlog, members, privacy


def test_a_user_is_deleted_once_anonymised_and_not_merely_inactive(db, factory):
    academy = factory.academy()
    admin = factory.user(Role.ADMIN, academy)
    ana = factory.user(Role.TRAINEE, academy)
    assert not ana.is_deleted
    ana.active = False  # deactivated is not deleted
    assert not ana.is_deleted
    ana.active = True
    privacy.delete_account(ana, admin, now_utc(), by="academy_admin")
    db.session.commit()
    assert ana.is_deleted and privacy.is_deleted(ana) and privacy.is_deleted(None)


def test_a_deleted_account_cannot_be_reactivated(db, factory):
    academy = factory.academy()
    admin = factory.user(Role.ADMIN, academy)
    ben = factory.user(Role.TRAINEE, academy)
    privacy.delete_account(ben, admin, now_utc(), by="academy_admin")
    db.session.commit()
    membership = db.session.scalar(select(Membership).where(Membership.user_id == ben.id))
    with pytest.raises(members.MemberError, match="deleted"):
        members.set_member_active(membership, True, admin)


def test_audit_entries_are_written_by_the_audit_log(db, factory):
    academy = factory.academy()
    admin = factory.user(Role.ADMIN, academy)
    entry = auditlog.audit(academy.id, admin.id, "cohort.created", "cohort 1", {"n": 1})
    db.session.commit()
    stored = db.session.scalars(select(AuditEntry)).one()
    assert (stored.id, stored.action, stored.details) == (entry.id, "cohort.created", {"n": 1})
    assert stored.created_at is not None
