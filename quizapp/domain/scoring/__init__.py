"""The plan-scoring engine: judge a trainee's plan against a case, and score the other steps.

`score_plan(case, plan)` returns a `PlanScore`: a verdict per zone, session totals against the
case and the labels, what earlier visits left behind, product-safety findings, candidacy, a
projected look (a TEACHING HEURISTIC), identity findings, ONE band and a score out of 100 in
which over-treatment costs more than the same distance of under-treatment. Every point given or
taken carries a sentence a person can read and the source keys behind it. docs/scoring.md
explains each rule and weight so an educator can predict a score.

Pure and deterministic: no clock, no randomness; item order and item splitting do not matter.
"""

from quizapp.domain.scoring.engine import score_plan
from quizapp.domain.scoring.results import PlanScore, ZoneVerdict
from quizapp.domain.scoring.steps import (
    UNSAFE_ATTEMPT_CAP,
    score_assessment,
    score_case_attempt,
    score_disposition,
    score_red_flags,
)
from quizapp.domain.scoring.tables import CaseTables, case_tables
from quizapp.domain.scoring.weights import UNSAFE_SCORE_CAP, W_OVER, W_UNDER

__all__ = [
    "UNSAFE_ATTEMPT_CAP",
    "UNSAFE_SCORE_CAP",
    "W_OVER",
    "W_UNDER",
    "CaseTables",
    "PlanScore",
    "ZoneVerdict",
    "case_tables",
    "score_assessment",
    "score_case_attempt",
    "score_disposition",
    "score_plan",
    "score_red_flags",
]
