"""Progress: quiz attempts and case-study attempts, with per-item results kept for statistics.

An attempt moves from in_progress to submitted exactly once; the move is a conditional UPDATE, so a
double post, a back-button resubmit or two tabs store one result. Every other write to an attempt
(answers, grades, flags, disposition, plan rows, step) is conditional on it still being open, so a
save that loses a race with the submission is refused: what is stored is what was scored. Each
attempt points at the exact content version the trainee saw.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from quizapp.extensions import db
from quizapp.models.base import InvalidTransition, UTCDateTime, move_row, now_utc
from quizapp.models.content import CaseVersion, ModuleVersion


class AttemptStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


ATTEMPT_STATUS_ENUM = Enum(
    AttemptStatus, name="attempt_status", values_callable=lambda s: [x.value for x in s]
)


class AttemptMoves:
    """The moves both kinds of attempt share: hold an open attempt, close it once."""

    def hold_open(self) -> bool:
        """Lock this attempt's row for the rest of the transaction if it is still open, and
        reload it: what a save merges into or a submission scores cannot change before the
        commit, and a submission racing in waits for it. False once it has been submitted."""
        model = type(self)
        table = model.__table__
        db.session.flush()
        unchanged = {"status": table.c.status}
        if "updated_at" in table.c:
            unchanged["updated_at"] = table.c.updated_at  # holding is not a change
        columns = model.__mapper__.column_attrs
        # The UPDATE returns the row as it now stands, so the reload costs no second statement
        # (on the table, not the entity: no ORM bulk-update machinery for one row).
        held = db.session.execute(
            update(table)
            .where(table.c.id == self.id, table.c.status == AttemptStatus.IN_PROGRESS)
            .values(unchanged)
            .returning(*(prop.columns[0] for prop in columns))
        ).one_or_none()
        if held is None:
            db.session.refresh(self)  # submitted meanwhile: the caller sees what won
            return False
        for prop, value in zip(columns, held, strict=True):
            set_committed_value(self, prop.key, value)
        return True

    def _close(self, now: datetime, token: str | None, values: dict[str, Any]) -> bool:
        """in_progress -> submitted with the scored result and the submitting form's token;
        True only for the call that did it."""
        if not (token and len(token) <= 64 and token.startswith(f"{self.id}-")):
            token = None  # not a token of this attempt's forms
        return move_row(
            self,
            [type(self).status == AttemptStatus.IN_PROGRESS],
            {
                "status": AttemptStatus.SUBMITTED,
                "submitted_at": now,
                "submission_token": token,
                **values,
            },
        )

    def new_submission_token(self) -> str:
        """A one-off token for a submit form of this attempt (its id first, so it is unique)."""
        return f"{self.id}-{secrets.token_urlsafe(16)}"

    def _write_open(self, values: dict[str, Any], *expected: Any) -> None:
        if not move_row(self, [type(self).status == AttemptStatus.IN_PROGRESS, *expected], values):
            raise InvalidTransition(
                "this attempt has been submitted"
                if self.status is AttemptStatus.SUBMITTED
                else "this attempt was changed in another window"
            )


class QuizAttempt(AttemptMoves, db.Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id", "number"),
        # At most one open attempt per trainee and module, even with two tabs racing to start one.
        Index(
            "uq_quiz_attempts_open",
            "user_id",
            "module_id",
            unique=True,
            sqlite_where=db.text("status = 'in_progress'"),
            postgresql_where=db.text("status = 'in_progress'"),
        ),
        # Covers the academy report's per-learner, per-module query (no scan of the JSON rows).
        Index(
            "ix_quiz_attempts_report",
            "academy_id",
            "user_id",
            "module_id",
            "status",
            "number",
            "score_percent",
            "passed",
            "submitted_at",
            "started_at",
        ),
        # An academy's attempts by status and id (was the per-worker aggregate cache's
        # fingerprint; kept until a migration drops it).
        Index("ix_quiz_attempts_fingerprint", "academy_id", "status", "id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)  # fixes the option order for this attempt
    status: Mapped[AttemptStatus] = mapped_column(
        ATTEMPT_STATUS_ENUM, default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score_percent: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The submitting form's one-off token: a retried post (the client saw an error) is known
    # as the same submission and answered with the stored result.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    module_version: Mapped[ModuleVersion] = relationship()

    def save_answer(self, question_id: str, response: Any) -> None:
        """Keep one answer on an open attempt; refused (InvalidTransition) once submitted."""
        if not self.hold_open():
            raise InvalidTransition("this attempt has been submitted")
        self._write_open({"answers": {**(self.answers or {}), question_id: response}})

    def close(
        self,
        now: datetime,
        score_percent: float,
        passed: bool,
        result: dict[str, Any],
        token: str | None = None,
    ) -> bool:
        return self._close(
            now, token, {"score_percent": score_percent, "passed": passed, "result": result}
        )


class QuestionResult(db.Model):
    """One question of one submitted attempt: what statistics are computed from, in SQL."""

    __tablename__ = "question_results"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_id"),
        # Per version and question (question statistics), and covering common mistakes' sums
        # per question in group order (services/authoring/insight.py).
        Index(
            "ix_question_results_version_score",
            "module_version_id",
            "question_id",
            "topic",
            "score",
            "attempt_id",
        ),
        # Covers common mistakes' per-question and per-topic sums.
        Index("ix_question_results_attempt_score", "attempt_id", "question_id", "topic", "score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    module_version_id: Mapped[int] = mapped_column(ForeignKey("module_versions.id"))
    question_id: Mapped[str] = mapped_column(String(80))
    topic: Mapped[str] = mapped_column(String(80), default="")
    score: Mapped[float] = mapped_column(Float)
    correct: Mapped[bool] = mapped_column(Boolean)
    response: Mapped[Any] = mapped_column(JSON, nullable=True)


class CaseStep(enum.StrEnum):
    PATIENT = "patient"
    ASSESSMENT = "assessment"
    CANDIDACY = "candidacy"
    PLAN = "plan"
    RESULT = "result"


STEP_ORDER: tuple[CaseStep, ...] = tuple(CaseStep)


#: What a trainee writes on a case attempt's steps (status, step and result move otherwise).
CASE_ANSWERS = frozenset({"grades", "red_flags", "disposition", "plan_items"})


class CaseAttempt(AttemptMoves, db.Model):
    __tablename__ = "case_attempts"
    __table_args__ = (
        Index(
            "uq_case_attempts_open",
            "user_id",
            "case_id",
            unique=True,
            sqlite_where=db.text("status = 'in_progress'"),
            postgresql_where=db.text("status = 'in_progress'"),
        ),
        Index("ix_case_attempts_user_submitted", "user_id", "submitted_at"),
        # Covers the academy report's bands and per-learner case figures (the last ten cases).
        Index(
            "ix_case_attempts_report",
            "academy_id",
            "user_id",
            "status",
            "submitted_at",
            "id",
            "band",
            "case_id",
            "updated_at",
        ),
        # An academy's case attempts by status and id, covering per-case bands (was the
        # per-worker aggregate cache's fingerprint; kept until a migration drops it).
        Index(
            "ix_case_attempts_fingerprint",
            "academy_id",
            "status",
            "id",
            "submitted_at",
            "updated_at",
            "case_id",
            "band",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    step: Mapped[str] = mapped_column(String(20), default=CaseStep.PATIENT.value)
    status: Mapped[AttemptStatus] = mapped_column(
        ATTEMPT_STATUS_ENUM, default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grades: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    red_flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    disposition: Mapped[str | None] = mapped_column(String(20))
    plan_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    band: Mapped[str | None] = mapped_column(String(20), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The submitting form's one-off token: a retried post (the client saw an error) is known
    # as the same submission and answered with the stored result.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    case_version: Mapped[CaseVersion] = relationship()

    def reached(self, step: CaseStep) -> bool:
        return STEP_ORDER.index(step) <= STEP_ORDER.index(CaseStep(self.step))

    def change(self, reach: CaseStep | None = None, **answers: Any) -> None:
        """Write answers to an open attempt and move on to `reach` if it is the next step, in one
        UPDATE that expects the status and step this request read. Refuses (InvalidTransition)
        a skipped step, the result step (only a submission gets there), a submitted attempt and
        one another window moved meanwhile."""
        if not answers.keys() <= CASE_ANSWERS:
            raise InvalidTransition(f"{', '.join(answers.keys() - CASE_ANSWERS)} cannot be written")
        read = CaseStep(self.step)
        values: dict[str, Any] = {**answers, "updated_at": now_utc()}
        if reach is not None and not self.reached(reach):
            if reach is CaseStep.RESULT or STEP_ORDER.index(reach) != STEP_ORDER.index(read) + 1:
                raise InvalidTransition(f"cannot go from {read.value} to {reach.value}")
            values["step"] = reach.value
        self._write_open(values, CaseAttempt.step == read.value)

    def close(
        self,
        now: datetime,
        band: str,
        score: float,
        result: dict[str, Any],
        token: str | None = None,
    ) -> bool:
        return self._close(
            now,
            token,
            {
                "step": CaseStep.RESULT.value,
                "updated_at": now,
                "band": band,
                "score": score,
                "result": result,
            },
        )


class CaseZoneResult(db.Model):
    """One zone's verdict in one submitted case attempt: feeds the tendency figure and insight."""

    __tablename__ = "case_zone_results"
    __table_args__ = (
        Index("ix_case_zone_results_version_zone", "case_version_id", "zone"),
        # Covers common mistakes' per-zone counts (no read of the rows).
        Index("ix_case_zone_results_attempt_verdict", "attempt_id", "zone", "verdict", "deviation"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("case_attempts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))
    zone: Mapped[str] = mapped_column(String(40))
    verdict: Mapped[str] = mapped_column(String(20))
    planned: Mapped[float] = mapped_column(Float, default=0.0)
    reference_min: Mapped[float | None] = mapped_column(Float)
    reference_max: Mapped[float | None] = mapped_column(Float)
    # Signed distance from the reference range as a fraction of it: 0 inside, +0.5 = 50% above max.
    deviation: Mapped[float] = mapped_column(Float, default=0.0)


class CaseFlagResult(db.Model):
    """One red flag a submitted case attempt had to spot, and whether the trainee missed it.

    Insight counts flags from these narrow rows rather than from each attempt's result document,
    which is several kilobytes: reading those for a million attempts took tens of seconds."""

    __tablename__ = "case_flag_results"
    __table_args__ = (
        UniqueConstraint("attempt_id", "flag"),
        # Covers common mistakes' red-flag counts.
        Index("ix_case_flag_results_attempt_missed", "attempt_id", "flag", "missed"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("case_attempts.id", ondelete="CASCADE"))
    flag: Mapped[str] = mapped_column(String(60))
    missed: Mapped[bool] = mapped_column(Boolean, default=False)
