"""Demo and benchmark answers: a perfect trainee is graded full marks, a poor one is not, and
plan variants keep the author's plans and read back from the rows a trainee would type."""

from __future__ import annotations

import random
from pathlib import Path

from quizapp.domain import quiz
from quizapp.domain.sample_answers import plan_rows, plan_variants, quiz_response
from quizapp.formats.cases import load_case_file
from quizapp.formats.modules import load_module_dir
from quizapp.formats.plans import plan_from_dict

BANK = Path(__file__).resolve().parents[2] / "cases"


def test_quiz_responses_follow_the_trainees_skill():
    modules = load_module_dir(BANK / "modules")
    module = next(iter(modules.values())) if isinstance(modules, dict) else modules[0]
    rng = random.Random(1)
    percents = []
    for p in (1.0, 0.0):
        answers = {q.id: quiz_response(q, p, rng) for q in module.questions}
        answers = {k: v for k, v in answers.items() if v is not None}
        percents.append(quiz.grade_attempt(module.questions, answers, module.pass_mark).percent)
    assert percents[0] >= 90 and percents[1] < 50


def test_plan_variants_hold_the_candidates_and_read_back_from_rows():
    case = load_case_file(next(BANK.glob("*.yaml")))
    variants = plan_variants(case)
    candidates = [c.plan for c in case.reference.candidate_plans]
    assert all(plan in variants for plan in candidates) and len(variants) > len(candidates)
    for plan in variants:
        typed = plan_from_dict(
            {"disposition": plan.disposition.value, "items": plan_rows(plan)}, from_form=True
        )
        assert [(i.zone, i.product, i.amount) for i in typed.items] == [
            (i.zone, i.product, i.amount) for i in plan.items
        ]
