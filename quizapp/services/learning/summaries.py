"""Summaries written with the attempt (models/summaries.py): updated in the same transaction as
the write that changes them, read by the academy report, common mistakes, case insight and the
dashboard's tendency.

Writes: a quiz or case attempt started (`quiz_started`, `case_touched`), a case attempt moved on a
step (`case_touched`: the report's last activity), a submission (`quiz_submitted`,
`case_submitted`). Each is one `INSERT .. ON CONFLICT DO UPDATE` per table whose counters add
(PostgreSQL and SQLite both), rows in key order, so two submissions at once both count and never
deadlock. Nothing else changes these figures: deleting an account anonymises it and keeps every
attempt, deactivating a membership only changes who a report counts (read with the figures), and
a new content version changes pass marks, which are applied when read. The exception is the
learner standings (services/learning/standings.py): each write above refreshes the learner's,
and memberships, renames and content changes refresh theirs through session hooks. `rebuild`
recomputes
every row from the attempts (`flask summaries rebuild`; the migration that creates the tables;
bulk loads such as bench/seed.py) and `recompute`/`stored` let tests check summary == recompute.

Drill attempts do not feed these: no report or common-mistakes table reads them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Final

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from quizapp.domain.terms import Band
from quizapp.extensions import db
from quizapp.models import (
    AnswerSummary,
    AttemptStatus,
    CaseAttempt,
    CaseBandSummary,
    CaseFlagResult,
    CaseFlagSummary,
    CaseZoneResult,
    CaseZoneSummary,
    LearnerCases,
    LearnerCaseSummary,
    LearnerModuleSummary,
    LearnerStanding,
    LearnerTendency,
    ModuleFunnel,
    QuestionResult,
    QuizAttempt,
)
from quizapp.models.summaries import BAND_CODES, NANO, RECENT_CASES, AcademyBands, nano_sql
from quizapp.services.infra.sqltext import compiled_once
from quizapp.services.learning import standings

BANDS: Final = tuple(b.value for b in Band)  # the band columns, in axis order, unsafe last
GOOD_BANDS: Final = ("conservative", "natural")
OVER_TREATED: Final = ("heavy", "overfilled", "not_indicated")
UNSAFE_VERDICTS: Final = ("unsafe", "wrong_product")


def nano(value: float) -> int:
    """`value` in billionths, rounded half away from zero (as SQL's round on SQLite)."""
    scaled = value * NANO
    return int(scaled + 0.5) if scaled >= 0 else -int(-scaled + 0.5)


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# Writing: one upsert per table, in the submission's transaction
# --------------------------------------------------------------------------------------------


def _later(old, new):
    """The later (or larger) of the stored value and the new one; NULL counts as nothing."""
    return case((or_(old.is_(None), new > old), new), else_=old)


def _adding(*names: str) -> Callable[[Any, Any], dict[str, Any]]:
    return lambda c, x: {name: c[name] + x[name] for name in names}


_DEFERRED: Final = standings.DEFERRED


@contextmanager
def deferred() -> Iterator[None]:
    """Within this block the session's submissions skip their summary upserts; the caller must
    `rebuild` the academy before committing. For bulk writers only (the demo cohort), which
    would otherwise upsert every step and then rebuild anyway."""
    db.session.info[_DEFERRED] = True
    try:
        yield
    finally:
        db.session.info.pop(_DEFERRED, None)


def _unless_deferred(write: Callable[..., None]) -> Callable[..., None]:
    @wraps(write)
    def guarded(*args: Any, **kwargs: Any) -> None:
        if not db.session.info.get(_DEFERRED):
            write(*args, **kwargs)

    return guarded


def _upsert_statement(model, dialect, columns: tuple[str, ...], set_, returning: Sequence[Any]):
    """The upsert as a text statement compiled once a worker (services/infra/sqltext.py: the
    dialects' INSERT .. ON CONFLICT has no cache key, and five of them go with a plan
    submission), by table, columns, SET and RETURNING; the row's values are `v_<column>`."""
    table = model.__table__

    def build():
        insert_ = (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(table)
        insert_ = insert_.values({name: bindparam(f"v_{name}", value=None) for name in columns})
        insert_ = insert_.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_=set_(table.c, insert_.excluded),
        )
        return insert_.returning(*returning) if returning else insert_

    shape = (set_.__code__, tuple(cell.cell_contents for cell in set_.__closure__ or ()))
    key = ("upsert", model, columns, shape, tuple(str(r) for r in returning))
    return compiled_once(dialect, key, build, {f"v_{name}": table.c[name].type for name in columns})


def _with_the_standing(write: Callable[..., None]) -> Callable[..., None]:
    """The learner's membership locked before their summaries change, their standing (what the
    report orders and flags by) refreshed after, in the same transaction."""

    @wraps(write)
    def refreshing(attempt: Any, *args: Any, **kwargs: Any) -> None:
        before = standings.learner_wrote(attempt.academy_id, attempt.user_id)
        write(attempt, *args, **kwargs)
        standings.learner_written(attempt.academy_id, attempt.user_id, before)

    return refreshing


def _upsert(
    model,
    rows: Sequence[dict[str, Any]],
    set_: Callable[[Any, Any], dict[str, Any]],
    returning: Sequence[Any] = (),
):
    """Insert `rows`, or update the existing ones with `set_(stored columns, excluded)`; rows
    in primary-key order, so that concurrent writers lock them in the same order. With
    `returning` (one row only), those expressions of the row as written."""
    if not rows:
        return None
    keys = [c.name for c in model.__table__.primary_key.columns]
    rows = sorted(rows, key=lambda row: tuple(row[k] for k in keys))
    dialect = db.session.get_bind().dialect
    statement = _upsert_statement(model, dialect, tuple(rows[0]), set_, returning)
    params = [{f"v_{name}": value for name, value in row.items()} for row in rows]
    result = db.session.execute(statement, params if len(params) > 1 else params[0])
    return result.all() if returning else None


@_unless_deferred
def quiz_started(academy_id: int, user_id: int, module_id: int, started_at: datetime) -> None:
    """A quiz attempt was started: the learner has begun the module (the report's funnel). Plain
    values, not the attempt (the start inserts no ORM object), so the standing is refreshed here
    rather than by `_with_the_standing`."""
    before = standings.learner_wrote(academy_id, user_id)
    _upsert(
        LearnerModuleSummary,
        [
            {
                "academy_id": academy_id,
                "user_id": user_id,
                "module_id": module_id,
                "submitted": 0,
                "failed": 0,
                "last_at": started_at,
            }
        ],
        lambda c, x: {"last_at": _later(c.last_at, x.last_at)},
    )
    standings.learner_written(academy_id, user_id, before)


@_unless_deferred
@_with_the_standing
def quiz_submitted(attempt: QuizAttempt, results: Iterable[QuestionResult]) -> None:
    """A quiz attempt was submitted with these question results."""
    _upsert(
        LearnerModuleSummary,
        [
            {
                "academy_id": attempt.academy_id,
                "user_id": attempt.user_id,
                "module_id": attempt.module_id,
                "submitted": 1,
                "failed": 1 if attempt.passed is False else 0,
                "best_score": attempt.score_percent,
                "last_number": attempt.number,
                "last_score": attempt.score_percent,
                "last_at": attempt.submitted_at,
            }
        ],
        lambda c, x: {
            "submitted": c.submitted + x.submitted,
            "failed": c.failed + x.failed,
            "best_score": _later(c.best_score, x.best_score),
            "last_number": _later(c.last_number, x.last_number),
            "last_score": case(
                (or_(c.last_number.is_(None), x.last_number > c.last_number), x.last_score),
                else_=c.last_score,
            ),
            "last_at": _later(c.last_at, x.last_at),
        },
    )
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for result in results:
        entry = sums[(result.question_id, result.topic or "")]
        entry[0] += 1
        entry[1] += nano(result.score)
    _upsert(
        AnswerSummary,
        [
            {
                "academy_id": attempt.academy_id,
                "module_id": attempt.module_id,
                "question_id": question_id,
                "topic": topic,
                "answers": n,
                "score_nano": total,
            }
            for (question_id, topic), (n, total) in sums.items()
        ],
        _adding("answers", "score_nano"),
    )


@_unless_deferred
@_with_the_standing
def case_touched(attempt: CaseAttempt) -> None:
    """A case attempt was started or moved on: the learner's last activity at the case."""
    _upsert(
        LearnerCaseSummary,
        [
            {
                "academy_id": attempt.academy_id,
                "user_id": attempt.user_id,
                "case_id": attempt.case_id,
                "submitted": 0,
                **{band: 0 for band in BANDS},
                "last_at": attempt.updated_at,
            }
        ],
        lambda c, x: {"last_at": _later(c.last_at, x.last_at)},
    )
    _upsert(
        LearnerCases,
        [
            {
                "academy_id": attempt.academy_id,
                "user_id": attempt.user_id,
                "submitted": 0,
                **{band: 0 for band in BANDS},
                "good_cases": 0,
                "last_at": attempt.updated_at,
                "recent": "",
            }
        ],
        lambda c, x: {"last_at": _later(c.last_at, x.last_at)},
    )


def _band_counts(band: str | None) -> dict[str, int]:
    return {b: int(b == band) for b in BANDS}


@_unless_deferred
@_with_the_standing
def case_submitted(
    attempt: CaseAttempt, zones: Iterable[Mapping[str, Any]], flags: Iterable[Mapping[str, Any]]
) -> None:
    """A case attempt was submitted with these zone verdicts and red flags (their rows' values,
    as inserted)."""
    keys = {"academy_id": attempt.academy_id, "case_id": attempt.case_id}
    band = attempt.band
    good = [LearnerCaseSummary.__table__.c[b] for b in GOOD_BANDS]
    (case_row,) = _upsert(
        LearnerCaseSummary,
        [
            {
                **keys,
                "user_id": attempt.user_id,
                "submitted": 1,
                **_band_counts(band),
                "last_at": attempt.updated_at,
            }
        ],
        lambda c, x: {
            **_adding("submitted", *BANDS)(c, x),
            "last_at": _later(c.last_at, x.last_at),
        },
        returning=[sum(good[1:], good[0])],
    )
    # The first good plan at this case (the row above is locked: one submission sees it).
    first_good = int(band in GOOD_BANDS and case_row[0] == 1)
    _upsert(
        LearnerCases,
        [
            {
                "academy_id": attempt.academy_id,
                "user_id": attempt.user_id,
                "submitted": 1,
                **_band_counts(band),
                "good_cases": first_good,
                "last_at": attempt.updated_at,
                "recent": BAND_CODES.get(band or "", "?"),
            }
        ],
        lambda c, x: {
            **_adding("submitted", *BANDS, "good_cases")(c, x),
            "last_at": _later(c.last_at, x.last_at),
            "recent": func.substr(x.recent + c.recent, 1, RECENT_CASES),
        },
    )
    zones = list(zones)
    _upsert(
        LearnerTendency,
        [
            {
                "user_id": attempt.user_id,
                "attempts": 1,
                "overdone_or_overfilled": int(band in ("overdone", "overfilled")),
                "unsafe": int(band == "unsafe"),
                "judged": len(zones),
                "above": sum(1 for z in zones if z["deviation"] > 0),
                "below": sum(1 for z in zones if z["deviation"] < 0),
                "deviation_nano": sum(nano(z["deviation"]) for z in zones),
            }
        ],
        _adding(
            "attempts", "overdone_or_overfilled", "unsafe", "judged", "above", "below",
            "deviation_nano",
        ),
    )  # fmt: skip
    _upsert(
        CaseBandSummary,
        [{**keys, "attempts": 1, **_band_counts(band), "score_nano": nano(attempt.score or 0.0)}],
        _adding("attempts", *BANDS, "score_nano"),
    )
    standings.case_banded(attempt.academy_id, attempt.user_id, band)  # the report's bands
    per_zone: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
    for z in zones:
        entry = per_zone[z["zone"]]
        entry[0] += 1
        entry[1] += z["verdict"] in OVER_TREATED
        entry[2] += z["verdict"] == "missed"
        entry[3] += z["verdict"] == "under"
        entry[4] += z["verdict"] in UNSAFE_VERDICTS
        entry[5] += nano(z["deviation"])
    names = ("judged", "over", "missed", "under", "unsafe", "deviation_nano")
    _upsert(
        CaseZoneSummary,
        [
            {**keys, "zone": zone, **dict(zip(names, values, strict=True))}
            for zone, values in per_zone.items()
        ],
        _adding(*names),
    )
    per_flag: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in flags:
        per_flag[f["flag"]][0] += 1
        per_flag[f["flag"]][1] += bool(f["missed"])
    _upsert(
        CaseFlagSummary,
        [
            {**keys, "flag": flag, "present": present, "missed": missed}
            for flag, (present, missed) in per_flag.items()
        ],
        _adding("present", "missed"),
    )


# --------------------------------------------------------------------------------------------
# Recomputing from the attempts (rebuild, and the tests' summary == recompute)
# --------------------------------------------------------------------------------------------

Figures = dict[type, dict[tuple[Any, ...], tuple[Any, ...]]]


def _where_academy(column, academy_id: int | None) -> list[Any]:
    return [] if academy_id is None else [column == academy_id]


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _module_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    done = QuizAttempt.status == AttemptStatus.SUBMITTED
    per = (
        select(
            QuizAttempt.academy_id,
            QuizAttempt.user_id,
            QuizAttempt.module_id,
            _count_if(done).label("submitted"),
            _count_if(and_(done, QuizAttempt.passed.is_(False))).label("failed"),
            func.max(case((done, QuizAttempt.score_percent))).label("best"),
            func.max(case((done, QuizAttempt.number))).label("last_number"),
            func.max(func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at)).label(
                "last_at"
            ),
        )
        .where(*_where_academy(QuizAttempt.academy_id, academy_id))
        .group_by(QuizAttempt.academy_id, QuizAttempt.user_id, QuizAttempt.module_id)
        .subquery()
    )
    last = aliased(QuizAttempt)
    rows = executor.execute(
        select(per, last.score_percent).select_from(
            per.outerjoin(
                last,
                and_(
                    last.user_id == per.c.user_id,
                    last.module_id == per.c.module_id,
                    last.number == per.c.last_number,
                    last.status == AttemptStatus.SUBMITTED,
                ),
            )
        )
    ).all()
    return {
        (r[0], r[1], r[2]): (
            int(r[3]),
            int(r[4]),
            None if r[5] is None else float(r[5]),
            None if r[6] is None else int(r[6]),
            None if r[8] is None else float(r[8]),
            _utc(r[7]),
        )
        for r in rows
    }


def _case_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    done = CaseAttempt.status == AttemptStatus.SUBMITTED
    rows = executor.execute(
        select(
            CaseAttempt.academy_id,
            CaseAttempt.user_id,
            CaseAttempt.case_id,
            _count_if(done),
            *(_count_if(and_(done, CaseAttempt.band == band)) for band in BANDS),
            func.max(CaseAttempt.updated_at),
        )
        .where(*_where_academy(CaseAttempt.academy_id, academy_id))
        .group_by(CaseAttempt.academy_id, CaseAttempt.user_id, CaseAttempt.case_id)
    ).all()
    return {(r[0], r[1], r[2]): (*map(int, r[3:-1]), _utc(r[-1])) for r in rows}


def _learner_case_rows(
    executor: Any, academy_id: int | None
) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    per_case = _case_rows(executor, academy_id)
    totals: dict[tuple[Any, ...], list[Any]] = {}
    for (academy, user, _), (submitted, *rest) in per_case.items():
        counts, last_at = rest[:-1], rest[-1]
        entry = totals.setdefault((academy, user), [0, *([0] * len(BANDS)), 0, None])
        entry[0] += submitted
        for i, n in enumerate(counts):
            entry[1 + i] += n
        entry[-2] += any(counts[BANDS.index(b)] for b in GOOD_BANDS)
        if last_at is not None and (entry[-1] is None or last_at > entry[-1]):
            entry[-1] = last_at
    order = func.row_number().over(
        partition_by=(CaseAttempt.academy_id, CaseAttempt.user_id),
        order_by=(CaseAttempt.submitted_at.desc(), CaseAttempt.id.desc()),
    )
    ranked = (
        select(CaseAttempt.academy_id, CaseAttempt.user_id, CaseAttempt.band, order.label("n"))
        .where(
            CaseAttempt.status == AttemptStatus.SUBMITTED,
            *_where_academy(CaseAttempt.academy_id, academy_id),
        )
        .subquery()
    )
    rows = executor.execute(
        select(ranked.c.academy_id, ranked.c.user_id, ranked.c.band)
        .where(ranked.c.n <= RECENT_CASES)
        .order_by(ranked.c.academy_id, ranked.c.user_id, ranked.c.n)
    ).all()
    recent: dict[tuple[Any, ...], str] = defaultdict(str)
    for academy, user, band in rows:
        recent[(academy, user)] += BAND_CODES.get(band or "", "?")
    return {key: (*values, recent.get(key, "")) for key, values in totals.items()}


def _tendency_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """Per user (with a case attempt in the academy, when given): their tendency sums over
    every academy."""
    users = [] if academy_id is None else [
        select(CaseAttempt.user_id).where(CaseAttempt.academy_id == academy_id)
    ]  # fmt: skip
    bands = executor.execute(
        select(
            CaseAttempt.user_id,
            func.count(),
            _count_if(CaseAttempt.band.in_(("overdone", "overfilled"))),
            _count_if(CaseAttempt.band == "unsafe"),
        )
        .where(
            CaseAttempt.status == AttemptStatus.SUBMITTED,
            *(CaseAttempt.user_id.in_(u) for u in users),
        )
        .group_by(CaseAttempt.user_id)
    ).all()
    zones = executor.execute(
        select(
            CaseZoneResult.user_id,
            func.count(),
            _count_if(CaseZoneResult.deviation > 0),
            _count_if(CaseZoneResult.deviation < 0),
            func.coalesce(func.sum(nano_sql(CaseZoneResult.deviation)), 0),
        )
        .where(*(CaseZoneResult.user_id.in_(u) for u in users))
        .group_by(CaseZoneResult.user_id)
    ).all()
    by_user = {r[0]: tuple(map(int, r[1:])) for r in zones}
    return {
        (r[0],): (int(r[1]), int(r[2]), int(r[3]), *by_user.get(r[0], (0, 0, 0, 0))) for r in bands
    }


def _answer_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = executor.execute(
        select(
            QuizAttempt.academy_id,
            QuizAttempt.module_id,
            QuestionResult.question_id,
            QuestionResult.topic,
            func.count(),
            func.coalesce(func.sum(nano_sql(QuestionResult.score)), 0),
        )
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(*_where_academy(QuizAttempt.academy_id, academy_id))
        .group_by(
            QuizAttempt.academy_id,
            QuizAttempt.module_id,
            QuestionResult.question_id,
            QuestionResult.topic,
        )
    ).all()
    out: dict[tuple[Any, ...], tuple[int, int]] = {}
    for academy, module, question, topic, n, total in rows:
        key = (academy, module, question, topic or "")
        before = out.get(key, (0, 0))
        out[key] = (before[0] + int(n), before[1] + int(total))
    return out


def _band_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = executor.execute(
        select(
            CaseAttempt.academy_id,
            CaseAttempt.case_id,
            func.count(),
            *(_count_if(CaseAttempt.band == band) for band in BANDS),
            func.coalesce(func.sum(nano_sql(func.coalesce(CaseAttempt.score, 0.0))), 0),
        )
        .where(
            CaseAttempt.status == AttemptStatus.SUBMITTED,
            *_where_academy(CaseAttempt.academy_id, academy_id),
        )
        .group_by(CaseAttempt.academy_id, CaseAttempt.case_id)
    ).all()
    return {(r[0], r[1]): tuple(map(int, r[2:])) for r in rows}


def _zone_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    def count_of(*verdicts: str):
        return _count_if(CaseZoneResult.verdict.in_(verdicts))

    rows = executor.execute(
        select(
            CaseAttempt.academy_id,
            CaseAttempt.case_id,
            CaseZoneResult.zone,
            func.count(),
            count_of(*OVER_TREATED),
            count_of("missed"),
            count_of("under"),
            count_of(*UNSAFE_VERDICTS),
            func.coalesce(func.sum(nano_sql(CaseZoneResult.deviation)), 0),
        )
        .join(CaseAttempt, CaseAttempt.id == CaseZoneResult.attempt_id)
        .where(
            CaseAttempt.status == AttemptStatus.SUBMITTED,
            *_where_academy(CaseAttempt.academy_id, academy_id),
        )
        .group_by(CaseAttempt.academy_id, CaseAttempt.case_id, CaseZoneResult.zone)
    ).all()
    return {(r[0], r[1], r[2]): tuple(map(int, r[3:])) for r in rows}


def _flag_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    rows = executor.execute(
        select(
            CaseAttempt.academy_id,
            CaseAttempt.case_id,
            CaseFlagResult.flag,
            func.count(),
            _count_if(CaseFlagResult.missed.is_(True)),
        )
        .join(CaseAttempt, CaseAttempt.id == CaseFlagResult.attempt_id)
        .where(
            CaseAttempt.status == AttemptStatus.SUBMITTED,
            *_where_academy(CaseAttempt.academy_id, academy_id),
        )
        .group_by(CaseAttempt.academy_id, CaseAttempt.case_id, CaseFlagResult.flag)
    ).all()
    return {(r[0], r[1], r[2]): (int(r[3]), int(r[4])) for r in rows}


def _standing_rows(executor: Any, academy_id: int | None) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """From the module and case summaries (rebuilt before it), the memberships and the content."""
    return {
        (academy, user): (bool(counted), bool(deleted), name, _utc(idle), int(failing), int(bad))
        for academy, user, counted, deleted, name, idle, failing, bad in standings.compute(
            executor, academy_id
        )
    }


#: Each summary table, its value columns (after the primary key) and how to recompute it.
_TABLES: Final = (
    (
        LearnerModuleSummary,
        ("submitted", "failed", "best_score", "last_number", "last_score", "last_at"),
        _module_rows,
    ),
    (LearnerCaseSummary, ("submitted", *BANDS, "last_at"), _case_rows),
    (
        LearnerCases,
        ("submitted", *BANDS, "good_cases", "last_at", "recent"),
        _learner_case_rows,
    ),
    (
        LearnerTendency,
        (
            "attempts",
            "overdone_or_overfilled",
            "unsafe",
            "judged",
            "above",
            "below",
            "deviation_nano",
        ),
        _tendency_rows,
    ),  # fmt: skip
    (AnswerSummary, ("answers", "score_nano"), _answer_rows),
    (CaseBandSummary, ("attempts", *BANDS, "score_nano"), _band_rows),
    (
        CaseZoneSummary,
        ("judged", "over", "missed", "under", "unsafe", "deviation_nano"),
        _zone_rows,
    ),
    (CaseFlagSummary, ("present", "missed"), _flag_rows),
    (LearnerStanding, standings.COLUMNS, _standing_rows),  # after the summaries it reads
    (ModuleFunnel, ("started", "submitted", "passed", "best_nano"), standings.funnel_rows),
    (AcademyBands, standings.BANDS, standings.band_rows),
)


def _keys(model) -> list[str]:
    return [c.name for c in model.__table__.primary_key.columns]


def recompute(academy_id: int | None = None, executor: Any = None) -> Figures:
    """Every summary row as the attempts make it now (of one academy, when given)."""
    executor = executor or db.session
    return {model: compute(executor, academy_id) for model, _, compute in _TABLES}


def _scope(model, academy_id: int | None, executor: Any) -> list[Any]:
    if academy_id is None:
        return []
    if model is LearnerTendency:
        return [
            model.user_id.in_(
                select(CaseAttempt.user_id).where(CaseAttempt.academy_id == academy_id)
            )
        ]
    return [model.academy_id == academy_id]


def stored(academy_id: int | None = None, executor: Any = None) -> Figures:
    """Every summary row as stored (of one academy, when given), in recompute's shape."""
    executor = executor or db.session
    out: Figures = {}
    for model, values, _ in _TABLES:
        keys = _keys(model)
        columns = [model.__table__.c[name] for name in (*keys, *values)]
        rows = executor.execute(select(*columns).where(*_scope(model, academy_id, executor)))
        out[model] = {
            tuple(r[: len(keys)]): tuple(
                _utc(v) if name in ("last_at", "idle_since") else v
                for name, v in zip(values, r[len(keys) :], strict=True)
            )
            for r in rows
        }
    return out


def rebuild(academy_id: int | None = None, executor: Any = None) -> dict[str, int]:
    """Replace the summary rows (of one academy, when given) by a recompute from the attempts;
    rows written per table. Flushes, never commits. A migration of an earlier revision rebuilds
    the tables its schema has (later ones are filled by the migrations that create them)."""
    executor = executor or db.session
    connection = executor if isinstance(executor, Connection) else executor.connection()
    existing = set(sa_inspect(connection).get_table_names())
    written: dict[str, int] = {}
    for model, values, compute in _TABLES:
        if model.__tablename__ not in existing:
            continue
        rows = compute(executor, academy_id)
        executor.execute(delete(model).where(*_scope(model, academy_id, executor)))
        keys = _keys(model)
        records = [
            dict(zip((*keys, *values), (*key, *value), strict=True)) for key, value in rows.items()
        ]
        for start in range(0, len(records), 5000):
            executor.execute(insert(model), records[start : start + 5000])
        written[model.__tablename__] = len(records)
    return written
