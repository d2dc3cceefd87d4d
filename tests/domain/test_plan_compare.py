"""Issue 19: no plan-comparison question contradicts the engine. Each question written as plans
in data/plan_compare_plans.yaml is scored: the option marked correct must be the only one in the
natural band. Every other plan_compare question is listed there as not yet written as plans."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Band
from quizapp.formats.cases import load_case_text
from quizapp.formats.modules import load_module_dir
from quizapp.formats.plans import plan_from_dict

from ._casekit import CASES_DIR

DATA = yaml.safe_load((Path(__file__).parent / "data/plan_compare_plans.yaml").read_text())
WRITTEN = DATA["questions"]


def _plan_compare_questions() -> dict:
    modules = load_module_dir(CASES_DIR / "modules")
    return {q.id: q for module in modules for q in module.questions if q.type == "plan_compare"}


QUESTIONS = _plan_compare_questions()


def _case(question_id: str, spec: dict):
    # Each zone the stem asks to treat takes the products its plans use, at catalogue ranges.
    used: dict[str, set[str]] = {z: set() for z in spec["zones"]}
    for plan in filter(None, spec["plans"]):
        for item in plan["items"]:
            if item["zone"] in used:
                used[item["zone"]].add(item["product"])
    zones = {z: {"products": sorted(products)} for z, products in used.items()}
    data = {
        "id": f"q-{question_id}",
        "title": question_id,
        "summary": "A plan-comparison question as a case.",
        "patient": spec["patient"],
        "assessment": spec["assessment"],
        "reference": {"disposition": "treat", "zones": zones},
        "learning_points": ["-"],
        "references": ["B1"],
    }
    return data


@pytest.mark.parametrize("question_id", sorted(WRITTEN))
def test_the_correct_plan_is_the_only_natural_one(question_id):
    question = QUESTIONS[question_id]
    spec = WRITTEN[question_id]
    assert len(spec["plans"]) == len(question.options)
    case = load_case_text(yaml.safe_dump(_case(question_id, spec)), f"{question_id}.yaml")
    natural = []
    for index, plan in enumerate(spec["plans"]):
        if plan is None:
            continue
        score = score_plan(case, plan_from_dict({"disposition": "treat", **plan}))
        if score.band == Band.NATURAL:
            natural.append(index)
    right = [i for i, option in enumerate(question.options) if option.correct]
    assert natural == right, [o.text for o in question.options]


def test_every_plan_compare_question_is_written_as_plans_or_listed():
    listed = set(WRITTEN) | set(DATA.get("unchecked", {}))
    assert sorted(set(QUESTIONS) - listed) == []
    assert sorted(listed - set(QUESTIONS)) == []
