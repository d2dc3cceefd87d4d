"""The trainee's modules and quiz attempts: status, start or resume, save, submit, review.

Submission is a conditional UPDATE (in_progress -> submitted), so it happens once however many
times it is posted; saves are conditional on the attempt being open (models/progress.py). Time
limits are enforced with the server's clock.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from quizapp.domain import quiz
from quizapp.extensions import db
from quizapp.formats.modules import load_module_text
from quizapp.models import (
    AttemptStatus,
    InvalidTransition,
    ModuleRecord,
    ModuleVersion,
    QuestionResult,
    QuizAttempt,
)
from quizapp.models.content import Status
from quizapp.services.infra.workercache import LruCache
from quizapp.services.learning import summaries
from quizapp.services.learning.catalogue import Listed, published_modules
from quizapp.services.learning.submission import Submitted, certify
from quizapp.services.portfolio import cpd


class AttemptRefused(Exception):
    """The trainee may not do this now; the message is safe to show."""


#: Parsed modules by content hash: published text never changes, so each is parsed once a worker.
_modules = LruCache(max_entries=512)


def module_content(version: ModuleVersion) -> quiz.Module:
    """The parsed module of a version, from this worker's cache when it has it."""
    cached = _modules.get(version.content_hash)
    if cached is None:
        cached = load_module_text(
            version.source_text,
            f"module version {version.id}",
            draft=version.status is Status.DRAFT,  # a draft may lack explanations
        )
        _modules.put(version.content_hash, cached)
    return cached


def listed_module(listed: Listed) -> quiz.Module:
    """The parsed module of a listed (published) version: from this worker's cache by the
    listing's content hash, without reading the version's text; read and parsed on a miss."""
    cached = _modules.get(listed.content_hash) if listed.content_hash else None
    if cached is not None:
        return cached
    return module_content(db.session.get(ModuleVersion, listed.version_id))


def attempt_module(attempt: QuizAttempt) -> quiz.Module:
    """The parsed module an attempt is on; through the content list (already read once a
    transaction) when that is the published version, so a save does not read the version."""
    listed = next(
        (
            m
            for m in published_modules(attempt.academy_id)
            if m.version_id == attempt.module_version_id
        ),
        None,
    )
    if listed is not None:
        return listed_module(listed)
    return module_content(attempt.module_version)


@dataclass
class ModuleProgress:
    """One module as one trainee stands with it."""

    listed: Listed
    status: str  # locked, not_started, in_progress, passed, failed
    attempts_used: int = 0
    best: float | None = None
    graded: float | None = None  # by the module's grading method (highest or last)
    open_attempt_id: int | None = None
    locked_by: list[str] = field(default_factory=list)
    scores: list[tuple[datetime, float, int]] = field(default_factory=list)  # when, %, attempt id

    @property
    def max_attempts(self) -> int | None:
        return self.listed.summary.get("max_attempts")

    @property
    def attempts_left(self) -> int | None:
        if self.max_attempts is None:
            return None
        return max(self.max_attempts - self.attempts_used, 0)

    @property
    def can_start(self) -> bool:
        return self.status != "locked" and (
            self.open_attempt_id is not None or self.attempts_left != 0
        )


@cache
def _own_attempts_statement() -> Select:
    """module_progress's statement, built once (every module page runs it): the trainee as
    :user_id."""
    return (
        select(
            QuizAttempt.id,
            QuizAttempt.module_id.label("record_id"),
            QuizAttempt.status,
            QuizAttempt.score_percent.label("score"),
            QuizAttempt.submitted_at,
        )
        .where(QuizAttempt.user_id == bindparam("user_id"))
        .order_by(QuizAttempt.module_id, QuizAttempt.number)
    )


def module_progress(
    user_id: int, academy_id: int | None, attempts: Iterable[Any] | None = None
) -> list[ModuleProgress]:
    """Every published module with the trainee's status, in two queries whatever the history
    (one when the caller passes the trainee's quiz `attempts`, by module and number, as
    progress.learner_attempts reads them)."""
    modules = published_modules(academy_id)
    if attempts is None:
        attempts = db.session.execute(_own_attempts_statement(), {"user_id": user_id}).all()
    by_module: dict[int, list[Any]] = {}
    for row in attempts:
        by_module.setdefault(row.record_id, []).append(row)

    progress: dict[str, ModuleProgress] = {}
    for listed in modules:
        tried = by_module.get(listed.id, [])
        submitted = [a for a in tried if a.status is AttemptStatus.SUBMITTED]
        open_attempt = next((a for a in tried if a.status is AttemptStatus.IN_PROGRESS), None)
        scores = [(a.submitted_at, a.score, a.id) for a in submitted]
        item = ModuleProgress(listed, "not_started", attempts_used=len(submitted), scores=scores)
        if submitted:
            percents = [a.score for a in submitted]
            item.best = max(percents)
            method = listed.summary.get("grading", "highest")
            item.graded = item.best if method == "highest" else percents[-1]
            passed = item.graded >= listed.summary.get("pass_mark", 100)
            item.status = "passed" if passed else "failed"
        if open_attempt is not None:
            item.open_attempt_id = open_attempt.id
            if item.status != "passed":
                item.status = "in_progress"
        progress[listed.slug] = item
    for item in progress.values():
        missing = [
            progress[slug].listed.title
            for slug in item.listed.summary.get("prerequisites", [])
            if slug in progress and progress[slug].status != "passed"
        ]
        if missing and item.status in ("not_started",):
            item.status = "locked"
            item.locked_by = missing
    return list(progress.values())


def next_step(progress: list[ModuleProgress]) -> ModuleProgress | None:
    """What the trainee should do next: an open attempt, else the first module not yet passed."""
    for item in progress:
        if item.status == "in_progress":
            return item
    for item in progress:
        if item.status in ("not_started", "failed") and item.can_start:
            return item
    return None


def find_listed(slug: str, academy_id: int | None) -> Listed | None:
    return next((m for m in published_modules(academy_id) if m.slug == slug), None)


def start_or_resume(user_id: int, academy_id: int, listed: Listed, now: datetime) -> QuizAttempt:
    """The trainee's open attempt at this module, or a new one if the rules allow."""
    return db.session.get(QuizAttempt, open_attempt_id(user_id, academy_id, listed, now))


def open_attempt_id(user_id: int, academy_id: int, listed: Listed, now: datetime) -> int:
    """The id of the trainee's open attempt at this module, started now if the rules allow.

    A whole cohort starting an exam runs this (issue 21, B4), so a new attempt is one
    `INSERT .. ON CONFLICT DO NOTHING` (no ORM object, no savepoint) and the time limit comes
    from the parse cache; the one-open-attempt index still decides between two tabs racing."""
    progress = {p.listed.slug: p for p in module_progress(user_id, academy_id)}
    item = progress[listed.slug]
    if item.open_attempt_id is not None:
        return item.open_attempt_id
    if item.status == "locked":
        raise AttemptRefused("Pass " + ", ".join(item.locked_by) + " first.")
    if item.attempts_left == 0:
        raise AttemptRefused("You have used every attempt at this module.")
    limit = listed_module(listed).time_limit_minutes
    table = QuizAttempt.__table__
    dialect = db.session.get_bind().dialect.name
    started = (
        (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        .values(
            user_id=user_id,
            academy_id=academy_id,
            module_id=listed.id,
            module_version_id=listed.version_id,
            number=item.attempts_used + 1,
            seed=secrets.randbelow(2**31 - 1),
            status=AttemptStatus.IN_PROGRESS,
            started_at=now,
            deadline_at=now + timedelta(minutes=limit) if limit else None,
            answers={},
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )
    attempt_id = db.session.scalar(started)
    if attempt_id is None:
        # Another tab started one at the same moment: use that one.
        attempt_id = db.session.scalar(
            select(QuizAttempt.id).where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.module_id == listed.id,
                QuizAttempt.status == AttemptStatus.IN_PROGRESS,
            )
        )
        if attempt_id is None:  # it was submitted already: this start counted the wrong number
            raise AttemptRefused("Another window has just used this attempt; start again.")
        return attempt_id
    summaries.quiz_started(academy_id, user_id, listed.id, now)
    return attempt_id


def attempt_for(user_id: int, attempt_id: int) -> QuizAttempt | None:
    """The attempt if it belongs to this trainee (others' attempts do not exist for them)."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        return None
    return attempt


def time_is_up(attempt: QuizAttempt, now: datetime) -> bool:
    return attempt.deadline_at is not None and now >= attempt.deadline_at


def save_answer(attempt: QuizAttempt, question_id: str, response: Any, now: datetime) -> None:
    """Keep one answer (in the file's option indexes) on an open attempt; a save that loses a
    race with the submission is refused, so the answers stored are the answers scored."""
    if attempt.status is not AttemptStatus.IN_PROGRESS:
        raise AttemptRefused("This attempt has been submitted; answers can no longer change.")
    if time_is_up(attempt, now):
        raise AttemptRefused("Time is up for this attempt; it has been submitted as it stood.")
    try:
        attempt.save_answer(question_id, response)
    except InvalidTransition as error:
        raise AttemptRefused(
            "This attempt has been submitted; answers can no longer change."
        ) from error


def submit(attempt: QuizAttempt, now: datetime, token: str | None = None) -> Submitted | None:
    """Grade and close the attempt, and issue the certificates that completes; None if it
    already was submitted (this call changed nothing).

    The row is held first, so the answers graded are the answers stored: a save racing in
    either lands before (and is graded) or is refused after. `token` is the submit form's
    (QuizAttempt.new_submission_token), kept to know a retried post."""
    if attempt.status is AttemptStatus.SUBMITTED or not attempt.hold_open():
        return None
    module = attempt_module(attempt)
    grade = quiz.grade_attempt(module.questions, attempt.answers or {}, module.pass_mark)
    if not attempt.close(now, grade.percent, grade.passed, grade.to_dict(), token):
        return None
    results = [
        QuestionResult(
            attempt_id=attempt.id,
            module_version_id=attempt.module_version_id,
            question_id=result.question_id,
            topic=result.topic,
            score=result.score,
            correct=result.correct,
            response=result.response,
        )
        for result in grade.results
    ]
    db.session.add_all(results)
    db.session.flush()
    if grade.passed:
        cpd.record_module_completion(attempt, module, now)  # once per module version
    submitted = certify(attempt.user_id, attempt.academy_id, now)
    # In this transaction (never out of step), and last: the academy-wide rows it adds to stay
    # locked only from here to the commit.
    summaries.quiz_submitted(attempt, results)
    return submitted


def record_for(attempt: QuizAttempt) -> ModuleRecord:
    return db.session.get(ModuleRecord, attempt.module_id)
