"""The trainee's dashboard figures: scores over time and weakest topics (aggregated in SQL)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    select,
    true,
    type_coerce,
    union_all,
)

from quizapp.domain.tendency import Tendency
from quizapp.extensions import db
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseRecord,
    CpdActivity,
    DrillAttempt,
    LearnerTendency,
    ModuleRecord,
    QuestionResult,
    QuizAttempt,
)
from quizapp.models.base import UTCDateTime
from quizapp.models.progress import ATTEMPT_STATUS_ENUM
from quizapp.services.learning.casestudy import tendency_from_sums


@dataclass(frozen=True)
class ScorePoint:
    when: datetime
    kind: str  # "quiz" or "case"
    score: float
    attempt_id: int = 0  # what the point links to: the quiz review or the case result
    title: str = ""
    band: str | None = None  # cases only


@dataclass(frozen=True)
class AttemptRow:
    """One attempt of the trainee as the dashboard reads it (quiz, case or drill)."""

    kind: str  # "quiz", "case" or "drill"
    id: int
    academy_id: int
    record_id: int  # the module, case or drill
    status: AttemptStatus
    number: int  # quizzes: the attempt's number at its module; 0 for the others
    score: float | None
    submitted_at: datetime | None
    title: str
    band: str | None  # cases: the band; drills: the outcome


@dataclass(frozen=True)
class LearnerAttempts:
    """What the dashboard needs of a trainee's attempts, read in one statement."""

    quizzes: list[AttemptRow]  # every quiz attempt, by module and number
    cases: list[AttemptRow]  # the last HISTORY_LENGTH submitted case attempts
    drills: list[AttemptRow]  # every attempt at the drills asked for, by drill and id
    # Read only for a trainee in a certification programme of `evidence_academy` (else None):
    outcomes: list[AttemptRow] | None = None  # that academy's submitted cases, oldest first
    cpd: list[AttemptRow] | None = None  # every CPD activity: done on (date), hours (score)


HISTORY_LENGTH = 30


def _attempt_columns(kind: str, model, record, number, score, title, band) -> tuple:
    """One branch's columns, in AttemptRow's order (the branches of a UNION must line up)."""
    return (
        literal(kind).label("kind"),
        model.id,
        model.academy_id,
        record.label("record_id"),
        model.status,
        number.label("number"),
        score.label("score"),
        model.submitted_at,
        title.label("title"),
        band.label("band"),
    )


@cache
def _attempts_statement(with_drills: bool, cases: int, with_evidence: bool = False):
    """learner_attempts' statement, built once per shape (building it costs more CPU than
    running it): the trainee as :user_id, the drills as :drill_ids, the academy whose
    certification evidence is read as :academy_id."""
    me = bindparam("user_id")
    no_number = literal(0)
    quiz = _attempt_columns(
        "quiz",
        QuizAttempt,
        QuizAttempt.module_id,
        QuizAttempt.number,
        QuizAttempt.score_percent,
        ModuleRecord.title,
        cast(null(), String(80)),
    )
    case = _attempt_columns(
        "case",
        CaseAttempt,
        CaseAttempt.case_id,
        no_number,
        CaseAttempt.score,
        CaseRecord.title,
        CaseAttempt.band,
    )
    parts = [
        select(*quiz)
        .join(ModuleRecord, ModuleRecord.id == QuizAttempt.module_id)
        .where(QuizAttempt.user_id == me),
        select(
            select(*case)
            .join(CaseRecord, CaseRecord.id == CaseAttempt.case_id)
            .where(CaseAttempt.user_id == me, CaseAttempt.status == AttemptStatus.SUBMITTED)
            .order_by(CaseAttempt.submitted_at.desc(), CaseAttempt.id.desc())
            .limit(cases)
            .subquery()
        ),
    ]
    if with_drills:
        drill = _attempt_columns(
            "drill",
            DrillAttempt,
            DrillAttempt.drill_id,
            no_number,
            DrillAttempt.score,
            literal(""),
            DrillAttempt.outcome,  # the drill's outcome stands where a case has its band
        )
        parts.append(
            select(*drill).where(
                DrillAttempt.user_id == me,
                DrillAttempt.drill_id.in_(bindparam("drill_ids", expanding=True)),
            )
        )
    if with_evidence:
        parts.extend(_evidence_parts(me))
    return union_all(*parts)


def _evidence_parts(me) -> list:
    """The two branches certification.history reads besides the quiz scores: the academy's
    submitted case outcomes (all of them, untitled) and the trainee's CPD activities."""
    outcome = _attempt_columns(
        "outcome",
        CaseAttempt,
        CaseAttempt.case_id,
        literal(0),
        CaseAttempt.score,
        literal(""),
        CaseAttempt.band,
    )
    cpd = (
        literal("cpd"),
        CpdActivity.id,
        CpdActivity.academy_id,
        literal(0),
        cast(null(), ATTEMPT_STATUS_ENUM),
        literal(0),
        cast(CpdActivity.hours, Float),
        # A date where the others have a timestamp: midnight, which PostgreSQL gives in the
        # session's zone, so the date is read back from the value as it comes.
        type_coerce(CpdActivity.done_on, UTCDateTime()),
        literal(""),
        cast(null(), String(80)),
    )
    return [
        select(*outcome).where(
            CaseAttempt.user_id == me,
            CaseAttempt.academy_id == bindparam("academy_id"),
            CaseAttempt.status == AttemptStatus.SUBMITTED,
        ),
        select(*cpd).where(CpdActivity.user_id == me),
    ]


def learner_attempts(
    user_id: int,
    drill_ids: Collection[int] = (),
    cases: int = HISTORY_LENGTH,
    evidence_academy: int | None = None,
) -> LearnerAttempts:
    """Every quiz attempt (module progress and the quiz half of the score history), the last
    `cases` submitted case attempts (the other half), the attempts at `drill_ids` and, with
    `evidence_academy`, what a programme of that academy weighs besides the quizzes (its case
    outcomes and the CPD): one UNION ALL, so the dashboard's statement count does not depend
    on the history."""
    parameters: dict[str, Any] = {"user_id": user_id}
    if drill_ids:
        parameters["drill_ids"] = list(drill_ids)
    with_evidence = evidence_academy is not None
    if with_evidence:
        parameters["academy_id"] = evidence_academy
    statement = _attempts_statement(bool(drill_ids), cases, with_evidence)
    by_kind: dict[str, list[AttemptRow]] = {
        k: [] for k in ("quiz", "case", "drill", "outcome", "cpd")
    }
    for row in db.session.execute(statement, parameters):
        by_kind[row.kind].append(AttemptRow(*row))
    by_kind["quiz"].sort(key=lambda a: (a.record_id, a.number))
    for kind in ("case", "outcome"):
        by_kind[kind].sort(key=lambda a: (a.submitted_at, a.id))
    by_kind["drill"].sort(key=lambda a: (a.record_id, a.id))
    by_kind["cpd"].sort(key=lambda a: a.id)
    return LearnerAttempts(
        by_kind["quiz"],
        by_kind["case"],
        by_kind["drill"],
        by_kind["outcome"] if with_evidence else None,
        by_kind["cpd"] if with_evidence else None,
    )


def score_history(
    user_id: int, limit: int = HISTORY_LENGTH, attempts: LearnerAttempts | None = None
) -> list[ScorePoint]:
    """The trainee's last `limit` submitted quiz and case scores, oldest first, each with its
    attempt and title so past work can be reopened (from `attempts` when the caller has read
    them, else one query)."""
    if attempts is None:
        attempts = learner_attempts(user_id, cases=limit)
    quizzes = [a for a in attempts.quizzes if a.status is AttemptStatus.SUBMITTED]
    quizzes.sort(key=lambda a: a.submitted_at)
    points = [
        ScorePoint(a.submitted_at, a.kind, float(a.score or 0.0), a.id, a.title, a.band)
        for a in [*quizzes[-limit:], *attempts.cases[-limit:]]
    ]
    points.sort(key=lambda p: (p.when, p.kind == "case"))  # on a tie, the quiz first
    return points[-limit:]


@dataclass(frozen=True)
class TopicScore:
    topic: str
    percent: float
    answered: int


def _weakest_query(user_id: Any, limit: int, minimum: int):
    return (
        select(
            QuestionResult.topic,
            func.avg(QuestionResult.score).label("average"),
            func.count(QuestionResult.id).label("answered"),
        )
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(QuizAttempt.user_id == user_id)
        .group_by(QuestionResult.topic)
        .having(func.count(QuestionResult.id) >= minimum)
        .order_by(func.avg(QuestionResult.score), QuestionResult.topic)
        .limit(limit)
    )


def _topic_score(row: Any) -> TopicScore:
    return TopicScore(row.topic, 100.0 * float(row.average), int(row.answered))


def weakest_topics(user_id: int, limit: int = 3, minimum: int = 2) -> list[TopicScore]:
    """Topics with the lowest average score over the trainee's answers (at least `minimum`)."""
    rows = db.session.execute(_weakest_query(user_id, limit, minimum)).all()
    return [_topic_score(r) for r in rows]


@cache
def _tendency_and_weakest_statement(limit: int, minimum: int):
    """The tendency row outer-joined to the weakest topics, built once (the trainee as
    :user_id)."""
    me = select(bindparam("user_id", type_=Integer).label("user_id")).subquery("me")
    weakest = _weakest_query(me.c.user_id, limit, minimum).subquery("weakest")
    sums = LearnerTendency.__table__
    return (
        select(sums, weakest.c.topic, weakest.c.average, weakest.c.answered)
        .select_from(me)
        .outerjoin(sums, sums.c.user_id == me.c.user_id)
        .outerjoin(weakest, true())
        .order_by(weakest.c.average, weakest.c.topic)  # the subquery's order is not kept
    )


def tendency_and_weakest(
    user_id: int, limit: int = 3, minimum: int = 2
) -> tuple[Tendency, list[TopicScore]]:
    """The case-study tendency (its one summary row) and the weakest topics in one statement,
    so either may be missing."""
    rows = db.session.execute(
        _tendency_and_weakest_statement(limit, minimum), {"user_id": user_id}
    ).all()
    topics = [_topic_score(r) for r in rows if r.topic is not None]
    return tendency_from_sums(rows[0]), topics


def chart_points(points: list[ScorePoint], width: int = 560, height: int = 180) -> list[dict]:
    """Positions of score points in an SVG box (x by order, y by score 0-100)."""
    if not points:
        return []
    pad = 28
    step = (width - 2 * pad) / max(len(points) - 1, 1)
    return [
        {
            "x": round(pad + i * step, 1),
            "y": round(height - pad - (height - 2 * pad) * p.score / 100, 1),
            "kind": p.kind,
            "score": p.score,
            "when": p.when,
        }
        for i, p in enumerate(points)
    ]
