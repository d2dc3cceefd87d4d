"""A small process-local cache for aggregates over an academy's whole attempt history.

The academy report and common mistakes aggregate up to a million rows; SQL does it in seconds,
not milliseconds. Their figures change only when an attempt is started, submitted or moves on,
so the aggregate is cached under a fingerprint of the academy's attempt tables: per status, the
number of attempts, the highest id and the latest submitted_at (and, for case attempts, the
latest updated_at). The fingerprint is read from a narrow index on every request (a few
milliseconds), so any new or changed attempt gives a new key and the figures are recomputed:
they are never stale. Everything that is not a pure function of those attempts (who is a
learner, titles, certificates, the clock) stays outside the cache and is read on each request.

Each worker keeps its own least-recently-used entries (MAX_ENTRIES); nothing is shared between
processes, so there is nothing to invalidate. `AGGREGATE_CACHE` (config) turns it off; it is off
under TESTING unless a test turns it on, so tests never see another test's figures.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final, TypeVar

from flask import current_app
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import CaseAttempt, QuizAttempt

T = TypeVar("T")
MAX_ENTRIES: Final = 32

_lock = threading.Lock()
_entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def enabled() -> bool:
    return bool(current_app.config.get("AGGREGATE_CACHE", not current_app.testing))


def clear() -> None:
    with _lock:
        _entries.clear()


def quiz_fingerprint(academy_id: int) -> tuple[Any, ...]:
    """Per status: attempts, highest id, latest submission (one index-only query)."""
    rows = db.session.execute(
        select(
            QuizAttempt.status,
            func.count(),
            func.max(QuizAttempt.id),
            func.max(QuizAttempt.submitted_at),
        )
        .where(QuizAttempt.academy_id == academy_id)
        .group_by(QuizAttempt.status)
    ).all()
    return tuple(sorted(tuple(str(v) for v in row) for row in rows))


def case_fingerprint(academy_id: int) -> tuple[Any, ...]:
    """Per status: attempts, highest id, latest submission and latest change (one query)."""
    rows = db.session.execute(
        select(
            CaseAttempt.status,
            func.count(),
            func.max(CaseAttempt.id),
            func.max(CaseAttempt.submitted_at),
            func.max(CaseAttempt.updated_at),
        )
        .where(CaseAttempt.academy_id == academy_id)
        .group_by(CaseAttempt.status)
    ).all()
    return tuple(sorted(tuple(str(v) for v in row) for row in rows))


def cached(name: str, key: Callable[[], tuple[Any, ...]], compute: Callable[[], T]) -> T:
    """`compute()`'s value for the key `key()` returns (read only when the cache is on) in this
    database, computed at most once per key.

    Values must be treated as read-only (they are shared between requests)."""
    if not enabled():
        return compute()
    full = (name, db.engine.url.render_as_string(hide_password=True), key())
    with _lock:
        if full in _entries:
            _entries.move_to_end(full)
            stats["hits"] += 1
            return _entries[full]
    value = compute()
    with _lock:
        stats["misses"] += 1
        _entries[full] = value
        _entries.move_to_end(full)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value
