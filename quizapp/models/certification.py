"""Cohorts, certification programmes and certificates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, now_utc
from quizapp.models.people import Academy, User

cohort_programmes = Table(
    "cohort_programmes",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_id", ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True),
)


class Cohort(db.Model):
    """A named group of an academy's members who train together from a start date."""

    __tablename__ = "cohorts"
    __table_args__ = (UniqueConstraint("academy_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    academy: Mapped[Academy] = relationship()
    members: Mapped[list[CohortMember]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    programmes: Mapped[list[Programme]] = relationship(secondary=cohort_programmes)


class CohortMember(db.Model):
    """A trainee or educator in a cohort."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="trainee")  # trainee | educator

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user: Mapped[User] = relationship()


class Programme(db.Model):
    """A certification programme: what a trainee must achieve, and for how long it holds."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("academy_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    # Module slugs that must be passed (each at its own pass mark).
    required_modules: Mapped[list[str]] = mapped_column(JSON, default=list)
    # At least this many case attempts whose band was conservative or natural ...
    min_good_cases: Mapped[int] = mapped_column(Integer, default=0)
    # ... and no unsafe band among the last this many case attempts (0: not checked).
    no_unsafe_in_last: Mapped[int] = mapped_column(Integer, default=0)
    validity_months: Mapped[int] = mapped_column(Integer, default=24)
    recertification: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    # Room for rules later issues add (logbook counts, CPD hours) without a new column each.
    extra_rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    academy: Mapped[Academy] = relationship()


class Certificate(db.Model):
    """Proof that a trainee met a programme. The names are copied at issue so the certificate
    reads the same even if the person, programme or academy is renamed later."""

    __tablename__ = "certificates"
    # One certificate per holder, programme and cycle: concurrent completions issue one.
    __table_args__ = (UniqueConstraint("user_id", "programme_id", "cycle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    cycle: Mapped[int] = mapped_column(Integer, default=1)
    holder_name: Mapped[str] = mapped_column(String(120))
    programme_name: Mapped[str] = mapped_column(String(160))
    academy_name: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    programme: Mapped[Programme] = relationship()

    def status(self, now: datetime) -> str:
        """valid, expired or revoked, by the server's clock."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "valid"


class AuditEntry(db.Model):
    """Who did what, when: educators' and admins' actions, kept for accountability."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int | None] = mapped_column(ForeignKey("academies.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, index=True)
