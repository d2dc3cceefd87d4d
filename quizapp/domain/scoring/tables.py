"""Per-case tables, worked out once, and the plan grouped by zone and family."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from quizapp.domain.case import Case, ResolvedRange, side_keys
from quizapp.domain.face import (
    GRADES,
    PRODUCTS,
    TOXIN_RETREAT_MONTHS,
    UPPER_FACE_LABEL_UNITS,
    UPPER_FACE_ZONES,
    ZONES,
    Family,
    TypicalDose,
    Zone,
    remaining_fraction,
)
from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.redflags import RED_FLAGS, RedFlag
from quizapp.domain.scoring.members import (
    ENZYME,
    FILLER,
    TOXIN,
)
from quizapp.domain.scoring.results import (
    UNIT_LABELS,
    Finding,
    RangeView,
    Reason,
    RecentToxin,
    ZoneVerdict,
    unit_label,
)
from quizapp.domain.scoring.weights import LOW_BROW_GRADE
from quizapp.domain.terms import Disposition, Side


@dataclass(slots=True)
class ZoneGroup:
    """Plan amounts for one zone and family: per product and side, in the product's own units
    (`by_product`) and in range units, toxin as ona-eq (`in_range_units`)."""

    by_product: dict[str, dict[str, float]]
    in_range_units: dict[str, dict[str, float]]


def exact_sum(values: Iterable[float]) -> float:
    """Order-independent sum, rounded so that 1 + 1 and 2 are the same amount."""
    return round(math.fsum(values), 6)


def group_items(plan: Plan) -> tuple[dict[tuple[str, Family], ZoneGroup], list[PlanItem]]:
    """The plan's toxin and filler by zone and family, and its hyaluronidase items apart:
    hyaluronidase is never volume and has rules of its own (scoring/enzyme.py)."""
    raw: dict[tuple[str, Family], dict[str, dict[str, list[float]]]] = {}
    enzyme: list[PlanItem] = []
    for item in plan.items:
        pid = item.product
        family = _FAMILY[pid]
        if family is ENZYME:
            enzyme.append(item)
            continue
        zkey = (item.zone, family)
        products = raw.get(zkey)
        if products is None:
            products = raw[zkey] = {}
        sides = products.get(pid)
        if sides is None:
            sides = products[pid] = {}
        amount = item.amount
        for key in _SIDE_KEYS[(item.zone, item.side)]:
            earlier = sides.get(key)
            if earlier is None:
                sides[key] = [amount]
            else:
                earlier.append(amount)
    groups = {}
    for zkey, products in raw.items():
        own = {}
        ranged = {}
        for pid, sides in products.items():
            own[pid] = summed = {
                k: round(v[0], 6) if len(v) == 1 else exact_sum(v) for k, v in sides.items()
            }
            factor = _ONA_FACTOR[pid]
            # x / 1.0 is x exactly: fillers and one-to-one toxins keep the same dict.
            ranged[pid] = summed if factor == 1.0 else {k: v / factor for k, v in summed.items()}
        groups[zkey] = ZoneGroup(own, ranged)
    return groups, enzyme


#: Per product, its family and its units per ona unit (fillers 1), looked up once.
_FAMILY: Final = {pid: p.family for pid, p in PRODUCTS.items()}
_ONA_FACTOR: Final = {pid: p.ona_factor for pid, p in PRODUCTS.items()}
_SIDE_KEYS: Final = {(z, side): side_keys(z, side) for z in ZONES for side in Side}


def amounts_by_side(
    group: ZoneGroup, products: Iterable[str], keys: tuple[str, ...]
) -> dict[str, float]:
    """Per-side amounts of the given products, in range units (toxin as ona-eq)."""
    ranged = group.in_range_units
    out = {}
    for key in keys:
        parts = [ranged[p][key] for p in products if p in ranged and key in ranged[p]]
        out[key] = parts[0] if len(parts) == 1 else exact_sum(parts)
    return out


@dataclass(frozen=True, slots=True)
class ZoneTable:
    """Everything about one zone and family that depends on the case alone, worked out once
    so that judging a zone repeats no lookup, no catalogue search and no sentence building."""

    zone: Zone
    #: ("left", "right") for a paired zone, ("total",) otherwise.
    keys: tuple[str, ...]
    unit: str
    #: The case's range for this zone and family, and its view in results (None: not in the
    #: reference).
    rng: ResolvedRange | None
    view: RangeView | None
    #: The catalogue's typical dose for the patient's sex, and its effective ceiling.
    typical: TypicalDose | None
    cat_ceiling: float | None
    #: Filler left from earlier visits (empty for toxin).
    residual: Mapping[str, float]
    #: The reference's range for this zone in the other family, when this one has none.
    other: ResolvedRange | None
    #: Why treating this zone with this family is not indicated (when the reference has no
    #: range for the zone at all), and why it calls for the other family (when it has one).
    #: Shared by every result for this case: results are read-only.
    not_indicated_reason: Reason
    other_reason: Reason | None
    #: The catalogue's per-session top for the zone (None: no figure).
    session_top: float | None
    #: Filler in a danger zone where the catalogue offers none (glabella, forehead, nose).
    filler_unoffered: bool
    #: Earlier filler of an unknown product is in the zone (counted as all still there).
    unknown_before: bool


@dataclass(frozen=True, slots=True)
class CaseTables:
    """What the engine derives from a case alone. Build it once per case with `case_tables`
    and pass it to `score_plan` when scoring many plans against one case; it is read-only."""

    case: Case = field(compare=False, repr=False)
    flags: Mapping[str, tuple[str, ...]]
    blocking: tuple[tuple[RedFlag, tuple[str, ...]], ...]
    cautions: tuple[RedFlag, ...]
    required: tuple[tuple[str, Family], ...]
    views: Mapping[tuple[str, Family], RangeView]
    upper_limit: float
    history_by_zone: Mapping[str, tuple[tuple[str, float], ...]]
    filler_history_zones: frozenset[str]
    recent_toxin: tuple[RecentToxin, ...]
    ona_history: float
    filler_past_year: float
    filler_ceilings: Mapping[str, float | None]
    #: Every disposition that is right for this case: its own, and the others that a red flag
    #: present names alongside it (refer or decline for body dysmorphic signs).
    right_dispositions: frozenset[Disposition]
    #: Why forehead toxin would drop the brows ("" when it would not).
    low_brows: str
    #: Why filler cannot lift this face ("" when laxity is not the problem).
    laxity: str
    #: Toxin zones treated within the retreatment interval, with the months since.
    recent_toxin_zones: Mapping[str, float]
    #: Every flag present has a scoring rule of its own (RedFlag.ruled).
    ruled_only: bool
    #: Per zone, earlier fillers a new one would be layered over: (permanent, biostimulators
    #: still active, unknown products), each sorted.
    layered_under: Mapping[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]
    #: Per zone and family, what judging it needs from the case (ZoneTable).
    zone_tables: Mapping[tuple[str, Family], ZoneTable]
    #: Per zone with filler from earlier visits: (HA still there in mL, None when an HA amount
    #: is unknown; whether any HA is there; the other, non-HA products there).
    dissolvable: Mapping[str, tuple[float | None, bool, tuple[str, ...]]]
    #: Zones with a filler complication to dissolve (the filler_complication flag): None when
    #: the case has none, empty for the whole face.
    complication_zones: frozenset[str] | None
    #: The label's yearly filler ceiling for the patient's weight (None without a weight).
    filler_year_limit: float | None
    #: Per zone, the rows of the cumulative filler table: side keys, what earlier visits left
    #: on each side (rounded as reported) and the catalogue's filler ceiling.
    load_rows: Mapping[str, tuple[tuple[str, ...], tuple[tuple[str, float], ...], float | None]]


@dataclass(slots=True)
class Run:
    """Working state of one scoring run."""

    case: Case
    plan: Plan
    tables: CaseTables
    zones: list[ZoneVerdict]
    findings: list[Finding]
    credit: dict[tuple[str, Family], tuple[float, str]]
    overreach: float
    #: Per filler zone, the plan's amounts per side as judge_zone summed them (the cumulative
    #: table reuses them).
    filler_added: dict[str, dict[str, float]] = field(default_factory=dict)


def case_tables(case: Case) -> CaseTables:
    """Work out, once, every table the engine needs from this case alone."""
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
            unit_label(r.family, r.per_side),
            r.per_side,
            r.source,
            r.references,
        )
        for r in case.ranges
    }
    reference_upper = exact_sum(
        r.max * (2 if r.per_side else 1)
        for r in case.ranges
        if r.family == TOXIN and r.zone in UPPER_FACE_ZONES
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
        elif PRODUCTS[item.product].is_filler and item.amount is not None and months < 12:
            past_year.append(item.amount * sides)
    recent.sort(key=lambda t: (t.months_ago, t.zone, t.product))
    filler_zones = frozenset(item.zone for item in case.history if PRODUCTS[item.product].is_filler)
    right = {case.reference.disposition}
    for flag_id in ordered:
        dispositions = RED_FLAGS[flag_id].dispositions
        if case.reference.disposition in dispositions:
            right.update(dispositions)
    recent_zones: dict[str, float] = {}
    for t in recent:
        recent_zones[t.zone] = min(t.months_ago, recent_zones.get(t.zone, t.months_ago))
    low_brows = _low_brows(case)
    required = []
    for r in case.ranges:
        if not r.required or (low_brows and (r.zone, r.family) == ("forehead", TOXIN)):
            continue
        left = case.residual_ml(r.zone) if r.family == FILLER else {}
        sides = ("left", "right") if r.per_side else ("total",)
        # Every side must be filled: filler left on one side does not fill the other.
        if left and all(left.get(k, 0.0) >= r.min - 1e-9 for k in sides):
            continue  # what remains already fills the range
        required.append((r.zone, r.family))
    ceilings = {}
    for zone_id, zone in ZONES.items():
        typical = zone.typical(FILLER, case.patient.sex)
        ceilings[zone_id] = typical.effective_ceiling if typical else None
    return CaseTables(
        case,
        MappingProxyType(flags),
        blocking,
        cautions,
        tuple(required),
        MappingProxyType(views),
        max(UPPER_FACE_LABEL_UNITS, reference_upper),
        MappingProxyType({zone: tuple(items) for zone, items in by_zone.items()}),
        filler_zones,
        tuple(recent),
        exact_sum(ona_history),
        exact_sum(past_year),
        MappingProxyType(ceilings),
        frozenset(right),
        low_brows,
        _laxity(case, flags),
        MappingProxyType(recent_zones),
        bool(flags) and all(RED_FLAGS[f].ruled for f in flags),
        MappingProxyType(_layered_under(by_zone)),
        MappingProxyType(_zone_tables(case, views)),
        MappingProxyType(_dissolvable(case)),
        frozenset(flags["filler_complication"]) if "filler_complication" in flags else None,
        case.filler_year_limit_ml,
        MappingProxyType(
            {
                zone_id: (
                    keys := ("left", "right") if zone.per_side else ("total",),
                    tuple((k, round(case.residual_ml(zone_id).get(k, 0.0), 3)) for k in keys),
                    ceilings[zone_id],
                )
                for zone_id, zone in ZONES.items()
            }
        ),
    )


def _zone_tables(
    case: Case, views: Mapping[tuple[str, Family], RangeView]
) -> dict[tuple[str, Family], ZoneTable]:
    out = {}
    unknown_zones = {
        item.zone
        for item in case.history
        if PRODUCTS[item.product].filler_class == "unknown" and item.amount is not None
    }
    for zone_id, zone in ZONES.items():
        keys = ("left", "right") if zone.per_side else ("total",)
        other_any = next((r for r in case.ranges if r.zone == zone_id), None)
        for family in (TOXIN, FILLER):
            typical = zone.typical(family, case.patient.sex)
            rng = case.range_for(zone_id, family)
            out[(zone_id, family)] = ZoneTable(
                zone,
                keys,
                UNIT_LABELS[(family, zone.per_side)],
                rng,
                views.get((zone_id, family)),
                typical,
                typical.effective_ceiling if typical else None,
                case.residual_ml(zone_id) if family == FILLER else {},
                other_any if rng is None else None,
                Reason(not_indicated_why(case, zone_id, family), ()),
                _other_reason(zone, family, other_any) if rng is None and other_any else None,
                (typical.high or typical.ceiling) if typical else None,
                family == FILLER and zone.danger_zone and FILLER not in zone.families,
                family == FILLER and zone_id in unknown_zones,
            )
    return out


def _dissolvable(case: Case) -> dict[str, tuple[float | None, bool, tuple[str, ...]]]:
    ha: dict[str, float | None] = {}
    others: dict[str, set[str]] = {}
    for item, months in case.history_months:
        product = PRODUCTS[item.product]
        if not product.is_filler:
            continue
        others.setdefault(item.zone, set())
        if product.filler_class != "ha":
            others[item.zone].add(item.product)
            continue
        if item.amount is None or ha.get(item.zone, 0.0) is None:
            ha[item.zone] = None
            continue
        sides = len(side_keys(item.zone, item.side))
        left = item.amount * sides * remaining_fraction(item.product, months)
        ha[item.zone] = (ha.get(item.zone) or 0.0) + left
    return {
        zone: (
            None if ha.get(zone, 0.0) is None else round(ha.get(zone) or 0.0, 4),
            zone in ha,
            tuple(sorted(products)),
        )
        for zone, products in others.items()
    }


def _other_reason(zone: Zone, family: Family, other: ResolvedRange) -> Reason:
    return Reason(
        f"{zone.label} calls for {other.family.value}, not {family.value}: toxin "
        "treats lines of movement, filler replaces volume.",
        other.references,
    )


def not_indicated_why(case: Case, zone_id: str, family: Family) -> str:
    """Why a zone outside the reference is not treated today, without contradicting its grade."""
    label = ZONES[zone_id].label
    assessed = case.assessment_for(zone_id)
    grade = assessed.grade_for(family) if assessed else None
    if grade is None:
        return f"{label}: not part of the reference, so treating it is not indicated today."
    if grade <= 1:
        return (
            f"{label}: graded {grade} ({GRADES[grade]}), too little to treat; treating it is "
            "not indicated."
        )
    return (
        f"{label}: graded {grade} ({GRADES[grade]}), but the reference leaves it for a later "
        f"visit or for other than {family.value}; treating it today is not indicated."
    )


def _layered_under(
    by_zone: Mapping[str, list[tuple[str, float]]],
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]:
    out = {}
    for zone_id, earlier in by_zone.items():
        permanent = tuple(sorted({p for p, _ in earlier if PRODUCTS[p].permanent}))
        slow = tuple(
            sorted(
                {
                    p
                    for p, months in earlier
                    if PRODUCTS[p].filler_class == "biostimulator"
                    and remaining_fraction(p, months) > 0
                }
            )
        )
        unknown = tuple(sorted({p for p, _ in earlier if PRODUCTS[p].filler_class == "unknown"}))
        if permanent or slow or unknown:
            out[zone_id] = (permanent, slow, unknown)
    return out


def _low_brows(case: Case) -> str:
    brow = case.assessment_for("brow")
    if brow is not None and brow.rest is not None and brow.rest >= LOW_BROW_GRADE:
        return f"the brows are low (brow position graded {brow.rest})"
    for keep in case.preserve:
        if keep.zone == "brow" and _LOW_BROW_WORDS.search(keep.note):
            return f"the case asks to preserve a low brow ({keep.note})"
    return ""


#: How a preserve note says the brow sits low.
_LOW_BROW_WORDS: Final = re.compile(r"\b(low|heavy|hooded|ptosis|descen\w*|droop\w*)\b", re.I)


def _laxity(case: Case, flags: Mapping[str, tuple[str, ...]]) -> str:
    if "laxity_beyond_filler" in flags:
        return RED_FLAGS["laxity_beyond_filler"].label.lower()
    jaw = case.assessment_for("jawline")
    if case.patient.glogau >= 4 and jaw is not None and (jaw.rest or 0) >= 4:
        return "Glogau IV skin with jowls graded 4"
    return ""


def blocking_flags(
    tables: CaseTables, zone: str, family: Family, products: Iterable[str]
) -> list[str]:
    hits = []
    for flag, zones in tables.blocking:
        if flag.scope == "zone" and zones and zone not in zones and family not in flag.whole_face:
            continue
        if any(flag.concerns(family, p) for p in products):
            hits.append(flag.id)
    return hits
