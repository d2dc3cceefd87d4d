"""GIFT files written for this project (tests/data/gift/) that use every construct of Moodle's
GIFT format: what each question becomes, what is skipped or refused and why, and the round trip
Moodle -> quizapp -> GIFT -> quizapp keeping meaning, weights and feedback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from quizapp.domain import quiz
from quizapp.formats.gift import export_gift, parse_gift
from quizapp.formats.modules import load_module_text, question_to_data
from quizapp.markup import render_inline, sanitise

DATA = Path(__file__).resolve().parents[1] / "data" / "gift"

MODULE_HEAD = """\
id: gift-constructs
title: GIFT constructs
order: 1
summary: Every construct.
prerequisites: []
pass_mark: 50
references: [F15]
"""


def module_with(questions: list[dict], *, draft: bool = True) -> quiz.Module:
    data = yaml.safe_load(MODULE_HEAD)
    data["questions"] = questions
    return load_module_text(yaml.safe_dump(data, sort_keys=False), draft=draft)


@pytest.fixture(scope="module")
def parsed():
    text = (DATA / "every-construct.gift").read_text(encoding="utf-8")
    return parse_gift(text, default_references=["F15"], sanitise=sanitise)


@pytest.fixture(scope="module")
def by_id(parsed):
    return {q.data["id"]: q for q in parsed.questions}


def test_every_question_is_taken_or_skipped_with_a_reason(parsed):
    assert len(parsed.questions) == 19
    skipped = {p.title: p.message for p in parsed.problems}
    assert set(skipped) == {"essay", "description"}
    assert "essays are marked by hand" in skipped["essay"]
    assert "description" in skipped["description"]


def test_categories_give_topics_and_names_give_ids(by_id):
    assert by_id["mc-plain"].data["topic"] == "choice"
    assert by_id["tf-short"].data["topic"] == "true-or-false"
    assert by_id["short"].data["topic"] == "typed"
    assert by_id["hash"].data["topic"] == "text"


def test_plain_multiple_choice_keeps_per_answer_feedback(by_id):
    question = by_id["mc-plain"]
    assert question.status == "imported" and question.notes == []
    assert question.data["type"] == "single"
    assert question.data["options"] == [
        {"text": "Mercury", "correct": True, "explanation": "Right: it has the smallest orbit."},
        {"text": "Venus", "correct": False, "explanation": "Venus comes second."},
        {"text": "Mars", "correct": False, "explanation": "Mars comes fourth."},
    ]


def test_weighted_one_choice_keeps_its_weights(by_id):
    question = by_id["mc-weighted-one"]
    assert question.status == "converted"
    assert question.data["type"] == "single"
    assert [(o["weight"], o["correct"]) for o in question.data["options"]] == [
        (100, True),
        (50, False),
        (0, False),
    ]


def test_weighted_several_choices_keep_negative_weights(by_id):
    data = by_id["mc-weighted-many"].data
    assert data["type"] == "multi"
    assert [o["weight"] for o in data["options"]] == [50, 50, -100, -100]
    assert [o["correct"] for o in data["options"]] == [True, True, False, False]
    assert data["explanation"] == "Prime numbers have exactly two divisors."


def test_missing_word_puts_a_blank_in_the_stem(by_id):
    question = by_id["missing-word"]
    assert render_inline(question.data["stem"]) == "The Pacific is the _____ ocean on Earth."
    assert "missing word" in question.notes[0]


def test_true_false_keeps_per_answer_feedback_beside_general_feedback(by_id):
    assert by_id["tf-short"].data["answer"] is True
    data = by_id["tf-feedback"].data
    assert data["answer"] is False
    assert data["feedback_true"] == "No: you said true, but it reflects sunlight."
    assert data["feedback_false"] == "Right: it reflects sunlight."
    assert data["explanation"] == "The Moon has no light of its own."
    data = by_id["tf-long"].data
    assert (data["answer"], data["feedback_true"], data["feedback_false"]) == (
        True,
        "Yes.",
        "Think of its definition.",
    )


def test_short_answer_keeps_accepted_answers_and_weights(by_id):
    assert by_id["short"].data["answers"] == [
        {"text": "carbon dioxide", "explanation": "Yes."},
        {"text": "CO2"},
        {"text": "carbon", "weight": 50, "explanation": "Nearly: the gas is carbon dioxide."},
    ]


def test_matching_keeps_its_pairs(by_id):
    data = by_id["matching"].data
    assert data["type"] == "matching"
    assert [(p["left"], p["right"]) for p in data["pairs"]] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("Kenya", "Nairobi"),
    ]
    assert data["explanation"] == "Each is the seat of government."


def test_numerical_tolerance_range_and_several_answers(by_id):
    assert (by_id["num-tolerance"].data["answer"], by_id["num-tolerance"].data["tolerance"]) == (
        3.14,
        0.005,
    )
    assert (by_id["num-range"].data["answer"], by_id["num-range"].data["tolerance"]) == (7, 2)
    data = by_id["num-several"].data
    assert (data["answer"], data["tolerance"]) == (1969, 0)
    assert data["partial"] == [
        {"answer": 1969, "tolerance": 1, "weight": 50, "explanation": "Close: within a year."}
    ]
    assert data["explanation"] == "Right: July 1969."


def test_escapes_and_a_hash_in_plain_text_survive(by_id):
    data = by_id["escapes"].data
    shown = render_inline(data["stem"])
    assert shown == "Which sign starts a GIFT comment line: {a} ~b = c, or # d?"
    assert [render_inline(o["text"]) for o in data["options"]] == ["//", "#"]
    assert data["options"][0]["explanation"] == "Yes: two slashes."
    assert render_inline(by_id["hash"].data["stem"]) == "Item #1 costs 2*3 units: is that 6 units?"


def test_format_markers_are_honoured_and_sanitised(by_id):
    assert render_inline(by_id["markdown"].data["stem"]) == (
        "Is <strong>bold</strong> text written with two asterisks?"
    )
    html = by_id["html"]
    assert render_inline(html.data["stem"]) == "Is <b>this</b> bold?"
    assert "HTML text sanitised" in html.notes
    assert render_inline(by_id["plain"].data["stem"]) == "Does &lt;b&gt; show as typed here?"
    assert render_inline(by_id["moodle"].data["stem"]) == "Is <i>this</i> in Moodle's auto-format?"


def test_html_without_the_app_sanitiser_shows_as_text():
    [question] = parse_gift("::h::[html]Is <b>x</b> ok?{T}").questions
    assert "<b>" not in question.data["stem"] and "&lt;b&gt;" in question.data["stem"]


def test_line_breaks_are_kept(by_id):
    stem = by_id["lines"].data["stem"]
    assert stem.split("  \n") == [
        "First line of the question,",
        "second line of the question.",
        "Third line: is this one question?",
    ]


def test_the_module_checker_takes_every_imported_question_as_a_draft(parsed):
    module = module_with([q.data for q in parsed.questions])
    kinds = {q.id: q.type for q in module.questions}
    assert kinds["short"] == "short" and kinds["matching"] == "matching"
    # Publishing needs explanations, which Moodle banks seldom have.
    with pytest.raises(Exception, match="explanation"):
        module_with([q.data for q in parsed.questions], draft=False)


def test_round_trip_keeps_meaning_weights_and_feedback(parsed):
    module = module_with([q.data for q in parsed.questions])
    text, skipped = export_gift(module.questions, title="constructs")
    assert skipped == []
    again = parse_gift(text, sanitise=sanitise)
    assert not again.problems
    back = module_with([q.data for q in again.questions])
    assert [question_to_data(q) for q in back.questions] == [
        question_to_data(q) for q in module.questions
    ]
    assert "~%50%two#Two is prime." in text and "~%-100%four" in text
    assert r"=%50%1969:1#Close\: within a year." in text
    assert r"FALSE#No\: you said true, but it reflects sunlight.#Right\: it reflects" in text


@pytest.mark.parametrize(
    "question_id, response, score",
    [
        ("mc-weighted-one", 1, 0.5),
        ("mc-weighted-many", [0, 1], 1.0),
        ("mc-weighted-many", [0, 2], 0.0),
        ("short", "  Carbon   DIOXIDE ", 1.0),
        ("short", "carbon", 0.5),
        ("num-several", "1970", 0.5),
        ("matching", {0: 0, 1: 1, 2: 3, 3: 2}, 0.5),
    ],
)
def test_the_round_trip_grades_the_same(parsed, question_id, response, score):
    module = module_with([q.data for q in parsed.questions])
    text, _ = export_gift(module.questions)
    back = module_with([q.data for q in parse_gift(text, sanitise=sanitise).questions])
    for source in (module, back):
        assert quiz.grade(source.question(question_id), response).score == score


def test_forbidden_constructs_are_refused_by_line():
    result = parse_gift((DATA / "refused.gift").read_text(encoding="utf-8"))
    assert [q.data["id"] for q in result.questions] == ["fine"]
    problems = {p.title: p for p in result.problems}
    assert problems["nested"].line == 3 and "nested braces" in problems["nested"].message
    assert problems["too-heavy"].line == 5 and "500%" in problems["too-heavy"].message
    assert problems["stray"].line == 7 and "stray `}`" in problems["stray"].message


def test_nested_braces_are_reported_on_their_own_line():
    result = parse_gift("::n::Which? {\n=a\n~b {c}\n}\n")
    [problem] = result.problems
    assert problem.line == 3 and "nested braces" in problem.message


@pytest.mark.parametrize("weight", ["101", "-101", "500", "-250.5"])
def test_weights_outside_the_range_are_refused(weight):
    [problem] = parse_gift(f"::w::Pick. {{=a ~%{weight}%b}}").problems
    assert f"{weight}%" in problem.message and "-100..100" in problem.message


@pytest.mark.parametrize("weight", ["100", "-100", "0", "33.33333"])
def test_weights_at_the_edges_of_the_range_are_taken(weight):
    result = parse_gift(f"::w::Pick. {{=a ~%{weight}%b ~c}}")
    assert not result.problems, result.problems
