"""GIFT import and export: the mapping of each GIFT question kind, problems by line, and round
trips (import then export gives equivalent questions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.formats.gift import escape, export_gift, parse_gift, unescape
from quizapp.formats.modules import load_module_dir, load_module_text, question_to_data

BANK_MODULES = Path(__file__).resolve().parents[2] / "cases" / "modules"

MODULE_HEAD = """\
id: gift-test
title: GIFT
order: 1
summary: Round trips.
prerequisites: []
pass_mark: 50
references: [F15]
"""


def module_with(questions: list[dict]):
    """Validate imported question data as the module loader would."""
    import yaml

    data = yaml.safe_load(MODULE_HEAD)
    data["questions"] = questions
    return load_module_text(yaml.safe_dump(data, sort_keys=False))


def one(text: str, **kw) -> dict:
    result = parse_gift(text, **kw)
    assert not result.problems, result.problems
    [question] = result.questions
    return question.data


def test_multiple_choice_with_feedback_is_single():
    data = one(
        "// quizapp.references: F15\n"
        "$CATEGORY: $course$/top/Less is more\n\n"
        "::nr-01::Which is right? {\n=Up to two#More added no benefit.\n~Five#No.\n}\n"
    )
    assert data == {
        "id": "nr-01",
        "type": "single",
        "topic": "less-is-more",
        "stem": "Which is right?",
        "options": [
            {"text": "Up to two", "correct": True, "explanation": "More added no benefit."},
            {"text": "Five", "correct": False, "explanation": "No."},
        ],
        "references": ["F15"],
    }


def test_weights_make_multi_and_positive_weights_are_right():
    data = one("::m::Pick? {~%50%A#a ~%50%B#b ~%-100%C#c}", default_topic="x")
    assert data["type"] == "multi"
    assert [o["correct"] for o in data["options"]] == [True, True, False]


def test_true_false_keeps_both_feedbacks_and_the_general_one():
    assert one("::t::It is so. {T####Because.}")["answer"] is True
    data = one("::t::It is not so. {FALSE#You said true#Right, false.####In general.}")
    assert data["answer"] is False and data["explanation"] == "In general."
    # Moodle: the first feedback is for the wrong answer (here: true), the second for the right.
    assert data["feedback_true"] == "You said true"
    assert data["feedback_false"] == "Right, false."
    data = one("::t::It is so. {TRUE#Wrong: it is true.#Yes.}")
    assert (data["feedback_true"], data["feedback_false"]) == ("Yes.", "Wrong: it is true.")
    assert "explanation" not in data  # a draft may lack it; publishing asks for it


@pytest.mark.parametrize(
    "body, answer, tolerance",
    [("{#20}", 20, 0), ("{#20:2}", 20, 2), ("{#18..22}", 20, 2), ("{#=0.5:0.1}", 0.5, 0.1)],
)
def test_numerical_forms(body, answer, tolerance):
    data = one(f"::n::How much? {body}")
    assert (data["type"], data["answer"], data["tolerance"]) == ("numeric", answer, tolerance)
    assert data["unit"] is None


def test_a_one_answer_short_answer_stays_short_answer_text():
    data = one("::n::Labelled glabellar dose? {=20 U}")
    assert (data["type"], data["answers"]) == ("short", [{"text": "20 U"}])


def test_matching_with_places_is_ordering():
    text = (
        "// quizapp.explain 1: First because.\n"
        "// quizapp.explain 2: Second because.\n"
        "// quizapp.order_label: from first to last\n"
        "::o::Order them. {=Later -> 2 =Sooner -> 1}"
    )
    data = one(text)
    assert data["type"] == "ordering" and data["order_label"] == "from first to last"
    assert data["items"] == [
        {"text": "Sooner", "explanation": "First because."},
        {"text": "Later", "explanation": "Second because."},
    ]


def test_missing_word_keeps_the_blank_in_the_stem():
    data = one("Toxin is retreated no sooner than {=three ~six} months.")
    # A short answer that is not a number does not map, but this one is multiple choice.
    assert data["stem"] == r"Toxin is retreated no sooner than \_\_\_\_\_ months."


@pytest.mark.parametrize(
    "text, words",
    [
        ("::e::Describe consent. {}", "essay"),
        ("::d::Just a description.", "description"),
        ("::c::Cloze {=a ~b} and {=c ~d}", "more than one answer block"),
    ],
)
def test_unsupported_questions_are_reported_by_line(text, words):
    result = parse_gift("// a comment\n\n" + text)
    assert result.questions == []
    [problem] = result.problems
    assert problem.line == 3 and words in problem.message


def test_unsupported_questions_do_not_stop_the_others():
    text = "::a::Fine? {T####Yes.}\n\n::b::Essay. {}\n\n::c::Fine too? {F####No.}\n"
    result = parse_gift(text)
    assert [q.data["id"] for q in result.questions] == ["a", "c"]
    assert [(p.line, p.title) for p in result.problems] == [(3, "b")]


def test_escapes_round_trip():
    text = "Colons: braces {} tildes ~ equals = hashes # and a \\ backslash\nnew line"
    assert unescape(escape(text)) == text
    assert "\n" not in escape(text)


def test_windows_line_endings_and_a_bom_free_file():
    result = parse_gift("::a::One? {T####Yes.}\r\n\r\n::b::Two? {F####No.}\r\n")
    assert [q.line for q in result.questions] == [1, 3]


def test_empty_file_is_a_problem():
    assert parse_gift("// only a comment\n").problems[0].message == "no questions found in the file"


def _without_plans(data: dict) -> dict:
    """GIFT has no place for a plan_compare question's plans (patient, grades, zones, a plan per
    option): they are the engine's check of the bank, and a GIFT round trip drops them."""
    data = {k: v for k, v in data.items() if k not in ("patient", "assessment", "treat", "history")}
    if "options" in data:
        data["options"] = [{k: v for k, v in o.items() if k != "plan"} for o in data["options"]]
    return data


def test_every_bank_question_round_trips_except_hotspots():
    """Export every module of the bank to GIFT and import it again: equal question data."""
    modules = load_module_dir(BANK_MODULES)
    exported = 0
    for module in modules:
        text, skipped = export_gift(module.questions, title=module.title)
        assert {q.type for q in module.questions if q.id in dict(skipped)} <= {"hotspot"}
        result = parse_gift(text)
        assert not result.problems
        original = [
            _without_plans(question_to_data(q))
            for q in module.questions
            if q.id not in dict(skipped)
        ]
        imported = [q.data for q in result.questions]
        assert imported == original
        module_with(imported)  # and the module loader accepts them
        exported += len(imported)
    assert exported > 100


def test_import_then_export_then_import_is_stable():
    text = (
        "// quizapp.references: F15\n::q1::Which? {=A#Yes. ~B#No.}\n\n"
        "// quizapp.references: B1\n// quizapp.unit: mL\n::q2::How much? {#0.5:0.1####Half.}\n"
    )
    first = parse_gift(text, default_topic="aims")
    module = module_with([q.data for q in first.questions])
    again, skipped = export_gift(module.questions)
    second = parse_gift(again)
    assert not skipped and [q.data for q in second.questions] == [q.data for q in first.questions]


def test_a_long_name_gives_an_id_that_never_ends_in_a_hyphen():
    title = "a" * 79 + " b"
    [question] = parse_gift(f"::{title}::Fine? {{T####Yes.}}").questions
    assert question.data["id"] == "a" * 79
