"""Per-zone verdicts: red flags, missed zones, products and the dose against the range."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Final

from quizapp.domain.case import Case, ResolvedRange
from quizapp.domain.face import (
    GRADES,
    PRODUCTS,
    ZONES,
    Family,
    TypicalDose,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring.results import (
    UNIT_LABELS,
    VERDICT_RANK,
    ZONE_NAMES,
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
                "The right disposition today is "
                f"{case.reference.disposition.value.replace('_', ' ')}: nothing should be "
                "injected, whatever the dose.",
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
                    f"{flag.label} rules out {family.value} in the {ZONE_NAMES[zone_id]} today "
                    f"({flag.kind}). {flag.note}",
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
                f"Filler in the {ZONE_NAMES[zone_id]}: a danger zone where this catalogue offers "
                "no filler at all; it carries a large share of the blindness cases after filler.",
                ("F35", *zone.danger_references),
            )
        )
        add(Verdict.UNSAFE, UNSAFE_ZONE)
        return

    # 4. Treated without a reference for this zone and family: why (not indicated, or the
    # other family) and how much, against the catalogue's per-session range for the zone.
    if rng is None:
        other = next((r for r in case.ranges if r.zone == zone_id), None)
        if other is not None:
            reasons.append(
                Reason(
                    f"{zone.label} calls for {other.family.value}, not {family.value}: toxin "
                    "treats lines of movement, filler replaces volume.",
                    other.references,
                )
            )
            base = (
                WRONG_PRODUCT_SUITED if _all_suited(zone_id, products) else WRONG_PRODUCT_UNSUITED
            )
            unneeded = Verdict.WRONG_PRODUCT
        else:
            reasons.append(Reason(_not_indicated_why(case, zone_id, family), ()))
            base, unneeded = NOT_INDICATED_BASE, Verdict.NOT_INDICATED
        verdict, penalty, share = _unneeded_amount(
            zone.label, typical, all_amounts, unit, unneeded, reasons
        )
        add(verdict, base + penalty)
        state.overreach += CREDIT_YEARS_PER_ZONE * share
        return

    # 5. Product choice: a wrong product costs its base, plus whatever the whole amount puts
    # above the range; the right products are still judged for under-treatment.
    wrong = [p for p in products if p not in rng.products]
    right = [p for p in products if p in rng.products]
    side_amounts = all_amounts if not wrong else amounts_by_side(group, right, side_key_list)
    if wrong:
        suited = _all_suited(zone_id, wrong)
        names = ", ".join(PRODUCTS[p].label for p in wrong)
        wanted = ", ".join(PRODUCTS[p].label for p in rng.products)
        reasons.append(
            Reason(
                f"{names} is not what this case calls for in the {zone.label.lower()} "
                f"(reference: {wanted})"
                + ("." if suited else "; it is not suited to this zone at all."),
                tuple(r for p in wrong for r in PRODUCTS[p].references),
            )
        )
        penalty = WRONG_PRODUCT_SUITED if suited else WRONG_PRODUCT_UNSUITED
        verdicts = [Verdict.WRONG_PRODUCT]
        extra = 0.0
        for side in side_key_list:
            verdict, side_penalty = _dose_verdict(side_amounts[side], rng)
            if verdict in (Verdict.MISSED, Verdict.UNDER, Verdict.CONSERVATIVE):
                extra += side_penalty
            over, over_penalty = _dose_verdict(all_amounts[side], rng)
            if over in (Verdict.HEAVY, Verdict.OVERFILLED):
                verdicts.append(over)
                extra += over_penalty
        verdict = _worst(verdicts)
        if verdict != Verdict.WRONG_PRODUCT:
            reasons.append(_dose_reason(zone.label, side_key_list, all_amounts, rng, unit, verdict))
        add(verdict, penalty + extra / len(side_key_list))
        state.overreach += CREDIT_YEARS_PER_ZONE
        return

    # 6. Dose against the range, side by side. Filler from earlier visits still in the zone
    # counts against the same range: the range is what the zone should hold after today.
    verdicts = []
    penalties = []
    credit = 0.0
    overreach = 0.0
    cat_ceiling = typical.effective_ceiling if typical else None
    residual = case.residual_ml(zone_id) if family == Family.FILLER else {}
    held = side_amounts
    if residual:
        held = {k: round(v + residual.get(k, 0.0), 6) for k, v in side_amounts.items()}
    for side in side_key_list:
        amount = side_amounts[side]
        earlier = residual.get(side, 0.0)
        total = held[side]
        if amount <= 0 and earlier >= rng.min - 1e-9:
            verdict, penalty = Verdict.ON_TARGET, 0.0
        else:
            verdict, penalty = _dose_verdict(total, rng)
        if amount > 0 and earlier > 0 and cat_ceiling is not None and total > cat_ceiling + 1e-9:
            if verdict != Verdict.OVERFILLED:
                penalty += OVER_CEILING_STEP
            verdict = Verdict.OVERFILLED
        verdicts.append(verdict)
        penalties.append(penalty)
        low = rng.min if rng.min > 0 else rng.max
        credit += CREDIT_YEARS_PER_ZONE * min(1.0, amount / low)
        if total > rng.max:
            overreach += CREDIT_YEARS_PER_ZONE * (total - max(rng.max, earlier)) / rng.max
    n = len(side_key_list)
    verdict = _worst(verdicts)
    reasons.insert(0, _dose_reason(zone.label, side_key_list, held, rng, unit, verdict))
    if residual:
        reasons.insert(1, _residual_reason(side_key_list, residual, side_amounts, rng, unit))
    if family == Family.TOXIN and len(right) == 1 and right[0] != "ona":
        prod = PRODUCTS[right[0]]
        reasons.append(
            Reason(
                f"{prod.label} counted at {fmt(prod.ona_factor)} {prod.unit} per "
                "onabotulinumtoxinA unit, from the labels' glabella doses: an approximation, "
                "units are not interchangeable.",
                ("B1", *prod.references, "B24", "B25"),
            )
        )
    state.credit[key] = (credit / n, right[0])
    state.overreach += overreach / n
    add(verdict, math.fsum(penalties) / n)


def _not_indicated_why(case: Case, zone_id: str, family: Family) -> str:
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


def _unneeded_amount(
    label: str,
    typical: TypicalDose | None,
    amounts: Mapping[str, float],
    unit: str,
    verdict: Verdict,
    reasons: list[Reason],
) -> tuple[Verdict, float, float]:
    """Verdict, points and share of a session for an amount given where none is needed.

    The amount is measured against the catalogue's per-session range for the zone: each
    session's worth costs NOT_INDICATED_SCALE points, and more than a whole session's worth,
    where none is needed, is overfilled."""
    top = (typical.high or typical.ceiling) if typical else None
    if not top:
        return verdict, NOT_INDICATED_SCALE, 1.0
    shares = [a / top for a in amounts.values()]
    share = math.fsum(shares) / len(shares)
    penalty = NOT_INDICATED_SCALE * share
    if max(shares) > 1 + 1e-9:
        penalty += OVER_CEILING_STEP
        reasons.append(
            Reason(
                f"{label}: {_given(amounts)} where none is needed is more than a whole "
                f"session's worth ({fmt(top)} {unit}): overfilled.",
                typical.references if typical else (),
            )
        )
        return Verdict.OVERFILLED, penalty, share
    return verdict, penalty, share


def _residual_reason(
    keys: tuple[str, ...],
    residual: Mapping[str, float],
    added: Mapping[str, float],
    rng: ResolvedRange,
    unit: str,
) -> Reason:
    left = max(residual.get(k, 0.0) for k in keys)
    room_low = max(0.0, rng.min - left)
    room_high = max(0.0, rng.max - left)
    return Reason(
        f"About {fmt(left)} mL remain from earlier filler and count against the range, so this "
        f"visit has room for {fmt(room_low)}-{fmt(room_high)} {unit}; the plan adds "
        f"{_given(added)}. HA persists far longer than it looks.",
        ("F18",),
    )


def _given(amounts: Mapping[str, float]) -> str:
    keys = tuple(amounts)
    if len(keys) > 1 and len({round(v, 6) for v in amounts.values()}) == 1:
        return f"{fmt(amounts[keys[0]])} per side"
    if len(keys) > 1:
        return ", ".join(f"{k} {fmt(amounts[k])}" for k in keys)
    return fmt(amounts[keys[0]])


def _dose_reason(
    label: str,
    keys: tuple[str, ...],
    amounts: Mapping[str, float],
    rng: ResolvedRange,
    unit: str,
    verdict: Verdict,
) -> Reason:
    given = _given({k: amounts[k] for k in keys})
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
