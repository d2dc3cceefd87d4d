"""Content: case studies and modules, each kept as a list of immutable versions.

The YAML text of each version is stored as it was imported or authored, so an attempt can always be
replayed against exactly what the trainee saw. Published versions never change; an edit makes a new
version.
"""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    insert,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, now_utc


class Status(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


STATUS_ENUM = Enum(Status, name="content_status", values_callable=lambda s: [x.value for x in s])


class PublishedVersionError(Exception):
    """Raised when code tries to change a version that trainees may already have seen."""


class _Versioned:
    """Columns shared by the version tables."""

    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[Status] = mapped_column(STATUS_ENUM, default=Status.DRAFT)
    source_text: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    # What list pages show without parsing the YAML (title, patient summary, counts).
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def publish(self, when: datetime) -> None:
        if self.status is not Status.DRAFT:
            raise PublishedVersionError(
                f"version {self.number} is {self.status.value}, not a draft"
            )
        self.status = Status.PUBLISHED
        self.published_at = when

    def retire(self) -> None:
        if self.status is not Status.PUBLISHED:
            raise PublishedVersionError(f"version {self.number} is not published")
        self.status = Status.RETIRED


class CaseRecord(db.Model):
    """A case study; `academy_id` None means the built-in bank from `cases/`, read-only to all."""

    __tablename__ = "cases"
    __table_args__ = (
        UniqueConstraint("academy_id", "slug"),
        Index(
            "uq_cases_bank_slug",
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

    versions: Mapped[list[CaseVersion]] = relationship(
        back_populates="case", order_by="CaseVersion.number", cascade="all, delete-orphan"
    )

    def latest_published(self) -> CaseVersion | None:
        published = [v for v in self.versions if v.status is Status.PUBLISHED]
        return published[-1] if published else None


class CaseVersion(_Versioned, db.Model):
    __tablename__ = "case_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    case: Mapped[CaseRecord] = relationship(back_populates="versions")


class ModuleRecord(db.Model):
    """A module of questions and case studies; `academy_id` None means the built-in bank."""

    __tablename__ = "modules"
    __table_args__ = (
        UniqueConstraint("academy_id", "slug"),
        Index(
            "uq_modules_bank_slug",
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
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    versions: Mapped[list[ModuleVersion]] = relationship(
        back_populates="module", order_by="ModuleVersion.number", cascade="all, delete-orphan"
    )

    def latest_published(self) -> ModuleVersion | None:
        published = [v for v in self.versions if v.status is Status.PUBLISHED]
        return published[-1] if published else None


class ModuleVersion(_Versioned, db.Model):
    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("module_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[ModuleRecord] = relationship(back_populates="versions")


def _refuse_edits_to_published(mapper, connection, target) -> None:
    """Published text is frozen: attempts point at it, so changing it would rewrite past results."""
    state = db.inspect(target)
    status = state.attrs["status"].history
    was = (status.deleted or status.unchanged or [Status.DRAFT])[0]
    if was is Status.DRAFT:
        return
    for field in ("source_text", "content_hash", "number"):
        if state.attrs[field].history.has_changes():
            raise PublishedVersionError(f"{field} of a {was.value} version cannot change")


db.event.listen(CaseVersion, "before_update", _refuse_edits_to_published)
db.event.listen(ModuleVersion, "before_update", _refuse_edits_to_published)


class ContentGeneration(db.Model):
    """One row whose token changes, in the same transaction, with every change to a module, a
    case or one of their versions. Content lists are cached under it
    (services/learning/catalogue.py):
    reading it is one primary-key lookup, listing the content is a join over every version.
    A random token rather than a counter, so a rolled-back change, a restored backup or an
    emptied table can never bring back a value a worker has cached other content under."""

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger)


# Drills add theirs (models/drills.py imports this module, not the other way round).
CONTENT_MODELS: list[type] = [CaseRecord, CaseVersion, ModuleRecord, ModuleVersion]
# Set in session.info while the transaction holds uncommitted content changes: until it ends,
# the session sees content other sessions do not, so nothing it reads may be cached.
CONTENT_CHANGED = "quizapp.content_changed"


def _new_token() -> int:
    return secrets.randbits(62)


def _note_content_change(session: Session, _context, _instances) -> None:
    kinds = tuple(CONTENT_MODELS)
    changed = any(isinstance(o, kinds) for o in session.new) or any(
        isinstance(o, kinds) and session.is_modified(o) for o in (*session.dirty, *session.deleted)
    )
    if not changed:
        return
    session.info[CONTENT_CHANGED] = True
    connection = session.connection()
    table = ContentGeneration.__table__
    result = connection.execute(update(table).where(table.c.id == 1).values(token=_new_token()))
    if result.rowcount == 0:  # a database built by create_all (tests) starts without the row
        connection.execute(insert(table).values(id=1, token=_new_token()))


def _transaction_ended(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(CONTENT_CHANGED, None)


db.event.listen(Session, "before_flush", _note_content_change)
db.event.listen(Session, "after_transaction_end", _transaction_ended)
