"""score_plan: run every rule, then pick one band and a score."""

from __future__ import annotations

import math
from typing import Final

from quizapp.domain.case import Case
from quizapp.domain.plan import Plan
from quizapp.domain.scoring.candidacy import judge_candidacy
from quizapp.domain.scoring.look import identity_findings, projected_look
from quizapp.domain.scoring.results import (
    FAMILY_ORDER,
    SEVERITY_RANK,
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
from quizapp.domain.scoring.weights import UNSAFE_SCORE_CAP
from quizapp.domain.scoring.zones import judge_zone
from quizapp.domain.sources import sorted_keys
from quizapp.domain.terms import Band, Severity, Verdict


def score_plan(case: Case, plan: Plan, tables: CaseTables | None = None) -> PlanScore:
    """Judge a plan against a case (docs/scoring.md). Deterministic and order-independent.

    `tables` (from `case_tables(case)`) saves re-deriving the case's tables when scoring many
    plans against one case."""
    if tables is None:
        tables = case_tables(case)
    elif tables.case is not case:
        raise ValueError("tables were built for another case")
    state = Run(case, plan, tables, [], [], {}, 0.0)
    groups = group_items(plan)
    expected = case.reference.disposition
    treats = bool(plan.items)
    candidacy_fails = treats and not expected.treats

    blocked_by: set[str] = set()
    keys = set(groups)
    keys.update(tables.required)
    for key in sorted(keys, key=lambda k: (ZONE_ORDER[k[0]], FAMILY_ORDER[k[1]])):
        group = groups.get(key)
        hits = blocking_flags(tables, key[0], key[1], group.by_product) if group else []
        blocked_by.update(hits)
        judge_zone(state, key, group, candidacy_fails, hits)

    product_safety(state, groups)
    totals = session_totals(state, groups)
    cumulative = cumulative_load(state, groups)
    identity_findings(state)
    caution_findings(state, groups)
    look = projected_look(state)
    candidacy = judge_candidacy(state, candidacy_fails, sorted(blocked_by))

    zones = tuple(state.zones)
    findings = tuple(
        sorted(
            state.findings,
            key=lambda f: (-SEVERITY_RANK[f.severity], f.code, f.zone or "", f.text),
        )
    )
    band, band_reasons = _band(state, zones, findings)
    penalty = math.fsum([z.penalty for z in zones] + [f.penalty for f in findings])
    raw = max(0.0, 100.0 - penalty)
    score = int(math.floor(raw + 0.5 + 1e-9))
    if band == Band.UNSAFE:
        score = min(score, UNSAFE_SCORE_CAP)
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
        rounded(penalty, 4),
        zones,
        totals,
        cumulative,
        findings,
        candidacy,
        look,
        band_reasons,
        sorted_keys(refs),
    )


#: Which zone verdicts and finding severities put a plan in each band, worst band first.
_LADDER: Final = (
    (Band.UNSAFE, frozenset({Verdict.UNSAFE}), frozenset({Severity.UNSAFE})),
    (Band.OVERFILLED, frozenset({Verdict.OVERFILLED}), frozenset({Severity.OVERFILLED})),
    (
        Band.OVERDONE,
        frozenset({Verdict.HEAVY, Verdict.NOT_INDICATED, Verdict.WRONG_PRODUCT}),
        frozenset({Severity.OVERDONE}),
    ),
    (Band.UNDER_TREATED, frozenset({Verdict.MISSED, Verdict.UNDER}), frozenset()),
    (Band.CONSERVATIVE, frozenset({Verdict.CONSERVATIVE}), frozenset()),
)


def _band(
    state: Run, zones: tuple[ZoneVerdict, ...], findings: tuple[Finding, ...]
) -> tuple[Band, tuple[str, ...]]:
    """One band: unsafe > overfilled > overdone > under-treated > conservative > natural."""
    present_verdicts = {z.verdict for z in zones}
    present_severities = {f.severity for f in findings}
    for band, verdicts, severities in _LADDER:
        if present_verdicts & verdicts or present_severities & severities:
            reasons = [
                f"{z.zone}: {z.verdict.replace('_', ' ')}" for z in zones if z.verdict in verdicts
            ]
            reasons += [f.text for f in findings if f.severity in severities]
            return band, tuple(reasons)
    expected, given = state.case.reference.disposition, state.plan.disposition
    if given != expected and not state.plan.items:
        return Band.CONSERVATIVE, (f"disposition {given.value} instead of {expected.value}",)
    return Band.NATURAL, ()
