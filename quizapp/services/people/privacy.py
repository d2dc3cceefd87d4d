"""A learner's own data: export all of it as one zip, or delete the account.

Deletion anonymises in place (no schema change, nothing cascades): the user row stays so that
attempts, results and certificates keep pointing at it, but it no longer names anyone. The email
becomes `deleted-<id>@invalid` (unique, and not an address anyone can sign up with: `.invalid` is
reserved by RFC 2606), the name "Deleted learner", the password hash a value no password matches;
the account is inactive and every session ends. Academy statistics keep the history (reports
count a deleted learner's past attempts as before; see services/academy/reports/scope.py), and
the public verification page says the holder's account was deleted instead of showing a name.

Services flush; the request commits.
"""

from __future__ import annotations

import enum
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import (
    Academy,
    AuditEntry,
    CaseAttempt,
    CaseRecord,
    CaseZoneResult,
    Certificate,
    CohortMember,
    CpdActivity,
    Invitation,
    LogbookEntry,
    Membership,
    MentorProfile,
    ModuleRecord,
    QuestionResult,
    QuizAttempt,
    Role,
    User,
)
from quizapp.models.content import CaseVersion, ModuleVersion
from quizapp.models.people import DELETED_DOMAIN, deleted_email
from quizapp.services.infra.csvout import csv_text
from quizapp.services.people import accounts
from quizapp.services.people.auditlog import audit
from quizapp.services.people.members import active_admin_count

DELETED_NAME: Final = "Deleted learner"
# Not an argon2 hash: verification fails for every password (InvalidHashError -> False).
UNUSABLE_HASH: Final = "!deleted"
CONFIRMATION_WORD: Final = "DELETE"


class DeletionError(Exception):
    """An account that cannot be deleted (now, or by this person); the message is safe to show."""


# --------------------------------------------------------------------------------------------
# Who is deleted
# --------------------------------------------------------------------------------------------


def is_deleted(user: User | None) -> bool:
    """True for an anonymised account (and for a user row that no longer exists)."""
    return user is None or user.is_deleted


def is_deleted_email(email: str) -> bool:
    return email.startswith("deleted-") and email.endswith("@" + DELETED_DOMAIN)


def deleted_user_ids():
    """The ids of anonymised accounts, as a subquery."""
    return select(User.id).where(
        User.active.is_(False), User.email.like(f"deleted-%@{DELETED_DOMAIN}")
    )


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO 8601 (UTC), enums as their value, decimals as numbers."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _row(obj: Any, fields: Sequence[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


PROFILE_FIELDS = ("id", "email", "display_name", "created_at", "last_login_at", "is_site_admin")
QUIZ_FIELDS = (
    "id",
    "academy_id",
    "module_id",
    "module_version_id",
    "number",
    "status",
    "started_at",
    "deadline_at",
    "submitted_at",
    "score_percent",
    "passed",
)
ANSWER_FIELDS = ("attempt_id", "question_id", "topic", "score", "correct", "response")
CASE_FIELDS = (
    "id",
    "academy_id",
    "case_id",
    "case_version_id",
    "step",
    "status",
    "started_at",
    "updated_at",
    "submitted_at",
    "disposition",
    "band",
    "score",
)
ZONE_FIELDS = (
    "attempt_id",
    "zone",
    "verdict",
    "planned",
    "reference_min",
    "reference_max",
    "deviation",
)
CERTIFICATE_FIELDS = (
    "id",
    "code",
    "programme_name",
    "academy_name",
    "holder_name",
    "cycle",
    "issued_at",
    "expires_at",
    "revoked_at",
    "revoke_reason",
)
PLAN_ITEM_FIELDS = ("zone", "product", "amount", "side", "depth")


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about `user` that is theirs, as plain JSON-ready data.

    Only rows whose user_id is this user's (a fixed number of queries, however long the history).
    Answers and results are what the review pages already show after submission: an open
    attempt carries the answers typed so far and no result.
    """
    memberships = db.session.execute(
        select(Membership, Academy.name, Academy.slug)
        .join(Academy, Academy.id == Membership.academy_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.id)
    ).all()
    cohorts = db.session.execute(
        select(CohortMember.cohort_id, CohortMember.role).where(CohortMember.user_id == user.id)
    ).all()
    quiz_rows = db.session.execute(
        select(QuizAttempt, ModuleRecord.slug, ModuleRecord.title, ModuleVersion.number)
        .join(ModuleRecord, ModuleRecord.id == QuizAttempt.module_id)
        .join(ModuleVersion, ModuleVersion.id == QuizAttempt.module_version_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    answers = db.session.scalars(
        select(QuestionResult)
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(QuizAttempt.user_id == user.id)
        .order_by(QuestionResult.attempt_id, QuestionResult.id)
    ).all()
    case_rows = db.session.execute(
        select(CaseAttempt, CaseRecord.slug, CaseRecord.title, CaseVersion.number)
        .join(CaseRecord, CaseRecord.id == CaseAttempt.case_id)
        .join(CaseVersion, CaseVersion.id == CaseAttempt.case_version_id)
        .where(CaseAttempt.user_id == user.id)
        .order_by(CaseAttempt.started_at, CaseAttempt.id)
    ).all()
    zones = db.session.scalars(
        select(CaseZoneResult)
        .where(CaseZoneResult.user_id == user.id)
        .order_by(CaseZoneResult.attempt_id, CaseZoneResult.id)
    ).all()
    certificates = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at, Certificate.id)
    ).all()
    actions = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.actor_id == user.id)
        .order_by(AuditEntry.created_at, AuditEntry.id)
    ).all()

    answers_by_attempt: dict[int, list[dict[str, Any]]] = {}
    for answer in answers:
        answers_by_attempt.setdefault(answer.attempt_id, []).append(_row(answer, ANSWER_FIELDS))
    zones_by_attempt: dict[int, list[dict[str, Any]]] = {}
    for zone in zones:
        zones_by_attempt.setdefault(zone.attempt_id, []).append(_row(zone, ZONE_FIELDS))

    data: dict[str, Any] = {
        "profile": _row(user, PROFILE_FIELDS),
        "memberships": [
            {
                "academy": name,
                "academy_slug": slug,
                "role": m.role.value,
                "active": m.active,
                "since": _plain(m.created_at),
            }
            for m, name, slug in memberships
        ],
        "cohorts": [{"cohort_id": cohort_id, "role": role} for cohort_id, role in cohorts],
        "quiz_attempts": [
            {
                **_row(attempt, QUIZ_FIELDS),
                "module_slug": slug,
                "module_title": title,
                "module_version": number,
                "answers": attempt.answers or {},
                "result": attempt.result,
                "question_results": answers_by_attempt.get(attempt.id, []),
            }
            for attempt, slug, title, number in quiz_rows
        ],
        "case_attempts": [
            {
                **_row(attempt, CASE_FIELDS),
                "case_slug": slug,
                "case_title": title,
                "case_version": number,
                "steps": {
                    "assessment": attempt.grades or {},
                    "candidacy": {
                        "red_flags": attempt.red_flags or [],
                        "disposition": attempt.disposition,
                    },
                    "plan": attempt.plan_items or [],
                },
                "result": attempt.result,
                "zone_results": zones_by_attempt.get(attempt.id, []),
            }
            for attempt, slug, title, number in case_rows
        ],
        "certificates": [_row(c, CERTIFICATE_FIELDS) for c in certificates],
        # What they did as an educator or admin: the action and its target, not its details
        # (which can name other people).
        "actions": [
            {
                "action": entry.action,
                "target": entry.target,
                "academy_id": entry.academy_id,
                "at": _plain(entry.created_at),
            }
            for entry in actions
        ],
    }
    data.update(_portfolio(user))
    return data


def _columns(obj: Any) -> dict[str, Any]:
    return {column.key: _plain(getattr(obj, column.key)) for column in obj.__table__.columns}


def _portfolio(user: User) -> dict[str, Any]:
    """Logbook entries they recorded, their CPD activities and their mentor registration."""
    logbook = db.session.scalars(
        select(LogbookEntry)
        .where(LogbookEntry.trainee_user_id == user.id)
        .order_by(LogbookEntry.treated_on, LogbookEntry.id)
    ).all()
    cpd = db.session.scalars(
        select(CpdActivity)
        .where(CpdActivity.user_id == user.id)
        .order_by(CpdActivity.done_on, CpdActivity.id)
    ).all()
    mentor = db.session.scalars(
        select(MentorProfile).where(MentorProfile.user_id == user.id).order_by(MentorProfile.id)
    ).all()
    return {
        "logbook": [_columns(entry) for entry in logbook],
        "cpd": [_columns(activity) for activity in cpd],
        "mentor_profiles": [_columns(profile) for profile in mentor],
    }


def _table(rows: Iterable[dict[str, Any]], header: Sequence[str]) -> str:
    return csv_text(header, ([_cell(row.get(name)) for name in header] for row in rows))


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


README = """\
Your data from quizapp, exported {when} (UTC).

data.json            everything below in one file (the complete record)
profile.csv          your account
memberships.csv      your academies and roles
quiz_attempts.csv    your module attempts with score and result
quiz_answers.csv     your answer to each question of each submitted attempt
case_attempts.csv    your case studies: step reached, disposition, band, score
case_plans.csv       the plan rows you entered, one row per zone treated
case_zones.csv       the verdict for each zone of each submitted case study
certificates.csv     your certificates
actions.csv          what you did as an educator or admin (audit log)
logbook.csv          your logbook of observed and supervised treatments
cpd.csv              your CPD activities
(data.json also holds your mentor registration, if you are a mentor.)

CSV files open in any spreadsheet (UTF-8). A cell that would start a formula is prefixed with
an apostrophe so a spreadsheet shows it as text.
"""


def export_files(user: User, now: datetime) -> dict[str, str]:
    """The export's files by name (data.json and one CSV per table)."""
    data = export_data(user)
    files: dict[str, str] = {
        "data.json": json.dumps(data, indent=2, ensure_ascii=False, default=str),
        "profile.csv": _table([data["profile"]], PROFILE_FIELDS),
        "memberships.csv": _table(
            data["memberships"], ("academy", "academy_slug", "role", "active", "since")
        ),
        "quiz_attempts.csv": _table(
            data["quiz_attempts"],
            ("module_slug", "module_title", "module_version", *QUIZ_FIELDS),
        ),
        "quiz_answers.csv": _table(
            [r for a in data["quiz_attempts"] for r in a["question_results"]], ANSWER_FIELDS
        ),
        "case_attempts.csv": _table(
            [
                {**a, "red_flags": a["steps"]["candidacy"]["red_flags"]}
                for a in data["case_attempts"]
            ],
            ("case_slug", "case_title", "case_version", *CASE_FIELDS, "red_flags"),
        ),
        "case_plans.csv": _table(
            [
                {"attempt_id": a["id"], **item}
                for a in data["case_attempts"]
                for item in a["steps"]["plan"]
            ],
            ("attempt_id", *PLAN_ITEM_FIELDS),
        ),
        "case_zones.csv": _table(
            [z for a in data["case_attempts"] for z in a["zone_results"]], ZONE_FIELDS
        ),
        "certificates.csv": _table(data["certificates"], CERTIFICATE_FIELDS),
        "actions.csv": _table(data["actions"], ("at", "action", "target", "academy_id")),
    }
    for name, model in (("logbook", LogbookEntry), ("cpd", CpdActivity)):
        header = [column.key for column in model.__table__.columns]
        files[f"{name}.csv"] = _table(data[name], header)
    files["README.txt"] = README.format(when=now.strftime("%Y-%m-%d %H:%M"))
    return files


def export_zip(user: User, now: datetime) -> bytes:
    """One zip with the export's files, built in memory (a learner's history is small)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in export_files(user, now).items():
            archive.writestr(name, text)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Deletion
# --------------------------------------------------------------------------------------------


def _last_admin_of(user: User) -> list[str]:
    """Academies where `user` is the only active admin (deleting them would orphan it)."""
    names = []
    for membership in user.memberships:
        if not membership.active or membership.role is not Role.ADMIN:
            continue
        if active_admin_count(membership.academy_id) <= 1:
            names.append(membership.academy.name)
    return names


def check_password(user: User, password: str) -> bool:
    return accounts._verify(user.password_hash, password or "")


def may_delete(actor: User, target: User, academy_id: int | None) -> bool:
    """Whether `actor` may delete `target`'s account from the admin pages.

    An academy admin may delete a trainee (active or deactivated) of the academy they work in;
    a site admin may delete anyone. Nobody deletes themselves here (their account page does it).
    """
    if target.id == actor.id or is_deleted(target):
        return False
    if actor.is_site_admin:
        return True
    if academy_id is None or target.is_site_admin:
        return False
    return any(m.academy_id == academy_id and m.role is Role.TRAINEE for m in target.memberships)


def elsewhere(target: User, academy_id: int) -> bool:
    """True when `target` also has an active membership in another academy."""
    return any(m.active and m.academy_id != academy_id for m in target.memberships)


def delete_account(user: User, actor: User, now: datetime, *, by: str = "self") -> None:
    """Anonymise `user` in place; keep their history for the academy's figures.

    `by` says who asked (self, academy_admin or site_admin) for the audit log, which records ids
    only.
    """
    if is_deleted(user):
        raise DeletionError("This account has already been deleted.")
    orphaned = _last_admin_of(user)
    if orphaned:
        raise DeletionError(
            "This account is the only admin of "
            + ", ".join(orphaned)
            + ". Make someone else an admin first, so the academy is not left without one."
        )
    old_email = user.email
    academy_ids = sorted({m.academy_id for m in user.memberships})

    user.email = deleted_email(user.id)
    user.display_name = DELETED_NAME
    user.password_hash = UNUSABLE_HASH
    user.active = False
    user.is_site_admin = False
    user.last_login_at = None
    accounts.end_all_sessions(user)
    for membership in user.memberships:
        membership.active = False

    # Certificates keep their status (academy figures stay the same) but no longer name anyone;
    # the verification page says the holder's account was deleted.
    db.session.execute(
        db.update(Certificate)
        .where(Certificate.user_id == user.id)
        .values(holder_name=DELETED_NAME)
        .execution_options(synchronize_session="fetch")
    )
    # Invitations addressed to them would still carry the address; invitations they created stay.
    db.session.execute(
        db.update(Invitation)
        .where(Invitation.email == old_email)
        .values(email=user.email)
        .execution_options(synchronize_session="fetch")
    )
    _scrub_audit(user.id, old_email, user.email, academy_ids)
    _scrub_portfolio(user)

    for academy_id in academy_ids or [None]:
        audit(academy_id, actor.id, "account.deleted", f"user {user.id}", {"by": by})
    db.session.flush()


def _scrub_audit(user_id: int, old: str, new: str, academy_ids: list[int]) -> None:
    """Keep every entry, but not the personal data some carry in their details: the invited
    address (invitation entries) and a mentor's registration number (mentor profile entries)."""
    if not academy_ids:
        return
    entries = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.academy_id.in_(academy_ids),
            AuditEntry.action.in_(
                (
                    "invitation.created",
                    "invitation.bulk_created",
                    "mentor.profile_created",
                    "mentor.profile_changed",
                )
            ),
        )
    )
    for entry in entries:
        details = dict(entry.details or {})
        if details.get("email") == old:
            details["email"] = new
        if isinstance(details.get("emails"), list) and old in details["emails"]:
            details["emails"] = [new if e == old else e for e in details["emails"]]
        if entry.target == f"user {user_id}" and details.get("registration_number"):
            details["registration_number"] = ""
        if details != entry.details:
            entry.details = details


def _scrub_portfolio(user: User) -> None:
    """A mentor's registration number names them in a public register: clear it. Logbook
    entries and CPD activities stay, like attempts (programme counts rely on them)."""
    db.session.execute(
        db.update(MentorProfile)
        .where(MentorProfile.user_id == user.id)
        .values(registration_number="")
        .execution_options(synchronize_session="fetch")
    )
