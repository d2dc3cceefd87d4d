"""Practice rules that look past one zone: low brows, laxity, and toxin inside the interval."""

from __future__ import annotations

from collections.abc import Mapping

from quizapp.domain.face import PRODUCTS, Family, to_ona_units
from quizapp.domain.scoring.members import (
    FILLER,
    S_OVERDONE,
    S_OVERFILLED,
    TOXIN,
    V_CONSERVATIVE,
)
from quizapp.domain.scoring.results import ZONE_NAMES, Finding, Reason, fmt
from quizapp.domain.scoring.tables import Run, ZoneGroup, exact_sum
from quizapp.domain.scoring.weights import (
    BOOSTER_PENALTY,
    BROW_PTOSIS_PENALTY,
    CORRECTION_SHARE,
    LAXITY_OVERFILLED_ML,
    LAXITY_PENALTY_PER_ML,
    REVIEW_WINDOW_MONTHS,
)


def practice_findings(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> None:
    _low_brows(state, groups)
    _laxity(state, groups)
    _within_interval(state, groups)


def _low_brows(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> None:
    """Forehead toxin in a patient with low brows drops them further (B33)."""
    why = state.tables.low_brows
    if why and ("forehead", TOXIN) in groups:
        state.findings.append(
            Finding(
                "low_brows",
                S_OVERDONE,
                f"Forehead toxin when {why}: relaxing the frontalis, the only muscle that lifts "
                "the brow, risks dropping it further and a hooded, tired look. Leave the "
                "forehead alone.",
                ("B33",),
                "forehead",
                BROW_PTOSIS_PENALTY,
            )
        )


def _laxity(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> None:
    """Volume given to lift a face whose problem is laxity, in proportion to the volume:
    everything beyond the reference's ranges (and all of it where the reference has none)."""
    why = state.tables.laxity
    if not why:
        return
    lifting = []
    for (zone_id, family), group in groups.items():
        if family != FILLER:
            continue
        rng = state.case.range_for(zone_id, family)
        for sides in group.by_product.values():
            for amount in sides.values():
                lifting.append(amount if rng is None else max(0.0, amount - rng.max))
    volume = exact_sum(lifting)
    if volume <= 1e-9:
        return
    severity = S_OVERFILLED if volume > LAXITY_OVERFILLED_ML + 1e-9 else S_OVERDONE
    state.findings.append(
        Finding(
            "laxity_volume",
            severity,
            f"About {fmt(volume)} mL of filler beyond what the case calls for, in a face whose "
            f"problem is {why}: filler adds volume, it does not lift sagging tissue, and "
            "chasing a lift with volume makes the face heavy"
            + (
                f"; more than {fmt(LAXITY_OVERFILLED_ML)} mL in one treatment is overfilling."
                if severity == S_OVERFILLED
                else "."
            )
            + " Refer for a surgical opinion.",
            ("F17", "F26"),
            None,
            LAXITY_PENALTY_PER_ML * volume,
        )
    )


def _within_interval(state: Run, groups: Mapping[tuple[str, Family], ZoneGroup]) -> None:
    """Toxin inside the 3-month interval (the rule proposed in facts.md). A small correction
    of documented asymmetry in an already-treated zone at 14-21 days is conservative at best;
    anything else is a booster, overdone for the antibody risk. Not unsafe."""
    recent = state.tables.recent_toxin_zones
    if not recent:
        return
    low, high = REVIEW_WINDOW_MONTHS
    for zone_id, family in sorted(groups):
        if family != TOXIN:
            continue
        months = recent.get(zone_id)
        assessed = state.case.assessment_for(zone_id)
        group = groups[(zone_id, family)]
        if (
            months is not None
            and low - 1e-9 <= months <= high + 1e-9
            and assessed is not None
            and assessed.asymmetry
            and _small(state, zone_id, group)
        ):
            _correction(state, zone_id)
            continue
        since = min(recent.values())
        what = (
            "adds a zone not treated then"
            if months is None
            else "answers under-response with no documented asymmetry"
        )
        state.findings.append(
            Finding(
                "booster",
                S_OVERDONE,
                f"Toxin in the {ZONE_NAMES[zone_id]} about {round(since * 4.35)} weeks after the "
                f"last ({', '.join(PRODUCTS[p].label for p in sorted(group.by_product))}): a "
                f"booster that {what}. Boosters within weeks raise the risk of antibodies; "
                "record the review and adjust the next session's dose instead.",
                ("B29", "B30", "B47"),
                zone_id,
                BOOSTER_PENALTY,
            )
        )


def _small(state: Run, zone_id: str, group: ZoneGroup) -> bool:
    """At most CORRECTION_SHARE of the dose given at the last session, in ona-eq units."""
    given = [
        to_ona_units(t.product, t.amount)
        for t in state.tables.recent_toxin
        if t.zone == zone_id and t.amount is not None
    ]
    added = exact_sum(v for sides in group.in_range_units.values() for v in sides.values())
    return bool(given) and added <= CORRECTION_SHARE * max(given) + 1e-9


def _correction(state: Run, zone_id: str) -> None:
    """Conservative at best, never better: no label or consensus endorses it (B47 B53)."""
    for verdict in state.zones:
        if verdict.zone == zone_id and verdict.family == TOXIN:
            verdict.verdict = V_CONSERVATIVE
            verdict.penalty = 0.0
            verdict.reasons = (
                Reason(
                    f"A small correction of documented asymmetry in the {ZONE_NAMES[zone_id]} "
                    "at the 2-week review: some clinics do it, no label or consensus endorses "
                    "it, so it is conservative at best.",
                    ("B47", "B53"),
                ),
            )
