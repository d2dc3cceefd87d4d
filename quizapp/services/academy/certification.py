"""Certification: programme rules on a trainee's history, issuing, revoking and recertifying.

The rule is a pure function over plain values (`check_rules`, `decide`: no Flask, no database), so
it is tested on known histories in microseconds. The rest loads one trainee's history in a fixed
number of queries and writes certificates. Services flush; the request commits, so a certificate
is issued in the same transaction as the attempt that met the last requirement.

Which programmes apply to a trainee: the active programmes assigned to the cohorts they are a
trainee in. Evidence counts only when it was produced in the programme's academy.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

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
from quizapp.services.people import members

#: Bands that count as good evidence: the plan was conservative or natural.
GOOD_BANDS = frozenset({"conservative", "natural"})
UNSAFE_BAND = "unsafe"


# --------------------------------------------------------------------------------------------
# The rule, pure.
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """What a programme asks; a plain copy of the Programme columns."""

    required_modules: tuple[str, ...] = ()
    min_good_cases: int = 0
    no_unsafe_in_last: int = 0
    validity_months: int = 24
    # From Programme.extra_rules (clean_extra_rules): signed logbook entries needed, as
    # (modality, role, count); the longest the programme may take, in months from the start of
    # the trainee's cohort (0: no limit); CPD hours to log within the programme window.
    logbook: tuple[tuple[str, str, int], ...] = ()
    max_duration_months: int = 0
    cpd_hours: float = 0.0

    @classmethod
    def of(cls, programme: Any) -> Rules:
        extra = clean_extra_rules(programme.extra_rules or {})
        return cls(
            tuple(programme.required_modules or ()),
            int(programme.min_good_cases or 0),
            int(programme.no_unsafe_in_last or 0),
            int(programme.validity_months or 0),
            logbook=tuple(
                (modality, role, count)
                for modality, roles in extra.get("logbook", {}).items()
                for role, count in roles.items()
                if count > 0
            ),
            max_duration_months=int(extra.get("max_duration_months", 0)),
            cpd_hours=float(extra.get("cpd_hours", 0)),
        )

    def for_recertification(self) -> Rules:
        """Recertification asks the same case evidence again, and at least one good case, and
        the CPD hours again (logged since the last certificate); logbook counts and the
        programme's time limit belong to the first certificate only."""
        return Rules(
            self.required_modules,
            max(self.min_good_cases, 1),
            self.no_unsafe_in_last,
            self.validity_months,
            cpd_hours=self.cpd_hours,
        )


LOGBOOK_MODALITIES = ("toxin", "filler")
LOGBOOK_ROLES = ("observed", "performed")
MAX_LOGBOOK_COUNT = 500
MAX_DURATION_MONTHS = 240
MAX_CPD_HOURS = 1000.0


def clean_extra_rules(raw: Any) -> dict[str, Any]:
    """The logbook, duration and CPD rules of Programme.extra_rules, with anything unknown or
    out of range dropped: {"logbook": {"toxin": {"observed": 10, "performed": 10}, ...},
    "max_duration_months": 24, "cpd_hours": 20.0}. The figures are each programme's own
    settings; the app has no source for a standard (docs/portfolio.md)."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Any] = {}
    counts = raw.get("logbook")
    if isinstance(counts, Mapping):
        clean: dict[str, dict[str, int]] = {}
        for modality in LOGBOOK_MODALITIES:
            roles = counts.get(modality)
            if not isinstance(roles, Mapping):
                continue
            for role in LOGBOOK_ROLES:
                value = roles.get(role)
                if _is_int(value) and 0 < value <= MAX_LOGBOOK_COUNT:
                    clean.setdefault(modality, {})[role] = value
        if clean:
            out["logbook"] = clean
    months = raw.get("max_duration_months")
    if _is_int(months) and 0 < months <= MAX_DURATION_MONTHS:
        out["max_duration_months"] = months
    hours = raw.get("cpd_hours")
    if (_is_int(hours) or isinstance(hours, float)) and 0 < hours <= MAX_CPD_HOURS:
        out["cpd_hours"] = float(hours)
    return out


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Practice:
    """Evidence beyond modules and cases: signed logbook entries as (modality, role,
    signed_at), CPD as (done_on, hours), when the trainee's programme started, and the time."""

    signed: tuple[tuple[str, str, datetime], ...] = ()
    cpd: tuple[tuple[date, float], ...] = ()
    started_on: date | None = None
    now: datetime | None = None


@dataclass(frozen=True)
class ModuleStanding:
    """One module as the trainee stands with it: submitted scores, oldest first."""

    slug: str
    title: str
    pass_mark: float
    grading: str = "highest"  # "highest" or "last", as the module file says
    scores: tuple[float, ...] = ()

    @property
    def graded(self) -> float | None:
        """The score that counts, by the module's grading (as on the trainee's dashboard)."""
        if not self.scores:
            return None
        return max(self.scores) if self.grading == "highest" else self.scores[-1]

    @property
    def passed(self) -> bool:
        return self.graded is not None and self.graded >= self.pass_mark


@dataclass(frozen=True)
class CaseOutcome:
    """One submitted case attempt: which case, its band, when."""

    case_id: int
    band: str
    submitted_at: datetime


@dataclass(frozen=True)
class HeldCertificate:
    cycle: int
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None = None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "valid"


@dataclass(frozen=True)
class Requirement:
    label: str
    met: bool
    detail: str


@dataclass(frozen=True)
class RuleCheck:
    requirements: tuple[Requirement, ...]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.requirements)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _studies(count: int, prefix: str = "") -> str:
    return _plural(count, f"{prefix}case study", f"{prefix}case studies")


def check_rules(
    rules: Rules,
    modules: Mapping[str, ModuleStanding],
    cases: Sequence[CaseOutcome],
    since: datetime | None = None,
    practice: Practice | None = None,
) -> RuleCheck:
    """Each requirement of `rules`, met or not, on this history.

    Modules count whenever they were passed. Case evidence counts only after `since` (the previous
    certificate's issue, for recertification). Good cases are distinct cases, so repeating one
    case does not count twice. "No unsafe in the last M" looks at the last M case attempts of any
    case; with fewer attempts it looks at all of them.
    """
    requirements: list[Requirement] = []
    for slug in rules.required_modules:
        standing = modules.get(slug)
        if standing is None:
            requirements.append(
                Requirement(f"Module {slug}", False, "not published in this academy")
            )
            continue
        if standing.graded is None:
            detail = f"not attempted yet; pass mark {standing.pass_mark:g}%"
        else:
            which = "best" if standing.grading == "highest" else "last"
            detail = f"{which} score {standing.graded:g}%; pass mark {standing.pass_mark:g}%"
        requirements.append(Requirement(f"Pass {standing.title}", standing.passed, detail))
    recent = sorted(
        (c for c in cases if since is None or c.submitted_at > since),
        key=lambda c: c.submitted_at,
    )
    if rules.min_good_cases > 0:
        good = len({c.case_id for c in recent if c.band in GOOD_BANDS})
        needed = rules.min_good_cases
        requirements.append(
            Requirement(
                f"{_studies(needed, 'different ')} planned conservatively or naturally"
                + (" since your last certificate" if since else ""),
                good >= needed,
                f"{min(good, needed)} of {needed} done",
            )
        )
    if rules.no_unsafe_in_last > 0:
        window = recent[-rules.no_unsafe_in_last :]
        unsafe = sum(1 for c in window if c.band == UNSAFE_BAND)
        requirements.append(
            Requirement(
                f"No unsafe plan in your last {_studies(rules.no_unsafe_in_last)}",
                unsafe == 0,
                "none unsafe" if unsafe == 0 else f"{unsafe} unsafe among the last {len(window)}",
            )
        )
    requirements.extend(_practice_requirements(rules, practice or Practice(), since))
    return RuleCheck(tuple(requirements))


_ROLE_WORDS = {"observed": "observed", "performed": "performed under supervision"}


def _practice_requirements(
    rules: Rules, practice: Practice, since: datetime | None
) -> list[Requirement]:
    """Signed logbook counts per modality and role, the programme's time limit, CPD hours."""
    out: list[Requirement] = []
    for modality, role, needed in rules.logbook:
        done = sum(
            1
            for m, r, signed_at in practice.signed
            if m == modality and r == role and (since is None or signed_at > since)
        )
        out.append(
            Requirement(
                f"{needed} signed {modality} treatments {_ROLE_WORDS.get(role, role)}",
                done >= needed,
                f"{min(done, needed)} of {needed} signed",
            )
        )
    deadline = None
    if practice.started_on is not None and rules.max_duration_months > 0:
        deadline = add_months(practice.started_on, rules.max_duration_months)
    today = practice.now.date() if practice.now is not None else None
    if rules.max_duration_months > 0:
        if deadline is None or today is None:
            out.append(
                Requirement(
                    f"Complete within {_plural(rules.max_duration_months, 'month')}",
                    False,
                    "no programme start date",
                )
            )
        else:
            within = today <= deadline
            out.append(
                Requirement(
                    f"Complete within {_plural(rules.max_duration_months, 'month')}",
                    within,
                    f"by {deadline.isoformat()}" if within else f"closed on {deadline.isoformat()}",
                )
            )
    if rules.cpd_hours > 0:
        start = since.date() if since is not None else practice.started_on
        end = deadline if since is None else None
        hours = sum(
            h
            for done_on, h in practice.cpd
            if (start is None or done_on >= start) and (end is None or done_on <= end)
        )
        window = " since your last certificate" if since else " in the programme window"
        out.append(
            Requirement(
                f"{rules.cpd_hours:g} hours of CPD{window}",
                hours + 1e-9 >= rules.cpd_hours,
                f"{min(hours, rules.cpd_hours):g} of {rules.cpd_hours:g} hours",
            )
        )
    return out


@dataclass(frozen=True)
class Decision:
    """What to do for one trainee and programme now."""

    issue: bool
    cycle: int
    reason: str  # earned | recertified | holds | revoked | not_met
    check: RuleCheck | None = None


def decide(
    rules: Rules,
    modules: Mapping[str, ModuleStanding],
    cases: Sequence[CaseOutcome],
    held: Sequence[HeldCertificate],
    now: datetime,
    practice: Practice | None = None,
) -> Decision:
    """Issue the first certificate when the rules are met; after the current one has expired,
    issue the next cycle when the recertification rules are met on work done since it was
    issued. A valid certificate holds; a revoked one stops automatic issuing (an admin decides)."""
    latest = max(held, key=lambda h: h.cycle, default=None)
    if latest is None:
        check = check_rules(rules, modules, cases, practice=practice)
        return Decision(check.met, 1, "earned" if check.met else "not_met", check)
    status = latest.status(now)
    if status == "revoked":
        return Decision(False, latest.cycle, "revoked")
    if status == "valid":
        return Decision(False, latest.cycle, "holds")
    check = check_rules(
        rules.for_recertification(), modules, cases, since=latest.issued_at, practice=practice
    )
    return Decision(check.met, latest.cycle + 1, "recertified" if check.met else "not_met", check)


_Moment = TypeVar("_Moment", bound=date)


def add_months(moment: _Moment, months: int) -> _Moment:
    """`moment` (a date or datetime) plus whole calendar months; the 31st becomes the last day of
    a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expiry(issued_at: datetime, validity_months: int) -> datetime | None:
    """When a certificate issued now runs out; None when the programme's certificates never do."""
    return add_months(issued_at, validity_months) if validity_months > 0 else None


def recertification_text(rules: Rules) -> str:
    """What recertification asks, in words, for programme pages (the admin may add to it)."""
    if rules.validity_months <= 0:
        return "Certificates of this programme do not expire."
    recert = rules.for_recertification()
    parts = [
        f"Certificates are valid for {_plural(rules.validity_months, 'month')}. "
        "After one expires, a new certificate is issued automatically when, since the previous "
        f"one was issued, the holder has planned {_plural(recert.min_good_cases, 'different case')}"
        " conservatively or naturally"
    ]
    if recert.no_unsafe_in_last:
        parts.append(f" with no unsafe plan in their last {_studies(recert.no_unsafe_in_last)}")
    parts.append(". Modules passed once stay passed.")
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# The database side.
# --------------------------------------------------------------------------------------------


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


def history(user_id: int, academy_id: int) -> History:
    """The trainee's submitted work in one academy, in six queries."""
    listed = published_modules(academy_id)
    scores: dict[int, list[float]] = {}
    for module_id, percent in db.session.execute(
        select(QuizAttempt.module_id, QuizAttempt.score_percent)
        .where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.academy_id == academy_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
        )
        .order_by(QuizAttempt.module_id, QuizAttempt.number)
    ):
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
    cases = [
        CaseOutcome(case_id, band or "", submitted_at)
        for case_id, band, submitted_at in db.session.execute(
            select(CaseAttempt.case_id, CaseAttempt.band, CaseAttempt.submitted_at)
            .where(
                CaseAttempt.user_id == user_id,
                CaseAttempt.academy_id == academy_id,
                CaseAttempt.status == AttemptStatus.SUBMITTED,
            )
            .order_by(CaseAttempt.submitted_at, CaseAttempt.id)
        )
    ]
    from quizapp.services.portfolio.practice import signed_entries

    signed = tuple(
        (s.modality, s.role, s.signed_at)
        for s in signed_entries(academy_id, [user_id]).get(user_id, [])
    )
    cpd = tuple(
        (done_on, float(hours))
        for done_on, hours in db.session.execute(
            select(CpdActivity.done_on, CpdActivity.hours).where(CpdActivity.user_id == user_id)
        )
    )
    starts = {
        programme_id: start
        for programme_id, start in db.session.execute(
            select(cohort_programmes.c.programme_id, func.min(Cohort.start_date))
            .join(Cohort, Cohort.id == cohort_programmes.c.cohort_id)
            .join(CohortMember, CohortMember.cohort_id == Cohort.id)
            .where(
                CohortMember.user_id == user_id,
                CohortMember.role == "trainee",
                Cohort.academy_id == academy_id,
            )
            .group_by(cohort_programmes.c.programme_id)
        )
    }
    return History(modules, cases, signed, cpd, starts)


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
        select(
            Certificate.programme_id,
            Certificate.cycle,
            Certificate.issued_at,
            Certificate.expires_at,
            Certificate.revoked_at,
        ).where(Certificate.user_id == user_id, Certificate.programme_id.in_(programme_ids))
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


def standings(user_id: int, academy_id: int, now: datetime) -> list[Standing]:
    """Every programme that applies to the trainee with what is met and what is left."""
    programmes = programmes_for(user_id, academy_id)
    if not programmes:
        return []
    past = history(user_id, academy_id)
    held = _held(user_id, [p.id for p in programmes])
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
            members.audit(
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
    members.audit(
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
    members.audit(
        certificate.academy_id,
        actor_id,
        "certificate.revoked",
        f"certificate {certificate.id}",
        {"reason": certificate.revoke_reason},
        at=now,
    )
    db.session.flush()
