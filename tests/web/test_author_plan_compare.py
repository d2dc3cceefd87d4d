"""A plan_compare question's plans (docs/module-format.md) survive the structured question editor:
the YAML editor writes them, the form edits the words, and the saved draft keeps the plans."""

from __future__ import annotations

import yaml

from quizapp.models import ModuleRecord
from tests.web.test_author_cases import post
from tests.web.test_author_modules import (  # noqa: F401 (the educator fixture)
    QUESTIONS,
    add_question,
    draft_module,
    educator,
    new_module,
)

SCENARIO = """\
    patient: {age: 44, sex: F, fitzpatrick: III, glogau: II}
    assessment:
      glabella: {rest: 1, moving: 3}
    treat: [glabella]
"""


def _with_plans(text: str) -> str:
    data = yaml.safe_load(text)
    question = next(q for q in data["questions"] if q["id"] == "rs-07")
    question.update(yaml.safe_load(SCENARIO))
    question["options"][0]["plan"] = [
        {"zone": "glabella", "product": "ona", "amount": 20, "side": "midline"}
    ]
    question["options"][1]["plan"] = [
        {"zone": "glabella", "product": "ona", "amount": 20, "side": "midline"},
        {"zone": "forehead", "product": "ona", "amount": 20, "side": "midline"},
        {"zone": "crows_feet", "product": "ona", "amount": 12, "side": "both"},
    ]
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def test_the_question_editor_keeps_the_plans(client, educator, db):  # noqa: F811
    module_id = new_module(client)
    assert add_question(client, module_id, "plan_compare").status_code == 302
    text = db.session.get(ModuleRecord, module_id).versions[-1].source_text
    saved = post(client, f"/author/modules/{module_id}/yaml", {"text": _with_plans(text)})
    assert saved.status_code == 302, saved.get_data(as_text=True)[:3000]
    before = next(q for q in draft_module(db, module_id).questions if q.id == "rs-07")
    assert before.scenario is not None

    edited = {**QUESTIONS["plan_compare"], "options-0-explanation": "The label dose (B1)."}
    url = f"/author/modules/{module_id}/questions/rs-07/edit"
    assert post(client, url, edited).status_code == 302
    after = next(q for q in draft_module(db, module_id).questions if q.id == "rs-07")
    assert after.options[0].explanation == "The label dose (B1)."
    assert after.scenario == before.scenario
