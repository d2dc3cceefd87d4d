"""A virtual patient at one visit, and the educator's reference answer for it.

A `Case` is what a case file describes (docs/case-format.md). It is immutable; on creation it
resolves each reference zone's dose range once, filling what the author left out from the zone
catalogue scaled by the patient's grade (`resolve_range`), so scoring never has to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

from quizapp.domain.face import FALLBACK_CEILING_FACTOR as _FALLBACK
from quizapp.domain.face import (
    FILLER_LABEL_ML_PER_60KG_YEAR,
    MAX_FACIAL_UNITS_DEFAULT,
    PRODUCTS,
    TOXIN_RETREAT_MONTHS,
    UPPER_FACE_ZONES,
    ZONES,
    Family,
    default_range,
    remaining_fraction,
)
from quizapp.domain.plan import Plan
from quizapp.domain.terms import Band, Disposition, Side

DAYS_PER_MONTH: Final = 365.25 / 12


def side_keys(zone_id: str, side: Side) -> tuple[str, ...]:
    """Which per-side tallies an amount lands on: paired zones count "left" and "right" (both =
    the amount on each), unpaired zones one "total"."""
    if not ZONES[zone_id].per_side:
        return ("total",)
    if side == Side.BOTH:
        return ("left", "right")
    if side in (Side.LEFT, Side.RIGHT):
        return (side.value,)
    return ("left", "right")


@dataclass(frozen=True, slots=True)
class Patient:
    """Who the patient is. `sex` is "F" or "M"; skin and ageing types are 1-6 and 1-4."""

    age: int
    sex: str
    fitzpatrick: int
    glogau: int
    context: str = ""
    request: str = ""
    weight_kg: float | None = None


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """An earlier treatment. Give `months_ago`, or a `date` with the case's `visit_date`.
    `amount` is None when the patient does not know it (common with filler abroad)."""

    zone: str
    product: str
    amount: float | None
    side: Side
    months_ago: float | None = None
    date: dt.date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ZoneAssessment:
    """The 0-4 grade of one zone at rest and moving (either may be absent), with a note."""

    zone: str
    rest: int | None = None
    moving: int | None = None
    note: str = ""
    #: Asymmetry documented at a review of earlier toxin in this zone.
    asymmetry: bool = False

    def grade_for(self, family: Family) -> int | None:
        """Toxin treats lines of movement, filler treats volume: pick the grade that matters."""
        if family == Family.TOXIN:
            return self.moving if self.moving is not None else self.rest
        return self.rest if self.rest is not None else self.moving


@dataclass(frozen=True, slots=True)
class Preserve:
    """A feature that carries the person's identity or expression (principle 7)."""

    zone: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class FlagPresence:
    """A red flag present in the case; zone-scoped flags may name the zones they concern
    (no zones means the whole face)."""

    id: str
    zones: tuple[str, ...] = ()

    def covers(self, zone: str) -> bool:
        return not self.zones or zone in self.zones


@dataclass(frozen=True, slots=True)
class DoseSpec:
    """The author's range for one zone and family; any bound left None comes from the
    catalogue. Toxin in ona-equivalent units, filler in mL; per side for paired zones."""

    min: float | None = None
    max: float | None = None
    ceiling: float | None = None

    @property
    def empty(self) -> bool:
        return self.min is None and self.max is None and self.ceiling is None


@dataclass(frozen=True, slots=True)
class ZoneReference:
    """What the educator would inject in one zone with one product family."""

    zone: str
    family: Family
    products: tuple[str, ...]
    dose: DoseSpec = DoseSpec()
    justification: str = ""
    note: str = ""
    references: tuple[str, ...] = ()
    #: Treating the zone within its range and leaving it alone are both right.
    optional: bool = False


@dataclass(frozen=True, slots=True)
class CandidatePlan:
    """A plan the author wrote to illustrate a band, with the band they claim for it."""

    label: str
    band: Band
    rationale: str
    plan: Plan


@dataclass(frozen=True, slots=True)
class Reference:
    """The educator's answer: disposition, red flags present, zones to treat and limits."""

    disposition: Disposition
    red_flags: tuple[FlagPresence, ...] = ()
    zones: tuple[ZoneReference, ...] = ()
    max_facial_units: int = MAX_FACIAL_UNITS_DEFAULT
    candidate_plans: tuple[CandidatePlan, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class ResolvedRange:
    """A reference zone's final range after catalogue defaults were filled in."""

    zone: str
    family: Family
    products: tuple[str, ...]
    min: float
    max: float
    ceiling: float
    per_side: bool
    source: str
    grade: int | None
    references: tuple[str, ...]
    explanation: str
    optional: bool = False

    @property
    def required(self) -> bool:
        """A zone with a minimum above zero must be treated, unless the reference marks it
        optional; min 0 also makes it optional."""
        return self.min > 0 and not self.optional


class RangeError(ValueError):
    """A reference range that cannot be resolved; `part` is min, max or ceiling."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.message = message


def resolve_range(ref: ZoneReference, grade: int | None, sex: str) -> ResolvedRange:
    """Fill the bounds an author left out from the catalogue default at this grade.

    Rules (docs/case-format.md): missing min and max come from `face.default_range` (lower half
    of the typical range at grades 0-2, all of it at 3, upper half at 4); a missing ceiling is
    the catalogue cap, else the fallback multiple of the catalogue's range top, else (no
    catalogue figure at all) the same multiple of the author's max.
    """
    zone = ZONES[ref.zone]
    spec = ref.dose
    default = default_range(ref.zone, ref.family, grade, sex)
    typical = zone.typical(ref.family, sex)
    used_catalogue = False
    if spec.min is not None:
        low = spec.min
    elif default is not None:
        low, used_catalogue = default.low, True
    else:
        raise RangeError("min", _no_default(ref))
    if spec.max is not None:
        high = spec.max
    elif default is not None:
        high, used_catalogue = default.high, True
    else:
        raise RangeError("max", _no_default(ref))
    if spec.ceiling is not None:
        ceiling = spec.ceiling
    elif typical is not None and typical.effective_ceiling is not None:
        ceiling, used_catalogue = typical.effective_ceiling, True
    else:
        ceiling = round(high * _FALLBACK, 4)
    if low > high:
        raise RangeError("min", f"min {low:g} is above max {high:g}")
    if high > ceiling:
        where = "given" if spec.ceiling is not None else "taken from the catalogue"
        raise RangeError("max", f"max {high:g} is above the ceiling {ceiling:g} ({where})")
    refs = list(ref.references)
    if used_catalogue and typical is not None:
        refs.extend(r for r in typical.references if r not in refs)
    # Upper-face toxin at grade 2 or less, from the catalogue alone, is offered, never
    # demanded: leaving it alone is not "missed" (an educator convention, docs/scoring.md).
    optional = ref.optional or (
        spec.min is None
        and ref.family == Family.TOXIN
        and ref.zone in UPPER_FACE_ZONES
        and grade is not None
        and grade <= 2
    )
    if spec.empty:
        assert default is not None  # an empty spec took its min from the default, or raised
        source = "catalogue"
        explanation = default.explanation
    elif used_catalogue:
        source = "case and catalogue"
        explanation = "author's bounds, the rest " + (
            default.explanation if default else "from the catalogue"
        )
    else:
        source = "case"
        explanation = "author's range"
    return ResolvedRange(
        ref.zone,
        ref.family,
        ref.products,
        float(low),
        float(high),
        float(ceiling),
        zone.per_side,
        source,
        grade,
        tuple(refs),
        explanation,
        optional,
    )


def _no_default(ref: ZoneReference) -> str:
    return (
        f"the zone catalogue has no default {ref.family.value} range for {ref.zone}; "
        "give dose.min and dose.max (with references)"
    )


@dataclass(frozen=True, slots=True)
class Case:
    """One patient at one visit with the educator's reference (docs/case-format.md)."""

    id: str
    title: str
    summary: str
    patient: Patient
    reference: Reference
    history: tuple[HistoryItem, ...] = ()
    medical: tuple[str, ...] = ()
    assessment: tuple[ZoneAssessment, ...] = ()
    preserve: tuple[Preserve, ...] = ()
    learning_points: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    visit_date: dt.date | None = None
    ranges: tuple[ResolvedRange, ...] = field(init=False, compare=False, repr=False)
    _range_map: dict[tuple[str, Family], ResolvedRange] = field(
        init=False, compare=False, repr=False
    )
    _assessment_map: dict[str, ZoneAssessment] = field(init=False, compare=False, repr=False)
    _residuals: dict[str, dict[str, float]] = field(init=False, compare=False, repr=False)
    _months: tuple[float, ...] = field(init=False, compare=False, repr=False)
    _derived: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Everything that depends on the case alone is worked out once, here, so that scoring
        # thousands of plans against one case repeats none of it.
        amap = {a.zone: a for a in self.assessment}
        object.__setattr__(self, "_assessment_map", amap)
        object.__setattr__(self, "_months", tuple(self._history_months(h) for h in self.history))
        object.__setattr__(self, "_residuals", self._compute_residuals())
        object.__setattr__(self, "_derived", self._compute_derived_flags())
        ranges = []
        for ref in self.reference.zones:
            assessed = amap.get(ref.zone)
            grade = assessed.grade_for(ref.family) if assessed else None
            ranges.append(resolve_range(ref, grade, self.patient.sex))
        object.__setattr__(self, "ranges", tuple(ranges))
        object.__setattr__(self, "_range_map", {(r.zone, r.family): r for r in ranges})

    # -- lookups used by the scoring engine -------------------------------------------------

    def range_for(self, zone: str, family: Family) -> ResolvedRange | None:
        return self._range_map.get((zone, family))

    def zone_referenced(self, zone: str) -> bool:
        return any(key[0] == zone for key in self._range_map)

    def assessment_for(self, zone: str) -> ZoneAssessment | None:
        return self._assessment_map.get(zone)

    @property
    def flag_ids(self) -> frozenset[str]:
        return frozenset(f.id for f in self.reference.red_flags)

    @property
    def preserved_zones(self) -> frozenset[str]:
        return frozenset(p.zone for p in self.preserve)

    def months_ago(self, item: HistoryItem) -> float:
        """How long before this visit an earlier treatment was; dates need `visit_date`."""
        for known, months in self.history_months:
            if known is item:
                return months
        return self._history_months(item)

    @property
    def history_months(self) -> tuple[tuple[HistoryItem, float], ...]:
        """Each history item with its months before this visit."""
        return tuple(zip(self.history, self._months, strict=True))

    def _history_months(self, item: HistoryItem) -> float:
        if item.months_ago is not None:
            return float(item.months_ago)
        if item.date is not None and self.visit_date is not None:
            return round((self.visit_date - item.date).days / DAYS_PER_MONTH, 2)
        raise ValueError("history item has neither months_ago nor a date with visit_date")

    def derived_flags(self) -> frozenset[str]:
        """Red flags that follow from the facts of the case alone (age, history)."""
        return self._derived

    def _compute_derived_flags(self) -> frozenset[str]:
        flags = set()
        if self.patient.age < 18:
            flags.add("under_18")
        if self.patient.age >= 65:
            flags.add("over_65_label")
        for item, months in self.history_months:
            if PRODUCTS[item.product].is_toxin and months < TOXIN_RETREAT_MONTHS:
                flags.add("toxin_within_3_months")
        return frozenset(flags)

    def _compute_residuals(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for item, months in self.history_months:
            product = PRODUCTS[item.product]
            if not product.is_filler or item.amount is None:
                continue
            left = item.amount * remaining_fraction(item.product, months)
            sides = out.setdefault(item.zone, {})
            for key in side_keys(item.zone, item.side):
                sides[key] = round(sides.get(key, 0.0) + left, 4)
        return out

    def residual_ml(self, zone: str) -> dict[str, float]:
        """Filler still in a zone from earlier visits, per side ("left"/"right") or "total",
        through the persistence heuristic (`face.remaining_fraction`). Unknown amounts are
        left out."""
        return self._residuals.get(zone, {})

    @property
    def filler_year_limit_ml(self) -> float | None:
        """The label's yearly filler ceiling for this patient's weight (F13 F12), if known."""
        if self.patient.weight_kg is None:
            return None
        return round(FILLER_LABEL_ML_PER_60KG_YEAR * self.patient.weight_kg / 60.0, 2)
