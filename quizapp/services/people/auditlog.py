"""Reading the audit log: an academy's entries newest first, filtered by action, for the admin's
audit page and its CSV download. Entries are written where the action happens (members.audit,
authoring.audit, certification); nothing here changes them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, select

from quizapp.extensions import db
from quizapp.models import AuditEntry, User

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
