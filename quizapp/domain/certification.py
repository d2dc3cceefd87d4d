"""Programme rules: what a certification programme asks, checked on a trainee's history.

Plain values in, plain values out (no Flask, no database), so the rules are tested on known
histories in microseconds; services/academy/certification.py loads the rows and persists what
`decide` says. Evidence: module standings, case outcomes, signed logbook entries and CPD hours.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

#: Bands that count as good evidence: the plan was conservative or natural.
GOOD_BANDS = frozenset({"conservative", "natural"})
UNSAFE_BAND = "unsafe"


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
                for role, count in roles.items()  # clean_extra_rules keeps counts above 0 only
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
