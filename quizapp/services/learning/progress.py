"""The trainee's dashboard figures: scores over time and weakest topics (aggregated in SQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, cast, func, literal, null, select, union_all

from quizapp.extensions import db
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseRecord,
    ModuleRecord,
    QuestionResult,
    QuizAttempt,
)


@dataclass(frozen=True)
class ScorePoint:
    when: datetime
    kind: str  # "quiz" or "case"
    score: float
    attempt_id: int = 0  # what the point links to: the quiz review or the case result
    title: str = ""
    band: str | None = None  # cases only


def score_history(user_id: int, limit: int = 30) -> list[ScorePoint]:
    """The trainee's last `limit` submitted quiz and case scores, oldest first, each with its
    attempt and title so past work can be reopened (one query)."""
    quizzes = (
        select(
            QuizAttempt.submitted_at.label("at"),
            QuizAttempt.score_percent.label("score"),
            literal("quiz").label("kind"),
            QuizAttempt.id.label("attempt_id"),
            ModuleRecord.title.label("title"),
            cast(null(), String(20)).label("band"),
        )
        .join(ModuleRecord, ModuleRecord.id == QuizAttempt.module_id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.status == AttemptStatus.SUBMITTED)
        .order_by(QuizAttempt.submitted_at.desc())
        .limit(limit)
        .subquery()
    )
    cases = (
        select(
            CaseAttempt.submitted_at.label("at"),
            CaseAttempt.score.label("score"),
            literal("case").label("kind"),
            CaseAttempt.id.label("attempt_id"),
            CaseRecord.title.label("title"),
            CaseAttempt.band.label("band"),
        )
        .join(CaseRecord, CaseRecord.id == CaseAttempt.case_id)
        .where(CaseAttempt.user_id == user_id, CaseAttempt.status == AttemptStatus.SUBMITTED)
        .order_by(CaseAttempt.submitted_at.desc())
        .limit(limit)
        .subquery()
    )
    rows = db.session.execute(union_all(select(quizzes), select(cases))).all()
    points = [
        ScorePoint(r.at, r.kind, float(r.score or 0.0), r.attempt_id, r.title, r.band) for r in rows
    ]
    points.sort(key=lambda p: (p.when, p.kind == "case"))  # on a tie, the quiz first
    return points[-limit:]


@dataclass(frozen=True)
class TopicScore:
    topic: str
    percent: float
    answered: int


def weakest_topics(user_id: int, limit: int = 3, minimum: int = 2) -> list[TopicScore]:
    """Topics with the lowest average score over the trainee's answers (at least `minimum`)."""
    rows = db.session.execute(
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
    ).all()
    return [TopicScore(r.topic, 100.0 * float(r.average), int(r.answered)) for r in rows]


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
