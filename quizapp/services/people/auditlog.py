"""The audit log: `audit` writes an entry where the action happens (people, authoring,
certification, portfolio); the rest reads an academy's entries newest first, filtered by action,
for the admin's audit page and its CSV download. Nothing changes an entry once written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from quizapp.extensions import db
from quizapp.models import AuditEntry, User
from quizapp.models.base import now_utc


def audit(
    academy_id: int | None,
    actor_id: int | None,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Keep who did what: educators' and admins' actions are accountable. The one writer of
    audit entries; `at` defaults to now."""
    entry = AuditEntry(
        academy_id=academy_id,
        actor_id=actor_id,
        action=action,
        target=target,
        details=details or {},
        created_at=at or now_utc(),
    )
    db.session.add(entry)
    return entry


CSV_HEADER = ("when (UTC)", "actor id", "actor", "action", "target", "details")


def entries_query(academy_id: int, action: str | None = None) -> Select:
    """(entry, actor name) rows of one academy, newest first; a stable order for paging."""
    query = (
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.academy_id == academy_id)
    )
    if action:
        query = query.where(AuditEntry.action == action)
    return query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())


def actions(academy_id: int) -> list[str]:
    """The actions recorded in this academy, for the filter."""
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.academy_id == academy_id)
            .distinct()
            .order_by(AuditEntry.action)
        )
    )


def actor_label(entry: AuditEntry, name: str | None) -> str:
    if entry.actor_id is None:
        return "quizapp (automatic)"
    return name or "former user"


def csv_rows(academy_id: int, action: str | None = None) -> Iterator[list[Any]]:
    """Every entry (with the filter) as CSV cells; services/csvout neutralises formulas."""
    result = db.session.execute(entries_query(academy_id, action).execution_options(yield_per=500))
    for entry, name in result:
        yield [
            entry.created_at,
            entry.actor_id,
            actor_label(entry, name),
            entry.action,
            entry.target,
            json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True),
        ]
