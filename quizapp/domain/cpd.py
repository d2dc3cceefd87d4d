"""Regulators' CPD rules as data, and the arithmetic of one cycle: what is logged, what is needed.

Pure on purpose: activities in, a Summary out, so the ledger page, the PDF export and the tests all
count the same way. Hours are Decimals (the ledger stores Numeric(6, 2)), never floats.

The figures come from the issue that asked for this ledger and are cited by source key
(quizapp.domain.sources): R1 for the NMC, R2 for the GDC. For the GMC we hold no figure from a
source, so its scheme has no target and the summary says so. docs/cpd.md explains the rules.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Final, Literal

ZERO: Final = Decimal("0")
CENT: Final = Decimal("0.01")

#: How an activity was done (the NMC asks for the method on every record, R1).
METHODS: Final[dict[str, str]] = {
    "course": "Course",
    "workshop": "Workshop",
    "e-learning": "E-learning",
    "reading": "Reading",
    "supervision": "Supervision",
    "conference": "Conference",
    "other": "Other",
}


def as_hours(value: Decimal | int | float | str) -> Decimal:
    """A number of hours as a Decimal with two places (floats go through their shortest text)."""
    if isinstance(value, bool):
        raise TypeError("hours are a number, not true/false")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise ValueError("hours must be a finite number")
    return number.quantize(CENT)


@dataclass(frozen=True, slots=True)
class Activity:
    """One CPD record as the rules see it: when, how long, how much of it participatory,
    and whether it is verifiable (the GDC counts verifiable hours only, R2)."""

    done_on: date
    hours: Decimal
    participatory_hours: Decimal = ZERO
    verifiable: bool = True

    def __post_init__(self) -> None:
        hours = as_hours(self.hours)
        participatory = as_hours(self.participatory_hours)
        if hours < ZERO:
            raise ValueError("hours cannot be negative")
        if participatory < ZERO or participatory > hours:
            raise ValueError("participatory hours must be between 0 and the activity's hours")
        object.__setattr__(self, "hours", hours)
        object.__setattr__(self, "participatory_hours", participatory)


# --------------------------------------------------------------------------------------------
# The schemes
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scheme:
    """One regulator's CPD rule for one group of registrants."""

    key: str
    regulator: str
    title: str
    who: str
    #: Length of the cycle in years; None when we hold no figure (GMC).
    cycle_years: int | None
    #: (month, day) the CPD year starts: 1 Jan for dentists, 1 Aug for dental care professionals.
    year_starts: tuple[int, int]
    #: True when cycles run in whole CPD years (GDC), so a cycle end is the end of a CPD year.
    whole_cpd_years: bool
    #: Hours needed in the cycle, or None when we hold no figure.
    hours_target: Decimal | None
    #: Which hours count towards the target.
    counts: Literal["all", "verifiable"]
    #: Participatory hours needed in the cycle (NMC), or None.
    participatory_target: Decimal | None = None
    #: Verifiable hours needed in every two consecutive CPD years (GDC), or None.
    pair_minimum: Decimal | None = None
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def has_target(self) -> bool:
        return self.hours_target is not None


_GDC_NOTES: Final = (
    "Cycles run for five years; only verifiable CPD counts towards the hours.",
    "At least 10 verifiable hours are needed in every two consecutive CPD years.",
)


def _gdc_scheme(key: str, group: str, who: str, *, hours: int, dentist: bool = False) -> Scheme:
    """The GDC Enhanced CPD Scheme 2018 (R2) for one register: five-year cycles in whole CPD
    years, verifiable hours only, at least 10 in every two consecutive CPD years."""
    year = (
        "A dentist's CPD year runs from 1 January to 31 December."
        if dentist
        else "A dental care professional's CPD year runs 1 August to 31 July."
    )
    return Scheme(
        key=key,
        regulator="GDC",
        title=f"GDC enhanced CPD: {group}",
        who=who,
        cycle_years=5,
        year_starts=(1, 1) if dentist else (8, 1),
        whole_cpd_years=True,
        hours_target=Decimal(hours),
        counts="verifiable",
        pair_minimum=Decimal("10"),
        sources=("R2",),
        notes=(*_GDC_NOTES, year),
    )


SCHEMES: Final[dict[str, Scheme]] = {
    scheme.key: scheme
    for scheme in (
        Scheme(
            key="nmc",
            regulator="NMC",
            title="NMC revalidation",
            who="Nurses and midwives",
            cycle_years=3,
            year_starts=(1, 1),
            whole_cpd_years=False,
            hours_target=Decimal("35"),
            counts="all",
            participatory_target=Decimal("20"),
            sources=("R1",),
            notes=(
                "35 hours of CPD in the three years since your last renewal, "
                "at least 20 of them participatory.",
                "Each record needs the method, topic, dates, hours (including participatory "
                "hours) and a description of the evidence.",
            ),
        ),
        _gdc_scheme(
            "gdc-dentist",
            "dentists",
            "Dentists",
            hours=100,
            dentist=True,
        ),
        _gdc_scheme(
            "gdc-dcp-75",
            "therapists, hygienists, orthodontic therapists, CDTs",
            "Dental therapists, dental hygienists, orthodontic therapists and clinical "
            "dental technicians",
            hours=75,
        ),
        _gdc_scheme(
            "gdc-dcp-50",
            "dental nurses and dental technicians",
            "Dental nurses and dental technicians",
            hours=50,
        ),
        Scheme(
            key="gmc",
            regulator="GMC",
            title="GMC (doctors)",
            who="Doctors",
            cycle_years=None,
            year_starts=(1, 1),
            whole_cpd_years=False,
            hours_target=None,
            counts="all",
            notes=(
                "We hold no figure from a source for GMC CPD hours or cycle length, so there is "
                "no target here: the summary shows the hours you logged, by calendar year.",
            ),
        ),
    )
}


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier; 29 February becomes 28 February in other years."""
    year = day.year - years
    if day.month == 2 and day.day == 29 and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


def cpd_year(scheme: Scheme, day: date) -> tuple[date, date]:
    """First and last day of the scheme's CPD year that contains `day`."""
    month, first = scheme.year_starts
    start = date(day.year, month, first)
    if day < start:
        start = date(day.year - 1, month, first)
    end = date(start.year + 1, month, first) - timedelta(days=1)
    return start, end


def cycle_period(scheme: Scheme, cycle_end: date) -> tuple[date | None, date]:
    """First and last day of the cycle that ends on `cycle_end` (the renewal date).

    GDC cycles run in whole CPD years, so the end moves to the end of the CPD year containing
    `cycle_end`. A scheme without a cycle length (GMC) has no start: every record up to the end.
    """
    if scheme.cycle_years is None:
        return None, cycle_end
    if scheme.whole_cpd_years:
        last_start, end = cpd_year(scheme, cycle_end)
        return last_start.replace(year=last_start.year - (scheme.cycle_years - 1)), end
    return years_before(cycle_end, scheme.cycle_years) + timedelta(days=1), cycle_end


# --------------------------------------------------------------------------------------------
# The summary
# --------------------------------------------------------------------------------------------


def _percent(logged: Decimal, target: Decimal) -> int:
    if target <= ZERO:
        return 100
    return int(min(Decimal(100), logged * 100 / target))


@dataclass(frozen=True, slots=True)
class Requirement:
    """One target of the cycle (hours, participatory hours) and how far the records go."""

    label: str
    target: Decimal
    logged: Decimal
    due: date

    @property
    def still_needed(self) -> Decimal:
        return max(ZERO, self.target - self.logged)

    @property
    def met(self) -> bool:
        return self.logged >= self.target

    @property
    def percent(self) -> int:
        return _percent(self.logged, self.target)


PairStatus = Literal["met", "short", "open"]


@dataclass(frozen=True, slots=True)
class PairCheck:
    """Verifiable hours in two consecutive CPD years against the GDC minimum (R2).

    `short`: the two years are over and fell short; `open`: they have not ended and the hours
    are not there yet (`still_needed` by `end`); `met`: enough hours.
    """

    start: date
    end: date
    hours: Decimal
    minimum: Decimal
    status: PairStatus
    spans_cycle_start: bool = False

    @property
    def still_needed(self) -> Decimal:
        return max(ZERO, self.minimum - self.hours)

    @property
    def percent(self) -> int:
        return _percent(self.hours, self.minimum)


@dataclass(frozen=True, slots=True)
class YearTotal:
    """Hours logged in one CPD year (calendar year where the scheme has no CPD year)."""

    start: date
    end: date
    hours: Decimal
    verifiable_hours: Decimal
    participatory_hours: Decimal


@dataclass(frozen=True, slots=True)
class Summary:
    """A cycle of one scheme: totals, each target with what is still needed, GDC pair checks."""

    scheme: Scheme
    start: date | None
    end: date
    today: date
    activities: int
    hours: Decimal
    verifiable_hours: Decimal
    participatory_hours: Decimal
    requirements: tuple[Requirement, ...]
    pairs: tuple[PairCheck, ...] = ()
    years: tuple[YearTotal, ...] = ()
    outside: int = field(default=0)  # activities logged outside the period

    @property
    def counted_hours(self) -> Decimal:
        """The hours that count towards the target (verifiable only for the GDC)."""
        return self.verifiable_hours if self.scheme.counts == "verifiable" else self.hours

    @property
    def has_target(self) -> bool:
        return bool(self.requirements)

    @property
    def short_pairs(self) -> tuple[PairCheck, ...]:
        return tuple(pair for pair in self.pairs if pair.status == "short")

    @property
    def open_pairs(self) -> tuple[PairCheck, ...]:
        return tuple(pair for pair in self.pairs if pair.status == "open")

    @property
    def met(self) -> bool | None:
        """True when every target and pair is met; None when the scheme has no target."""
        if not self.requirements and not self.pairs:
            return None
        return all(r.met for r in self.requirements) and all(p.status == "met" for p in self.pairs)

    @property
    def days_left(self) -> int:
        return max(0, (self.end - self.today).days)


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _pairs(scheme: Scheme, activities: list[Activity], start: date, end: date, today: date):
    """Every two consecutive CPD years of the cycle, plus the pair across the cycle's start."""
    minimum = scheme.pair_minimum
    assert minimum is not None  # only called for schemes with a pair rule
    year_starts: list[date] = []
    first = years_before(start, 1)  # the CPD year before the cycle: the pair across its start
    cursor = first
    while cursor <= end:
        year_starts.append(cursor)
        cursor = date(cursor.year + 1, cursor.month, cursor.day)
    checks = []
    for first_start, second_start in zip(year_starts, year_starts[1:], strict=False):
        pair_end = date(second_start.year + 1, second_start.month, second_start.day) - timedelta(1)
        hours = _sum(
            a.hours for a in activities if a.verifiable and first_start <= a.done_on <= pair_end
        )
        if hours >= minimum:
            status: PairStatus = "met"
        elif pair_end < today:
            status = "short"
        else:
            status = "open"
        checks.append(PairCheck(first_start, pair_end, hours, minimum, status, first_start < start))
    return tuple(checks)


def _years(scheme: Scheme, activities: list[Activity], start: date | None, end: date):
    if start is None:
        if not activities:
            return ()
        start = cpd_year(scheme, min(a.done_on for a in activities))[0]
    totals = []
    cursor, _ = cpd_year(scheme, start)
    while cursor <= end:
        year_end = date(cursor.year + 1, cursor.month, cursor.day) - timedelta(days=1)
        inside = [a for a in activities if cursor <= a.done_on <= year_end]
        totals.append(
            YearTotal(
                max(cursor, start),
                min(year_end, end),
                _sum(a.hours for a in inside),
                _sum(a.hours for a in inside if a.verifiable),
                _sum(a.participatory_hours for a in inside),
            )
        )
        cursor = year_end + timedelta(days=1)
    return tuple(totals)


def summarise(
    scheme: Scheme, activities: Iterable[Activity], cycle_end: date, today: date
) -> Summary:
    """Totals of the cycle ending on `cycle_end` and what is still needed, as of `today`.

    GDC pair checks also look at the CPD year before the cycle (the pair across its start), so
    activities from that year count there and nowhere else.
    """
    everything = list(activities)
    start, end = cycle_period(scheme, cycle_end)
    inside = [a for a in everything if (start is None or start <= a.done_on) and a.done_on <= end]
    hours = _sum(a.hours for a in inside)
    verifiable = _sum(a.hours for a in inside if a.verifiable)
    participatory = _sum(a.participatory_hours for a in inside)
    requirements: list[Requirement] = []
    if scheme.hours_target is not None:
        counted = verifiable if scheme.counts == "verifiable" else hours
        label = "Verifiable hours" if scheme.counts == "verifiable" else "Hours of CPD"
        requirements.append(Requirement(label, scheme.hours_target, counted, end))
    if scheme.participatory_target is not None:
        requirements.append(
            Requirement("Participatory hours", scheme.participatory_target, participatory, end)
        )
    pairs = ()
    if scheme.pair_minimum is not None and start is not None:
        pairs = _pairs(scheme, everything, start, end, today)
    return Summary(
        scheme=scheme,
        start=start,
        end=end,
        today=today,
        activities=len(inside),
        hours=hours,
        verifiable_hours=verifiable,
        participatory_hours=participatory,
        requirements=tuple(requirements),
        pairs=pairs,
        years=_years(scheme, inside, start, end),
        outside=len(everything) - len(inside),
    )


# --------------------------------------------------------------------------------------------
# In words (the pages' text equivalents and the PDF export use the same sentences)
# --------------------------------------------------------------------------------------------


def format_hours(hours: Decimal) -> str:
    """12.50 -> "12.5", 3.00 -> "3", 0.25 -> "0.25"."""
    # Quantized to hundredths, the text always has a decimal point to trim back to.
    return f"{hours.quantize(CENT):f}".rstrip("0").rstrip(".")


def format_day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def in_words(summary: Summary) -> list[str]:
    """The summary as sentences: each target, then each GDC pair that is short or still open."""
    lines = []
    if not summary.has_target:
        lines.append(
            f"{format_hours(summary.hours)} hours logged up to {format_day(summary.end)}; "
            f"no {summary.scheme.regulator} target (no figure from a source)."
        )
    for requirement in summary.requirements:
        text = (
            f"{requirement.label}: {format_hours(requirement.logged)} of "
            f"{format_hours(requirement.target)}"
        )
        if requirement.met:
            lines.append(text + " (met).")
        else:
            lines.append(
                f"{text}; {format_hours(requirement.still_needed)} more needed by "
                f"{format_day(requirement.due)}."
            )
    for pair in summary.pairs:
        span = f"{format_day(pair.start)} to {format_day(pair.end)}"
        if pair.status == "short":
            lines.append(
                f"{span}: {format_hours(pair.hours)} verifiable hours, "
                f"{format_hours(pair.still_needed)} short of {format_hours(pair.minimum)}."
            )
        elif pair.status == "open":
            lines.append(
                f"{span}: {format_hours(pair.hours)} verifiable hours so far; "
                f"{format_hours(pair.still_needed)} more needed by {format_day(pair.end)}."
            )
    return lines
