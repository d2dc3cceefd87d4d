"""The projected look (a TEACHING HEURISTIC) and identity findings."""

from __future__ import annotations

import math
from typing import Final

from quizapp.domain.face import (
    AFFECTS,
    PRODUCTS,
    effect_fraction,
)
from quizapp.domain.scoring.results import (
    ZONE_ORDER,
    Finding,
    ProjectedLook,
    fmt,
    rounded,
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
from quizapp.domain.terms import Severity, Verdict

#: Effect left at each reported month, per product (the curves are fixed, so work them out once).
_EFFECT_AT: Final = {(p, m): effect_fraction(p, m) for p in PRODUCTS for m in FADE_MONTHS}


def identity_findings(state: Run) -> None:
    """Heavy treatment of (or next to) a feature the case asks to preserve (principle 7)."""
    case = state.case
    heavy = {Verdict.HEAVY, Verdict.OVERFILLED}
    for keep in sorted(case.preserve, key=lambda p: ZONE_ORDER[p.zone]):
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


def projected_look(state: Run) -> ProjectedLook:
    case = state.case
    age = case.patient.age
    families = {family for (_zone, family), (credit, _pid) in state.credit.items() if credit > 0}
    cap = LOOK_CAP_COMBINED_YEARS if len(families) == 2 else LOOK_CAP_YEARS
    credits = [c for c, _ in state.credit.values()]
    raw = math.fsum(credits)
    years = rounded(min(cap, raw), 2)
    aimed = rounded(raw + state.overreach, 2)
    if state.overreach > 1e-9 and aimed > cap:
        label = "erased"
        state.findings.append(
            Finding(
                "erased",
                Severity.OVERDONE,
                f"The plan reaches for about {fmt(aimed)} years younger, past the {fmt(cap)} "
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
        fade.append((month, rounded(min(cap, at), 2)))
    return ProjectedLook(age, years, rounded(age - years, 2), aimed, cap, label, tuple(fade))
