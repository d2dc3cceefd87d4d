"""Hyaluronidase: a treatment for complications, judged by rules of its own, never as filler.

It never counts as filler volume, a facial unit, cumulative filler or overfilling. It is
indicated only in a zone the case marks with a filler complication (the `filler_complication`
red flag) and only where HA from earlier visits is there to dissolve; its dose is checked
against 1.5-9 U per 0.1 mL of HA (F39), scaled to the HA the engine estimates remains.
"""

from __future__ import annotations

from collections.abc import Iterable

from quizapp.domain.case import side_keys
from quizapp.domain.face import PRODUCTS
from quizapp.domain.plan import PlanItem
from quizapp.domain.scoring.members import S_INFO, S_OVERDONE
from quizapp.domain.scoring.results import ZONE_NAMES, ZONE_ORDER, Finding, fmt, volume_left
from quizapp.domain.scoring.tables import Run
from quizapp.domain.scoring.weights import (
    HYALURONIDASE_NOT_INDICATED,
    HYALURONIDASE_U_PER_01_ML,
    W_OVER,
)


def hyaluronidase_findings(state: Run, items: Iterable[PlanItem]) -> None:
    per_zone: dict[str, float] = {}
    for item in items:
        sides = len(side_keys(item.zone, item.side))
        per_zone[item.zone] = per_zone.get(item.zone, 0.0) + item.amount * sides
    tables = state.tables
    for zone_id in sorted(per_zone, key=ZONE_ORDER.__getitem__):
        units = round(per_zone[zone_id], 6)
        name = ZONE_NAMES[zone_id]
        flagged = tables.complication_zones
        if flagged is None or (flagged and zone_id not in flagged):
            state.findings.append(
                Finding(
                    "hyaluronidase_not_indicated",
                    S_OVERDONE,
                    f"Hyaluronidase in the {name} where the case has no filler complication "
                    "to dissolve: it is for nodules, misplaced or excess HA and emergencies, "
                    "not a routine step. Dissolving can leave hollowing (18% in one periocular "
                    "series), and earlier hyaluronidase injections raise the allergy risk.",
                    ("F39", "F41", "F56", "U8"),
                    zone_id,
                    HYALURONIDASE_NOT_INDICATED,
                )
            )
            continue
        ha_ml, has_ha, others = tables.dissolvable.get(zone_id, (0.0, False, ()))
        if not has_ha:
            there = (
                ", ".join(PRODUCTS[p].label.lower() for p in others)
                if others
                else "no filler from earlier visits is recorded there"
            )
            state.findings.append(
                Finding(
                    "hyaluronidase_no_target",
                    S_OVERDONE,
                    f"Hyaluronidase in the {name}: it dissolves HA only, and the case has no HA "
                    f"there ({there}). An unknown product may not be HA, so no hyaluronidase "
                    "rescue can be assumed; refer rather than inject.",
                    ("F38", "F39", "U8"),
                    zone_id,
                    HYALURONIDASE_NOT_INDICATED,
                )
            )
            continue
        per_low, per_high = HYALURONIDASE_U_PER_01_ML
        if ha_ml is None:
            state.findings.append(
                Finding(
                    "hyaluronidase",
                    S_INFO,
                    f"Hyaluronidase in the {name} to dissolve HA: indicated for the complication "
                    "the case describes. How much HA is left is unknown, so the dose cannot be "
                    f"checked against {fmt(per_low)}-{fmt(per_high)} U per 0.1 mL of HA (small "
                    "nodules); start low, as about a quarter of one series needed more.",
                    ("F39", "F41"),
                    zone_id,
                )
            )
            continue
        low = round(per_low * ha_ml * 10, 6)
        high = round(per_high * ha_ml * 10, 6)
        if high <= 0:
            # The persistence curve says nothing is left, yet the case flags a complication
            # there: the curve is a heuristic, so no range of nothing is quoted against the dose.
            state.findings.append(
                Finding(
                    "hyaluronidase",
                    S_INFO,
                    f"Hyaluronidase in the {name}: {fmt(units)} U where the engine's estimate "
                    "(a teaching heuristic) has the earlier HA fully absorbed, so the dose cannot "
                    f"be checked against {fmt(per_low)}-{fmt(per_high)} U per 0.1 mL of HA; "
                    "indicated for the complication the case describes, which suggests some "
                    "remains: start low.",
                    ("F39", "F41"),
                    zone_id,
                )
            )
            continue
        where = (
            f"{fmt(units)} U for {volume_left(ha_ml)} of HA left, against "
            f"{fmt(low)}-{fmt(high)} U ({fmt(per_low)}-{fmt(per_high)} U per 0.1 mL of HA for "
            "small nodules, scaled to the HA the engine estimates remains)"
        )
        if units > high + 1e-9:
            state.findings.append(
                Finding(
                    "hyaluronidase_dose",
                    S_OVERDONE,
                    f"Hyaluronidase in the {name}: {where}, is more than the HA there needs; "
                    "more dissolves the patient's own hyaluronic acid too and risks hollowing.",
                    ("F39", "F41", "U8"),
                    zone_id,
                    W_OVER * (units - high) / high,
                )
            )
            continue
        state.findings.append(
            Finding(
                "hyaluronidase",
                S_INFO,
                f"Hyaluronidase in the {name}: {where}; indicated for the complication the "
                "case describes.",
                ("F39", "U8"),
                zone_id,
            )
        )
