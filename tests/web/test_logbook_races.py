"""Logbook reviews racing each other: each transition is a conditional UPDATE, so of a sign and
requests for changes sent at once one wins, a signed entry never changes, and one transition
writes one audit row (threads with their own sessions, as gunicorn threads would)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.models import AuditEntry, EntryStatus, LogbookEntry
from quizapp.models.base import now_utc
from quizapp.services.portfolio import practice
from tests.web import test_portfolio_logbook as logbook
from tests.web.test_concurrent_submissions import race
from tests.web.test_portfolio_logbook import TODAY, raw_entry

people = logbook.people  # the academy, its mentor (assigned) and trainee


def _submitted_entry(db, people) -> int:
    entry = practice.create_entry(people["academy"].id, people["trainee"].id, raw_entry(), TODAY)
    practice.submit_entry(entry, people["mentor"].id, people["trainee"].id)
    db.session.commit()
    return entry.id


def _review(entry_id: int, mentor_id: int, decision: str):
    from quizapp.extensions import db as thread_db

    entry = thread_db.session.get(LogbookEntry, entry_id)
    if decision == "sign":
        practice.sign_entry(entry, mentor_id, now_utc())
    else:
        practice.request_changes(entry, mentor_id, "Add the review at two weeks.")
    return decision


def _audit_actions(db, entry_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"logbook entry {entry_id}")
            .order_by(AuditEntry.id)
        )
    )


@pytest.mark.parametrize("trial", range(3))
def test_a_sign_and_five_requests_for_changes_at_once(app, db, people, trial):
    entry_id = _submitted_entry(db, people)
    mentor_id = people["mentor"].id
    outcomes = race(
        app, lambda i: _review(entry_id, mentor_id, "sign" if i == 0 else "changes"), threads=6
    )
    won = [o for o in outcomes if isinstance(o, str)]
    assert len(won) == 1, outcomes
    assert all(isinstance(o, practice.PortfolioError) for o in outcomes if o not in won)
    db.session.expire_all()
    entry = db.session.get(LogbookEntry, entry_id)
    reviewed = _audit_actions(db, entry_id)[1:]  # after logbook.submitted
    if won == ["sign"]:
        assert entry.status is EntryStatus.SIGNED and entry.signed_by_user_id == mentor_id
        assert reviewed == ["logbook.signed"]
    else:
        assert entry.status is EntryStatus.CHANGES_REQUESTED
        assert entry.signed_by_user_id is None and entry.signed_at is None
        assert reviewed == ["logbook.changes_requested"]


def test_ten_signs_at_once_write_one_audit_row(app, db, people):
    entry_id = _submitted_entry(db, people)
    mentor_id = people["mentor"].id
    outcomes = race(app, lambda _: _review(entry_id, mentor_id, "sign"))
    assert outcomes.count("sign") == 1, outcomes
    assert _audit_actions(db, entry_id) == ["logbook.submitted", "logbook.signed"]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "logbook.signed")
        )
        == 1
    )


def test_an_edit_read_before_the_sign_cannot_change_the_signed_entry(app, db, people):
    """The trainee's edit read a draft; it was submitted and signed elsewhere; the edit posted
    afterwards must not touch the signed entry."""
    academy, trainee, mentor = people["academy"], people["trainee"], people["mentor"]
    entry = practice.create_entry(academy.id, trainee.id, raw_entry(), TODAY)
    db.session.commit()
    entry_id = entry.id
    stale = db.session.get(LogbookEntry, entry_id)
    assert stale.editable  # as the edit request read it

    def submit_and_sign(_):
        elsewhere = _fresh(entry_id)
        practice.submit_entry(elsewhere, mentor.id, trainee.id)
        practice.sign_entry(elsewhere, mentor.id, now_utc())

    assert race(app, submit_and_sign, threads=1) == [None]
    with pytest.raises(practice.PortfolioError, match="locked"):
        practice.update_entry(stale, raw_entry(complications="changed after signing"), TODAY)
    db.session.rollback()
    db.session.expire_all()
    signed = db.session.get(LogbookEntry, entry_id)
    assert signed.status is EntryStatus.SIGNED and signed.complications == ""


def _fresh(entry_id: int) -> LogbookEntry:
    from quizapp.extensions import db as thread_db

    return thread_db.session.get(LogbookEntry, entry_id)
