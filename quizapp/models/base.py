"""Shared column helpers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, DateTime, TypeDecorator, update
from sqlalchemy.orm.attributes import set_committed_value


def now_utc() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend.

    SQLite stores no zone, so values come back naive; this type puts UTC back on them, so code can
    compare any two timestamps without caring which database served them.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class InvalidTransition(ValueError):
    """A row was asked to make a move its state does not allow, or another request moved it
    first (the state this request read is no longer the state in the database)."""


def move_row(row: Any, expected: Iterable[ColumnElement[bool]], values: dict[str, Any]) -> bool:
    """Write `values` to `row` in one UPDATE that also requires `expected` (its status, its
    step): the change happens once or not at all, however many requests race. True if this call
    made it (the object then carries the new values, without a reload); False otherwise (the
    object is reloaded, so the caller sees what won)."""
    from quizapp.extensions import db

    model = type(row)
    db.session.flush()  # the row exists and holds this request's earlier changes
    moved = db.session.execute(
        update(model)
        .where(model.id == row.id, *expected)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        db.session.refresh(row)
        return False
    for key, value in values.items():
        set_committed_value(row, key, value)
    return True
