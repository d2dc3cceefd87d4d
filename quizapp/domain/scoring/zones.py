"""Per-zone verdicts: red flags, missed zones, products and the dose against the range."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final

from quizapp.domain.case import ResolvedRange
from quizapp.domain.face import (
    PRODUCTS,
    ZONES,
    Family,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring.results import (
    UNIT_LABELS,
    VERDICT_RANK,
    Reason,
    ZoneVerdict,
    fmt,
)
from quizapp.domain.scoring.tables import Run, ZoneGroup, amounts_by_side
from quizapp.domain.scoring.weights import (
    CONSERVATIVE_SHARE,
    CREDIT_YEARS_PER_ZONE,
    NOT_INDICATED_BASE,
    NOT_INDICATED_SCALE,
    OVER_CEILING_STEP,
    UNSAFE_ZONE,
    W_OVER,
    W_UNDER,
    WRONG_PRODUCT_SUITED,
    WRONG_PRODUCT_UNSUITED,
)
from quizapp.domain.terms import Verdict


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
    return max(verdicts, key=VERDICT_RANK.__getitem__)


def judge_zone(
    state: Run,
    key: tuple[str, Family],
    group: ZoneGroup | None,
    candidacy_fails: bool,
    blocking: list[str],
) -> None:
    zone_id, family = key
    zone = ZONES[zone_id]
    case = state.case
    rng = case.range_for(zone_id, family)
    side_key_list = ("left", "right") if zone.per_side else ("total",)
    products = tuple(sorted(group.by_product)) if group else ()
    unit = UNIT_LABELS[(family, zone.per_side)]
    view = state.tables.views.get(key)
    all_amounts = (
        amounts_by_side(group, products, side_key_list)
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
                flag_refs(case.flag_ids),
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
                f"{zone.label} needs {family.value} ({fmt(rng.min)}-{fmt(rng.max)} {unit}) but "
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
    side_amounts = all_amounts if not wrong else amounts_by_side(group, right, side_key_list)
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
                    f"{side}: about {fmt(earlier)} mL remain from earlier filler; adding "
                    f"{fmt(amount)} mL takes the zone to {fmt(earlier + amount)} mL, past the "
                    f"{fmt(cat_ceiling)} mL ceiling. HA persists far longer than it looks.",
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
        ", ".join(f"{k} {fmt(amounts[k])}" for k in keys)
        if len(keys) > 1
        else fmt(amounts[keys[0]])
    )
    span = f"{fmt(rng.min)}-{fmt(rng.max)} {unit} (ceiling {fmt(rng.ceiling)})"
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


def flag_refs(flag_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(r for f in sorted(flag_ids) for r in RED_FLAGS[f].references)
