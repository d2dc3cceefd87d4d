"""Candidacy: whether this patient may be treated today as the plan proposes."""

from __future__ import annotations

from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring.members import (
    S_UNSAFE,
    S_WARNING,
)
from quizapp.domain.scoring.results import Candidacy, Finding, Reason
from quizapp.domain.scoring.tables import Run
from quizapp.domain.scoring.weights import (
    CANDIDACY_PENALTY,
    DISPOSITION_MISS,
    DISPOSITION_NEAR_MISS,
)
from quizapp.domain.scoring.zones import flag_refs
from quizapp.domain.terms import Disposition


def judge_candidacy(state: Run, candidacy_fails: bool, blocked_by: list[str]) -> Candidacy:
    case, plan = state.case, state.plan
    expected, given = case.reference.disposition, plan.disposition
    reasons: list[Reason] = []
    treats = bool(plan.items)
    if candidacy_fails:
        flags = sorted(case.flag_ids)
        named = ", ".join(RED_FLAGS[f].label.lower() for f in flags) or "the case findings"
        reasons.append(
            Reason(
                f"This patient should not be treated today ({named}); the right disposition is "
                f"{_words(expected)}. Treating is unsafe whatever the doses.",
                flag_refs(flags),
            )
        )
        state.findings.append(
            Finding(
                "candidacy",
                S_UNSAFE,
                reasons[-1].text,
                reasons[-1].references,
                None,
                CANDIDACY_PENALTY,
            )
        )
    elif blocked_by:
        reasons.append(
            Reason(
                "Part of the plan treats what a red flag rules out: "
                + ", ".join(RED_FLAGS[f].label.lower() for f in blocked_by)
                + ".",
                flag_refs(blocked_by),
            )
        )
    if given not in state.tables.right_dispositions and not candidacy_fails:
        if given.treats and expected.treats:
            text = (
                f"Disposition {_words(given)} where {_words(expected)} fits: close, but say "
                "plainly what is treated today and what waits."
            )
            penalty = DISPOSITION_NEAR_MISS
        elif not expected.treats:
            text = (
                f"Disposition {_words(given)} where {_words(expected)} fits: not treating was "
                "right, but the next step differs."
            )
            penalty = DISPOSITION_MISS
        else:
            text = (
                f"Disposition {_words(given)} where {_words(expected)} fits: this patient can be "
                "treated today."
            )
            penalty = DISPOSITION_MISS
        reasons.append(Reason(text))
        state.findings.append(Finding("disposition", S_WARNING, text, (), None, penalty))
    ok = not candidacy_fails and not blocked_by
    return Candidacy(expected, given, treats, ok, tuple(blocked_by), tuple(reasons))


def _words(disposition: Disposition) -> str:
    return disposition.value.replace("_", " ")
