"""People: users, academies, memberships with roles, and invitations."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from quizapp.extensions import db
from quizapp.models.base import UTCDateTime, now_utc


class Role(enum.StrEnum):
    """A member's role within one academy, from least to most powerful."""

    TRAINEE = "trainee"
    EDUCATOR = "educator"
    ADMIN = "admin"


ROLE_ENUM = Enum(Role, name="member_role", values_callable=lambda roles: [r.value for r in roles])

#: A deleted account keeps its row, anonymised: `deleted-<id>@invalid` (`.invalid` is reserved, so
#: no one can sign up with it); services/people/privacy.py does the anonymising.
DELETED_DOMAIN = "invalid"


def deleted_email(user_id: int) -> str:
    return f"deleted-{user_id}@{DELETED_DOMAIN}"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on logout-everywhere and password change: sessions carrying an older value are void.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_deleted(self) -> bool:
        """An anonymised account: inactive, with the deleted address of its own id."""
        return not self.active and self.email == deleted_email(self.id)

    def get_id(self) -> str:
        # The session version travels in the session so a bump logs out every old session.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Academy(db.Model):
    __tablename__ = "academies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    memberships: Mapped[list[Membership]] = relationship(back_populates="academy")

    def __repr__(self) -> str:
        return f"<Academy {self.slug}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "academy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    user: Mapped[User] = relationship(back_populates="memberships")
    academy: Mapped[Academy] = relationship(back_populates="memberships")


class Invitation(db.Model):
    """A code that lets someone join an academy with a given role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    academy_id: Mapped[int] = mapped_column(ForeignKey("academies.id"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_ENUM)
    email: Mapped[str | None] = mapped_column(String(254))  # None: anyone with the code
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=now_utc)

    academy: Mapped[Academy] = relationship()

    def refusal(self, email: str, now: datetime) -> str | None:
        """Why this invitation cannot be used by `email` now, or None if it can."""
        if self.revoked:
            return "This invitation has been withdrawn."
        if self.expires_at is not None and now >= self.expires_at:
            return "This invitation has expired. Ask your academy for a new one."
        if self.max_uses is not None and self.uses >= self.max_uses:
            return "This invitation has already been used."
        if self.email is not None and self.email.lower() != email.lower():
            return "This invitation was issued for a different email address."
        return None
