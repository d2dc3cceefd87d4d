"""Session findings: product safety, session totals against the labels, what earlier visits left."""

from __future__ import annotations

from collections.abc import Mapping
from math import fsum
from typing import Final

from quizapp.domain.face import (
    FACIAL_UNITS,
    FACIAL_UNITS_REFS,
    FILLER_YEAR_REFS,
    ONA_MAX_REFS,
    ONA_MAX_UNITS_3_MONTHS,
    PRODUCTS,
    UPPER_FACE_REFS,
    UPPER_FACE_ZONES,
    ZONES,
    Family,
)
from quizapp.domain.plan import Plan
from quizapp.domain.scoring.members import (
    FILLER,
    S_INFO,
    S_OVERDONE,
    S_OVERFILLED,
    S_UNSAFE,
    TOXIN,
    V_UNSAFE,
)
from quizapp.domain.scoring.results import (
    FAMILY_ORDER,
    ZONE_NAMES,
    ZONE_ORDER,
    CumulativeLoad,
    Finding,
    SessionTotals,
    ZoneLoad,
    fmt,
)
from quizapp.domain.scoring.tables import (
    Run,
    ZoneGroup,
    exact_sum,
)
from quizapp.domain.scoring.weights import (
    DEPTH_PENALTY,
    FACIAL_UNIT_PENALTY,
    FOREHEAD_ALONE_PENALTY,
    LABEL_LIMIT_PENALTY,
    LAYERING_PENALTY,
    UNSAFE_ZONE,
    UPPER_FACE_PENALTY,
    W_UNDER,
)
from quizapp.domain.terms import Depth


def product_safety(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> None:
    """Permanent fillers, layering over slow or permanent fillers, danger zones."""
    for (zone_id, family), group in sorted(
        groups.items(), key=lambda kv: (ZONE_ORDER[kv[0][0]], FAMILY_ORDER[kv[0][1]])
    ):
        if family != FILLER:
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
                            S_UNSAFE,
                            f"Permanent filler ({product.label}) in the "
                            f"{ZONE_NAMES[zone_id]}, a danger zone: it can never be dissolved "
                            "if a vessel is blocked, and late nodules and migration are more "
                            "common.",
                            (*zone.danger_references, *product.references, "F30"),
                            zone_id,
                            UNSAFE_ZONE,
                        )
                    )
                else:
                    state.findings.append(
                        Finding(
                            "permanent_filler",
                            S_OVERDONE,
                            f"Permanent filler ({product.label}) in the "
                            f"{ZONE_NAMES[zone_id]}: it stays in the tissue, can cause "
                            "foreign-body reactions years later and cannot be taken back. "
                            "Degradable, reversible HA comes first.",
                            product.references,
                            zone_id,
                            0.0,
                        )
                    )
        permanent_before, slow_before, unknown_before = state.tables.layered_under.get(
            zone_id, _NOTHING_UNDER
        )
        if permanent_before:
            # A red flag may already have made the zone unsafe; do not charge twice.
            charged = any(
                z.zone == zone_id and z.verdict == V_UNSAFE and z.penalty > 0 for z in state.zones
            )
            state.findings.append(
                Finding(
                    "layering_permanent",
                    S_UNSAFE,
                    "Filler over permanent material "
                    f"({', '.join(PRODUCTS[p].label for p in permanent_before)}) already in the "
                    f"{ZONE_NAMES[zone_id]}: layering is to be avoided and raises the risk of late "
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
                    S_OVERDONE,
                    f"Filler over a biostimulator still active in the {ZONE_NAMES[zone_id]} "
                    f"({', '.join(PRODUCTS[p].label for p in slow_before)}): avoid layering "
                    "over slowly degrading fillers.",
                    ("F44", "F19", "F22"),
                    zone_id,
                    LAYERING_PENALTY,
                )
            )
        elif unknown_before:
            state.findings.append(
                Finding(
                    "layering_unknown",
                    S_OVERDONE,
                    "Filler over an earlier product the patient cannot name, in the "
                    f"{ZONE_NAMES[zone_id]}: it may be permanent or a slowly degrading, non-HA "
                    "filler, so layering over it is to be avoided and no hyaluronidase rescue "
                    "can be assumed for what is already there.",
                    ("F44", "F30", "F38"),
                    zone_id,
                    LAYERING_PENALTY,
                )
            )
        if zone.danger_zone and not any(PRODUCTS[p].permanent for p in products):
            irreversible = [p for p in products if not PRODUCTS[p].reversible]
            if irreversible:
                names = " and ".join(_in_sentence(PRODUCTS[p].label) for p in irreversible)
                text = (
                    f"Filler in the {ZONE_NAMES[zone_id]}, a danger zone: {names} cannot be "
                    "dissolved, so there is no hyaluronidase rescue if a vessel is blocked."
                )
                refs = (*zone.danger_references, "F38")
            else:
                text = (
                    f"Filler in the {ZONE_NAMES[zone_id]}, a danger zone: placement, depth and "
                    "volume carry real risk; hyaluronidase must be at hand."
                )
                refs = (*zone.danger_references, "F34", "F38")
            state.findings.append(Finding("danger_zone", S_INFO, text, refs, zone_id))
        if zone_id == "tear_trough":
            for pid in products:
                if _has_depth(state.plan, zone_id, pid, Depth.INTRADERMAL):
                    state.findings.append(
                        Finding(
                            "superficial_tear_trough",
                            S_OVERDONE,
                            "Intradermal filler under the eye brings swelling and a blue "
                            "Tyndall tint; place a low-G' gel deep.",
                            ("P28", "P22", "P29"),
                            zone_id,
                            DEPTH_PENALTY,
                        )
                    )
                    break


_NOTHING_UNDER: Final[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = ((), (), ())
#: Per zone, its facial unit; per product, its units per ona unit (see Product.ona_factor).
_ZONE_UNIT: Final = {zone_id: zone.unit for zone_id, zone in ZONES.items()}
_ONA_FACTOR: Final = {pid: p.ona_factor for pid, p in PRODUCTS.items()}


def _has_depth(plan: Plan, zone: str, product: str, depth: Depth) -> bool:
    return any(i.zone == zone and i.product == product and i.depth == depth for i in plan.items)


def session_totals(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> SessionTotals:
    case = state.case
    toxin: dict[str, list[float]] = {}
    filler: dict[str, list[float]] = {}
    upper: list[float] = []
    units: set[str] = set()
    for (zone_id, family), group in groups.items():
        if family == FILLER:
            units.add(_ZONE_UNIT[zone_id])
            for pid, sides in group.by_product.items():
                amount = round(fsum(sides.values()), 6)
                if pid in filler:
                    filler[pid].append(amount)
                else:
                    filler[pid] = [amount]
            continue
        in_upper = zone_id in UPPER_FACE_ZONES
        for pid, sides in group.by_product.items():
            amount = round(fsum(sides.values()), 6)
            if pid in toxin:
                toxin[pid].append(amount)
            else:
                toxin[pid] = [amount]
            if in_upper:
                upper.append(amount / _ONA_FACTOR[pid])
    toxin_units = tuple([(p, round(fsum(toxin[p]), 6)) for p in sorted(toxin)])
    filler_ml = tuple([(p, round(fsum(filler[p]), 6)) for p in sorted(filler)])
    ona_eq = round(fsum([v / _ONA_FACTOR[p] for p, v in toxin_units]), 6)
    filler_total = round(fsum([v for _, v in filler_ml]), 6)
    upper_total = round(fsum(upper), 6)

    limit_units = case.reference.max_facial_units
    if len(units) > limit_units:
        extra = len(units) - limit_units
        state.findings.append(
            Finding(
                "facial_units",
                S_OVERDONE,
                f"Filler in {len(units)} facial units in one visit "
                f"({', '.join(FACIAL_UNITS[u].lower() for u in sorted(units))}); this case "
                f"allows {limit_units}. The rule counts filler regions only: in one small series, "
                "HA filler in more than two units added no psychosocial benefit. Stage it.",
                FACIAL_UNITS_REFS,
                None,
                FACIAL_UNIT_PENALTY * extra,
            )
        )

    upper_limit = state.tables.upper_limit
    if upper_total > upper_limit + 1e-9:
        state.findings.append(
            Finding(
                "upper_face_total",
                S_OVERDONE,
                f"{fmt(upper_total)} ona-eq units in the upper face, above the "
                f"{fmt(upper_limit)} U of a full on-label upper face: a frozen, heavy brow is "
                "the risk.",
                (*UPPER_FACE_REFS, "B33", "B36"),
                None,
                UPPER_FACE_PENALTY + W_UNDER * (upper_total - upper_limit) / upper_limit,
            )
        )

    year_total = None
    year_limit = state.tables.filler_year_limit
    if year_limit is not None:
        year_total = exact_sum([state.tables.filler_past_year, filler_total])
        if year_total > year_limit + 1e-9:
            state.findings.append(
                Finding(
                    "filler_year_limit",
                    S_OVERFILLED,
                    f"{fmt(year_total)} mL of filler within 12 months, above the label's "
                    f"{fmt(year_limit)} mL a year for {fmt(case.patient.weight_kg or 0)} kg.",
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


def cumulative_load(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> CumulativeLoad:
    tables = state.tables
    loads = []
    zones = set(tables.filler_history_zones)
    zones.update(zone for zone, family in groups if family == FILLER)
    rows = tables.load_rows
    for zone_id in sorted(zones, key=ZONE_ORDER.__getitem__):
        _, earlier, ceiling = rows[zone_id]
        group = groups.get((zone_id, FILLER))
        if group:
            # judge_zone has summed every filler zone of the plan per side already.
            added = state.filler_added[zone_id]
            for key, before in earlier:
                new = round(added[key], 3)
                loads.append(ZoneLoad(zone_id, key, before, new, round(before + new, 3), ceiling))
        else:
            for key, before in earlier:
                loads.append(ZoneLoad(zone_id, key, before, 0.0, round(before, 3), ceiling))
    plan_ona = [
        v
        for (_, family), group in groups.items()
        if family == TOXIN
        for pid, sides in group.by_product.items()
        if pid == "ona"
        for v in sides.values()
    ]
    ona_total = exact_sum([tables.ona_history, *plan_ona])
    if ona_total > ONA_MAX_UNITS_3_MONTHS:
        state.findings.append(
            Finding(
                "ona_3_month_limit",
                S_OVERFILLED,
                f"{fmt(ona_total)} U of onabotulinumtoxinA within 3 months, above the label "
                f"maximum of {fmt(ONA_MAX_UNITS_3_MONTHS)} U across all indications.",
                ONA_MAX_REFS,
                None,
                LABEL_LIMIT_PENALTY,
            )
        )
    return CumulativeLoad(tuple(loads), tables.recent_toxin, ona_total)


def caution_findings(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> None:
    """Non-blocking red flags that concern what the plan does: reminders, no points."""
    treated = {(family, pid) for (_, family), g in groups.items() for pid in g.by_product}
    for flag in state.tables.cautions:
        if any(flag.concerns(family, pid) for family, pid in treated):
            state.findings.append(
                Finding(
                    f"caution_{flag.id}",
                    S_INFO,
                    f"Caution: {flag.label.lower()}. {flag.note}",
                    flag.references,
                )
            )
    toxin_zones = {zone for zone, family in groups if family == TOXIN}
    if "forehead" in toxin_zones and "glabella" not in toxin_zones:
        state.findings.append(
            Finding(
                "forehead_without_glabella",
                S_OVERDONE,
                "The label treats the forehead only together with the glabella; forehead "
                "toxin alone lets the depressors pull the brow down.",
                ("B1", "B33"),
                "forehead",
                FOREHEAD_ALONE_PENALTY,
            )
        )


def _in_sentence(label: str) -> str:
    """A product label inside a sentence: "Poly-L-lactic acid" -> "poly-L-lactic acid"."""
    return label[:1].lower() + label[1:]
