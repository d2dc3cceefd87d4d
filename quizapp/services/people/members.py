"""An academy's people: invitations (one by one or from a CSV file), members, cohorts, audit.

Nothing here deletes history: a member is deactivated, not removed, so their attempts and
certificates stay; an invitation is withdrawn, not deleted. Every admin action leaves an
AuditEntry. Services flush; the request commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Select, func, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import selectinload

from quizapp.extensions import db
from quizapp.models import (
    Academy,
    Cohort,
    CohortMember,
    Invitation,
    Membership,
    Programme,
    Role,
    User,
)
from quizapp.models.base import move_row
from quizapp.services.people import accounts
from quizapp.services.people.auditlog import audit

MAX_CSV_ROWS = 500
DEFAULT_VALID_DAYS = 14
MAX_VALID_DAYS = 365


class MemberError(Exception):
    """A change to an academy's people that cannot be made; the message is safe to show."""


# --------------------------------------------------------------------------------------------
# Invitations
# --------------------------------------------------------------------------------------------


def invite(
    academy: Academy,
    role: Role,
    *,
    email: str | None,
    valid_days: int,
    max_uses: int | None,
    actor: User | None,
    now: datetime,
) -> Invitation:
    """One invitation: a link anyone with it can use (up to `max_uses`), or one bound to an
    email address (then single use)."""
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise MemberError(f"An invitation is valid for 1 to {MAX_VALID_DAYS} days.")
    if email:
        email = _checked_email(email)
        problem = _email_problem(academy.id, email, now)
        if problem:
            raise MemberError(problem)
        max_uses = 1
    invitation = accounts.create_invitation(
        academy,
        role,
        email=email,
        valid_for=timedelta(days=valid_days),
        max_uses=max_uses,
        created_by=actor,
        now=now,
    )
    audit(
        academy.id,
        actor.id if actor else None,
        "invitation.created",
        f"invitation {invitation.id}",
        {"role": role.value, "email": email, "days": valid_days},
    )
    return invitation


def _checked_email(raw: str) -> str:
    try:
        return accounts.normalise_email(
            validate_email(raw.strip(), check_deliverability=False).normalized
        )
    except EmailNotValidError as error:
        raise MemberError(f"{raw.strip()!r} is not a valid email address ({error}).") from None


def _email_problem(academy_id: int, email: str, now: datetime) -> str | None:
    """Why this address should not be invited again: already a member, or already invited."""
    member = db.session.scalar(
        select(Membership.active)
        .join(User, User.id == Membership.user_id)
        .where(Membership.academy_id == academy_id, User.email == email)
    )
    if member:
        return f"{email} is already a member of this academy."
    if email in _open_invitation_emails(academy_id, now, [email]):
        return f"{email} already has an open invitation; withdraw it first to send a new one."
    return None


def _open_invitation_emails(academy_id: int, now: datetime, emails: list[str]) -> set[str]:
    return set(
        db.session.scalars(
            select(Invitation.email).where(
                Invitation.academy_id == academy_id,
                Invitation.email.in_(emails),
                Invitation.revoked.is_(False),
                (Invitation.expires_at.is_(None)) | (Invitation.expires_at > now),
                (Invitation.max_uses.is_(None)) | (Invitation.uses < Invitation.max_uses),
            )
        )
    )


def open_invitations_query(academy_id: int, now: datetime) -> Select:
    """Invitations that can still be used, newest first (a stable order, for paging)."""
    return (
        select(Invitation)
        .where(
            Invitation.academy_id == academy_id,
            Invitation.revoked.is_(False),
            (Invitation.expires_at.is_(None)) | (Invitation.expires_at > now),
            (Invitation.max_uses.is_(None)) | (Invitation.uses < Invitation.max_uses),
        )
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )


def open_invitations(academy_id: int, now: datetime, limit: int = 200) -> list[Invitation]:
    """Invitations that can still be used, newest first."""
    return list(db.session.scalars(open_invitations_query(academy_id, now).limit(limit)))


def withdraw_invitation(academy_id: int, invitation_id: int, actor_id: int | None) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.academy_id != academy_id:
        raise LookupError(invitation_id)
    invitation.revoked = True
    audit(academy_id, actor_id, "invitation.withdrawn", f"invitation {invitation.id}")
    db.session.flush()
    return invitation


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an uploaded file (row 1 is the header)."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.field}: {self.message}" if self.field else self.message


class BulkInvitationError(MemberError):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem(s) in the file; no invitation was created.")
        self.errors = errors


@dataclass(frozen=True)
class InvitationRow:
    row: int
    email: str
    role: Role
    days: int


CSV_HEADER_HELP = "email, role (trainee, educator or admin; default trainee), days (default 14)"


def parse_invitation_csv(text: str) -> tuple[list[InvitationRow], list[RowError]]:
    """Read an invitation file: a header row with `email`, optional `role` and `days`.

    Comma, semicolon or tab separated (spreadsheets differ); every problem is reported with its
    row, so the admin fixes the file once.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [RowError(0, "", "The file is empty.")]
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if "email" not in header:
        return [], [
            RowError(1, "header", f"The first row must name the columns: {CSV_HEADER_HELP}.")
        ]
    unknown = [h for h in header if h and h not in ("email", "role", "days")]
    errors: list[RowError] = []
    if unknown:
        errors.append(RowError(1, "header", "Unknown column(s): " + ", ".join(unknown)))
    rows: list[InvitationRow] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) + len(errors) >= MAX_CSV_ROWS:
            errors.append(RowError(number, "", f"Files are limited to {MAX_CSV_ROWS} rows."))
            break
        record = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)}
        row_errors = []
        try:
            email = _checked_email(record.get("email", ""))
        except MemberError as error:
            email = ""
            row_errors.append(RowError(number, "email", str(error)))
        role_text = (record.get("role") or "trainee").lower()
        role = next((r for r in Role if r.value == role_text), None)
        if role is None:
            row_errors.append(
                RowError(number, "role", f"{role_text!r} is not trainee, educator or admin.")
            )
        days_text = record.get("days") or str(DEFAULT_VALID_DAYS)
        days = int(days_text) if days_text.isdigit() else 0
        if not 1 <= days <= MAX_VALID_DAYS:
            row_errors.append(
                RowError(number, "days", f"{days_text!r} is not a number of days from 1 to 365.")
            )
        if email and email in seen:
            row_errors.append(
                RowError(number, "email", f"{email} is already on row {seen[email]}.")
            )
        if email:
            seen.setdefault(email, number)
        errors.extend(row_errors)
        if not row_errors and role is not None:
            rows.append(InvitationRow(number, email, role, days))
    if not rows and not errors:
        errors.append(RowError(0, "", "The file has no rows under its header."))
    return rows, errors


def bulk_invite(academy: Academy, text: str, actor: User | None, now: datetime) -> list[Invitation]:
    """Create one email-bound invitation per row, or none at all if any row has a problem."""
    rows, errors = parse_invitation_csv(text)
    emails = [r.email for r in rows]
    if emails:
        members = set(
            db.session.scalars(
                select(User.email)
                .join(Membership, Membership.user_id == User.id)
                .where(
                    Membership.academy_id == academy.id,
                    Membership.active.is_(True),
                    User.email.in_(emails),
                )
            )
        )
        invited = _open_invitation_emails(academy.id, now, emails)
        for row in rows:
            if row.email in members:
                errors.append(RowError(row.row, "email", f"{row.email} is already a member."))
            elif row.email in invited:
                errors.append(
                    RowError(row.row, "email", f"{row.email} already has an open invitation.")
                )
    if errors:
        raise BulkInvitationError(sorted(errors, key=lambda e: (e.row, e.field)))
    created = [
        accounts.create_invitation(
            academy,
            row.role,
            email=row.email,
            valid_for=timedelta(days=row.days),
            max_uses=1,
            created_by=actor,
            now=now,
        )
        for row in rows
    ]
    audit(
        academy.id,
        actor.id if actor else None,
        "invitation.bulk_created",
        f"{len(created)} invitations",
        {"emails": emails},
    )
    return created


# --------------------------------------------------------------------------------------------
# Members
# --------------------------------------------------------------------------------------------


def academy_members_query(academy_id: int) -> Select:
    """Active members first, then by role; a stable order, for paging."""
    return (
        select(Membership)
        .where(Membership.academy_id == academy_id)
        .options(selectinload(Membership.user))
        .order_by(Membership.active.desc(), Membership.role, Membership.id)
    )


def academy_members(academy_id: int) -> list[Membership]:
    return list(db.session.scalars(academy_members_query(academy_id)))


def member_counts(academy_id: int) -> tuple[int, int]:
    """(active, inactive) members of the academy, in one query."""
    row = db.session.execute(
        select(
            func.coalesce(func.sum(sql_case((Membership.active.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(sql_case((Membership.active.is_(True), 0), else_=1)), 0),
        ).where(Membership.academy_id == academy_id)
    ).one()
    return int(row[0]), int(row[1])


def membership_in(academy_id: int, membership_id: int) -> Membership | None:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.academy_id != academy_id:
        return None
    return membership


def active_admin_count(academy_id: int) -> int:
    """How many active admins the academy has (it must never be left with none)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.academy_id == academy_id,
            Membership.role == Role.ADMIN,
            Membership.active.is_(True),
        )
    )


def set_member_active(membership: Membership, active: bool, actor: User) -> None:
    """Deactivate (or bring back) a member. Their attempts, results and certificates stay;
    they simply cannot act in this academy while inactive."""
    if membership.active == active:
        return
    if active and membership.user.is_deleted:
        raise MemberError("This account has been deleted; it cannot be reactivated.")
    if not active:
        if membership.user_id == actor.id:
            raise MemberError("You cannot deactivate yourself.")
        if membership.role is Role.ADMIN and active_admin_count(membership.academy_id) <= 1:
            raise MemberError("The academy needs at least one active admin.")
    # Conditional on the state read: of two admins making the same change at once, one does it.
    if not move_row(membership, [Membership.active.is_(not active)], {"active": active}):
        return
    audit(
        membership.academy_id,
        actor.id,
        "member.reactivated" if active else "member.deactivated",
        f"user {membership.user_id}",
    )
    db.session.flush()


# --------------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------------


def academy_cohorts(academy_id: int) -> list[tuple[Cohort, int, int]]:
    """Cohorts with their trainee and educator counts, in one query."""
    rows = db.session.execute(academy_cohorts_query(academy_id)).all()
    return [(cohort, int(t), int(e)) for cohort, t, e in rows]


def academy_cohorts_query(academy_id: int) -> Select:
    """Rows of (cohort, trainees, educators), latest start first; a stable order, for paging."""
    trainees = func.coalesce(
        func.sum(sql_case((CohortMember.role == "trainee", 1), else_=0)), 0
    ).label("trainees")
    educators = func.coalesce(
        func.sum(sql_case((CohortMember.role == "educator", 1), else_=0)), 0
    ).label("educators")
    return (
        select(Cohort, trainees, educators)
        .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(Cohort.academy_id == academy_id)
        .group_by(Cohort.id)
        .order_by(Cohort.start_date.desc(), Cohort.name, Cohort.id)
        .options(selectinload(Cohort.programmes))  # one query for every row's programmes
    )


def cohort_in(academy_id: int, cohort_id: int) -> Cohort | None:
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None or cohort.academy_id != academy_id:
        return None
    return cohort


def save_cohort(
    academy_id: int, cohort: Cohort | None, name: str, start_date: date, actor_id: int | None
) -> Cohort:
    name = name.strip()
    if not name:
        raise MemberError("Give the cohort a name.")
    clash = db.session.scalar(
        select(Cohort.id).where(
            Cohort.academy_id == academy_id,
            Cohort.name == name,
            Cohort.id != (cohort.id if cohort else -1),
        )
    )
    if clash is not None:
        raise MemberError(f"Your academy already has a cohort called {name!r}.")
    created = cohort is None
    if cohort is None:
        cohort = Cohort(academy_id=academy_id)
        db.session.add(cohort)
    cohort.name = name
    cohort.start_date = start_date
    db.session.flush()
    audit(
        academy_id,
        actor_id,
        "cohort.created" if created else "cohort.changed",
        f"cohort {cohort.id}",
        {"name": name, "start_date": start_date.isoformat()},
    )
    return cohort


def cohort_members_query(cohort: Cohort) -> Select:
    return (
        select(CohortMember)
        .join(User, User.id == CohortMember.user_id)
        .where(CohortMember.cohort_id == cohort.id)
        .options(selectinload(CohortMember.user))
        .order_by(CohortMember.role, User.display_name, CohortMember.id)  # educators first
    )


def cohort_members(cohort: Cohort) -> list[CohortMember]:
    return list(db.session.scalars(cohort_members_query(cohort)))


def add_to_cohort(cohort: Cohort, user_ids: list[int], role: str, actor_id: int | None) -> int:
    """Add active members of the cohort's academy; educators must hold an educator role or more.
    Returns how many were added (those already in the cohort are left as they are)."""
    if role not in ("trainee", "educator"):
        raise MemberError("A cohort member is a trainee or an educator.")
    if not user_ids:
        raise MemberError("Choose at least one member to add.")
    eligible = {
        m.user_id: m
        for m in db.session.scalars(
            select(Membership).where(
                Membership.academy_id == cohort.academy_id,
                Membership.active.is_(True),
                Membership.user_id.in_(user_ids),
            )
        )
    }
    missing = [u for u in user_ids if u not in eligible]
    if missing:
        raise MemberError("Only active members of your academy can join a cohort.")
    if role == "educator":
        not_staff = [u for u in user_ids if eligible[u].role is Role.TRAINEE]
        if not_staff:
            raise MemberError("Only educators and admins can be a cohort's educators.")
    present = set(
        db.session.scalars(
            select(CohortMember.user_id).where(
                CohortMember.cohort_id == cohort.id, CohortMember.user_id.in_(user_ids)
            )
        )
    )
    added = [u for u in dict.fromkeys(user_ids) if u not in present]
    db.session.add_all(CohortMember(cohort_id=cohort.id, user_id=u, role=role) for u in added)
    db.session.flush()
    if added:
        audit(
            cohort.academy_id,
            actor_id,
            "cohort.members_added",
            f"cohort {cohort.id}",
            {"users": added, "role": role},
        )
    return len(added)


def remove_from_cohort(cohort: Cohort, member_id: int, actor_id: int | None) -> None:
    member = db.session.get(CohortMember, member_id)
    if member is None or member.cohort_id != cohort.id:
        raise LookupError(member_id)
    audit(
        cohort.academy_id,
        actor_id,
        "cohort.member_removed",
        f"cohort {cohort.id}",
        {"user": member.user_id},
    )
    db.session.delete(member)
    db.session.flush()


def set_cohort_programmes(cohort: Cohort, programme_ids: list[int], actor_id: int | None) -> None:
    programmes = list(
        db.session.scalars(
            select(Programme).where(
                Programme.academy_id == cohort.academy_id, Programme.id.in_(programme_ids)
            )
        )
    )
    if len(programmes) != len(set(programme_ids)):
        raise MemberError("Choose programmes of your own academy.")
    cohort.programmes = sorted(programmes, key=lambda p: p.name)
    audit(
        cohort.academy_id,
        actor_id,
        "cohort.programmes_set",
        f"cohort {cohort.id}",
        {"programmes": [p.id for p in programmes]},
    )
    db.session.flush()
