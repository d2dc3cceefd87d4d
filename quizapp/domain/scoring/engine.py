"""score_plan: run every rule, then pick one band and a score."""

from __future__ import annotations

import math
from typing import Final

from quizapp.domain.case import Case
from quizapp.domain.face import Family
from quizapp.domain.plan import Plan
from quizapp.domain.scoring.candidacy import judge_candidacy
from quizapp.domain.scoring.enzyme import hyaluronidase_findings
from quizapp.domain.scoring.look import identity_findings, projected_look, settle_look
from quizapp.domain.scoring.members import (
    B_CONSERVATIVE,
    B_NATURAL,
    B_OVERDONE,
    B_OVERFILLED,
    B_UNDER_TREATED,
    B_UNSAFE,
    FILLER,
    S_OVERDONE,
    S_OVERFILLED,
    S_UNSAFE,
    TOXIN,
    V_CONSERVATIVE,
    V_HEAVY,
    V_MISSED,
    V_NOT_INDICATED,
    V_OVERFILLED,
    V_UNDER,
    V_UNSAFE,
    V_WRONG_PRODUCT,
)
from quizapp.domain.scoring.practice import practice_findings
from quizapp.domain.scoring.results import (
    FAMILY_ORDER,
    SEVERITY_RANK,
    ZONE_NAMES,
    ZONE_ORDER,
    Finding,
    PlanScore,
    ZoneVerdict,
    rounded,
)
from quizapp.domain.scoring.session import (
    caution_findings,
    cumulative_load,
    product_safety,
    session_totals,
)
from quizapp.domain.scoring.tables import (
    CaseTables,
    Run,
    blocking_flags,
    case_tables,
    group_items,
)
from quizapp.domain.scoring.weights import BAND_SCORES
from quizapp.domain.scoring.zones import judge_zone
from quizapp.domain.sources import sorted_keys
from quizapp.domain.terms import (
    BAND_LABELS,
    DISPOSITION_LABELS,
    VERDICT_LABELS,
    Band,
)


def score_plan(case: Case, plan: Plan, tables: CaseTables | None = None) -> PlanScore:
    """Judge a plan against a case (docs/scoring.md). Deterministic and order-independent.

    `tables` (from `case_tables(case)`) saves re-deriving the case's tables when scoring many
    plans against one case."""
    if tables is None:
        tables = case_tables(case)
    elif tables.case is not case:
        raise ValueError("tables were built for another case")
    state = Run(case, plan, tables, [], [], {}, 0.0)
    groups, enzyme = group_items(plan)
    expected = case.reference.disposition
    # Hyaluronidase alone treats a complication: it is judged by its own rules (enzyme.py).
    treats = bool(groups)
    # Treating a patient who should not be treated is unsafe whatever the doses, unless the
    # only flags behind that disposition have a rule of their own (the 2-week review).
    candidacy_fails = treats and not expected.treats and not tables.ruled_only

    blocked_by: set[str] = set()
    keys = set(groups)
    keys.update(tables.required)
    blocking = tables.blocking
    for key in sorted(keys, key=_KEY_ORDER.__getitem__):
        group = groups.get(key)
        hits = (
            blocking_flags(tables, key[0], key[1], group.by_product)
            if group and blocking
            else _NO_HITS
        )
        blocked_by.update(hits)
        judge_zone(state, key, group, candidacy_fails, hits)

    product_safety(state, groups)
    totals = session_totals(state, groups)
    cumulative = cumulative_load(state, groups)
    identity_findings(state)
    caution_findings(state, groups)
    practice_findings(state, groups)
    if enzyme:
        hyaluronidase_findings(state, enzyme)
    look = projected_look(state)
    candidacy = judge_candidacy(state, candidacy_fails, sorted(blocked_by))

    zones = tuple(state.zones)
    findings = tuple(sorted(state.findings, key=_finding_order))
    band, band_reasons = _band(state, zones, findings)
    look = settle_look(look, band)
    penalty = math.fsum([*[z.penalty for z in zones], *[f.penalty for f in findings]])
    low, high = BAND_SCORES[band]
    raw = low + (high - low) * max(0.0, 100.0 - penalty) / 100.0
    score = int(math.floor(raw + 0.5 + 1e-9))
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
        rounded(penalty),
        zones,
        totals,
        cumulative,
        findings,
        candidacy,
        look,
        band_reasons,
        sorted_keys(refs),
        _band_label(band, zones, findings),
    )


_NO_HITS: Final[list[str]] = []


def _finding_order(f: Finding) -> tuple[int, str, str, str]:
    return (-SEVERITY_RANK[f.severity], f.code, f.zone or "", f.text)


#: Zone and family keys in catalogue order, toxin first.
_KEY_ORDER: Final = {(z, f): (ZONE_ORDER[z], FAMILY_ORDER[f]) for z in ZONE_ORDER for f in Family}

#: Findings past a limit that only toxin can pass.
_TOXIN_FINDINGS: Final = frozenset({"ona_3_month_limit", "upper_face_total", "booster"})


def _band_label(band: Band, zones: tuple[ZoneVerdict, ...], findings: tuple[Finding, ...]) -> str:
    if band == B_OVERFILLED:
        drivers = [z.family for z in zones if z.verdict == V_OVERFILLED]
        drivers += [
            TOXIN if f.code in _TOXIN_FINDINGS else FILLER
            for f in findings
            if f.severity == S_OVERFILLED
        ]
        if drivers and all(d == TOXIN for d in drivers):
            return "Over-treated (toxin)"
    return BAND_LABELS[band]


#: Which zone verdicts and finding severities put a plan in each band, worst band first.
_LADDER: Final = (
    (B_UNSAFE, frozenset({V_UNSAFE}), frozenset({S_UNSAFE})),
    (B_OVERFILLED, frozenset({V_OVERFILLED}), frozenset({S_OVERFILLED})),
    (
        B_OVERDONE,
        frozenset({V_HEAVY, V_NOT_INDICATED, V_WRONG_PRODUCT}),
        frozenset({S_OVERDONE}),
    ),
    (B_UNDER_TREATED, frozenset({V_MISSED, V_UNDER}), frozenset()),
    (B_CONSERVATIVE, frozenset({V_CONSERVATIVE}), frozenset()),
)


_VERDICT_WORDS: Final = {v: label.lower() for v, label in VERDICT_LABELS.items()}


def _band(
    state: Run, zones: tuple[ZoneVerdict, ...], findings: tuple[Finding, ...]
) -> tuple[Band, tuple[str, ...]]:
    """One band: unsafe > overfilled > overdone > under-treated > conservative > natural."""
    present_verdicts = {z.verdict for z in zones}
    present_severities = {f.severity for f in findings}
    for band, verdicts, severities in _LADDER:
        if present_verdicts & verdicts or present_severities & severities:
            reasons = [
                f"{ZONE_NAMES[z.zone]}: {_VERDICT_WORDS[z.verdict]}"
                for z in zones
                if z.verdict in verdicts
            ]
            reasons += [f.text for f in findings if f.severity in severities]
            return band, tuple(reasons)
    expected, given = state.case.reference.disposition, state.plan.disposition
    if given not in state.tables.right_dispositions and not state.plan.items:
        return B_CONSERVATIVE, (
            f"{DISPOSITION_LABELS[given]} where {DISPOSITION_LABELS[expected].lower()} fits",
        )
    return B_NATURAL, ()
