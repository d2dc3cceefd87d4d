"""Issue 19: no plan-comparison question contradicts the engine. A plan_compare question written
with plans (`patient`, `assessment`, `treat` and each option's `plan`, docs/module-format.md) is
scored as `flask content check` scores it: the option marked correct must be the only plan in the
natural band. Every plan_compare question of the bank is written with plans: a choice between
decisions or techniques is a `single` question."""

from __future__ import annotations

import pytest

from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Band
from quizapp.formats.module_plans import plan_data, scenario_case
from quizapp.formats.modules import load_module_dir, load_module_text
from quizapp.formats.plans import plan_from_dict

from ._casekit import CASES_DIR


def _plan_compare_questions() -> dict:
    modules = load_module_dir(CASES_DIR / "modules")
    return {q.id: q for module in modules for q in module.questions if q.type == "plan_compare"}


QUESTIONS = _plan_compare_questions()
WRITTEN = sorted(qid for qid, q in QUESTIONS.items() if q.scenario is not None)


def _bands(question) -> list[Band | None]:
    case = scenario_case(question.id, question.scenario)
    return [
        None if plan is None else score_plan(case, plan_from_dict(plan_data(plan))).band
        for plan in question.scenario.plans
    ]


@pytest.mark.parametrize("question_id", WRITTEN)
def test_the_correct_plan_is_the_only_natural_one(question_id):
    question = QUESTIONS[question_id]
    natural = [i for i, band in enumerate(_bands(question)) if band == Band.NATURAL]
    assert natural == list(question.correct_indexes), [o.text for o in question.options]


def test_every_plan_compare_question_is_written_as_plans():
    assert len(WRITTEN) >= 20
    assert sorted(qid for qid, q in QUESTIONS.items() if q.scenario is None) == []


MODULE = """\
id: example
title: Example
order: 1
summary: An example.
prerequisites: []
pass_mark: 70
references: [B1]
questions:
  - id: ex-01
    type: plan_compare
    topic: dosing
    stem: Woman, 44. Frown lines grade 3 when frowning. Which plan?
    patient: {age: 44, sex: F, fitzpatrick: III, glogau: II}
    assessment:
      glabella: {rest: 1, moving: 3}
    treat: [glabella]
    options:
      - text: Glabella 20 U
        correct: CORRECT_A
        plan:
          - {zone: glabella, product: ona, amount: 20, side: midline}
        explanation: The label dose.
      - text: Glabella 60 U
        correct: CORRECT_B
        plan:
          - {zone: glabella, product: ona, amount: AMOUNT, side: midline}
        explanation: Far past the label dose.
    references: [B1]
"""


def _module(correct_first=True, amount="60"):
    text = MODULE.replace("CORRECT_A", str(correct_first).lower())
    return text.replace("CORRECT_B", str(not correct_first).lower()).replace("AMOUNT", amount)


def test_a_bad_plan_is_named_by_file_line_and_field():
    from quizapp.formats.modules import ModuleFileError

    with pytest.raises(ModuleFileError) as raised:
        load_module_text(_module(amount="lots"), "m.yaml")
    text = "\n".join(str(issue) for issue in raised.value.issues)
    assert "m.yaml:26: questions[0].options[1].plan[0].amount" in text, text


def test_plans_survive_the_editor_round_trip():
    from quizapp.formats.modules import dump_module

    module = load_module_text(_module(), "m.yaml")
    again = load_module_text(dump_module(module), "m.yaml")
    assert again.questions[0].scenario == module.questions[0].scenario
    assert again.questions[0].scenario.plans[1][0]["amount"] == 60
