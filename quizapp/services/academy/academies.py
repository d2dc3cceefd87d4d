"""Academies themselves, for site admins: create one and invite its first admin, rename, close.

An academy is never deleted: its certificates must stay verifiable and its history kept. A
deactivated academy keeps everything; its members can no longer work in it, and its invitations
no longer admit anyone (quizapp.permissions, Invitation.refusal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Academy, Invitation, Membership, Role, User
from quizapp.models.base import now_utc
from quizapp.services.people import accounts, members

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_NAME = 200
MAX_SLUG = 80
FIRST_ADMIN_DAYS = 14


class AcademyError(Exception):
    """A change to an academy that cannot be made; the message is safe to show."""


@dataclass(frozen=True)
class AcademyRow:
    academy: Academy
    members: int
    admins: int


def _name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name or len(name) > MAX_NAME:
        raise AcademyError(f"An academy's name has 1 to {MAX_NAME} characters.")
    return name


def _slug(raw: str) -> str:
    slug = (raw or "").strip()
    if len(slug) > MAX_SLUG or not SLUG_RE.fullmatch(slug):
        raise AcademyError(
            f"A slug has 1 to {MAX_SLUG} lowercase letters, digits and single hyphens "
            "(it appears in certificate verification links)."
        )
    if accounts.academy_by_slug(slug) is not None:
        raise AcademyError(f"An academy with the slug {slug!r} already exists.")
    return slug


def create(name: str, slug: str, actor: User | None) -> Academy:
    academy = accounts.create_academy(_name(name), _slug(slug))
    members.audit(academy.id, actor.id if actor else None, "academy.created", f"academy {slug}")
    return academy


def invite_admin(
    academy: Academy,
    actor: User | None,
    *,
    email: str | None = None,
    valid_days: int = FIRST_ADMIN_DAYS,
    now: datetime | None = None,
) -> Invitation:
    """A single-use link that makes its user an admin of the academy (bound to `email` if given),
    made as the academy's own admins make invitations."""
    if not academy.active:
        raise AcademyError("This academy is deactivated; reactivate it first.")
    try:
        return members.invite(
            academy,
            Role.ADMIN,
            email=email or None,
            valid_days=valid_days,
            max_uses=1,
            actor=actor,
            now=now or now_utc(),
        )
    except members.MemberError as error:
        raise AcademyError(str(error)) from None


def rename(academy: Academy, name: str, actor: User | None) -> None:
    old, academy.name = academy.name, _name(name)
    target = f"academy {academy.slug}"
    details = {"from": old, "to": academy.name}
    members.audit(academy.id, actor.id if actor else None, "academy.renamed", target, details)


def set_active(academy: Academy, active: bool, actor: User | None) -> None:
    if academy.active == active:
        return
    academy.active = active
    action = "academy.reactivated" if active else "academy.deactivated"
    members.audit(academy.id, actor.id if actor else None, action, f"academy {academy.slug}")


def by_slug(slug: str) -> Academy:
    academy = accounts.academy_by_slug(slug)
    if academy is None:
        raise AcademyError(f"No academy with the slug {slug!r}.")
    return academy


def listing() -> list[AcademyRow]:
    """Every academy with its number of active members and admins, in one query."""
    counted = Membership.active.is_(True)
    admin = counted & (Membership.role == Role.ADMIN)
    rows = db.session.execute(
        select(
            Academy,
            func.count(Membership.id).filter(counted),
            func.count(Membership.id).filter(admin),
        )
        .outerjoin(Membership, Membership.academy_id == Academy.id)
        .group_by(Academy.id)
        .order_by(Academy.name, Academy.id)
    ).all()
    return [AcademyRow(academy, int(n or 0), int(a or 0)) for academy, n, a in rows]


def open_admin_invitations(academy: Academy, now: datetime | None = None) -> list[Invitation]:
    return [
        invitation
        for invitation in members.open_invitations(academy.id, now or now_utc())
        if invitation.role is Role.ADMIN
    ]
