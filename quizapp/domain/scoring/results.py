"""What the engine returns: result types, in the order a report reads them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from quizapp.domain.face import (
    ZONE_IDS,
    ZONES,
    Family,
)
from quizapp.domain.scoring.weights import LOOK_NOTE, LOOK_REFS
from quizapp.domain.terms import Band, Disposition, Severity, Verdict

SEVERITY_RANK: Final = {s: i for i, s in enumerate(Severity)}
FAMILY_ORDER: Final = {Family.TOXIN: 0, Family.FILLER: 1, Family.ENZYME: 2}

VERDICT_RANK: Final = {
    Verdict.ON_TARGET: 0,
    Verdict.CONSERVATIVE: 1,
    Verdict.UNDER: 2,
    Verdict.MISSED: 3,
    Verdict.NOT_INDICATED: 4,
    Verdict.WRONG_PRODUCT: 5,
    Verdict.HEAVY: 6,
    Verdict.OVERFILLED: 7,
    Verdict.UNSAFE: 8,
}
ZONE_ORDER: Final = {z: i for i, z in enumerate(ZONE_IDS)}


def rounded(value: float, places: int = 4) -> float:
    return round(value, places) + 0.0


# --------------------------------------------------------------------------------------------
# Result types
#
# Results are read-only by contract. Those created for every plan (Reason, RangeView,
# ZoneVerdict, Finding, ZoneLoad, and the per-plan SessionTotals, CumulativeLoad, Candidacy,
# ProjectedLook and PlanScore) are plain slotted dataclasses rather than frozen ones: frozen
# construction (one object.__setattr__ per field) cost about a tenth of the engine's time, and
# the engine is benchmarked at thousands of plans a second (bench/scoring.py). SessionTotals
# and ProjectedLook, which hold only values, stay hashable (unsafe_hash).
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Reason:
    """One human sentence with the source keys behind it."""

    text: str
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        refs = self.references
        if type(refs) is not tuple or len(refs) > 1:
            self.references = tuple(dict.fromkeys(refs))  # each key once

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "references": list(self.references)}


@dataclass(slots=True)
class RangeView:
    """The range a zone was judged against, in ona-eq units (toxin) or mL (filler)."""

    min: float
    max: float
    ceiling: float
    unit: str
    per_side: bool
    source: str
    references: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "min": self.min,
            "max": self.max,
            "ceiling": self.ceiling,
            "unit": self.unit,
            "per_side": self.per_side,
            "source": self.source,
            "references": list(self.references),
        }


@dataclass(slots=True)
class ZoneVerdict:
    """The verdict for one zone and product family. `amounts` are per side ("left",
    "right") or "total", in the range's unit (toxin converted to ona-eq)."""

    zone: str
    family: Family
    products: tuple[str, ...]
    amounts: tuple[tuple[str, float], ...]
    unit: str
    range: RangeView | None
    verdict: Verdict
    reasons: tuple[Reason, ...]
    penalty: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "family": self.family.value,
            "products": list(self.products),
            "amounts": dict(self.amounts),
            "unit": self.unit,
            "range": self.range.to_dict() if self.range else None,
            "verdict": self.verdict.value,
            "reasons": [r.to_dict() for r in self.reasons],
            "penalty": rounded(self.penalty, 2),
        }


@dataclass(slots=True)
class Finding:
    """A session-level observation; its severity may force a band (overdone and up)."""

    code: str
    severity: Severity
    text: str
    references: tuple[str, ...] = ()
    zone: str | None = None
    penalty: float = 0.0

    def __post_init__(self) -> None:
        refs = self.references
        if type(refs) is not tuple or len(refs) > 1:
            self.references = tuple(dict.fromkeys(refs))  # each key once

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "text": self.text,
            "references": list(self.references),
            "zone": self.zone,
            "penalty": rounded(self.penalty, 2),
        }


@dataclass(slots=True, unsafe_hash=True)
class SessionTotals:
    """What this plan injects in total, against the case's and the labels' limits."""

    toxin_units: tuple[tuple[str, float], ...]
    toxin_ona_equivalent: float
    filler_ml: tuple[tuple[str, float], ...]
    filler_ml_total: float
    facial_units: tuple[str, ...]
    facial_unit_limit: int
    upper_face_ona_equivalent: float
    upper_face_limit: float
    filler_year_ml: float | None
    filler_year_limit_ml: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "toxin_units": dict(self.toxin_units),
            "toxin_ona_equivalent": self.toxin_ona_equivalent,
            "filler_ml": dict(self.filler_ml),
            "filler_ml_total": self.filler_ml_total,
            "facial_units": list(self.facial_units),
            "facial_unit_limit": self.facial_unit_limit,
            "upper_face_ona_equivalent": self.upper_face_ona_equivalent,
            "upper_face_limit": self.upper_face_limit,
            "filler_year_ml": self.filler_year_ml,
            "filler_year_limit_ml": self.filler_year_limit_ml,
        }


@dataclass(slots=True)
class ZoneLoad:
    """Filler in one zone side: left from earlier visits (heuristic) plus this plan."""

    zone: str
    side: str
    earlier_ml: float
    added_ml: float
    total_ml: float
    ceiling_ml: float | None

    @property
    def over(self) -> bool:
        return self.ceiling_ml is not None and self.total_ml > self.ceiling_ml + 1e-9

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "side": self.side,
            "earlier_ml": self.earlier_ml,
            "added_ml": self.added_ml,
            "total_ml": self.total_ml,
            "ceiling_ml": self.ceiling_ml,
            "over": self.over,
        }


@dataclass(frozen=True, slots=True)
class RecentToxin:
    zone: str
    product: str
    months_ago: float
    amount: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "product": self.product,
            "months_ago": self.months_ago,
            "amount": self.amount,
        }


@dataclass(slots=True)
class CumulativeLoad:
    """Earlier treatments still present, plus what this plan adds."""

    filler: tuple[ZoneLoad, ...]
    recent_toxin: tuple[RecentToxin, ...]
    ona_units_3_months: float
    note: str = (
        "Residual filler follows the app's persistence heuristic (face.remaining_fraction): "
        "60% of HA at 3 months, 30% at 2 years, traces for years (P16 F18)."
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "filler": [z.to_dict() for z in self.filler],
            "recent_toxin": [t.to_dict() for t in self.recent_toxin],
            "ona_units_3_months": self.ona_units_3_months,
            "note": self.note,
        }


@dataclass(slots=True)
class Candidacy:
    """Whether this patient may be treated today as the plan proposes."""

    expected: Disposition
    given: Disposition
    treats: bool
    ok: bool
    blocked_by: tuple[str, ...]
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected.value,
            "given": self.given.value,
            "treats": self.treats,
            "ok": self.ok,
            "blocked_by": list(self.blocked_by),
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(slots=True, unsafe_hash=True)
class ProjectedLook:
    """How much younger the plan would make the patient look (TEACHING HEURISTIC)."""

    age: int
    years_younger: int
    apparent_age: int
    aimed_years: int
    cap_years: int
    label: str
    fade: tuple[tuple[int, int], ...]
    note: str = LOOK_NOTE
    references: tuple[str, ...] = LOOK_REFS

    def to_dict(self) -> dict[str, Any]:
        return {
            "age": self.age,
            "years_younger": self.years_younger,
            "apparent_age": self.apparent_age,
            "aimed_years": self.aimed_years,
            "cap_years": self.cap_years,
            "label": self.label,
            "fade": [{"month": m, "years_younger": y} for m, y in self.fade],
            "note": self.note,
            "references": list(self.references),
        }


@dataclass(slots=True)
class PlanScore:
    """Everything the engine says about one plan for one case."""

    case_id: str
    band: Band
    score: int
    penalty: float
    zones: tuple[ZoneVerdict, ...]
    totals: SessionTotals
    cumulative: CumulativeLoad
    findings: tuple[Finding, ...]
    candidacy: Candidacy
    look: ProjectedLook
    band_reasons: tuple[str, ...]
    references: tuple[str, ...]
    #: The band in words, naming what drives it: toxin past its range reads "Over-treated
    #: (toxin)", filler volume "Overfilled".
    band_label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "band": self.band.value,
            "band_label": self.band_label,
            "score": self.score,
            "penalty": rounded(self.penalty, 2),
            "zones": [z.to_dict() for z in self.zones],
            "totals": self.totals.to_dict(),
            "cumulative": self.cumulative.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "candidacy": self.candidacy.to_dict(),
            "look": self.look.to_dict(),
            "band_reasons": list(self.band_reasons),
            "references": list(self.references),
        }


@lru_cache(maxsize=4096)
def fmt(value: float) -> str:
    """A number as a clinician writes it: no trailing zero, one decimal, and two below 1, where
    the second carries a dose (0.25 or 0.55 mL is not 0.2 or 0.6). Cached: the engine writes the
    same few figures into thousands of reasons."""
    if abs(value) < 1:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.1f}".removesuffix(".0")


def volume_left(ml: float) -> str:
    """Filler estimated to remain, in words that never print a small amount as 0 mL."""
    if ml >= 0.01:
        return f"about {fmt(ml)} mL"
    return "under 0.01 mL"


#: Zone names as a sentence reads them ("crow's feet (lateral canthal lines)").
ZONE_NAMES: Final = {z.id: z.label[0].lower() + z.label[1:] for z in ZONES.values()}


def unit_label(family: Family, per_side: bool) -> str:
    base = {Family.TOXIN: "U (ona-eq)", Family.FILLER: "mL"}.get(family, "U")
    return f"{base} per side" if per_side else base


UNIT_LABELS: Final = {(f, side): unit_label(f, side) for f in Family for side in (True, False)}
