"""A process-local cache for aggregates over an academy's whole attempt history, refreshed from
what changed instead of recomputed.

The academy report and common mistakes aggregate up to a million rows: a full compute takes
0.7-0.9 s on the full data set (bench/README.md, B3). Their figures depend only on the academy's
attempts, which the application changes in three ways: an attempt is started (a new, higher id),
an open case attempt moves on a step (`updated_at`), an open attempt is submitted, exactly once
(its result rows are written in the same transaction). Submitted attempts never change again,
and nothing deletes attempts: account deletion anonymises the user and keeps every attempt
(services/people/privacy.py), deactivating a member only changes the membership.

**Key.** Every request reads a fingerprint of the academy's attempts in one table, per status:
count, sum and maximum of the ids, latest submitted_at and (case attempts) latest updated_at,
from a narrow index (`ix_quiz_attempts_fingerprint`, `ix_case_attempts_fingerprint`; 10 ms for
44,000 quiz attempts, 40-80 ms for 200,000 case attempts). The same fingerprint as the cached
value's is a hit. Who is a learner, titles, certificates and the clock are not cached: they are
read on every request.

**Mark.** Each value is kept with the mark it was computed at: the fingerprint and the open
attempts (id and updated_at), read in the same snapshot as the value (`snapshot()`: a separate
connection in REPEATABLE READ on PostgreSQL, in one read transaction on SQLite, where WAL lets
writers go on), so that value and mark agree exactly while other workers write.

**Refresh.** On a new fingerprint, `changes_since` reads in a snapshot what changed since the
mark: attempts above the mark's highest id, open attempts that were submitted (left the open
set) or moved (another updated_at), open attempts with an older id that the mark did not know
(committed late). The fingerprint these changes add up to (the mark's, plus the newly submitted
rows, plus the open attempts now) must equal the one read now; if it does not, something
happened that is not a start, a move or a submission (an attempt deleted or edited, a submitted
attempt committed late below the highest id, or more than MAX_CHANGED rows), and the value is
computed afresh ("fallbacks" in `stats`). Otherwise the caller's `refresh` builds the new value
without touching the cached one (values are shared, read-only): per-learner figures are
recomputed for the learners concerned and spliced into a copy; sums (common mistakes) are
additive over the newly submitted attempts, kept as integers so that they add up exactly. A
refresh costs a few milliseconds plus the caller's queries on a handful of rows
(tests/services/test_aggregate_refresh.py proves refreshed figures equal a full recompute).

Known limits: a submitted attempt edited in place without changing any timestamp (the
application never does) is not noticed, as before; a request sees the figures as committed, not
its own uncommitted attempts (no page writes attempts and shows these figures in one request).

Each worker keeps the latest value per name, database and `stable` key (for instance the
modules' pass marks and grading: a new version that changes them is a new key and a full
compute), at most MAX_ENTRIES of them; nothing is shared between processes, so there is nothing
to invalidate. `AGGREGATE_CACHE` (config) turns it off; it is off under TESTING unless a test
turns it on, so tests never see another test's figures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from flask import current_app
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import AttemptStatus, CaseAttempt, QuizAttempt
from quizapp.services.infra.workercache import LruCache

T = TypeVar("T")
MAX_ENTRIES: Final = 32
#: More changed rows (or learners) than this since the mark: a full compute is cheaper.
MAX_CHANGED: Final = 2000
#: Ids per IN (...) list.
CHUNK: Final = 500

_lock = threading.Lock()  # guards `stats`
stats = {"hits": 0, "misses": 0, "refreshed": 0, "computed": 0, "fallbacks": 0}

Fingerprint = tuple[tuple[Any, ...], ...]


@dataclass(frozen=True)
class Mark:
    """The state of one table's attempts a value was computed at."""

    fingerprint: Fingerprint
    open: Mapping[int, datetime | None]  # open attempt id -> updated_at (None for quiz attempts)

    @property
    def max_id(self) -> int:
        return max((group[3] for group in self.fingerprint if group[3] is not None), default=0)


@dataclass(frozen=True)
class Changes:
    """What changed in one table since a mark."""

    users: frozenset[int]  # learners with a new, changed or newly submitted attempt
    submitted: tuple[int, ...]  # attempts submitted since the mark (ids, ascending)
    mark: Mark  # the mark after these changes


@dataclass(frozen=True)
class _Entry:
    value: Any
    mark: Mark | None


_entries = LruCache(MAX_ENTRIES)  # (name, database, stable) -> _Entry


def enabled() -> bool:
    return bool(current_app.config.get("AGGREGATE_CACHE", not current_app.testing))


def clear() -> None:
    _entries.clear()


# --------------------------------------------------------------------------------------------
# Reading the attempt tables
# --------------------------------------------------------------------------------------------


def _updated(model) -> Any:
    return model.updated_at if model is CaseAttempt else None


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def fingerprint(executor: Any, model: type[QuizAttempt] | type[CaseAttempt], academy_id: int):
    """Per status: (status, attempts, sum of ids, highest id, latest submitted_at, latest
    updated_at or None); one query over a narrow index."""
    updated = _updated(model)
    rows = executor.execute(
        select(
            model.status,
            func.count(),
            func.sum(model.id),
            func.max(model.id),
            func.max(model.submitted_at),
            *([func.max(updated)] if updated is not None else []),
        )
        .where(model.academy_id == academy_id)
        .group_by(model.status)
    ).all()
    return tuple(
        sorted(
            (
                AttemptStatus(r[0]).value,
                int(r[1]),
                int(r[2] or 0),
                r[3],
                _utc(r[4]),
                _utc(r[5]) if updated is not None else None,
            )
            for r in rows
        )
    )


def _open(executor: Any, model, academy_id: int) -> dict[int, datetime | None]:
    updated = _updated(model)
    rows = executor.execute(
        select(model.id, *([updated] if updated is not None else [])).where(
            model.academy_id == academy_id, model.status == AttemptStatus.IN_PROGRESS
        )
    ).all()
    return {r[0]: (_utc(r[1]) if updated is not None else None) for r in rows}


def _group(status: AttemptStatus, rows: Iterable[tuple[int, Any, Any]]) -> tuple[Any, ...] | None:
    """The fingerprint group of the given (id, submitted_at, updated_at) rows."""
    rows = list(rows)
    if not rows:
        return None
    ids = [r[0] for r in rows]
    return (
        status.value,
        len(rows),
        sum(ids),
        max(ids),
        max((r[1] for r in rows if r[1] is not None), default=None),
        max((r[2] for r in rows if r[2] is not None), default=None),
    )


def _explained(
    mark: Mark, open_now: Mapping[int, datetime | None], submitted: Iterable[tuple[int, Any, Any]]
) -> Fingerprint:
    """The fingerprint that the mark, the open attempts now and the attempts submitted since
    the mark (id, submitted_at, updated_at) add up to."""
    groups = {g[0]: g for g in mark.fingerprint}
    done = groups.get(AttemptStatus.SUBMITTED.value)
    rows = list(submitted)
    if rows:
        extra = _group(AttemptStatus.SUBMITTED, rows)
        assert extra is not None
        if done is None:
            done = extra
        else:
            done = (
                done[0],
                done[1] + extra[1],
                done[2] + extra[2],
                max(done[3], extra[3]),
                max((v for v in (done[4], extra[4]) if v is not None), default=None),
                max((v for v in (done[5], extra[5]) if v is not None), default=None),
            )
    still_open = _group(AttemptStatus.IN_PROGRESS, ((i, None, u) for i, u in open_now.items()))
    return tuple(sorted(g for g in (done, still_open) if g is not None))


def _top_ids(executor: Any, model, academy_id: int) -> dict[str, int | None]:
    """Per status, the highest id (two index lookups)."""
    return {
        status.value: executor.scalar(
            select(func.max(model.id)).where(model.academy_id == academy_id, model.status == status)
        )
        for status in AttemptStatus
    }


def read_mark(
    executor: Any, model, academy_id: int, seen: Fingerprint | None = None
) -> Mark | None:
    """The table's mark now (read it in the same snapshot as the value it marks).

    `seen` is the fingerprint the caller read just before: when the open attempts and the
    highest ids are still the same, nothing but a change outside the application (a deleted or
    edited attempt, which the next refresh catches) can lie between them, and the fingerprint,
    which counts every attempt, is not read again."""
    open_now = _open(executor, model, academy_id)
    open_group = _explained(Mark((), {}), open_now, ())

    def open_part(fingerprint: Fingerprint) -> Fingerprint:
        return tuple(g for g in fingerprint if g[0] == AttemptStatus.IN_PROGRESS.value)

    if (
        seen is not None
        and open_part(seen) == open_group
        and _top_ids(executor, model, academy_id)
        == {
            status.value: dict((g[0], g[3]) for g in seen).get(status.value)
            for status in AttemptStatus
        }
    ):
        now = seen
    else:
        now = fingerprint(executor, model, academy_id)
    return Mark(now, open_now) if open_part(now) == open_group else None


def _rows_by_id(executor: Any, model, ids: list[int]) -> dict[int, Any]:
    out: dict[int, Any] = {}
    updated = _updated(model)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for row in executor.execute(
            select(
                model.id,
                model.user_id,
                model.academy_id,
                model.status,
                model.submitted_at,
                *([updated] if updated is not None else []),
            ).where(model.id.in_(chunk))
        ):
            out[row[0]] = row
    return out


def changes_since(
    executor: Any, model, academy_id: int, mark: Mark, seen: Fingerprint | None = None
) -> Changes | None:
    """What changed in the table since `mark`, or None when the changes are not only new
    attempts, moves of open attempts and submissions (or too many).

    `seen` is the fingerprint the caller read just before: when the changes explain it, the
    fingerprint is not read again (it counts every attempt); otherwise it is read here."""
    updated = _updated(model)
    cols = [model.id, model.user_id, model.academy_id, model.status, model.submitted_at]
    new = executor.execute(
        select(*cols, *([updated] if updated is not None else []))
        .where(  # SQLite walks the ids above the mark, PostgreSQL picks
            model.academy_id == academy_id,
            model.status.in_(list(AttemptStatus)),
            model.id > mark.max_id,
        )
        .limit(MAX_CHANGED + 1)
    ).all()
    if len(new) > MAX_CHANGED:
        return None
    open_now = _open(executor, model, academy_id)
    left = [i for i in mark.open if i not in open_now]
    moved = [i for i, u in open_now.items() if i in mark.open and mark.open[i] != u]
    late = [i for i in open_now if i not in mark.open and i <= mark.max_id]
    if len(left) + len(moved) + len(late) > MAX_CHANGED:
        return None
    known = _rows_by_id(executor, model, left + moved + late)
    if any(known.get(i) is None or known[i][3] != AttemptStatus.SUBMITTED for i in left):
        return None  # an open attempt disappeared
    submitted = [r for r in new if r[3] == AttemptStatus.SUBMITTED] + [known[i] for i in left]

    def stamps(row) -> tuple[int, Any, Any]:
        return (row[0], _utc(row[4]), _utc(row[5]) if updated is not None else None)

    explained = _explained(mark, open_now, [stamps(r) for r in submitted])
    now = seen if explained == seen else fingerprint(executor, model, academy_id)
    if explained != now:
        return None
    users = {r[1] for r in new} | {r[1] for r in known.values()}
    return Changes(
        frozenset(users), tuple(sorted(r[0] for r in submitted)), Mark(now, dict(open_now))
    )


@contextmanager
def snapshot() -> Iterator[Any]:
    """A connection whose reads all see one state of the database: REPEATABLE READ on
    PostgreSQL, one read transaction on SQLite (WAL: writers go on meanwhile). Read only; the
    transaction is rolled back at the end."""
    engine = db.engine
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        yield db.session  # one connection: nothing else writes meanwhile
        return
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execution_options(isolation_level="REPEATABLE READ")
            # A few big aggregates with few groups: JIT compilation costs more than it saves
            # (0.1-0.2 s a query), and with the default 4 MB the planner sorts on disk where a
            # hash table of a few hundred groups would do. For this transaction only.
            connection.exec_driver_sql("SET LOCAL jit = off")
            connection.exec_driver_sql("SET LOCAL work_mem = '64MB'")
        else:
            connection.exec_driver_sql("BEGIN")  # the driver would only begin at a write
        try:
            yield connection
        finally:
            connection.rollback()


# --------------------------------------------------------------------------------------------
# The cache
# --------------------------------------------------------------------------------------------


def refreshed(
    name: str,
    model: type[QuizAttempt] | type[CaseAttempt],
    academy_id: int,
    stable: tuple[Any, ...],
    compute: Callable[[Any], T],
    refresh: Callable[[Any, T, Changes], T | None],
) -> T:
    """The value of `compute(executor)` for the academy's attempts in `model`'s table now.

    Cached per name, database and `stable` (whatever else the value depends on, e.g. pass
    marks), under the table's fingerprint. On a new fingerprint, `refresh(executor, old value,
    changes)` builds the new value from the changes since the cached value's mark (it returns
    None to ask for a full compute instead); without a usable mark, `compute` runs again.
    Values are shared between requests and threads: treat them as read-only, and build a
    refreshed one as a copy."""
    if not enabled():
        return compute(db.session)
    url = db.engine.url.render_as_string(hide_password=True)
    key = (name, url, stable)
    now = fingerprint(db.session, model, academy_id)
    entry = _entries.get(key)
    if entry is not None and entry.mark is not None and entry.mark.fingerprint == now:
        with _lock:
            stats["hits"] += 1
        return entry.value
    value: T | None = None
    mark: Mark | None = None
    outcome = "refreshed"
    with snapshot() as executor:
        if entry is not None and entry.mark is not None:
            changes = changes_since(executor, model, academy_id, entry.mark, now)
            if changes is not None:
                value = refresh(executor, entry.value, changes)
                mark = changes.mark
        if value is None:
            outcome = "computed"
            mark = read_mark(executor, model, academy_id, now)
            value = compute(executor)
    with _lock:
        stats["misses"] += 1
        stats[outcome] += 1
        if outcome == "computed" and entry is not None and entry.mark is not None:
            stats["fallbacks"] += 1
    _entries.put(key, _Entry(value, mark))
    return value


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    """Ids in lists of at most CHUNK, for IN (...)."""
    items = sorted(ids)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
