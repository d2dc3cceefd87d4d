"""The practice portfolio: mentors, the supervised-treatment logbook and CPD activities.

Logbook entries hold de-identified patient facts only (age band, sex, Fitzpatrick type): there
is no column for a name, a date of birth or a photo, by design.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import InvalidTransition, UTCDateTime, move_row, now_utc
from quizapp.models.people import User


class MentorProfile(db.Model):
    """A member of an academy who may sign trainees' logbook entries, with their registration."""

    __tablename__ = "mentor_profiles"
    __table_args__ = (UniqueConstraint("academy_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    registration_body: Mapped[str] = mapped_column(String(20))  # GMC | NMC | GDC | GPhC | other
    registration_number: Mapped[str] = mapped_column(String(40))
    prescriber: Mapped[bool] = mapped_column(Boolean, default=False)
    toxin_years: Mapped[int] = mapped_column(Integer, default=0)
    filler_years: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    user: Mapped[User] = relationship()


class MentorAssignment(db.Model):
    """An academy admin's decision that this mentor supervises (and signs for) this trainee."""

    __tablename__ = "mentor_assignments"
    __table_args__ = (UniqueConstraint("academy_id", "mentor_user_id", "trainee_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    mentor_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    trainee_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    mentor: Mapped[User] = relationship(foreign_keys=[mentor_user_id])
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_user_id])


class EntryStatus(enum.StrEnum):
    """Where a logbook entry is in its review: draft -> submitted -> (changes_requested ->
    submitted)* -> signed."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    SIGNED = "signed"


ENTRY_STATUS_ENUM = Enum(
    EntryStatus, name="logbook_status", values_callable=lambda states: [s.value for s in states]
)


class LogbookEntry(db.Model):
    """One observed or supervised treatment, recorded by the trainee, signed by a mentor."""

    __tablename__ = "logbook_entries"
    __table_args__ = (Index("ix_logbook_entries_academy_trainee", "academy_id", "trainee_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"))
    trainee_user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    supersedes_id: Mapped[int | None] = mapped_column(
        ForeignKey("logbook_entries.id", ondelete="SET NULL")
    )
    treated_on: Mapped[date] = mapped_column(Date)
    modality: Mapped[str] = mapped_column(String(20))  # toxin | filler
    role: Mapped[str] = mapped_column(String(20))  # observed | performed
    age_band: Mapped[str] = mapped_column(String(20))
    sex: Mapped[str] = mapped_column(String(20))
    fitzpatrick: Mapped[str] = mapped_column(String(4))  # I..VI
    consultation_done: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_form_version: Mapped[str] = mapped_column(String(40), default="")
    contraindications_screened: Mapped[bool] = mapped_column(Boolean, default=False)
    # [{zone, grade, product, amount, unit, technique}, ...]
    zones: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    review_outcome: Mapped[str] = mapped_column(Text, default="")
    complications: Mapped[str] = mapped_column(Text, default="")
    reflection_went_well: Mapped[str] = mapped_column(Text, default="")
    reflection_change: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EntryStatus] = mapped_column(ENTRY_STATUS_ENUM, default=EntryStatus.DRAFT)
    mentor_comment: Mapped[str] = mapped_column(Text, default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_by_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    score_band: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[int | None] = mapped_column(Integer)
    # The entry's share of the practice tendency, written with its facts (services/portfolio/
    # practice.py) so the dashboard sums them instead of scoring every entry on each view: the
    # zones the engine judged, their deviations summed in billionths, how many ran above and
    # below the reference. All 0 when the entry has no scored plan (score_band is None).
    zones_judged: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deviation_nano: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    zones_above: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    zones_below: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc, onupdate=now_utc)

    trainee: Mapped[User] = relationship(foreign_keys=[trainee_user_id])
    mentor: Mapped[User | None] = relationship(foreign_keys=[mentor_user_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_user_id])
    supersedes: Mapped[LogbookEntry | None] = relationship(remote_side=[id])

    # -- the status machine: each move is a conditional UPDATE on the status it expects -------

    @property
    def editable(self) -> bool:
        """The trainee may change a draft or an entry sent back; never a submitted or signed one."""
        return self.status in (EntryStatus.DRAFT, EntryStatus.CHANGES_REQUESTED)

    @property
    def locked(self) -> bool:
        return self.status == EntryStatus.SIGNED

    def _move(self, allowed: tuple[EntryStatus, ...], to: EntryStatus, **values: Any) -> None:
        """One transition: a conditional UPDATE that expects the status this request read, so
        of two reviews racing, one moves the entry and the other is refused."""
        read = self.status
        if read not in allowed:
            raise InvalidTransition(f"cannot go from {read.value} to {to.value}")
        values.update(status=to, updated_at=now_utc())
        if not move_row(self, [LogbookEntry.status == read], values):
            raise InvalidTransition(
                f"it was {self.status.value.replace('_', ' ')} meanwhile by another request"
            )
        db.session.expire(self, ["mentor", "signed_by"])  # their keys may have just changed

    def edit(self, values: dict[str, Any]) -> None:
        """The trainee's change to a draft or an entry sent back, conditional on that status:
        an entry submitted or signed meanwhile is never changed."""
        read = self.status
        if not self.editable:
            raise InvalidTransition(f"a {read.value} entry cannot change")
        if not move_row(self, [LogbookEntry.status == read], {**values, "updated_at": now_utc()}):
            raise InvalidTransition(f"it was {self.status.value.replace('_', ' ')} meanwhile")

    def submit(self, mentor_user_id: int) -> None:
        """Send to a mentor for review (first time, or again after changes)."""
        self._move(
            (EntryStatus.DRAFT, EntryStatus.CHANGES_REQUESTED),
            EntryStatus.SUBMITTED,
            mentor_user_id=mentor_user_id,
        )

    def request_changes(self, comment: str) -> None:
        """The mentor sends the entry back with a comment saying what to change."""
        if not comment.strip():
            raise InvalidTransition("a request for changes needs a comment")
        self._move(
            (EntryStatus.SUBMITTED,), EntryStatus.CHANGES_REQUESTED, mentor_comment=comment.strip()
        )

    def sign(self, mentor_user_id: int, when: datetime, comment: str = "") -> None:
        """The mentor signs: the entry is locked from now on."""
        signature: dict[str, Any] = {"signed_by_user_id": mentor_user_id, "signed_at": when}
        if comment.strip():
            signature["mentor_comment"] = comment.strip()
        self._move((EntryStatus.SUBMITTED,), EntryStatus.SIGNED, **signature)


class CpdActivity(db.Model):
    """A continuing professional development activity: hours logged by hand or by a module."""

    __tablename__ = "cpd_activities"
    # NULLs are distinct on SQLite and PostgreSQL: manual rows (no module version) never clash.
    __table_args__ = (UniqueConstraint("user_id", "module_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    academy_id: Mapped[int | None] = mapped_column(ForeignKey("academies.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    done_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    # course | workshop | e-learning | reading | supervision | conference | other
    method: Mapped[str] = mapped_column(String(40))
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    participatory_hours: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal("0"))
    verifiable: Mapped[bool] = mapped_column(Boolean, default=True)
    evidence: Mapped[str] = mapped_column(Text, default="")  # a description or URL; no uploads
    source: Mapped[str] = mapped_column(String(20), default="manual")  # manual | module
    module_slug: Mapped[str | None] = mapped_column(String(120))
    module_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("module_versions.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
