"""Certification: programme rules on a trainee's history, issuing, revoking and recertifying.

The rule itself is pure and lives in quizapp/domain/certification.py (`check_rules`, `decide`).
This module loads one trainee's history in a fixed number of queries and writes certificates.
Services flush; the request commits, so a certificate is issued in the same transaction as the
attempt that met the last requirement.

Which programmes apply to a trainee: the active programmes assigned to the cohorts they are a
trainee in. Evidence counts only when it was produced in the programme's academy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from quizapp.domain.certification import (
    CaseOutcome,
    Decision,
    HeldCertificate,
    ModuleStanding,
    Practice,
    RuleCheck,
    Rules,
    check_rules,
    clean_extra_rules,
    decide,
    expiry,
)
from quizapp.extensions import db
from quizapp.models import (
    Academy,
    AttemptStatus,
    CaseAttempt,
    Certificate,
    Cohort,
    CohortMember,
    CpdActivity,
    Programme,
    QuizAttempt,
    User,
    cohort_programmes,
)
from quizapp.services.academy import codes
from quizapp.services.learning.catalogue import published_modules
from quizapp.services.people.auditlog import audit


class ProgrammeError(Exception):
    """A programme or certificate change that cannot be made; the message is safe to show."""


@dataclass(frozen=True)
class History:
    modules: dict[str, ModuleStanding]
    cases: list[CaseOutcome]
    signed: tuple[tuple[str, str, datetime], ...] = ()
    cpd: tuple[tuple[date, float], ...] = ()
    starts: dict[int, date] | None = None  # programme id -> start of the trainee's cohort

    def practice(self, programme_id: int, now: datetime) -> Practice:
        started = (self.starts or {}).get(programme_id)
        return Practice(self.signed, self.cpd, started, now)


def history(
    user_id: int,
    academy_id: int,
    *,
    scores: dict[int, list[float]] | None = None,
    starts: dict[int, date] | None = None,
    cases: list[CaseOutcome] | None = None,
    signed: Iterable[Any] | None = None,
    cpd: Iterable[tuple[date, float]] | None = None,
) -> History:
    """The trainee's submitted work in one academy, in five queries; fewer when the caller has
    already read a part: the quiz `scores` (module id -> submitted scores in attempt order,
    this academy's), the cohort `starts` (programme id -> start date), the `cases` (this
    academy's submitted case outcomes, oldest first), the `signed` logbook entries (this
    academy's, with modality, role and signed_at) or the `cpd` (done on, hours)."""
    listed = published_modules(academy_id)
    statements = _history_statements()
    mine = {"user_id": user_id, "academy_id": academy_id}
    if scores is None:
        scores = {}
        for module_id, percent in db.session.execute(statements["scores"], mine):
            scores.setdefault(module_id, []).append(float(percent or 0.0))
    modules = {
        m.slug: ModuleStanding(
            m.slug,
            m.title,
            float(m.summary.get("pass_mark", 100)),
            m.summary.get("grading", "highest"),
            tuple(scores.get(m.id, ())),
        )
        for m in listed
    }
    if cases is None:
        cases = [
            CaseOutcome(case_id, band or "", submitted_at)
            for case_id, band, submitted_at in db.session.execute(statements["cases"], mine)
        ]
    if signed is None:
        from quizapp.services.portfolio.practice import signed_entries

        signed = signed_entries(academy_id, [user_id]).get(user_id, [])
    if cpd is None:
        cpd = (
            (done_on, float(hours))
            for done_on, hours in db.session.execute(statements["cpd"], mine)
        )
    if starts is None:
        starts = dict(db.session.execute(statements["starts"], mine).all())
    return History(
        modules,
        cases,
        tuple((s.modality, s.role, s.signed_at) for s in signed),
        tuple(cpd),
        starts,
    )


@cache
def _history_statements() -> dict[str, Select]:
    """history's statements, built once (building one costs more CPU than running it): the
    trainee as :user_id, the academy as :academy_id."""
    user_id, academy_id = bindparam("user_id"), bindparam("academy_id")
    trainee_in = (
        CohortMember.user_id == user_id,
        CohortMember.role == "trainee",
        Cohort.academy_id == academy_id,
    )
    starts = (
        select(cohort_programmes.c.programme_id, func.min(Cohort.start_date).label("start"))
        .join(Cohort, Cohort.id == cohort_programmes.c.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(*trainee_in)
        .group_by(cohort_programmes.c.programme_id)
        .subquery("starts")
    )
    return {
        "scores": select(QuizAttempt.module_id, QuizAttempt.score_percent)
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.academy_id == academy_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
        )
        .order_by(QuizAttempt.module_id, QuizAttempt.number),
        "cases": select(CaseAttempt.case_id, CaseAttempt.band, CaseAttempt.submitted_at)
        .where(
            CaseAttempt.user_id == user_id,
            CaseAttempt.academy_id == academy_id,
            CaseAttempt.status == AttemptStatus.SUBMITTED,
        )
        .order_by(CaseAttempt.submitted_at, CaseAttempt.id),
        # Every academy's CPD counts (as before): :academy_id is not used here.
        "cpd": select(CpdActivity.done_on, CpdActivity.hours).where(CpdActivity.user_id == user_id),
        "starts": select(starts),
        # The programmes with the earliest start of the trainee's cohorts that follow each,
        # and the certificates held in each (none: one row of NULLs).
        "enrolment": select(
            Programme,
            starts.c.start,
            Certificate.cycle,
            Certificate.issued_at,
            Certificate.expires_at,
            Certificate.revoked_at,
        )
        .join(starts, starts.c.programme_id == Programme.id)
        .outerjoin(
            Certificate,
            (Certificate.programme_id == Programme.id) & (Certificate.user_id == user_id),
        )
        .where(Programme.academy_id == academy_id, Programme.active.is_(True))
        .order_by(Programme.name, Programme.id),
        "held": select(
            Certificate.programme_id,
            Certificate.cycle,
            Certificate.issued_at,
            Certificate.expires_at,
            Certificate.revoked_at,
        ).where(
            Certificate.user_id == user_id,
            Certificate.programme_id.in_(bindparam("programme_ids", expanding=True)),
        ),
    }


def programmes_for(user_id: int, academy_id: int) -> list[Programme]:
    """Active programmes of the academy assigned to a cohort the user is a trainee in."""
    enrolled = (
        select(cohort_programmes.c.programme_id)
        .join(Cohort, Cohort.id == cohort_programmes.c.cohort_id)
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(
            CohortMember.user_id == user_id,
            CohortMember.role == "trainee",
            Cohort.academy_id == academy_id,
        )
    )
    return list(
        db.session.scalars(
            select(Programme)
            .where(
                Programme.academy_id == academy_id,
                Programme.active.is_(True),
                Programme.id.in_(enrolled),
            )
            .order_by(Programme.name)
        )
    )


def _held(user_id: int, programme_ids: list[int]) -> dict[int, list[HeldCertificate]]:
    held: dict[int, list[HeldCertificate]] = {}
    rows = db.session.execute(
        _history_statements()["held"], {"user_id": user_id, "programme_ids": programme_ids}
    )
    for programme_id, cycle, issued_at, expires_at, revoked_at in rows:
        held.setdefault(programme_id, []).append(
            HeldCertificate(cycle, issued_at, expires_at, revoked_at)
        )
    return held


@dataclass(frozen=True)
class Standing:
    """One programme as a trainee stands with it, for their certificates page."""

    programme: Programme
    decision: Decision
    check: RuleCheck


@dataclass(frozen=True)
class Enrolment:
    """The programmes that apply to a trainee, with what standings needs of each."""

    programmes: list[Programme]  # by name
    starts: dict[int, date]  # programme id -> earliest start of the trainee's cohorts in it
    held: dict[int, list[HeldCertificate]]  # programme id -> the trainee's certificates


def enrolment(user_id: int, academy_id: int) -> Enrolment:
    """programmes_for with the cohort starts (what History.starts holds) and the certificates
    held (what _held reads), in one statement."""
    rows = db.session.execute(
        _history_statements()["enrolment"], {"user_id": user_id, "academy_id": academy_id}
    )
    programmes: dict[int, Programme] = {}
    starts: dict[int, date] = {}
    held: dict[int, list[HeldCertificate]] = {}
    for programme, start, cycle, issued_at, expires_at, revoked_at in rows:
        programmes[programme.id] = programme
        starts[programme.id] = start
        if cycle is not None:
            held.setdefault(programme.id, []).append(
                HeldCertificate(cycle, issued_at, expires_at, revoked_at)
            )
    return Enrolment(list(programmes.values()), starts, held)


def evidence_from(attempts: Any, academy_id: int) -> dict[str, Any]:
    """History's parts, by its keywords, from attempts read elsewhere (as
    progress.learner_attempts reads them): the quiz scores from `quizzes` (rows with
    academy_id, record_id, status and score, by module and number); the case outcomes and the
    CPD from `outcomes` and `cpd` when they were read (not None)."""
    scores: dict[int, list[float]] = {}
    for a in attempts.quizzes:
        if a.academy_id == academy_id and a.status is AttemptStatus.SUBMITTED:
            scores.setdefault(a.record_id, []).append(float(a.score or 0.0))
    known: dict[str, Any] = {"scores": scores}
    if attempts.outcomes is not None:
        known["cases"] = [
            CaseOutcome(a.record_id, a.band or "", a.submitted_at) for a in attempts.outcomes
        ]
    if attempts.cpd is not None:
        # The CPD's date came in the timestamp column, at midnight (see progress).
        known["cpd"] = [(a.submitted_at.date(), float(a.score or 0.0)) for a in attempts.cpd]
    return known


def standings(
    user_id: int,
    academy_id: int,
    now: datetime,
    *,
    enrolled: Enrolment | None = None,
    known: Mapping[str, Any] | None = None,
) -> list[Standing]:
    """Every programme that applies to the trainee with what is met and what is left.
    `enrolled`: the trainee's enrolment if the caller has read it; `known`: the parts of the
    history the caller has read, by history's keyword (scores, cases, signed, cpd)."""
    if enrolled is None:
        enrolled = enrolment(user_id, academy_id)
    if not enrolled.programmes:
        return []
    past = history(user_id, academy_id, starts=enrolled.starts, **(known or {}))
    held = enrolled.held
    programmes = enrolled.programmes
    result = []
    for programme in programmes:
        rules = Rules.of(programme)
        practice = past.practice(programme.id, now)
        decision = decide(
            rules, past.modules, past.cases, held.get(programme.id, []), now, practice
        )
        latest = max(held.get(programme.id, []), key=lambda h: h.cycle, default=None)
        check = decision.check
        if check is None:
            # Holding or revoked: show where they stand for the next cycle.
            since = latest.issued_at if latest else None
            check = check_rules(
                rules.for_recertification(), past.modules, past.cases, since, practice
            )
        result.append(Standing(programme, decision, check))
    return result


def issue_earned(user_id: int, academy_id: int, now: datetime) -> list[Certificate]:
    """Issue every certificate the trainee has just earned; call after a submission, before the
    commit. Safe under concurrency: a certificate another request issued first is skipped."""
    programmes = programmes_for(user_id, academy_id)
    if not programmes:
        return []
    past = history(user_id, academy_id)
    held = _held(user_id, [p.id for p in programmes])
    due = []
    for programme in programmes:
        decision = decide(
            Rules.of(programme),
            past.modules,
            past.cases,
            held.get(programme.id, []),
            now,
            past.practice(programme.id, now),
        )
        if decision.issue:
            due.append((programme, decision))
    if not due:
        return []
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return []  # a disabled or deleted account earns nothing new
    academy = db.session.get(Academy, academy_id)
    issued = []
    for programme, decision in due:
        certificate = _issue(user, academy, programme, decision.cycle, now)
        if certificate is not None:
            issued.append(certificate)
    return issued


def _issue(
    user: User, academy: Academy, programme: Programme, cycle: int, now: datetime
) -> Certificate | None:
    certificate = Certificate(
        code=codes.new_code(),
        user_id=user.id,
        programme_id=programme.id,
        academy_id=academy.id,
        cycle=cycle,
        holder_name=user.display_name,
        programme_name=programme.name,
        academy_name=academy.name,
        issued_at=now,
        expires_at=expiry(now, programme.validity_months),
    )
    try:
        # A savepoint: if a concurrent request issued this cycle first, the unique
        # (user, programme, cycle) refuses ours and only this insert is undone.
        with db.session.begin_nested():
            db.session.add(certificate)
            db.session.flush()
            audit(
                academy.id,
                None,
                "certificate.issued",
                f"certificate {certificate.id}",
                {"programme": programme.name, "holder": user.id, "cycle": cycle},
                at=now,
            )
    except IntegrityError:
        return None
    return certificate


def issue_for_programme(programme: Programme, now: datetime) -> list[Certificate]:
    """Check every trainee of the programme's cohorts (after the admin changes the programme or
    its cohorts, or to recertify those whose certificate has expired)."""
    user_ids = db.session.scalars(
        select(CohortMember.user_id)
        .join(cohort_programmes, cohort_programmes.c.cohort_id == CohortMember.cohort_id)
        .where(cohort_programmes.c.programme_id == programme.id, CohortMember.role == "trainee")
        .distinct()
    ).all()
    issued: list[Certificate] = []
    for user_id in user_ids:
        issued.extend(
            c
            for c in issue_earned(user_id, programme.academy_id, now)
            if c.programme_id == programme.id
        )
    return issued


# --------------------------------------------------------------------------------------------
# Programmes and certificates for the academy admin.
# --------------------------------------------------------------------------------------------


def academy_programmes(academy_id: int) -> list[Programme]:
    return list(
        db.session.scalars(
            select(Programme).where(Programme.academy_id == academy_id).order_by(Programme.name)
        )
    )


def programme_in(academy_id: int, programme_id: int) -> Programme | None:
    """The programme if it belongs to this academy; another academy's does not exist here."""
    programme = db.session.get(Programme, programme_id)
    if programme is None or programme.academy_id != academy_id:
        return None
    return programme


def save_programme(
    academy_id: int,
    programme: Programme | None,
    *,
    name: str,
    description: str,
    required_modules: list[str],
    min_good_cases: int,
    no_unsafe_in_last: int,
    validity_months: int,
    recertification: str,
    active: bool,
    actor_id: int | None,
    extra_rules: Mapping[str, Any] | None = None,
) -> Programme:
    """Create or change a programme. Certificates already issued keep the names they were
    issued with; changed rules apply to what is issued from now on."""
    name = name.strip()
    if not name:
        raise ProgrammeError("Give the programme a name.")
    clash = db.session.scalar(
        select(Programme.id).where(
            Programme.academy_id == academy_id,
            Programme.name == name,
            Programme.id != (programme.id if programme else -1),
        )
    )
    if clash is not None:
        raise ProgrammeError(f"Your academy already has a programme called {name!r}.")
    available = {m.slug for m in published_modules(academy_id)}
    unknown = [slug for slug in required_modules if slug not in available]
    if unknown:
        raise ProgrammeError("Unknown module: " + ", ".join(unknown))
    extra = clean_extra_rules(extra_rules or {})
    if not required_modules and min_good_cases <= 0 and "logbook" not in extra:
        raise ProgrammeError("Require at least one module or one case study, or logbook entries.")
    created = programme is None
    if programme is None:
        programme = Programme(academy_id=academy_id)
        db.session.add(programme)
    programme.name = name
    programme.description = description.strip()
    programme.required_modules = list(dict.fromkeys(required_modules))
    programme.min_good_cases = min_good_cases
    programme.no_unsafe_in_last = no_unsafe_in_last
    programme.validity_months = validity_months
    programme.recertification = recertification.strip()
    programme.active = active
    if extra_rules is not None:
        # Keep keys other issues may have added; replace the ones this form owns.
        kept = {
            k: v
            for k, v in (programme.extra_rules or {}).items()
            if k not in ("logbook", "max_duration_months", "cpd_hours")
        }
        programme.extra_rules = {**kept, **extra}
    db.session.flush()
    audit(
        academy_id,
        actor_id,
        "programme.created" if created else "programme.changed",
        f"programme {programme.id}",
        {"name": name},
    )
    return programme


def academy_certificates_query(academy_id: int, programme_id: int | None = None) -> Select:
    """The academy's certificates, newest first (a stable order, for paging)."""
    query = select(Certificate).where(Certificate.academy_id == academy_id)
    if programme_id is not None:
        query = query.where(Certificate.programme_id == programme_id)
    return query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())


def academy_certificates(academy_id: int, programme_id: int | None = None) -> list[Certificate]:
    return list(db.session.scalars(academy_certificates_query(academy_id, programme_id)))


def certificate_in(academy_id: int, certificate_id: int) -> Certificate | None:
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.academy_id != academy_id:
        return None
    return certificate


def certificate_by_code(code: str) -> Certificate | None:
    code = (code or "").strip()
    if not code or len(code) > 64:
        return None
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.code.in_(codes.candidates(code)))
        .options(selectinload(Certificate.programme))
    )


def holder_certificates(user_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.user_id == user_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def revoke(certificate: Certificate, reason: str, actor_id: int | None, now: datetime) -> None:
    """Withdraw a certificate for good, with the reason; the verification page says revoked."""
    reason = reason.strip()
    if len(reason) < 5:
        raise ProgrammeError("Give the reason for revoking (at least a few words).")
    if certificate.revoked_at is not None:
        raise ProgrammeError("This certificate has already been revoked.")
    certificate.revoked_at = now
    certificate.revoke_reason = reason[:2000]
    audit(
        certificate.academy_id,
        actor_id,
        "certificate.revoked",
        f"certificate {certificate.id}",
        {"reason": certificate.revoke_reason},
        at=now,
    )
    db.session.flush()
