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
    TypicalDose,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring.members import (
    FILLER,
    TOXIN,
    V_CONSERVATIVE,
    V_HEAVY,
    V_MISSED,
    V_NOT_INDICATED,
    V_ON_TARGET,
    V_OVERFILLED,
    V_UNDER,
    V_UNSAFE,
    V_WRONG_PRODUCT,
)
from quizapp.domain.scoring.results import (
    VERDICT_RANK,
    ZONE_NAMES,
    Reason,
    ZoneVerdict,
    fmt,
    volume_left,
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
            return V_MISSED, W_UNDER * rng.min / top
        return V_ON_TARGET, 0.0
    if amount < rng.min - 1e-9:
        penalty = W_UNDER * (rng.min - amount) / top
        if amount >= CONSERVATIVE_SHARE * rng.min - 1e-9:
            return V_CONSERVATIVE, penalty
        return V_UNDER, penalty
    if amount <= top + 1e-9:
        return V_ON_TARGET, 0.0
    penalty = W_OVER * (amount - top) / top
    if amount <= rng.ceiling + 1e-9:
        return V_HEAVY, penalty
    return V_OVERFILLED, penalty + OVER_CEILING_STEP


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
    info = state.tables.zone_tables[key]
    zone = info.zone
    case = state.case
    rng = info.rng
    side_key_list = info.keys
    unit = info.unit
    view = info.view
    if group is not None:
        by_product = group.in_range_units
        if len(by_product) == 1:
            products = tuple(by_product)
            one = by_product[products[0]]
            if len(one) == len(side_key_list):  # every side given: no sum to work out
                all_amounts = {k: one[k] for k in side_key_list}
            else:
                all_amounts = amounts_by_side(group, products, side_key_list)
        else:
            products = tuple(sorted(by_product))
            all_amounts = amounts_by_side(group, products, side_key_list)
        amounts = tuple([(k, round(v, 4)) for k, v in all_amounts.items()])
        if family is FILLER:
            state.filler_added[zone_id] = all_amounts
    else:
        products = ()
        all_amounts = dict.fromkeys(side_key_list, 0.0)
        amounts = tuple(all_amounts.items())
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
        add(V_UNSAFE, 0.0)
        return
    if group is not None and blocking:
        for flag_id in blocking:
            flag = RED_FLAGS[flag_id]
            at = state.tables.flags.get(flag_id, ())
            kind = flag.kind if not at or zone_id in at else flag.whole_face_kind
            reasons.append(
                Reason(
                    f"{flag.label} rules out {family.value} in the {ZONE_NAMES[zone_id]} today "
                    f"({kind}). {flag.note}",
                    flag.references,
                )
            )
        add(V_UNSAFE, UNSAFE_ZONE)
        return

    # 2. Untreated zone the reference needs. Each side is judged by what earlier filler still
    # holds there, as a treated side is by what it holds after today: nothing left is missed, a
    # little is under or conservative, enough is on target; points averaged over the sides.
    if group is None:
        assert rng is not None
        held = {k: info.residual.get(k, 0.0) for k in side_key_list}
        judged = [
            _dose_verdict(amount, rng) if amount < rng.min - 1e-9 else (V_ON_TARGET, 0.0)
            for amount in held.values()
        ]
        reasons.append(_untreated_reason(zone.label, family, held, rng, unit))
        add(_worst(v for v, _ in judged), math.fsum(p for _, p in judged) / len(judged))
        return

    typical = info.typical

    # 3. Filler where the catalogue offers none, in a danger zone (glabella, forehead, nose).
    if info.filler_unoffered:
        reasons.append(
            Reason(
                f"Filler in the {ZONE_NAMES[zone_id]}: a danger zone where this catalogue offers "
                "no filler at all; it carries a large share of the blindness cases after filler.",
                ("F35", *zone.danger_references),
            )
        )
        add(V_UNSAFE, UNSAFE_ZONE)
        return

    # 4. Treated without a reference for this zone and family: why (not indicated, or the
    # other family) and how much, against the catalogue's per-session range for the zone.
    if rng is None:
        other = info.other
        if other is not None:
            assert info.other_reason is not None  # built for every zone with another family
            reasons.append(info.other_reason)
            base = (
                WRONG_PRODUCT_SUITED if _all_suited(zone_id, products) else WRONG_PRODUCT_UNSUITED
            )
            unneeded = V_WRONG_PRODUCT
        else:
            reasons.append(info.not_indicated_reason)
            base, unneeded = NOT_INDICATED_BASE, V_NOT_INDICATED
        verdict, penalty, share = _unneeded_amount(
            zone.label, typical, info.session_top, all_amounts, unit, unneeded, reasons
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
        verdicts = [V_WRONG_PRODUCT]
        extra = 0.0
        for side in side_key_list:
            verdict, side_penalty = _dose_verdict(side_amounts[side], rng)
            if verdict in (V_MISSED, V_UNDER, V_CONSERVATIVE):
                extra += side_penalty
            over, over_penalty = _dose_verdict(all_amounts[side], rng)
            if over in (V_HEAVY, V_OVERFILLED):
                verdicts.append(over)
                extra += over_penalty
        verdict = _worst(verdicts)
        if verdict != V_WRONG_PRODUCT:
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
    cat_ceiling = info.cat_ceiling
    residual = info.residual
    held = side_amounts
    if residual:
        held = {k: round(v + residual.get(k, 0.0), 6) for k, v in side_amounts.items()}
    for side in side_key_list:
        amount = side_amounts[side]
        earlier = residual.get(side, 0.0)
        total = held[side]
        if amount <= 0 and earlier >= rng.min - 1e-9:
            verdict, penalty = V_ON_TARGET, 0.0
        else:
            verdict, penalty = _dose_verdict(total, rng)
        if amount > 0 and earlier > 0 and cat_ceiling is not None and total > cat_ceiling + 1e-9:
            if verdict != V_OVERFILLED:
                penalty += OVER_CEILING_STEP
            verdict = V_OVERFILLED
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
        reasons.insert(
            1,
            _residual_reason(side_key_list, residual, side_amounts, rng, unit, info.unknown_before),
        )
    if family == TOXIN and len(right) == 1 and right[0] != "ona":
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


def _unneeded_amount(
    label: str,
    typical: TypicalDose | None,
    top: float | None,
    amounts: Mapping[str, float],
    unit: str,
    verdict: Verdict,
    reasons: list[Reason],
) -> tuple[Verdict, float, float]:
    """Verdict, points and share of a session for an amount given where none is needed.

    The amount is measured against the catalogue's per-session range for the zone: each
    session's worth costs NOT_INDICATED_SCALE points, and more than a whole session's worth,
    where none is needed, is overfilled. `top` is the typical dose's per-session top."""
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
        return V_OVERFILLED, penalty, share
    return verdict, penalty, share


def _untreated_reason(
    label: str, family: Family, held: Mapping[str, float], rng: ResolvedRange, unit: str
) -> Reason:
    """Why a needed zone the plan leaves alone costs what it does: nothing there, or what earlier
    filler still holds, side by side."""
    needs = f"{label} needs {family.value} ({fmt(rng.min)}-{fmt(rng.max)} {unit})"
    if not any(amount > 0 for amount in held.values()):
        return Reason(f"{needs} but the plan leaves it untreated.", rng.references)
    short = [k for k, amount in held.items() if amount < rng.min - 1e-9]
    if len(short) < len(held):  # a paired zone filled on one side only
        filled = next(k for k in held if k not in short)
        state = f"enough on the {filled}, short of the minimum on the {short[0]}"
    else:
        state = "short of the minimum"
    if len(held) == 1 or len({round(v, 6) for v in held.values()}) == 1:
        where = volume_left(next(iter(held.values()))) + (" a side" if len(held) > 1 else "")
    else:
        where = " and ".join(
            f"{volume_left(amount) if amount > 0 else 'none'} on the {k}"
            for k, amount in held.items()
        )
    return Reason(
        f"{needs} and the plan adds none. Earlier filler still holds {where}: {state}.",
        (*rng.references, "F18"),
    )


def _residual_reason(
    keys: tuple[str, ...],
    residual: Mapping[str, float],
    added: Mapping[str, float],
    rng: ResolvedRange,
    unit: str,
    unknown: bool = False,
) -> Reason:
    left = max(residual.get(k, 0.0) for k in keys)
    if unknown:
        return Reason(
            f"About {fmt(left)} mL remain from earlier filler and count against the range, so "
            f"this visit has room for {fmt(max(0.0, rng.min - left))}-"
            f"{fmt(max(0.0, rng.max - left))} {unit}; the plan adds {_given(added)}. Part of it "
            "is an unknown product: it may be permanent, so all of it is counted as still there.",
            ("F18", "F30", "U9"),
        )
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
    V_ON_TARGET: "within the range",
    V_CONSERVATIVE: "below the range but at least half its minimum: a fair, cautious "
    "start that can be topped up",
    V_UNDER: "well below the range: unlikely to reach a visible one-grade change",
    V_MISSED: "untreated although the case needs it",
    V_HEAVY: "above the range: more than the goal needs",
    V_OVERFILLED: "past the ceiling: overfilled",
}


def _all_suited(zone_id: str, products: Iterable[str]) -> bool:
    zone = ZONES[zone_id]
    return all(p in zone.products and not PRODUCTS[p].permanent for p in products)


def flag_refs(flag_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(r for f in sorted(flag_ids) for r in RED_FLAGS[f].references)
