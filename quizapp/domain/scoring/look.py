"""The projected look (a TEACHING HEURISTIC) and identity findings."""

from __future__ import annotations

import math
from typing import Final

from quizapp.domain.face import (
    AFFECTS,
    PRODUCTS,
    effect_fraction,
)
from quizapp.domain.scoring.members import (
    B_OVERDONE,
    B_OVERFILLED,
    B_UNSAFE,
    S_OVERDONE,
    V_HEAVY,
    V_NOT_INDICATED,
    V_OVERFILLED,
)
from quizapp.domain.scoring.results import (
    ZONE_NAMES,
    ZONE_ORDER,
    Finding,
    ProjectedLook,
)
from quizapp.domain.scoring.tables import Run
from quizapp.domain.scoring.weights import (
    ERASED_PENALTY,
    FADE_MONTHS,
    IDENTITY_PENALTY,
    LOOK_CAP_COMBINED_YEARS,
    LOOK_CAP_YEARS,
    LOOK_REFS,
)
from quizapp.domain.terms import Band

#: Effect left at each reported month, per product (the curves are fixed, so work them out once).
_EFFECT_AT: Final = {(p, m): effect_fraction(p, m) for p in PRODUCTS for m in FADE_MONTHS}


def identity_findings(state: Run) -> None:
    """Heavy treatment of (or next to) a feature the case asks to preserve (principle 7)."""
    case = state.case
    heavy = {V_HEAVY, V_OVERFILLED}
    for keep in sorted(case.preserve, key=lambda p: ZONE_ORDER[p.zone]):
        culprits: list[tuple[str, tuple[str, ...]]] = []
        for verdict in state.zones:
            if verdict.zone == keep.zone and verdict.verdict in heavy:
                culprits.append((verdict.zone, ()))
                continue
            for affected, refs in AFFECTS.get(verdict.zone, ()):
                if affected == keep.zone and verdict.verdict in heavy | {V_NOT_INDICATED}:
                    culprits.append((verdict.zone, refs))
        if culprits:
            names = ", ".join(ZONE_NAMES[z] for z in sorted({c[0] for c in culprits}))
            refs = tuple(r for _, rs in culprits for r in rs)
            note = f" ({keep.note})" if keep.note else ""
            state.findings.append(
                Finding(
                    "identity",
                    S_OVERDONE,
                    f"Treating the {names} beyond what the case needs changes the "
                    f"{ZONE_NAMES[keep.zone]}, a "
                    f"feature to preserve"
                    f"{note}. Every face is unique: keep what carries the person's expression.",
                    refs,
                    keep.zone,
                    IDENTITY_PENALTY,
                )
            )


def projected_look(state: Run) -> ProjectedLook:
    """Years credited, in whole years, and one of three outcomes: refreshed, unchanged,
    altered (altered or erased). `settle_look` makes the outcome agree with the band (and
    withholds it from an unsafe plan)."""
    case = state.case
    age = case.patient.age
    families = {family for (_zone, family), (credit, _pid) in state.credit.items() if credit > 0}
    cap = LOOK_CAP_COMBINED_YEARS if len(families) == 2 else LOOK_CAP_YEARS
    raw = math.fsum(c for c, _ in state.credit.values())
    aimed = raw + state.overreach
    if state.overreach > 1e-9:
        if aimed > cap:
            state.findings.append(
                Finding(
                    "erased",
                    S_OVERDONE,
                    f"The plan reaches for about {_whole(aimed)} years younger, past the "
                    f"{_whole(cap)} that well-judged treatment gives: it aims to erase, not "
                    f"refresh. A rested {age} is the goal, not a younger face.",
                    LOOK_REFS,
                    None,
                    ERASED_PENALTY,
                )
            )
        return _altered(age, aimed, cap)
    years = _whole(min(cap, raw))
    fade = tuple(
        (
            month,
            _whole(
                min(cap, math.fsum(c * _EFFECT_AT[(p, month)] for c, p in state.credit.values()))
            ),
        )
        for month in FADE_MONTHS
    )
    label = REFRESHED if years > 0 else UNCHANGED
    return ProjectedLook(age, years, age - years, _whole(aimed), _whole(cap), label, fade)


def settle_look(look: ProjectedLook, band: Band) -> ProjectedLook:
    """An overdone or overfilled plan never reads as refreshed. An unsafe plan gets no look at
    all: it should not go ahead as written, and a "refreshed" beside it would teach that a good
    result can excuse the risk."""
    if band == B_UNSAFE:
        return _no_change(look.age, look.aimed_years, look.cap_years, WITHHELD)
    if band in (B_OVERDONE, B_OVERFILLED) and look.label != ALTERED:
        return _altered(look.age, look.aimed_years, look.cap_years)
    return look


REFRESHED: Final = "refreshed"
UNCHANGED: Final = "unchanged"
ALTERED: Final = "altered"
WITHHELD: Final = "withheld"  # unsafe plans: not projected
#: The look's outcomes; pages style them as `look-<outcome>`.
LOOK_OUTCOMES: Final = (REFRESHED, UNCHANGED, ALTERED, WITHHELD)


def _altered(age: int, aimed: float, cap: float) -> ProjectedLook:
    return _no_change(age, aimed, cap, ALTERED)


def _no_change(age: int, aimed: float, cap: float, label: str) -> ProjectedLook:
    """No years credited at any month: the face reads as treated, or is not projected."""
    fade = tuple((month, 0) for month in FADE_MONTHS)
    return ProjectedLook(age, 0, age, _whole(aimed), _whole(cap), label, fade)


def _whole(years: float) -> int:
    return int(math.floor(years + 0.5))
