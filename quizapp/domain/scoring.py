"""The plan-scoring engine: judge a trainee's plan against a case, and score the other steps.

`score_plan(case, plan)` returns a `PlanScore`: a verdict per zone, session totals against the
case and the labels, what earlier visits left behind, product-safety findings, candidacy, a
projected look (a TEACHING HEURISTIC), identity findings, ONE band and a score out of 100 in
which over-treatment costs more than the same distance of under-treatment. Every point given or
taken carries a sentence a person can read and the source keys behind it. docs/scoring.md
explains each rule and weight so an educator can predict a score.

Pure and deterministic: no clock, no randomness; item order and item splitting do not matter.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from quizapp.domain.case import Case, ResolvedRange, side_keys
from quizapp.domain.face import (
    AFFECTS,
    FACIAL_UNITS_REFS,
    FILLER_YEAR_REFS,
    ONA_MAX_REFS,
    ONA_MAX_UNITS_3_MONTHS,
    PRODUCTS,
    TOXIN_RETREAT_MONTHS,
    UPPER_FACE_LABEL_UNITS,
    UPPER_FACE_REFS,
    UPPER_FACE_ZONES,
    ZONE_IDS,
    ZONES,
    Family,
    effect_fraction,
    remaining_fraction,
    to_ona_units,
)
from quizapp.domain.plan import Plan
from quizapp.domain.redflags import RED_FLAGS, RedFlag
from quizapp.domain.sources import sorted_keys
from quizapp.domain.terms import Band, Depth, Disposition, Severity, Side, Verdict

# --------------------------------------------------------------------------------------------
# Weights (docs/scoring.md explains each one)
# --------------------------------------------------------------------------------------------

#: Points per range-top of distance below the range minimum.
W_UNDER: Final = 20.0
#: Points per range-top of distance above the range maximum: twice W_UNDER, because filler is
#: hard and toxin impossible to take back (principles.md).
W_OVER: Final = 40.0
#: Extra points for crossing the ceiling into "overfilled".
OVER_CEILING_STEP: Final = 10.0
NOT_INDICATED_BASE: Final = 5.0
#: ... plus this many points per range-top (catalogue typical top) of amount given.
NOT_INDICATED_SCALE: Final = 10.0
WRONG_PRODUCT_SUITED: Final = 10.0
WRONG_PRODUCT_UNSUITED: Final = 20.0
UNSAFE_ZONE: Final = 30.0
CANDIDACY_PENALTY: Final = 40.0
UNSAFE_SCORE_CAP: Final = 20
FACIAL_UNIT_PENALTY: Final = 5.0
#: Forehead toxin without the glabella: off label (B1) and a heavy, dropped brow (B33).
FOREHEAD_ALONE_PENALTY: Final = 10.0
UPPER_FACE_PENALTY: Final = 10.0
LABEL_LIMIT_PENALTY: Final = 20.0
LAYERING_PENALTY: Final = 10.0
IDENTITY_PENALTY: Final = 10.0
ERASED_PENALTY: Final = 5.0
DEPTH_PENALTY: Final = 5.0
DISPOSITION_NEAR_MISS: Final = 5.0
DISPOSITION_MISS: Final = 10.0
#: "conservative" down to this share of the range minimum, "under" below it.
CONSERVATIVE_SHARE: Final = 0.5

#: Projected look (teaching heuristic): years credited per appropriately treated sign, and the
#: cap: about 3-5 years after on-label treatment, up to about 6 with toxin and filler together
#: (P1 P2 P3 P4 P5).
CREDIT_YEARS_PER_ZONE: Final = 1.5
LOOK_CAP_YEARS: Final = 5.0
LOOK_CAP_COMBINED_YEARS: Final = 6.0
LOOK_REFS: Final = ("P1", "P2", "P3", "P4", "P5")
FADE_MONTHS: Final = (1, 6, 12, 24)
LOOK_NOTE: Final = (
    "Teaching heuristic, not a prediction: each appropriately treated sign earns "
    f"{CREDIT_YEARS_PER_ZONE:g} years, capped at {LOOK_CAP_YEARS:g} ({LOOK_CAP_COMBINED_YEARS:g} "
    "with toxin and filler together) after the self-rated figures in P1-P5; nothing extra past "
    "a range. Toxin credit fades over its duration (P18-P21), HA over 24 months (P3)."
)

_SEVERITY_RANK: Final = {s: i for i, s in enumerate(Severity)}
_FAMILY_ORDER: Final = {Family.TOXIN: 0, Family.FILLER: 1}
#: Effect left at each reported month, per product (the curves are fixed, so work them out once).
_EFFECT_AT: Final = {(p, m): effect_fraction(p, m) for p in PRODUCTS for m in FADE_MONTHS}
_VERDICT_RANK: Final = {
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
_ZONE_ORDER: Final = {z: i for i, z in enumerate(ZONE_IDS)}


def _r(value: float, places: int = 4) -> float:
    return round(value, places) + 0.0


# --------------------------------------------------------------------------------------------
# Result types
#
# Results are read-only by contract. The few created many times per plan (Reason, RangeView,
# ZoneVerdict, Finding, ZoneLoad) are plain slotted dataclasses rather than frozen ones: frozen
# construction costs about a tenth of the engine's time, and the engine is benchmarked at
# thousands of plans a second (bench/scoring.py).
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Reason:
    """One human sentence with the source keys behind it."""

    text: str
    references: tuple[str, ...] = ()

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
            "penalty": _r(self.penalty, 2),
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "text": self.text,
            "references": list(self.references),
            "zone": self.zone,
            "penalty": _r(self.penalty, 2),
        }


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ProjectedLook:
    """How much younger the plan would make the patient look (TEACHING HEURISTIC)."""

    age: int
    years_younger: float
    apparent_age: float
    aimed_years: float
    cap_years: float
    label: str
    fade: tuple[tuple[int, float], ...]
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


@dataclass(frozen=True, slots=True)
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "band": self.band.value,
            "score": self.score,
            "penalty": _r(self.penalty, 2),
            "zones": [z.to_dict() for z in self.zones],
            "totals": self.totals.to_dict(),
            "cumulative": self.cumulative.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "candidacy": self.candidacy.to_dict(),
            "look": self.look.to_dict(),
            "band_reasons": list(self.band_reasons),
            "references": list(self.references),
        }


# --------------------------------------------------------------------------------------------
# Plan scoring
# --------------------------------------------------------------------------------------------


def _fmt(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _unit(family: Family, per_side: bool) -> str:
    base = "U (ona-eq)" if family == Family.TOXIN else "mL"
    return f"{base} per side" if per_side else base


_UNITS: Final = {(f, per_side): _unit(f, per_side) for f in Family for per_side in (True, False)}


@dataclass(slots=True)
class _Group:
    """Plan amounts for one zone and family: per product and side, in the product's own units
    (`by_product`) and in range units, toxin as ona-eq (`in_range_units`)."""

    zone: str
    family: Family
    by_product: dict[str, dict[str, float]]
    in_range_units: dict[str, dict[str, float]]


def _sum(values: Iterable[float]) -> float:
    """Order-independent sum, rounded so that 1 + 1 and 2 are the same amount."""
    return round(math.fsum(values), 6)


def _group_items(plan: Plan) -> dict[tuple[str, Family], _Group]:
    raw: dict[tuple[str, Family], dict[str, dict[str, list[float]]]] = {}
    for item in plan.items:
        family = PRODUCTS[item.product].family
        sides = raw.setdefault((item.zone, family), {}).setdefault(item.product, {})
        for key in _SIDE_KEYS[(item.zone, item.side)]:
            if key in sides:
                sides[key].append(item.amount)
            else:
                sides[key] = [item.amount]
    groups = {}
    for (zone, family), products in raw.items():
        own = {}
        ranged = {}
        for pid, sides in products.items():
            own[pid] = summed = {k: _sum(v) for k, v in sides.items()}
            if family == Family.TOXIN:
                factor = PRODUCTS[pid].ona_factor
                ranged[pid] = {k: v / factor for k, v in summed.items()}
            else:
                ranged[pid] = summed
        groups[(zone, family)] = _Group(zone, family, own, ranged)
    return groups


_SIDE_KEYS: Final = {(z, side): side_keys(z, side) for z in ZONES for side in Side}


def _side_amounts(
    group: _Group, products: Iterable[str], keys: tuple[str, ...]
) -> dict[str, float]:
    """Per-side amounts of the given products, in range units (toxin as ona-eq)."""
    ranged = group.in_range_units
    out = {}
    for key in keys:
        parts = [ranged[p][key] for p in products if p in ranged and key in ranged[p]]
        out[key] = parts[0] if len(parts) == 1 else _sum(parts)
    return out


def _dose_verdict(amount: float, rng: ResolvedRange) -> tuple[Verdict, float]:
    """Verdict and penalty for one side against a range (docs/scoring.md, "zone verdicts")."""
    top = rng.max
    if amount <= 0:
        if rng.min > 0:
            return Verdict.MISSED, W_UNDER * rng.min / top
        return Verdict.ON_TARGET, 0.0
    if amount < rng.min - 1e-9:
        penalty = W_UNDER * (rng.min - amount) / top
        if amount >= CONSERVATIVE_SHARE * rng.min - 1e-9:
            return Verdict.CONSERVATIVE, penalty
        return Verdict.UNDER, penalty
    if amount <= top + 1e-9:
        return Verdict.ON_TARGET, 0.0
    penalty = W_OVER * (amount - top) / top
    if amount <= rng.ceiling + 1e-9:
        return Verdict.HEAVY, penalty
    return Verdict.OVERFILLED, penalty + OVER_CEILING_STEP


def _worst(verdicts: Iterable[Verdict]) -> Verdict:
    return max(verdicts, key=_VERDICT_RANK.__getitem__)


@dataclass(slots=True)
class _CaseFacts:
    """What the engine derives from a case alone, worked out once per case and kept in
    `case.cache`, so that scoring many plans against one case repeats none of it."""

    flags: dict[str, tuple[str, ...]]
    blocking: tuple[tuple[RedFlag, tuple[str, ...]], ...]
    cautions: tuple[RedFlag, ...]
    required: tuple[tuple[str, Family], ...]
    views: dict[tuple[str, Family], RangeView]
    upper_limit: float
    history_by_zone: dict[str, tuple[tuple[str, float], ...]]
    filler_history_zones: frozenset[str]
    recent_toxin: tuple[RecentToxin, ...]
    ona_history: float
    filler_past_year: float
    filler_ceilings: dict[str, float | None]


@dataclass(slots=True)
class _State:
    """Working state of one scoring run."""

    case: Case
    plan: Plan
    facts: _CaseFacts
    zones: list[ZoneVerdict]
    findings: list[Finding]
    credit: dict[tuple[str, Family], tuple[float, str]]
    overreach: float


def _facts(case: Case) -> _CaseFacts:
    facts = case.cache.get("scoring")
    if facts is None:
        facts = case.cache["scoring"] = _build_facts(case)
    return facts


def _build_facts(case: Case) -> _CaseFacts:
    # Red flags present: those listed (with their zones) plus those the facts imply.
    flags = {f.id: f.zones for f in case.reference.red_flags}
    for flag_id in sorted(case.derived_flags()):
        flags.setdefault(flag_id, ())
    ordered = sorted(flags)
    blocking = tuple((RED_FLAGS[f], flags[f]) for f in ordered if RED_FLAGS[f].blocks)
    cautions = tuple(RED_FLAGS[f] for f in ordered if not RED_FLAGS[f].blocks)
    views = {
        (r.zone, r.family): RangeView(
            r.min,
            r.max,
            r.ceiling,
            _unit(r.family, r.per_side),
            r.per_side,
            r.source,
            r.references,
        )
        for r in case.ranges
    }
    reference_upper = _sum(
        r.max * (2 if r.per_side else 1)
        for r in case.ranges
        if r.family == Family.TOXIN and r.zone in UPPER_FACE_ZONES
    )
    by_zone: dict[str, list[tuple[str, float]]] = {}
    recent = []
    ona_history = []
    past_year = []
    for item, months in case.history_months:
        by_zone.setdefault(item.zone, []).append((item.product, months))
        sides = len(side_keys(item.zone, item.side))
        if PRODUCTS[item.product].is_toxin:
            if months < TOXIN_RETREAT_MONTHS:
                recent.append(RecentToxin(item.zone, item.product, months, item.amount))
                if item.product == "ona" and item.amount is not None:
                    ona_history.append(item.amount * sides)
        elif item.amount is not None and months < 12:
            past_year.append(item.amount * sides)
    recent.sort(key=lambda t: (t.months_ago, t.zone, t.product))
    filler_zones = frozenset(
        item.zone for item in case.history if not PRODUCTS[item.product].is_toxin
    )
    ceilings = {}
    for zone_id, zone in ZONES.items():
        typical = zone.typical(Family.FILLER, case.patient.sex)
        ceilings[zone_id] = typical.effective_ceiling if typical else None
    return _CaseFacts(
        flags,
        blocking,
        cautions,
        tuple((r.zone, r.family) for r in case.ranges if r.required),
        views,
        max(UPPER_FACE_LABEL_UNITS, reference_upper),
        {zone: tuple(items) for zone, items in by_zone.items()},
        filler_zones,
        tuple(recent),
        _sum(ona_history),
        _sum(past_year),
        ceilings,
    )


def _blocking_flags(
    facts: _CaseFacts, zone: str, family: Family, products: Iterable[str]
) -> list[str]:
    hits = []
    for flag, zones in facts.blocking:
        if flag.scope == "zone" and zones and zone not in zones:
            continue
        if any(flag.concerns(family, p) for p in products):
            hits.append(flag.id)
    return hits


def score_plan(case: Case, plan: Plan) -> PlanScore:
    """Judge a plan against a case (docs/scoring.md). Deterministic and order-independent."""
    facts = _facts(case)
    state = _State(case, plan, facts, [], [], {}, 0.0)
    groups = _group_items(plan)
    expected = case.reference.disposition
    treats = bool(plan.items)
    candidacy_fails = treats and not expected.treats

    blocked_by: set[str] = set()
    keys = set(groups)
    keys.update(facts.required)
    for key in sorted(keys, key=lambda k: (_ZONE_ORDER[k[0]], _FAMILY_ORDER[k[1]])):
        group = groups.get(key)
        hits = _blocking_flags(facts, key[0], key[1], group.by_product) if group else []
        blocked_by.update(hits)
        _judge_zone(state, key, group, candidacy_fails, hits)

    _product_safety(state, groups)
    totals = _session_totals(state, groups)
    cumulative = _cumulative(state, groups)
    _identity(state)
    _cautions(state, groups)
    look = _projected_look(state)
    candidacy = _candidacy(state, candidacy_fails, sorted(blocked_by))

    zones = tuple(state.zones)
    findings = tuple(
        sorted(
            state.findings,
            key=lambda f: (-_SEVERITY_RANK[f.severity], f.code, f.zone or "", f.text),
        )
    )
    band, band_reasons = _band(state, zones, findings)
    penalty = math.fsum([z.penalty for z in zones] + [f.penalty for f in findings])
    raw = max(0.0, 100.0 - penalty)
    score = int(math.floor(raw + 0.5 + 1e-9))
    if band == Band.UNSAFE:
        score = min(score, UNSAFE_SCORE_CAP)
    refs: list[str] = []
    for z in zones:
        for reason in z.reasons:
            refs.extend(reason.references)
    for f in findings:
        refs.extend(f.references)
    for reason in candidacy.reasons:
        refs.extend(reason.references)
    refs.extend(look.references)
    return PlanScore(
        case.id,
        band,
        score,
        _r(penalty, 4),
        zones,
        totals,
        cumulative,
        findings,
        candidacy,
        look,
        band_reasons,
        sorted_keys(refs),
    )


def _judge_zone(
    state: _State,
    key: tuple[str, Family],
    group: _Group | None,
    candidacy_fails: bool,
    blocking: list[str],
) -> None:
    zone_id, family = key
    zone = ZONES[zone_id]
    case = state.case
    rng = case.range_for(zone_id, family)
    side_key_list = ("left", "right") if zone.per_side else ("total",)
    products = tuple(sorted(group.by_product)) if group else ()
    unit = _UNITS[(family, zone.per_side)]
    view = state.facts.views.get(key)
    all_amounts = (
        _side_amounts(group, products, side_key_list)
        if group
        else dict.fromkeys(side_key_list, 0.0)
    )
    amounts = tuple([(k, round(v, 4)) for k, v in all_amounts.items()])
    reasons: list[Reason] = []

    def add(verdict: Verdict, penalty: float) -> None:
        state.zones.append(
            ZoneVerdict(
                zone_id, family, products, amounts, unit, view, verdict, tuple(reasons), penalty
            )
        )

    # 1. Candidacy and red flags: unsafe whatever the dose.
    if group is not None and candidacy_fails:
        reasons.append(
            Reason(
                f"The right disposition today is {case.reference.disposition.value}: nothing "
                "should be injected, whatever the dose.",
                _flag_refs(case.flag_ids),
            )
        )
        add(Verdict.UNSAFE, 0.0)
        return
    if group is not None and blocking:
        for flag_id in blocking:
            flag = RED_FLAGS[flag_id]
            reasons.append(
                Reason(
                    f"{flag.label} rules out {family.value} in {zone_id} today. {flag.note}",
                    flag.references,
                )
            )
        add(Verdict.UNSAFE, UNSAFE_ZONE)
        return

    # 2. Untreated zone the reference needs.
    if group is None:
        assert rng is not None
        reasons.append(
            Reason(
                f"{zone.label} needs {family.value} ({_fmt(rng.min)}-{_fmt(rng.max)} {unit}) but "
                "the plan leaves it untreated.",
                rng.references,
            )
        )
        penalty = W_UNDER * rng.min / rng.max
        add(Verdict.MISSED, penalty)
        return

    typical = zone.typical(family, case.patient.sex)

    # 3. Filler where the catalogue offers none, in a danger zone (glabella, forehead, nose).
    if family == Family.FILLER and zone.danger_zone and Family.FILLER not in zone.families:
        reasons.append(
            Reason(
                f"Filler in {zone_id}: a danger zone where this catalogue offers no filler at "
                "all; it carries a large share of the blindness cases after filler.",
                ("F35", *zone.danger_references),
            )
        )
        add(Verdict.UNSAFE, UNSAFE_ZONE)
        return

    # 4. Treated without a reference for this zone and family.
    if rng is None:
        if case.zone_referenced(zone_id):
            other = next(r for r in case.ranges if r.zone == zone_id)
            reasons.append(
                Reason(
                    f"{zone.label} calls for {other.family.value}, not {family.value}: toxin "
                    "treats lines of movement, filler replaces volume.",
                    other.references,
                )
            )
            penalty = (
                WRONG_PRODUCT_UNSUITED
                if not _all_suited(zone_id, products)
                else (WRONG_PRODUCT_SUITED)
            )
            add(Verdict.WRONG_PRODUCT, penalty)
            state.overreach += CREDIT_YEARS_PER_ZONE
            return
        top = typical.high if typical and typical.high else None
        total = max(all_amounts.values())
        assessed = case.assessment_for(zone_id)
        grade = assessed.grade_for(family) if assessed else None
        why = (
            f"graded {grade} ({'mild' if grade == 1 else 'none' if grade == 0 else 'moderate+'})"
            if grade is not None
            else "not part of the reference"
        )
        reasons.append(
            Reason(
                f"{zone.label} is {why}: treating it is not indicated in this case, and the "
                "smallest plan that meets the goal is the better one.",
                typical.references if typical else (),
            )
        )
        extra = NOT_INDICATED_SCALE * total / top if top else NOT_INDICATED_SCALE
        add(Verdict.NOT_INDICATED, NOT_INDICATED_BASE + extra)
        state.overreach += CREDIT_YEARS_PER_ZONE * (total / top if top else 1.0)
        return

    # 5. Product choice.
    wrong = [p for p in products if p not in rng.products]
    right = [p for p in products if p in rng.products]
    side_amounts = all_amounts if not wrong else _side_amounts(group, right, side_key_list)
    if wrong:
        suited = _all_suited(zone_id, wrong)
        names = ", ".join(PRODUCTS[p].label for p in wrong)
        reasons.append(
            Reason(
                f"{names} is not what this case calls for in {zone_id} "
                f"(reference: {', '.join(rng.products)})"
                + ("." if suited else "; it is not suited to this zone at all."),
                tuple(r for p in wrong for r in PRODUCTS[p].references),
            )
        )
        penalty = WRONG_PRODUCT_SUITED if suited else WRONG_PRODUCT_UNSUITED
        # The right products, if any, are still judged for under-treatment.
        under = 0.0
        for side in side_key_list:
            verdict, side_penalty = _dose_verdict(side_amounts[side], rng)
            if verdict in (Verdict.MISSED, Verdict.UNDER, Verdict.CONSERVATIVE):
                under += side_penalty
        add(Verdict.WRONG_PRODUCT, penalty + under / len(side_key_list))
        state.overreach += CREDIT_YEARS_PER_ZONE
        return

    # 6. Dose against the range, side by side, then what earlier filler left behind.
    verdicts = []
    penalties = []
    credit = 0.0
    overreach = 0.0
    cat_ceiling = typical.effective_ceiling if typical else None
    residual = case.residual_ml(zone_id) if family == Family.FILLER else {}
    for side in side_key_list:
        amount = side_amounts[side]
        verdict, penalty = _dose_verdict(amount, rng)
        earlier = residual.get(side, 0.0)
        if (
            family == Family.FILLER
            and amount > 0
            and earlier > 0
            and cat_ceiling is not None
            and earlier + amount > cat_ceiling + 1e-9
        ):
            if verdict != Verdict.OVERFILLED:
                penalty += OVER_CEILING_STEP
            penalty += W_OVER * (earlier + amount - cat_ceiling) / rng.max
            verdict = Verdict.OVERFILLED
            reasons.append(
                Reason(
                    f"{side}: about {_fmt(earlier)} mL remain from earlier filler; adding "
                    f"{_fmt(amount)} mL takes the zone to {_fmt(earlier + amount)} mL, past the "
                    f"{_fmt(cat_ceiling)} mL ceiling. HA persists far longer than it looks.",
                    ("F18", *(typical.references if typical else ())),
                )
            )
        verdicts.append(verdict)
        penalties.append(penalty)
        low = rng.min if rng.min > 0 else rng.max
        credit += CREDIT_YEARS_PER_ZONE * min(1.0, amount / low)
        if amount > rng.max:
            overreach += CREDIT_YEARS_PER_ZONE * (amount - rng.max) / rng.max
    n = len(side_key_list)
    verdict = _worst(verdicts)
    reasons.insert(0, _dose_reason(zone.label, side_key_list, side_amounts, rng, unit, verdict))
    if family == Family.TOXIN and len(right) == 1 and right[0] != "ona":
        prod = PRODUCTS[right[0]]
        reasons.append(
            Reason(
                f"{prod.label} counted at {prod.ona_factor:g} {prod.unit} per ona unit, from the "
                "labels' glabella doses: an approximation, units are not interchangeable.",
                ("B1", *prod.references, "B24", "B25"),
            )
        )
    state.credit[key] = (credit / n, right[0])
    state.overreach += overreach / n
    add(verdict, math.fsum(penalties) / n)


def _dose_reason(
    label: str,
    keys: tuple[str, ...],
    amounts: Mapping[str, float],
    rng: ResolvedRange,
    unit: str,
    verdict: Verdict,
) -> Reason:
    given = (
        ", ".join(f"{k} {_fmt(amounts[k])}" for k in keys)
        if len(keys) > 1
        else _fmt(amounts[keys[0]])
    )
    span = f"{_fmt(rng.min)}-{_fmt(rng.max)} {unit} (ceiling {_fmt(rng.ceiling)})"
    return Reason(f"{label}: {given} against {span} is {_DOSE_WORDS[verdict]}.", rng.references)


_DOSE_WORDS: Final = {
    Verdict.ON_TARGET: "within the range",
    Verdict.CONSERVATIVE: "below the range but at least half its minimum: a fair, cautious "
    "start that can be topped up",
    Verdict.UNDER: "well below the range: unlikely to reach a visible one-grade change",
    Verdict.MISSED: "untreated although the case needs it",
    Verdict.HEAVY: "above the range: more than the goal needs",
    Verdict.OVERFILLED: "past the ceiling: overfilled",
}


def _all_suited(zone_id: str, products: Iterable[str]) -> bool:
    zone = ZONES[zone_id]
    return all(p in zone.products and not PRODUCTS[p].permanent for p in products)


def _flag_refs(flag_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(r for f in sorted(flag_ids) for r in RED_FLAGS[f].references)


def _product_safety(state: _State, groups: Mapping[tuple[str, Family], _Group]) -> None:
    """Permanent fillers, layering over slow or permanent fillers, danger zones."""
    history_by_zone = state.facts.history_by_zone
    for (zone_id, family), group in sorted(
        groups.items(), key=lambda kv: (_ZONE_ORDER[kv[0][0]], _FAMILY_ORDER[kv[0][1]])
    ):
        if family != Family.FILLER:
            continue
        zone = ZONES[zone_id]
        products = sorted(group.by_product)
        for pid in products:
            product = PRODUCTS[pid]
            if product.permanent:
                if zone.danger_zone:
                    state.findings.append(
                        Finding(
                            "permanent_danger_zone",
                            Severity.UNSAFE,
                            f"Permanent filler ({product.label}) in {zone_id}, a danger zone: "
                            "it can never be dissolved if a vessel is blocked, and late "
                            "nodules and migration are more common.",
                            (*zone.danger_references, *product.references, "F30"),
                            zone_id,
                            UNSAFE_ZONE,
                        )
                    )
                else:
                    state.findings.append(
                        Finding(
                            "permanent_filler",
                            Severity.OVERDONE,
                            f"Permanent filler ({product.label}) in {zone_id}: it stays in the "
                            "tissue, can cause foreign-body reactions years later and cannot be "
                            "taken back. Degradable, reversible HA comes first.",
                            product.references,
                            zone_id,
                            0.0,
                        )
                    )
        earlier = history_by_zone.get(zone_id, ())
        permanent_before = sorted({p for p, _ in earlier if PRODUCTS[p].permanent})
        slow_before = sorted(
            {
                p
                for p, months in earlier
                if PRODUCTS[p].filler_class == "biostimulator" and remaining_fraction(p, months) > 0
            }
        )
        if permanent_before:
            # A red flag may already have made the zone unsafe; do not charge twice.
            charged = any(
                z.zone == zone_id and z.verdict == Verdict.UNSAFE and z.penalty > 0
                for z in state.zones
            )
            state.findings.append(
                Finding(
                    "layering_permanent",
                    Severity.UNSAFE,
                    f"Filler over permanent material ({', '.join(permanent_before)}) already in "
                    f"{zone_id}: layering is to be avoided and raises the risk of late "
                    "inflammatory nodules and migration.",
                    ("F44", "F25", "F30"),
                    zone_id,
                    0.0 if charged else UNSAFE_ZONE,
                )
            )
        elif slow_before:
            state.findings.append(
                Finding(
                    "layering_slow",
                    Severity.OVERDONE,
                    f"Filler over a biostimulator still active in {zone_id} "
                    f"({', '.join(slow_before)}): avoid layering over slowly degrading fillers.",
                    ("F44", "F19", "F22"),
                    zone_id,
                    LAYERING_PENALTY,
                )
            )
        if zone.danger_zone and not any(PRODUCTS[p].permanent for p in products):
            irreversible = [p for p in products if not PRODUCTS[p].reversible]
            if irreversible:
                text = (
                    f"{zone_id} is a danger zone and {', '.join(irreversible)} cannot be "
                    "dissolved: there is no hyaluronidase rescue if a vessel is blocked."
                )
                refs = (*zone.danger_references, "F38")
            else:
                text = (
                    f"{zone_id} is a danger zone for filler: placement, depth and volume carry "
                    "real risk; hyaluronidase must be at hand."
                )
                refs = (*zone.danger_references, "F34", "F38")
            state.findings.append(Finding("danger_zone", Severity.INFO, text, refs, zone_id))
        if zone_id == "tear_trough":
            for pid in products:
                if _has_depth(state.plan, zone_id, pid, Depth.INTRADERMAL):
                    state.findings.append(
                        Finding(
                            "superficial_tear_trough",
                            Severity.OVERDONE,
                            "Intradermal filler under the eye brings swelling and a blue "
                            "Tyndall tint; place a low-G' gel deep.",
                            ("P28", "P22", "P29"),
                            zone_id,
                            DEPTH_PENALTY,
                        )
                    )
                    break


def _has_depth(plan: Plan, zone: str, product: str, depth: Depth) -> bool:
    return any(i.zone == zone and i.product == product and i.depth == depth for i in plan.items)


def _session_totals(state: _State, groups: Mapping[tuple[str, Family], _Group]) -> SessionTotals:
    case = state.case
    toxin: dict[str, list[float]] = {}
    filler: dict[str, list[float]] = {}
    upper: list[float] = []
    units: set[str] = set()
    for (zone_id, family), group in groups.items():
        units.add(ZONES[zone_id].unit)
        for pid, sides in group.by_product.items():
            amount = _sum(sides.values())
            (toxin if family == Family.TOXIN else filler).setdefault(pid, []).append(amount)
            if family == Family.TOXIN and zone_id in UPPER_FACE_ZONES:
                upper.append(to_ona_units(pid, amount))
    toxin_units = tuple(sorted((p, _sum(v)) for p, v in toxin.items()))
    filler_ml = tuple(sorted((p, _sum(v)) for p, v in filler.items()))
    ona_eq = _sum(to_ona_units(p, v) for p, v in toxin_units)
    filler_total = _sum(v for _, v in filler_ml)
    upper_total = _sum(upper)

    limit_units = case.reference.max_facial_units
    if len(units) > limit_units:
        extra = len(units) - limit_units
        state.findings.append(
            Finding(
                "facial_units",
                Severity.OVERDONE,
                f"{len(units)} facial units in one visit ({', '.join(sorted(units))}); this case "
                f"allows {limit_units}. Treating more rarely adds benefit: stage it.",
                FACIAL_UNITS_REFS,
                None,
                FACIAL_UNIT_PENALTY * extra,
            )
        )

    upper_limit = state.facts.upper_limit
    if upper_total > upper_limit + 1e-9:
        state.findings.append(
            Finding(
                "upper_face_total",
                Severity.OVERDONE,
                f"{_fmt(upper_total)} ona-eq units in the upper face, above the "
                f"{_fmt(upper_limit)} U of a full on-label upper face: a frozen, heavy brow is "
                "the risk.",
                (*UPPER_FACE_REFS, "B33", "B36"),
                None,
                UPPER_FACE_PENALTY + W_UNDER * (upper_total - upper_limit) / upper_limit,
            )
        )

    year_total = None
    year_limit = case.filler_year_limit_ml
    if year_limit is not None:
        year_total = _sum([state.facts.filler_past_year, filler_total])
        if year_total > year_limit + 1e-9:
            state.findings.append(
                Finding(
                    "filler_year_limit",
                    Severity.OVERFILLED,
                    f"{_fmt(year_total)} mL of filler within 12 months, above the label's "
                    f"{_fmt(year_limit)} mL a year for {_fmt(case.patient.weight_kg or 0)} kg.",
                    FILLER_YEAR_REFS,
                    None,
                    LABEL_LIMIT_PENALTY,
                )
            )
    return SessionTotals(
        toxin_units,
        ona_eq,
        filler_ml,
        filler_total,
        tuple(sorted(units)),
        limit_units,
        upper_total,
        upper_limit,
        year_total,
        year_limit,
    )


def _cumulative(state: _State, groups: Mapping[tuple[str, Family], _Group]) -> CumulativeLoad:
    case, facts = state.case, state.facts
    loads = []
    zones = set(facts.filler_history_zones)
    zones.update(zone for zone, family in groups if family == Family.FILLER)
    for zone_id in sorted(zones, key=_ZONE_ORDER.__getitem__):
        keys = ("left", "right") if ZONES[zone_id].per_side else ("total",)
        group = groups.get((zone_id, Family.FILLER))
        added = _side_amounts(group, group.by_product, keys) if group else dict.fromkeys(keys, 0.0)
        earlier = case.residual_ml(zone_id)
        ceiling = facts.filler_ceilings[zone_id]
        for key in keys:
            before = round(earlier.get(key, 0.0), 3)
            new = round(added[key], 3)
            loads.append(ZoneLoad(zone_id, key, before, new, round(before + new, 3), ceiling))
    plan_ona = [
        v
        for (_, family), group in groups.items()
        if family == Family.TOXIN
        for pid, sides in group.by_product.items()
        if pid == "ona"
        for v in sides.values()
    ]
    ona_total = _sum([facts.ona_history, *plan_ona])
    if ona_total > ONA_MAX_UNITS_3_MONTHS:
        state.findings.append(
            Finding(
                "ona_3_month_limit",
                Severity.OVERFILLED,
                f"{_fmt(ona_total)} U of onabotulinumtoxinA within 3 months, above the label "
                f"maximum of {_fmt(ONA_MAX_UNITS_3_MONTHS)} U across all indications.",
                ONA_MAX_REFS,
                None,
                LABEL_LIMIT_PENALTY,
            )
        )
    return CumulativeLoad(tuple(loads), facts.recent_toxin, ona_total)


def _identity(state: _State) -> None:
    """Heavy treatment of (or next to) a feature the case asks to preserve (principle 7)."""
    case = state.case
    heavy = {Verdict.HEAVY, Verdict.OVERFILLED}
    for keep in sorted(case.preserve, key=lambda p: _ZONE_ORDER[p.zone]):
        culprits: list[tuple[str, tuple[str, ...]]] = []
        for verdict in state.zones:
            if verdict.zone == keep.zone and verdict.verdict in heavy:
                culprits.append((verdict.zone, ()))
                continue
            for affected, refs in AFFECTS.get(verdict.zone, ()):
                if affected == keep.zone and verdict.verdict in heavy | {Verdict.NOT_INDICATED}:
                    culprits.append((verdict.zone, refs))
        if culprits:
            names = ", ".join(sorted({c[0] for c in culprits}))
            refs = tuple(r for _, rs in culprits for r in rs)
            note = f" ({keep.note})" if keep.note else ""
            state.findings.append(
                Finding(
                    "identity",
                    Severity.OVERDONE,
                    f"Treating {names} beyond what the case needs changes {keep.zone}, a "
                    f"feature to preserve"
                    f"{note}. Every face is unique: keep what carries the person's expression.",
                    refs,
                    keep.zone,
                    IDENTITY_PENALTY,
                )
            )


def _cautions(state: _State, groups: Mapping[tuple[str, Family], _Group]) -> None:
    """Non-blocking red flags that concern what the plan does: reminders, no points."""
    treated = {(family, pid) for (_, family), g in groups.items() for pid in g.by_product}
    for flag in state.facts.cautions:
        if any(flag.concerns(family, pid) for family, pid in treated):
            state.findings.append(
                Finding(
                    f"caution_{flag.id}",
                    Severity.INFO,
                    f"Caution: {flag.label.lower()}. {flag.note}",
                    flag.references,
                )
            )
    toxin_zones = {zone for zone, family in groups if family == Family.TOXIN}
    if "forehead" in toxin_zones and "glabella" not in toxin_zones:
        state.findings.append(
            Finding(
                "forehead_without_glabella",
                Severity.OVERDONE,
                "The label treats the forehead only together with the glabella; forehead "
                "toxin alone lets the depressors pull the brow down.",
                ("B1", "B33"),
                "forehead",
                FOREHEAD_ALONE_PENALTY,
            )
        )


def _projected_look(state: _State) -> ProjectedLook:
    case = state.case
    age = case.patient.age
    families = {family for (_zone, family), (credit, _pid) in state.credit.items() if credit > 0}
    cap = LOOK_CAP_COMBINED_YEARS if len(families) == 2 else LOOK_CAP_YEARS
    credits = [c for c, _ in state.credit.values()]
    raw = math.fsum(credits)
    years = _r(min(cap, raw), 2)
    aimed = _r(raw + state.overreach, 2)
    if state.overreach > 1e-9 and aimed > cap:
        label = "erased"
        state.findings.append(
            Finding(
                "erased",
                Severity.OVERDONE,
                f"The plan reaches for about {_fmt(aimed)} years younger, past the {_fmt(cap)} "
                "that well-judged treatment gives: it aims to erase, not refresh. A rested "
                f"{age} is the goal, not a younger face.",
                LOOK_REFS,
                None,
                ERASED_PENALTY,
            )
        )
    elif years <= 0 and state.overreach <= 1e-9:
        label = "unchanged"
    else:
        label = "refreshed"
    fade = []
    for month in FADE_MONTHS:
        at = math.fsum(c * _EFFECT_AT[(pid, month)] for c, pid in state.credit.values())
        fade.append((month, _r(min(cap, at), 2)))
    return ProjectedLook(age, years, _r(age - years, 2), aimed, cap, label, tuple(fade))


def _candidacy(state: _State, candidacy_fails: bool, blocked_by: list[str]) -> Candidacy:
    case, plan = state.case, state.plan
    expected, given = case.reference.disposition, plan.disposition
    reasons: list[Reason] = []
    treats = bool(plan.items)
    if candidacy_fails:
        flags = sorted(case.flag_ids)
        named = ", ".join(RED_FLAGS[f].label.lower() for f in flags) or "the case findings"
        reasons.append(
            Reason(
                f"This patient should not be treated today ({named}); the right disposition is "
                f"{expected.value}. Treating is unsafe whatever the doses.",
                _flag_refs(flags),
            )
        )
        state.findings.append(
            Finding(
                "candidacy",
                Severity.UNSAFE,
                reasons[-1].text,
                reasons[-1].references,
                None,
                CANDIDACY_PENALTY,
            )
        )
    elif blocked_by:
        reasons.append(
            Reason(
                "Part of the plan treats what a red flag rules out: "
                + ", ".join(RED_FLAGS[f].label.lower() for f in blocked_by)
                + ".",
                _flag_refs(blocked_by),
            )
        )
    if given != expected and not candidacy_fails:
        if given.treats and expected.treats:
            text = (
                f"Disposition {given.value} where {expected.value} fits: close, but say plainly "
                "what is treated today and what waits."
            )
            penalty = DISPOSITION_NEAR_MISS
        elif not expected.treats:
            text = (
                f"Disposition {given.value} where {expected.value} fits: not treating was right, "
                "but the next step differs."
            )
            penalty = DISPOSITION_MISS
        else:
            text = (
                f"Disposition {given.value} where {expected.value} fits: this patient can be "
                "treated today."
            )
            penalty = DISPOSITION_MISS
        reasons.append(Reason(text))
        state.findings.append(Finding("disposition", Severity.WARNING, text, (), None, penalty))
    ok = not candidacy_fails and not blocked_by
    return Candidacy(expected, given, treats, ok, tuple(blocked_by), tuple(reasons))


#: Which zone verdicts and finding severities put a plan in each band, worst band first.
_LADDER: Final = (
    (Band.UNSAFE, frozenset({Verdict.UNSAFE}), frozenset({Severity.UNSAFE})),
    (Band.OVERFILLED, frozenset({Verdict.OVERFILLED}), frozenset({Severity.OVERFILLED})),
    (
        Band.OVERDONE,
        frozenset({Verdict.HEAVY, Verdict.NOT_INDICATED, Verdict.WRONG_PRODUCT}),
        frozenset({Severity.OVERDONE}),
    ),
    (Band.UNDER_TREATED, frozenset({Verdict.MISSED, Verdict.UNDER}), frozenset()),
    (Band.CONSERVATIVE, frozenset({Verdict.CONSERVATIVE}), frozenset()),
)


def _band(
    state: _State, zones: tuple[ZoneVerdict, ...], findings: tuple[Finding, ...]
) -> tuple[Band, tuple[str, ...]]:
    """One band: unsafe > overfilled > overdone > under-treated > conservative > natural."""
    present_verdicts = {z.verdict for z in zones}
    present_severities = {f.severity for f in findings}
    for band, verdicts, severities in _LADDER:
        if present_verdicts & verdicts or present_severities & severities:
            reasons = [
                f"{z.zone}: {z.verdict.replace('_', ' ')}" for z in zones if z.verdict in verdicts
            ]
            reasons += [f.text for f in findings if f.severity in severities]
            return band, tuple(reasons)
    expected, given = state.case.reference.disposition, state.plan.disposition
    if given != expected and not state.plan.items:
        return Band.CONSERVATIVE, (f"disposition {given.value} instead of {expected.value}",)
    return Band.NATURAL, ()


# --------------------------------------------------------------------------------------------
# The other case steps
# --------------------------------------------------------------------------------------------

GradeInput = tuple[int | None, int | None] | Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class GradeCheck:
    """One grade compared: zone, at rest or moving, the case's and the trainee's."""

    zone: str
    kind: str
    expected: int
    given: int | None

    @property
    def exact(self) -> bool:
        return self.given == self.expected

    @property
    def within_one(self) -> bool:
        return self.given is not None and abs(self.given - self.expected) <= 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "kind": self.kind,
            "expected": self.expected,
            "given": self.given,
            "exact": self.exact,
            "within_one": self.within_one,
        }


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """Agreement of the trainee's 0-4 grades with the case's (S1-S3)."""

    checks: tuple[GradeCheck, ...]
    exact: int
    within_one: int
    total: int
    extra_zones: tuple[str, ...]
    score: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "checks": [c.to_dict() for c in self.checks],
            "exact": self.exact,
            "within_one": self.within_one,
            "total": self.total,
            "extra_zones": list(self.extra_zones),
            "score": self.score,
        }


def _grade_pair(value: GradeInput) -> tuple[int | None, int | None]:
    if isinstance(value, Mapping):
        pair = (value.get("rest"), value.get("moving"))
    else:
        pair = (value[0], value[1])
    for grade in pair:
        if grade is not None and (
            isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 4
        ):
            raise ValueError(f"grades are whole numbers 0-4, got {grade!r}")
    return pair


def score_assessment(case: Case, grades: Mapping[str, GradeInput]) -> AssessmentScore:
    """Exact and within-one-grade agreement per zone and kind (rest, moving).

    `grades` maps zone id to (rest, moving) or {"rest": r, "moving": m}. Score = 100 x (exact +
    half of the within-one-but-not-exact) / grades compared; a missing grade counts as wrong.
    """
    checks = []
    for assessed in case.assessment:
        given = _grade_pair(grades[assessed.zone]) if assessed.zone in grades else (None, None)
        for kind, expected, got in (
            ("rest", assessed.rest, given[0]),
            ("moving", assessed.moving, given[1]),
        ):
            if expected is not None:
                checks.append(GradeCheck(assessed.zone, kind, expected, got))
    for zone, value in grades.items():
        _grade_pair(value)
        if zone not in ZONES:
            raise ValueError(f"unknown zone {zone!r}")
    assessed_zones = {a.zone for a in case.assessment}
    extra = tuple(sorted((z for z in grades if z not in assessed_zones), key=_ZONE_ORDER.get))
    exact = sum(c.exact for c in checks)
    within = sum(c.within_one for c in checks)
    total = len(checks)
    score = (
        100 if total == 0 else int(math.floor(100 * (exact + 0.5 * (within - exact)) / total + 0.5))
    )
    return AssessmentScore(tuple(checks), exact, within, total, extra, score)


#: Points off per red flag ticked that is not present.
FALSE_ALARM_PENALTY: Final = 10
#: Blocking flags weigh twice as much as cautions when counting what was found.
BLOCKING_FLAG_WEIGHT: Final = 2


@dataclass(frozen=True, slots=True)
class RedFlagScore:
    found: tuple[str, ...]
    missed: tuple[str, ...]
    false_alarms: tuple[str, ...]
    score: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": list(self.found),
            "missed": list(self.missed),
            "false_alarms": list(self.false_alarms),
            "score": self.score,
        }


def score_red_flags(case: Case, ticked: Iterable[str]) -> RedFlagScore:
    """Found, missed and false alarms against the case's red flags (including those its facts
    imply). Score = 100 x weighted share found - 10 per false alarm, within 0-100."""
    ticked_set = set(ticked)
    unknown = sorted(t for t in ticked_set if t not in RED_FLAGS)
    if unknown:
        raise ValueError(f"unknown red flag id(s): {', '.join(unknown)}")
    present = set(case.flag_ids) | set(case.derived_flags())
    found = tuple(sorted(present & ticked_set))
    missed = tuple(sorted(present - ticked_set))
    false_alarms = tuple(sorted(ticked_set - present))

    def weight(flag_id: str) -> int:
        return BLOCKING_FLAG_WEIGHT if RED_FLAGS[flag_id].blocks else 1

    total = sum(weight(f) for f in present)
    base = 100.0 if total == 0 else 100.0 * sum(weight(f) for f in found) / total
    score = base - FALSE_ALARM_PENALTY * len(false_alarms)
    return RedFlagScore(found, missed, false_alarms, int(max(0, min(100, math.floor(score + 0.5)))))


@dataclass(frozen=True, slots=True)
class DispositionScore:
    expected: Disposition
    given: Disposition
    correct: bool
    score: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected.value,
            "given": self.given.value,
            "correct": self.correct,
            "score": self.score,
            "reason": self.reason,
        }


def score_disposition(case: Case, disposition: Disposition | str) -> DispositionScore:
    """Exact match 100; treat vs treat_in_part 60; another way of not treating 50; not treating
    a treatable patient 30 (cautious); treating a patient who should not be treated 0."""
    given = Disposition(disposition)
    expected = case.reference.disposition
    if given == expected:
        score, reason = 100, "Right disposition."
    elif given.treats and expected.treats:
        score, reason = 60, f"Close: {expected.value} fits better than {given.value}."
    elif not given.treats and not expected.treats:
        score, reason = 50, f"Not treating is right, but {expected.value} is the next step."
    elif not given.treats:
        score, reason = 30, f"Over-cautious: this patient can be treated ({expected.value})."
    else:
        score, reason = 0, f"This patient should not be treated today: {expected.value}."
    return DispositionScore(expected, given, given == expected, score, reason)


#: Weights of the case steps in a case attempt; they add up to 1.
ATTEMPT_WEIGHTS: Final[dict[str, float]] = {
    "assessment": 0.2,
    "red_flags": 0.2,
    "disposition": 0.2,
    "plan": 0.4,
}
#: A case attempt whose plan is unsafe scores at most this.
UNSAFE_ATTEMPT_CAP: Final = 40


@dataclass(frozen=True, slots=True)
class CaseAttemptScore:
    assessment: AssessmentScore
    red_flags: RedFlagScore
    disposition: DispositionScore
    plan: PlanScore
    total: int
    weights: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment": self.assessment.to_dict(),
            "red_flags": self.red_flags.to_dict(),
            "disposition": self.disposition.to_dict(),
            "plan": self.plan.to_dict(),
            "total": self.total,
            "weights": dict(self.weights),
        }


def score_case_attempt(
    case: Case,
    grades: Mapping[str, GradeInput],
    ticked: Iterable[str],
    disposition: Disposition | str,
    plan: Plan | None,
) -> CaseAttemptScore:
    """All steps of a case attempt, combined with ATTEMPT_WEIGHTS; an unsafe plan caps the
    total at UNSAFE_ATTEMPT_CAP. Without a plan, an empty plan with the given disposition is
    scored."""
    given = Disposition(disposition)
    assessment = score_assessment(case, grades)
    flags = score_red_flags(case, ticked)
    disp = score_disposition(case, given)
    plan_score = score_plan(case, plan if plan is not None else Plan(given))
    parts = {
        "assessment": assessment.score,
        "red_flags": flags.score,
        "disposition": disp.score,
        "plan": plan_score.score,
    }
    raw = math.fsum(ATTEMPT_WEIGHTS[k] * v for k, v in parts.items())
    total = int(math.floor(raw + 0.5 + 1e-9))
    if plan_score.band == Band.UNSAFE:
        total = min(total, UNSAFE_ATTEMPT_CAP)
    return CaseAttemptScore(
        assessment, flags, disp, plan_score, total, tuple(ATTEMPT_WEIGHTS.items())
    )
