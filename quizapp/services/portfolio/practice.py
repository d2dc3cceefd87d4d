"""The practice portfolio: mentors and their trainees, logbook entries, sign-off, tendency.

Who sees what: a trainee sees their own entries; a mentor sees the entries of the trainees an
academy admin assigned to them; an academy admin sees every entry of the academy. Anyone else,
including another academy's mentors and admins, gets None here (404 on the web).

Services flush; the request commits. Signing writes an AuditEntry with who signed and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select, update

from quizapp.domain import logbook
from quizapp.domain.logbook import LogbookFacts, PracticeScore
from quizapp.domain.tendency import Tendency, deviation
from quizapp.domain.tendency import from_sums as tendency_sums
from quizapp.extensions import db
from quizapp.models import (
    EntryStatus,
    InvalidTransition,
    LogbookEntry,
    Membership,
    MentorAssignment,
    MentorProfile,
    Role,
    User,
)
from quizapp.models.summaries import NANO
from quizapp.services.learning.summaries import nano
from quizapp.services.people.auditlog import audit

MAX_YEARS = 60


class PortfolioError(Exception):
    """A change that cannot be made; the message is safe to show."""


class EntryInvalid(PortfolioError):
    """An entry with field errors (`errors`: field -> message)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("The entry has problems to fix.")
        self.errors = errors


# --------------------------------------------------------------------------------------------
# Mentors and assignments (the academy admin's side)
# --------------------------------------------------------------------------------------------


def _member(academy_id: int, user_id: int) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.academy_id == academy_id,
            Membership.user_id == user_id,
            Membership.active.is_(True),
        )
    )


def mentor_profile(academy_id: int, user_id: int) -> MentorProfile | None:
    return db.session.scalar(
        select(MentorProfile).where(
            MentorProfile.academy_id == academy_id, MentorProfile.user_id == user_id
        )
    )


def mentor_profiles(academy_id: int) -> list[MentorProfile]:
    return list(
        db.session.scalars(
            select(MentorProfile)
            .join(User, User.id == MentorProfile.user_id)
            .where(MentorProfile.academy_id == academy_id)
            .order_by(User.display_name, MentorProfile.id)
        )
    )


def save_mentor_profile(
    academy_id: int,
    user_id: int,
    *,
    registration_body: str,
    registration_number: str,
    prescriber: bool,
    toxin_years: int,
    filler_years: int,
    actor_id: int | None,
) -> MentorProfile:
    """Record (or update) a member's registration so they may mentor."""
    if _member(academy_id, user_id) is None:
        raise PortfolioError("Only an active member of this academy can be a mentor.")
    if registration_body not in logbook.REGISTRATION_BODIES:
        raise PortfolioError("Choose the registration body.")
    number = registration_number.strip()
    if not number or len(number) > 40:
        raise PortfolioError("Give the registration number (at most 40 characters).")
    for years in (toxin_years, filler_years):
        if not 0 <= years <= MAX_YEARS:
            raise PortfolioError(f"Years of experience are 0 to {MAX_YEARS}.")
    profile = mentor_profile(academy_id, user_id)
    created = profile is None
    if profile is None:
        profile = MentorProfile(academy_id=academy_id, user_id=user_id)
        db.session.add(profile)
    profile.registration_body = registration_body
    profile.registration_number = number
    profile.prescriber = prescriber
    profile.toxin_years = toxin_years
    profile.filler_years = filler_years
    db.session.flush()
    audit(
        academy_id,
        actor_id,
        "mentor.profile_created" if created else "mentor.profile_changed",
        f"user {user_id}",
        {"registration_body": registration_body, "registration_number": number},
    )
    return profile


def assignments(academy_id: int) -> list[MentorAssignment]:
    return list(
        db.session.scalars(
            select(MentorAssignment)
            .where(MentorAssignment.academy_id == academy_id)
            .order_by(MentorAssignment.trainee_user_id, MentorAssignment.mentor_user_id)
        )
    )


def assign(academy_id: int, mentor_user_id: int, trainee_user_id: int, actor_id: int | None):
    """The admin assigns a mentor to a trainee (idempotent)."""
    if mentor_profile(academy_id, mentor_user_id) is None:
        raise PortfolioError("Record the mentor's registration first.")
    if _member(academy_id, trainee_user_id) is None:
        raise PortfolioError("The trainee is not an active member of this academy.")
    if mentor_user_id == trainee_user_id:
        raise PortfolioError("Nobody can mentor themselves.")
    existing = db.session.scalar(
        select(MentorAssignment).where(
            MentorAssignment.academy_id == academy_id,
            MentorAssignment.mentor_user_id == mentor_user_id,
            MentorAssignment.trainee_user_id == trainee_user_id,
        )
    )
    if existing is not None:
        return existing
    assignment = MentorAssignment(
        academy_id=academy_id, mentor_user_id=mentor_user_id, trainee_user_id=trainee_user_id
    )
    db.session.add(assignment)
    db.session.flush()
    audit(
        academy_id,
        actor_id,
        "mentor.assigned",
        f"user {trainee_user_id}",
        {"mentor": mentor_user_id, "trainee": trainee_user_id},
    )
    return assignment


def unassign(academy_id: int, assignment_id: int, actor_id: int | None) -> bool:
    assignment = db.session.get(MentorAssignment, assignment_id)
    if assignment is None or assignment.academy_id != academy_id:
        return False
    audit(
        academy_id,
        actor_id,
        "mentor.unassigned",
        f"user {assignment.trainee_user_id}",
        {"mentor": assignment.mentor_user_id, "trainee": assignment.trainee_user_id},
    )
    db.session.delete(assignment)
    db.session.flush()
    return True


def is_assigned(academy_id: int, mentor_user_id: int, trainee_user_id: int) -> bool:
    return (
        db.session.scalar(
            select(MentorAssignment.id).where(
                MentorAssignment.academy_id == academy_id,
                MentorAssignment.mentor_user_id == mentor_user_id,
                MentorAssignment.trainee_user_id == trainee_user_id,
            )
        )
        is not None
    )


def mentors_of(academy_id: int, trainee_user_id: int) -> list[User]:
    """The trainee's assigned mentors who still have a profile in the academy."""
    return list(
        db.session.scalars(
            select(User)
            .join(MentorAssignment, MentorAssignment.mentor_user_id == User.id)
            .join(
                MentorProfile,
                (MentorProfile.user_id == User.id)
                & (MentorProfile.academy_id == MentorAssignment.academy_id),
            )
            .where(
                MentorAssignment.academy_id == academy_id,
                MentorAssignment.trainee_user_id == trainee_user_id,
                User.active.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def academy_people(academy_id: int) -> list[tuple[User, Role]]:
    """Active members with their role, for the admin's pickers."""
    rows = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.academy_id == academy_id, Membership.active.is_(True))
        .order_by(User.display_name, User.id)
    ).all()
    return [(user, role) for user, role in rows]


# --------------------------------------------------------------------------------------------
# Entries
# --------------------------------------------------------------------------------------------


def entry_raw(entry: LogbookEntry) -> dict[str, Any]:
    """The stored entry as raw values for the domain (and for filling a form)."""
    return {
        "treated_on": entry.treated_on,
        "modality": entry.modality,
        "role": entry.role,
        "age_band": entry.age_band,
        "sex": entry.sex,
        "fitzpatrick": entry.fitzpatrick,
        "consultation_done": entry.consultation_done,
        "consent_form_version": entry.consent_form_version,
        "contraindications_screened": entry.contraindications_screened,
        "zones": [dict(z) for z in entry.zones or []],
        "review_outcome": entry.review_outcome,
        "complications": entry.complications,
        "reflection_went_well": entry.reflection_went_well,
        "reflection_change": entry.reflection_change,
    }


def entry_facts(entry: LogbookEntry) -> LogbookFacts | None:
    return logbook.facts_from_row(entry_raw(entry))


def entry_score(entry: LogbookEntry) -> PracticeScore | None:
    """The engine's judgement of a performed entry (worked out again: it is pure and fast)."""
    facts = entry_facts(entry)
    return logbook.score_entry(facts, f"logbook-{entry.id}") if facts else None


#: The columns that hold the engine's judgement of an entry's facts (`_scored`).
SCORED_COLUMNS: tuple[str, ...] = (
    "score_band",
    "score",
    "zones_judged",
    "deviation_nano",
    "zones_above",
    "zones_below",
)


def _scored(result: PracticeScore | None) -> dict[str, Any]:
    """The engine's judgement as the entry stores it: band and score, and the entry's share of
    the practice tendency (the zones judged and their deviations), all that practice_tendency
    sums. Written with the facts, so no view has to score the entry again."""
    plan = result.plan if result else None
    deviations = [
        deviation(
            max((amount for _, amount in verdict.amounts), default=0.0),
            verdict.range.min if verdict.range else None,
            verdict.range.max if verdict.range else None,
        )
        for verdict in (plan.zones if plan else ())
    ]
    return {
        "score_band": plan.band.value if plan else None,
        "score": plan.score if plan else None,
        "zones_judged": len(deviations),
        "deviation_nano": sum(nano(d) for d in deviations),
        "zones_above": sum(1 for d in deviations if d > 0),
        "zones_below": sum(1 for d in deviations if d < 0),
    }


def _columns(facts: LogbookFacts) -> dict[str, Any]:
    """The entry's columns for these facts, with the engine's score of them."""
    return {
        "treated_on": facts.treated_on,
        "modality": facts.modality,
        "role": facts.role,
        "age_band": facts.age_band,
        "sex": facts.sex,
        "fitzpatrick": facts.fitzpatrick,
        "consultation_done": facts.consultation_done,
        "consent_form_version": facts.consent_form_version,
        "contraindications_screened": facts.contraindications_screened,
        "zones": facts.zones_json(),
        "review_outcome": facts.review_outcome,
        "complications": facts.complications,
        "reflection_went_well": facts.reflection_went_well,
        "reflection_change": facts.reflection_change,
        **_scored(logbook.score_entry(facts)),
    }


def _validated(raw: Mapping[str, Any], today: dt.date) -> LogbookFacts:
    result = logbook.validate_entry(raw, today)
    if result.facts is None:
        raise EntryInvalid(result.errors)
    return result.facts


def create_entry(
    academy_id: int,
    trainee_user_id: int,
    raw: Mapping[str, Any],
    today: dt.date,
    supersedes: LogbookEntry | None = None,
) -> LogbookEntry:
    """A new draft. `supersedes` links a correction to a signed entry (which stays as it is)."""
    if supersedes is not None and (
        supersedes.trainee_user_id != trainee_user_id
        or supersedes.academy_id != academy_id
        or not supersedes.locked
    ):
        raise PortfolioError("Only a signed entry of your own can be superseded.")
    entry = LogbookEntry(
        academy_id=academy_id,
        trainee_user_id=trainee_user_id,
        supersedes_id=supersedes.id if supersedes else None,
        status=EntryStatus.DRAFT,
        **_columns(_validated(raw, today)),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def update_entry(entry: LogbookEntry, raw: Mapping[str, Any], today: dt.date) -> None:
    """Change a draft or an entry sent back; a submitted or signed entry cannot change, even
    when it was submitted or signed while this change was being made."""
    columns = _columns(_validated(raw, today)) if entry.editable else {}
    try:
        entry.edit(columns)
    except InvalidTransition as error:
        raise PortfolioError(
            "A signed entry is locked: record a new entry that supersedes it."
            if entry.locked
            else "This entry is with your mentor; it can change once they send it back."
        ) from error


def submit_entry(entry: LogbookEntry, mentor_user_id: int, actor_id: int) -> None:
    """Send to one of the trainee's assigned mentors."""
    if not is_assigned(entry.academy_id, mentor_user_id, entry.trainee_user_id) or (
        mentor_profile(entry.academy_id, mentor_user_id) is None
    ):
        raise PortfolioError("Choose one of your assigned mentors.")
    facts = entry_facts(entry)
    problems = logbook.submission_problems(facts) if facts else ["The entry no longer validates."]
    if problems:
        raise PortfolioError(" ".join(problems))
    try:
        entry.submit(mentor_user_id)
    except InvalidTransition as error:
        raise PortfolioError(f"This entry cannot be submitted now ({error}).") from error
    db.session.flush()
    audit(
        entry.academy_id,
        actor_id,
        "logbook.submitted",
        f"logbook entry {entry.id}",
        {"mentor": mentor_user_id},
    )


def _check_mentor(entry: LogbookEntry, mentor_user_id: int) -> None:
    if not may_review(entry, mentor_user_id):
        raise PortfolioError("Only a mentor assigned to this trainee can review the entry.")


def may_review(entry: LogbookEntry, mentor_user_id: int) -> bool:
    return (
        mentor_user_id != entry.trainee_user_id
        and mentor_profile(entry.academy_id, mentor_user_id) is not None
        and is_assigned(entry.academy_id, mentor_user_id, entry.trainee_user_id)
    )


def request_changes(entry: LogbookEntry, mentor_user_id: int, comment: str) -> None:
    _check_mentor(entry, mentor_user_id)
    try:
        entry.request_changes(comment[:4000])
    except InvalidTransition as error:
        raise PortfolioError(f"Changes cannot be asked for now ({error}).") from error
    db.session.flush()
    audit(
        entry.academy_id,
        mentor_user_id,
        "logbook.changes_requested",
        f"logbook entry {entry.id}",
        {"trainee": entry.trainee_user_id, "comment": entry.mentor_comment},
    )


def sign_entry(entry: LogbookEntry, mentor_user_id: int, now: dt.datetime, comment: str = ""):
    """The mentor signs: the entry is locked, and the audit trail says who signed and when."""
    _check_mentor(entry, mentor_user_id)
    try:
        entry.sign(mentor_user_id, now, comment[:4000])
    except InvalidTransition as error:
        raise PortfolioError(f"This entry cannot be signed now ({error}).") from error
    db.session.flush()
    audit(
        entry.academy_id,
        mentor_user_id,
        "logbook.signed",
        f"logbook entry {entry.id}",
        {
            "trainee": entry.trainee_user_id,
            "signed_by": mentor_user_id,
            "signed_at": now.isoformat(),
            "modality": entry.modality,
            "role": entry.role,
        },
        at=now,
    )


# --------------------------------------------------------------------------------------------
# Who sees what
# --------------------------------------------------------------------------------------------


def visible_entry(
    entry_id: int, viewer_id: int, academy_id: int, is_admin: bool
) -> LogbookEntry | None:
    """The entry if this viewer may see it in this academy; None (404) otherwise."""
    entry = db.session.get(LogbookEntry, entry_id)
    if entry is None or entry.academy_id != academy_id:
        return None
    if entry.trainee_user_id == viewer_id or is_admin:
        return entry
    if may_review(entry, viewer_id):
        return entry
    return None


def trainee_entries(academy_id: int, trainee_user_id: int) -> list[LogbookEntry]:
    return list(
        db.session.scalars(
            select(LogbookEntry)
            .where(
                LogbookEntry.academy_id == academy_id,
                LogbookEntry.trainee_user_id == trainee_user_id,
            )
            .order_by(LogbookEntry.treated_on.desc(), LogbookEntry.id.desc())
        )
    )


def mentor_queue(academy_id: int, mentor_user_id: int) -> list[LogbookEntry]:
    """Entries of the mentor's assigned trainees that are past draft, waiting ones first."""
    if mentor_profile(academy_id, mentor_user_id) is None:
        return []
    assigned = select(MentorAssignment.trainee_user_id).where(
        MentorAssignment.academy_id == academy_id,
        MentorAssignment.mentor_user_id == mentor_user_id,
    )
    rows = db.session.scalars(
        select(LogbookEntry).where(
            LogbookEntry.academy_id == academy_id,
            LogbookEntry.trainee_user_id.in_(assigned),
            LogbookEntry.status != EntryStatus.DRAFT,
        )
    ).all()
    order = {
        EntryStatus.SUBMITTED: 0,
        EntryStatus.CHANGES_REQUESTED: 1,
        EntryStatus.SIGNED: 2,
        EntryStatus.DRAFT: 3,
    }
    return sorted(rows, key=lambda e: (order[e.status], -e.treated_on.toordinal(), -e.id))


def academy_entries(academy_id: int) -> list[LogbookEntry]:
    return list(
        db.session.scalars(
            select(LogbookEntry)
            .where(LogbookEntry.academy_id == academy_id)
            .order_by(LogbookEntry.treated_on.desc(), LogbookEntry.id.desc())
        )
    )


# --------------------------------------------------------------------------------------------
# Counts for programme requirements, and the tendency over real practice
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedEntry:
    """A signed entry as the programme rules see it."""

    modality: str
    role: str
    signed_at: dt.datetime


def signed_entries(
    academy_id: int, user_ids: Iterable[int] | None = None
) -> dict[int, list[SignedEntry]]:
    """Signed entries per trainee in one query, leaving out signed entries that a later signed
    entry supersedes (a correction does not count twice)."""
    parameters: dict[str, Any] = {"academy_id": academy_id}
    if user_ids is not None:
        parameters["user_ids"] = list(user_ids)
    out: dict[int, list[SignedEntry]] = {}
    rows = db.session.execute(_signed_statement(user_ids is not None), parameters)
    for user_id, modality, role, signed_at in rows:
        out.setdefault(user_id, []).append(SignedEntry(modality, role, signed_at))
    return out


@cache
def _signed_statement(some_trainees: bool) -> Select:
    """signed_entries' statement, built once (a trainee's dashboard runs it): the academy as
    :academy_id, the trainees as :user_ids when `some_trainees`."""
    academy_id = bindparam("academy_id")
    superseded = select(LogbookEntry.supersedes_id).where(
        LogbookEntry.academy_id == academy_id,
        LogbookEntry.status == EntryStatus.SIGNED,
        LogbookEntry.supersedes_id.is_not(None),
    )
    query = select(
        LogbookEntry.trainee_user_id,
        LogbookEntry.modality,
        LogbookEntry.role,
        LogbookEntry.signed_at,
    ).where(
        LogbookEntry.academy_id == academy_id,
        LogbookEntry.status == EntryStatus.SIGNED,
        LogbookEntry.id.not_in(superseded),
    )
    if some_trainees:
        query = query.where(LogbookEntry.trainee_user_id.in_(bindparam("user_ids", expanding=True)))
    return query


def signed_counts(academy_id: int, user_id: int) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = {}
    for item in signed_entries(academy_id, [user_id]).get(user_id, []):
        key = (item.modality, item.role)
        counts[key] = counts.get(key, 0) + 1
    return counts


@dataclass(frozen=True)
class Tendencies:
    """The tendency over simulated cases, over real (performed) practice, and both together."""

    cases: Tendency
    practice: Tendency
    together: Tendency


@dataclass(frozen=True)
class TraineeLogbook:
    """A trainee's logbook entries that count anywhere (submitted or signed) and every
    correction, read once for both the practice tendency and the signed entries."""

    entries: list[LogbookEntry]

    def performed(self) -> list[LogbookEntry]:
        """Performed entries, submitted or signed, that no entry of the trainee supersedes."""
        superseded = {e.supersedes_id for e in self.entries if e.supersedes_id is not None}
        return [
            e
            for e in self.entries
            if e.role == "performed"
            and e.status in (EntryStatus.SUBMITTED, EntryStatus.SIGNED)
            and e.id not in superseded
        ]

    def signed(self, academy_id: int) -> list[SignedEntry]:
        """signed_entries for this trainee: the academy's signed entries that no signed
        correction supersedes (a correction is always the trainee's own: create_entry)."""
        signed = [
            e for e in self.entries if e.academy_id == academy_id and e.status == EntryStatus.SIGNED
        ]
        superseded = {e.supersedes_id for e in signed if e.supersedes_id is not None}
        return [
            SignedEntry(e.modality, e.role, e.signed_at) for e in signed if e.id not in superseded
        ]


@cache
def _logbook_statement() -> Select:
    """trainee_logbook's statement, built once (every dashboard runs it); the trainee as
    :user_id."""
    return (
        select(LogbookEntry)
        .where(
            LogbookEntry.trainee_user_id == bindparam("user_id"),
            LogbookEntry.status.in_((EntryStatus.SUBMITTED, EntryStatus.SIGNED))
            | LogbookEntry.supersedes_id.is_not(None),
        )
        # TraineeLogbook filters on status in Python: an entry the session already holds must
        # come with the status read now, not the one it was loaded with.
        .execution_options(populate_existing=True)
    )


def trainee_logbook(user_id: int) -> TraineeLogbook:
    return TraineeLogbook(list(db.session.scalars(_logbook_statement(), {"user_id": user_id})))


def practice_tendency(user_id: int, logbook: TraineeLogbook | None = None) -> Tendency:
    """The same figure as the case-study tendency, over the trainee's performed entries that
    were submitted or signed and not superseded (from `logbook` when the caller has read
    it): sums of what each entry stored when its facts were written (`_scored`), no scoring."""
    if logbook is None:
        logbook = trainee_logbook(user_id)
    scored = [e for e in logbook.performed() if e.score_band is not None]
    return tendency_sums(
        attempts=len(scored),
        zones_judged=sum(e.zones_judged for e in scored),
        deviation_sum=sum(e.deviation_nano for e in scored) / NANO,
        above=sum(e.zones_above for e in scored),
        below=sum(e.zones_below for e in scored),
        overdone_or_overfilled=sum(e.score_band in ("overdone", "overfilled") for e in scored),
        unsafe=sum(e.score_band == "unsafe" for e in scored),
    )


def rescore_entries(academy_id: int | None = None, executor: Any = None) -> int:
    """Score every logbook entry's stored facts again (of one academy, when given) and write
    the judgement columns that changed; returns how many changed. For a change of the scoring
    engine or the catalogue (`flask summaries rebuild`) and for the migration that added the
    columns. Core statements on named columns only, so a migration can run it. Flushes, never
    commits."""
    executor = executor or db.session
    table = LogbookEntry.__table__
    raw_columns = [table.c[name] for name in sorted(logbook.ENTRY_FIELDS)]
    query = select(table.c.id, *raw_columns, *(table.c[n] for n in SCORED_COLUMNS))
    if academy_id is not None:
        query = query.where(table.c.academy_id == academy_id)
    changed: list[dict[str, Any]] = []
    for row in executor.execute(query.order_by(table.c.id)).mappings():
        facts = logbook.facts_from_row(row)
        result = logbook.score_entry(facts, f"logbook-{row['id']}") if facts else None
        scored = _scored(result)
        if any(row[name] != value for name, value in scored.items()):
            # Bind names other than the columns': SQLAlchemy keeps those for its own SET.
            changed.append({"entry_id": row["id"], **{f"new_{n}": v for n, v in scored.items()}})
    if changed:
        executor.execute(
            update(table)
            .where(table.c.id == bindparam("entry_id"))
            .values({name: bindparam(f"new_{name}") for name in SCORED_COLUMNS}),
            changed,
        )
    return len(changed)


def combine(a: Tendency, b: Tendency) -> Tendency:
    """Two tendencies as one, weighted by the zones each judged."""
    judged = a.zones_judged + b.zones_judged

    def weighted(x: float, y: float) -> float:
        return (x * a.zones_judged + y * b.zones_judged) / judged if judged else 0.0

    return Tendency(
        attempts=a.attempts + b.attempts,
        zones_judged=judged,
        mean_deviation=weighted(a.mean_deviation, b.mean_deviation),
        above_share=weighted(a.above_share, b.above_share),
        below_share=weighted(a.below_share, b.below_share),
        overdone_or_overfilled=a.overdone_or_overfilled + b.overdone_or_overfilled,
        unsafe=a.unsafe + b.unsafe,
    )


def tendencies(user_id: int, cases: Tendency, logbook: TraineeLogbook | None = None) -> Tendencies:
    practice = practice_tendency(user_id, logbook)
    return Tendencies(cases, practice, combine(cases, practice))


def cpd_hours(user_id: int, start: dt.date | None, end: dt.date | None) -> float:
    """Sum of the user's CPD hours done in [start, end] (either bound may be open)."""
    from quizapp.models import CpdActivity

    query = select(func.coalesce(func.sum(CpdActivity.hours), 0)).where(
        CpdActivity.user_id == user_id
    )
    if start is not None:
        query = query.where(CpdActivity.done_on >= start)
    if end is not None:
        query = query.where(CpdActivity.done_on <= end)
    return float(db.session.scalar(query) or 0)


@dataclass(frozen=True)
class LogbookRow:
    """One trainee's logbook in the academy report."""

    name: str
    signed: dict[tuple[str, str], int]
    waiting: int  # submitted, not yet signed


def academy_logbook_report(academy_id: int) -> list[LogbookRow]:
    """Signed entries per modality and role, and entries waiting for a mentor, per trainee
    with any such entry, in one query (signed entries superseded by a signed correction are
    left out, as in the programme counts)."""
    superseded = select(LogbookEntry.supersedes_id).where(
        LogbookEntry.academy_id == academy_id,
        LogbookEntry.status == EntryStatus.SIGNED,
        LogbookEntry.supersedes_id.is_not(None),
    )
    rows = db.session.execute(
        select(
            LogbookEntry.trainee_user_id,
            User.display_name,
            LogbookEntry.modality,
            LogbookEntry.role,
            LogbookEntry.status,
            func.count(LogbookEntry.id),
        )
        .join(User, User.id == LogbookEntry.trainee_user_id)
        .where(
            LogbookEntry.academy_id == academy_id,
            LogbookEntry.status.in_((EntryStatus.SIGNED, EntryStatus.SUBMITTED)),
            ~and_(LogbookEntry.status == EntryStatus.SIGNED, LogbookEntry.id.in_(superseded)),
        )
        .group_by(
            LogbookEntry.trainee_user_id,
            User.display_name,
            LogbookEntry.modality,
            LogbookEntry.role,
            LogbookEntry.status,
        )
    ).all()
    by_user: dict[int, LogbookRow] = {}
    for user_id, name, modality, role, status, count in rows:
        row = by_user.setdefault(user_id, LogbookRow(name, {}, 0))
        if status == EntryStatus.SIGNED:
            row.signed[(modality, role)] = int(count)
        else:
            by_user[user_id] = LogbookRow(name, row.signed, row.waiting + int(count))
    return sorted(by_user.values(), key=lambda r: r.name)
