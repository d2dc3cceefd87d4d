"""Complication drills: versioned drill content, attempts on a server-kept clock, their steps.

Each action a trainee takes is its own row stamped with the server's time, so two quick posts
cannot overwrite each other and the browser's clock plays no part. The submission is a
conditional UPDATE on the status (one result, whatever is double-posted).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, now_utc
from quizapp.models.content import (
    CONTENT_MODELS,
    Status,
    _refuse_edits_to_published,
    _Versioned,
)
from quizapp.models.progress import ATTEMPT_STATUS_ENUM, AttemptStatus


class DrillRecord(db.Model):
    """A complication drill; `academy_id` None means the built-in bank (cases/drills/)."""

    __tablename__ = "drills"
    __table_args__ = (
        UniqueConstraint("academy_id", "slug"),
        Index(
            "uq_drills_bank_slug",
            "slug",
            unique=True,
            sqlite_where=db.text("academy_id IS NULL"),
            postgresql_where=db.text("academy_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    academy_id: Mapped[int | None] = mapped_column(ForeignKey("academies.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    versions: Mapped[list[DrillVersion]] = relationship(
        back_populates="drill", order_by="DrillVersion.number", cascade="all, delete-orphan"
    )

    def latest_published(self) -> DrillVersion | None:
        published = [v for v in self.versions if v.status is Status.PUBLISHED]
        return published[-1] if published else None


class DrillVersion(_Versioned, db.Model):
    __tablename__ = "drill_versions"
    __table_args__ = (UniqueConstraint("drill_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    drill: Mapped[DrillRecord] = relationship(back_populates="versions")


db.event.listen(DrillVersion, "before_update", _refuse_edits_to_published)


class DrillAttempt(db.Model):
    __tablename__ = "drill_attempts"
    __table_args__ = (
        # One open attempt per trainee and drill, even with two tabs racing to start one.
        Index(
            "uq_drill_attempts_open",
            "user_id",
            "drill_id",
            unique=True,
            sqlite_where=db.text("status = 'in_progress'"),
            postgresql_where=db.text("status = 'in_progress'"),
        ),
        Index("ix_drill_attempts_academy_status", "academy_id", "status", "drill_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    drill_id: Mapped[int] = mapped_column(ForeignKey("drills.id"), index=True)
    drill_version_id: Mapped[int] = mapped_column(ForeignKey("drill_versions.id"), index=True)
    status: Mapped[AttemptStatus] = mapped_column(
        ATTEMPT_STATUS_ENUM, default=AttemptStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(20))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    drill_version: Mapped[DrillVersion] = relationship()
    steps: Mapped[list[DrillStep]] = relationship(
        order_by="(DrillStep.taken_at, DrillStep.id)", cascade="all, delete-orphan"
    )


class DrillStep(db.Model):
    """One action taken in a drill attempt, with the server's time and the chosen doses."""

    __tablename__ = "drill_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("drill_attempts.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(80))
    dose: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)


class DrillActionResult(db.Model):
    """One judged action of a submitted drill attempt: insight counts misses from these rows."""

    __tablename__ = "drill_action_results"
    __table_args__ = (
        UniqueConstraint("attempt_id", "action"),
        Index("ix_drill_action_results_version_verdict", "drill_version_id", "action", "verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("drill_attempts.id", ondelete="CASCADE"))
    drill_version_id: Mapped[int] = mapped_column(ForeignKey("drill_versions.id"))
    action: Mapped[str] = mapped_column(String(80))
    verdict: Mapped[str] = mapped_column(String(20))


# A drill change moves the content token, so drill listings are cached like modules and cases.
CONTENT_MODELS.extend((DrillRecord, DrillVersion))
