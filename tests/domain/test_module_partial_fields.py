"""The module file's fields for partial credit: option weights, numeric further answers, true/false
feedback, short answer and matching; both sides of each limit, and drafts without explanations."""

from __future__ import annotations

import pytest
import yaml

from quizapp.formats.modules import ModuleFileError, dump_module, load_module_text

HEAD = """\
id: partial-fields
title: Partial fields
order: 1
summary: Limits.
prerequisites: []
pass_mark: 50
references: [F15]
"""


def load(question: dict, *, draft: bool = False):
    data = yaml.safe_load(HEAD)
    data["questions"] = [
        {"id": "q1", "topic": "t", "stem": "S?", "references": ["F15"], **question}
    ]
    return load_module_text(yaml.safe_dump(data, sort_keys=False), draft=draft)


def problems(question: dict, *, draft: bool = False) -> str:
    with pytest.raises(ModuleFileError) as error:
        load(question, draft=draft)
    return str(error.value)


def options(*weights, correct=None):
    rows = []
    for i, weight in enumerate(weights):
        right = correct[i] if correct else weight == 100
        rows.append({"text": f"o{i}", "correct": right, "explanation": "E.", "weight": weight})
    return rows


def test_single_weights_at_the_limits_are_taken():
    question = load({"type": "single", "options": options(100, -100, 0, 99.99)}).questions[0]
    assert [o.weight for o in question.options] == [100, -100, 0, 99.99]


@pytest.mark.parametrize("weight", [100.01, -100.01, 500])
def test_weights_beyond_the_limits_are_refused(weight):
    text = problems({"type": "single", "options": options(100, weight)})
    assert "out of range" in text and "-100 to 100" in text


def test_single_weights_need_a_full_answer():
    assert "no option has weight 100" in problems({"type": "single", "options": options(99.99, 50)})


def test_weights_are_all_or_none():
    rows = options(100, 50)
    del rows[1]["weight"]
    assert "some options have a `weight`" in problems({"type": "single", "options": rows})


def test_correct_must_agree_with_the_weight():
    rows = options(100, 50, correct=[True, True])
    assert "`correct` must be false for weight 50" in problems({"type": "single", "options": rows})


@pytest.mark.parametrize(
    "weights, ok",
    [
        ((50, 50, -100), True),
        ((33.33333, 33.33333, 33.33333, -50), True),
        ((50, 49.9, -100), False),
        ((50, 50.1, -100), False),
    ],
)
def test_multi_positive_weights_add_up_to_100(weights, ok):
    question = {"type": "multi", "options": options(*weights, correct=[w > 0 for w in weights])}
    if ok:
        assert load(question).questions[0].weighted
    else:
        assert "the positive weights add up to" in problems(question)


def test_numeric_further_answers_weights_from_0_to_100():
    base = {"type": "numeric", "answer": 3, "unit": None, "explanation": "E."}
    question = load({**base, "partial": [{"answer": 2, "weight": 0}, {"answer": 4, "weight": 100}]})
    assert [p.weight for p in question.questions[0].partial] == [0, 100]
    assert "out of range" in problems({**base, "partial": [{"answer": 2, "weight": -1}]})
    assert "out of range" in problems({**base, "partial": [{"answer": 2, "weight": 100.5}]})
    assert "negative" in problems(
        {**base, "partial": [{"answer": 2, "tolerance": -0.1, "weight": 50}]}
    )


def test_true_false_feedback_fields():
    question = load(
        {"type": "truefalse", "answer": True, "explanation": "E.", "feedback_true": "Yes."}
    ).questions[0]
    assert (question.feedback_true, question.feedback_false) == ("Yes.", "")


def short(*answers, **extra):
    return {"type": "short", "answers": list(answers), "explanation": "E.", **extra}


def test_short_answer_limits():
    assert load(short({"text": "a"})).questions[0].answers[0].weight == 100
    assert "expected a list of 1-20" in problems(short())
    many = [{"text": f"a{i}"} for i in range(21)]
    assert "expected a list of 1-20" in problems(short(*many))
    assert len(load(short(*many[:20])).questions[0].answers) == 20
    assert "no accepted answer has weight 100" in problems(short({"text": "a", "weight": 50}))
    assert "out of range" in problems(short({"text": "a"}, {"text": "b", "weight": -5}))
    assert "same answer as answers[0]" in problems(
        short({"text": "Carbon  X"}, {"text": "carbon x"})
    )


def matching(n, **extra):
    pairs = [{"left": f"l{i}", "right": f"r{i}"} for i in range(n)]
    return {"type": "matching", "pairs": pairs, "explanation": "E.", **extra}


def test_matching_limits():
    assert len(load(matching(2)).questions[0].pairs) == 2
    assert len(load(matching(12)).questions[0].pairs) == 12
    assert "expected a list of 2-12 pairs" in problems(matching(1))
    assert "expected a list of 2-12 pairs" in problems(matching(13))
    twice = matching(2)
    twice["pairs"][1]["left"] = "L0"
    assert "same left-hand text as pairs[0]" in problems(twice)


def test_a_draft_may_lack_explanations_a_published_module_may_not():
    question = {
        "type": "single",
        "options": [{"text": "a", "correct": True}, {"text": "b", "correct": False}],
    }
    module = load(question, draft=True)
    assert module.questions[0].options[0].explanation == ""
    assert "options[0].explanation: required field is missing" in problems(question)
    assert "q1" in dump_module(module)  # and it is written back without the missing fields
    assert "explanation" not in dump_module(module).split("questions:")[1]
    without = {k: v for k, v in short({"text": "a"}).items() if k != "explanation"}
    assert "explanation: required field is missing" in problems(without)
    assert load(without, draft=True).questions[0].explanation == ""
