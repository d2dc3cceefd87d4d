"""Builders for the academy and certification tests: a tiny content bank, trainee histories
written straight into the tables, programmes and cohorts in a line."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseRecord,
    Cohort,
    CohortMember,
    ModuleRecord,
    Programme,
    QuestionResult,
    QuizAttempt,
)
from quizapp.services.authoring import content
from quizapp.services.learning import summaries

BANK = Path(__file__).resolve().parents[2] / "cases"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

MODULE = """\
id: {slug}
title: {title}
order: {order}
summary: A short module for tests.
prerequisites: []
pass_mark: 60
max_attempts: 3
grading: {grading}
time_limit_minutes: null
shuffle: false
cases: []
references: [F15]
questions:
  - id: {slug}-01
    type: truefalse
    topic: products
    stem: ({title}) Hyaluronic acid filler can be dissolved with hyaluronidase.
    answer: true
    explanation: HA is reversible with hyaluronidase.
    references: [F13]
  - id: {slug}-02
    type: truefalse
    topic: aims
    stem: ({title}) More facial units treated in one session always add benefit.
    answer: false
    explanation: Treating more than two facial units added no FACE-Q benefit.
    references: [F15]
"""


def import_bank(tmp_path: Path, *, cases=("f44-frown-lines",), grading="highest") -> None:
    """Two modules (basics, advanced) and the given bank cases, imported and committed."""
    modules = tmp_path / "modules"
    modules.mkdir(exist_ok=True)
    for order, (slug, title) in enumerate(
        [("basics", "Basics of restraint"), ("advanced", "Advanced planning")], start=1
    ):
        (modules / f"0{order}-{slug}.yaml").write_text(
            MODULE.format(slug=slug, title=title, order=order, grading=grading)
        )
    for name in cases:
        shutil.copy(BANK / f"{name}.yaml", tmp_path)
    content.import_bank(tmp_path)
    db.session.commit()


def module(slug: str) -> ModuleRecord:
    return db.session.scalar(select(ModuleRecord).where(ModuleRecord.slug == slug))


def case(slug: str) -> CaseRecord:
    return db.session.scalar(select(CaseRecord).where(CaseRecord.slug == slug))


def quiz(user, academy, slug: str, score: float, when: datetime = NOW, *, passed=None, answers=2):
    """A submitted quiz attempt with `score` percent (and its question results)."""
    record = module(slug)
    version = record.latest_published()
    number = (
        db.session.scalar(
            select(func.count())
            .select_from(QuizAttempt)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_id == record.id)
        )
        + 1
    )
    attempt = QuizAttempt(
        user_id=user.id,
        academy_id=academy.id,
        module_id=record.id,
        module_version_id=version.id,
        number=number,
        seed=1,
        status=AttemptStatus.SUBMITTED,
        started_at=when - timedelta(minutes=10),
        submitted_at=when,
        answers={},
        score_percent=score,
        passed=score >= 60 if passed is None else passed,
        result={},
    )
    db.session.add(attempt)
    db.session.flush()
    for index in range(answers):
        db.session.add(
            QuestionResult(
                attempt_id=attempt.id,
                module_version_id=version.id,
                question_id=f"{slug}-0{index + 1}",
                topic="aims",
                score=1.0 if index * 100 / answers < score else 0.0,
                correct=index * 100 / answers < score,
            )
        )
    summaries.rebuild(academy.id)  # rows written past the services: recompute the summaries
    db.session.commit()
    return attempt


def open_quiz(user, academy, slug: str, when: datetime = NOW):
    record = module(slug)
    attempt = QuizAttempt(
        user_id=user.id,
        academy_id=academy.id,
        module_id=record.id,
        module_version_id=record.latest_published().id,
        number=99,
        seed=1,
        started_at=when,
        answers={},
    )
    db.session.add(attempt)
    db.session.flush()
    summaries.rebuild(academy.id)
    db.session.commit()
    return attempt


def case_attempt(
    user,
    academy,
    band: str,
    when: datetime = NOW,
    *,
    slug: str = "f44-frown-lines",
    score: float = 80.0,
    commit: bool = True,
):
    """A submitted case attempt ending in `band`."""
    record = case(slug)
    attempt = CaseAttempt(
        user_id=user.id,
        academy_id=academy.id,
        case_id=record.id,
        case_version_id=record.latest_published().id,
        step="result",
        status=AttemptStatus.SUBMITTED,
        started_at=when - timedelta(minutes=15),
        updated_at=when,
        submitted_at=when,
        grades={},
        red_flags=[],
        disposition="treat",
        plan_items=[],
        band=band,
        score=score,
        result={},
    )
    db.session.add(attempt)
    db.session.flush()
    summaries.rebuild(academy.id)
    if commit:
        db.session.commit()
    return attempt


def programme(academy, name="Safe toxin practice", **rules) -> Programme:
    values = {
        "required_modules": ["basics"],
        "min_good_cases": 1,
        "no_unsafe_in_last": 3,
        "validity_months": 24,
        "recertification": "",
        "description": "",
    }
    values.update(rules)
    record = Programme(academy_id=academy.id, name=name, **values)
    db.session.add(record)
    db.session.commit()
    return record


def cohort(academy, trainees=(), programmes=(), *, name="Spring 2026", educators=()) -> Cohort:
    record = Cohort(academy_id=academy.id, name=name, start_date=NOW.date())
    record.programmes = list(programmes)
    db.session.add(record)
    db.session.flush()
    for user in trainees:
        db.session.add(CohortMember(cohort_id=record.id, user_id=user.id, role="trainee"))
    for user in educators:
        db.session.add(CohortMember(cohort_id=record.id, user_id=user.id, role="educator"))
    db.session.commit()
    return record


def academy_of(user):
    return user.memberships[0].academy


def certified(tmp_path, factory, holder_name: str):
    """An academy (northbridge) with an admin and a trainee `holder_name` who has just earned
    the programme's certificate: (academy, admin, trainee, certificate), committed."""
    from quizapp.models import Role
    from quizapp.models.base import now_utc
    from quizapp.services.academy import certification

    import_bank(tmp_path)
    academy = factory.academy("Northbridge Aesthetics Academy", "northbridge")
    admin = factory.user(Role.ADMIN, academy, display_name="Priya Admin")
    trainee = factory.user(Role.TRAINEE, academy, display_name=holder_name)
    cohort(academy, [trainee], [programme(academy)])
    when = now_utc()
    quiz(trainee, academy, "basics", 100, when - timedelta(days=2))
    case_attempt(trainee, academy, "natural", when - timedelta(days=1))
    (certificate,) = certification.issue_earned(trainee.id, academy.id, when)
    db.session.commit()
    return academy, admin, trainee, certificate
