"""Graders, attempts, shuffling and the public view (quizapp.domain.quiz): no app, no database."""

from __future__ import annotations

import json
from fractions import Fraction
from itertools import combinations, permutations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizapp.domain import quiz
from quizapp.domain.quiz import (
    GRADERS,
    AttemptGrade,
    HotspotQuestion,
    Module,
    MultiQuestion,
    NumericParseError,
    NumericQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    PlanCompareQuestion,
    QuestionBase,
    SingleQuestion,
    TrueFalseQuestion,
    best_or_last,
    grade,
    grade_attempt,
    ordering_agreement,
    parse_numeric_response,
    question_public_view,
    response_from_display,
    shuffled_options,
)

REFS = ("F15",)


def single(correct: int = 1, n: int = 4, qid: str = "q-single") -> SingleQuestion:
    return SingleQuestion(
        id=qid,
        topic="aims",
        stem="Which goal fits a natural result?",
        references=REFS,
        options=tuple(
            Option(
                f"option {i}",
                i == correct,
                f"why option {i} is {'right' if i == correct else 'wrong'}",
            )
            for i in range(n)
        ),
    )


def multi(correct: tuple[int, ...], n: int) -> MultiQuestion:
    return MultiQuestion(
        id="q-multi",
        topic="overuse-risks",
        stem="Select all signs of overfilling.",
        references=REFS,
        options=tuple(Option(f"sign {i}", i in correct, f"about sign {i}") for i in range(n)),
    )


def truefalse(answer: bool = False) -> TrueFalseQuestion:
    return TrueFalseQuestion(
        id="q-tf",
        topic="less-is-more",
        stem="More than two facial units adds benefit.",
        references=REFS,
        answer=answer,
        explanation="No added FACE-Q benefit beyond two units.",
    )


def numeric(answer: float = 20, tolerance: float = 0, unit: str | None = "U") -> NumericQuestion:
    return NumericQuestion(
        id="q-num",
        topic="doses",
        stem="Labelled glabellar dose?",
        references=("B1",),
        answer=answer,
        tolerance=tolerance,
        unit=unit,
        explanation="Five points of 4 U.",
    )


def ordering(n: int = 4) -> OrderingQuestion:
    return OrderingQuestion(
        id="q-order",
        topic="product-choice",
        stem="Order the materials.",
        references=("F25",),
        items=tuple(OrderItem(f"item {i}", f"item {i} belongs at {i}") for i in range(n)),
        order_label="shortest to longest",
    )


def hotspot(zones: tuple[str, ...] = ("forehead",), select: str = "one") -> HotspotQuestion:
    explanations = {zone: f"{zone} is right" for zone in zones}
    explanations["glabella"] = "tempting, but no"
    return HotspotQuestion(
        id="q-hot",
        topic="overuse-risks",
        stem="Which area?",
        references=("B33",),
        zones=zones,
        select=select,  # type: ignore[arg-type]
        explanation="The frontalis lifts the brow.",
        zone_explanations=explanations,
    )


def plan_compare() -> PlanCompareQuestion:
    return PlanCompareQuestion(
        id="q-plan",
        topic="less-is-more",
        stem="Woman, 44; glabella grade 3.",
        references=("B1",),
        options=(
            Option("Glabella 20 U", True, "labelled dose"),
            Option("Glabella 20 U, forehead 20 U, crow's feet 24 U", False, "too much"),
        ),
    )


ALL_TYPES = [
    single(),
    multi((0, 1), 4),
    truefalse(),
    numeric(),
    ordering(),
    hotspot(),
    plan_compare(),
]


# --- registry and dispatch -----------------------------------------------------------------


def test_graders_cover_every_question_type():
    assert set(GRADERS) == set(quiz.QUESTION_TYPES)
    for question in ALL_TYPES:
        assert grade(question, None).question_id == question.id


def test_grade_refuses_a_question_of_an_unknown_type():
    class Essay(QuestionBase):
        type = "essay"

    with pytest.raises(TypeError, match="no grader"):
        grade(Essay(id="e", topic="t", stem="s", references=REFS), "text")


@pytest.mark.parametrize("question", ALL_TYPES, ids=lambda q: q.type)
@pytest.mark.parametrize("blank", [None, "", "   ", [], ()])
def test_unanswered_scores_zero_for_every_type(question, blank):
    result = grade(question, blank)
    assert result.score == 0.0
    assert not result.answered
    assert not result.correct
    assert result.feedback == "Not answered."


@pytest.mark.parametrize("question", ALL_TYPES, ids=lambda q: q.type)
def test_results_are_json_safe_with_stable_keys(question):
    result = grade(question, None)
    data = json.loads(json.dumps(result.to_dict()))
    assert list(data) == [
        "question_id", "type", "topic", "score", "correct", "answered", "feedback",
        "explanation", "references", "marks", "response", "expected",
    ]  # fmt: skip
    assert data["references"] == list(question.references)
    for mark in data["marks"]:
        assert set(mark) == {
            "key", "text", "selected", "expected", "verdict", "explanation", "position",
            "expected_position",
        }  # fmt: skip


# --- single and plan_compare ---------------------------------------------------------------


def test_single_right_option_scores_one_with_marks_for_every_option():
    result = grade(single(correct=1), 1)
    assert (result.score, result.correct, result.answered) == (1.0, True, True)
    assert [m.verdict for m in result.marks] == [
        "unselected",
        "correct",
        "unselected",
        "unselected",
    ]
    assert result.marks[1].explanation == "why option 1 is right"
    assert result.expected == 1


def test_single_wrong_option_scores_zero_and_shows_the_missed_answer():
    result = grade(single(correct=1), 3)
    assert (result.score, result.correct) == (0.0, False)
    assert [m.verdict for m in result.marks] == ["unselected", "missed", "unselected", "wrong"]
    assert result.marks[3].explanation == "why option 3 is wrong"


@pytest.mark.parametrize("response", ["1", [1], (1,), " 1 "])
def test_single_accepts_form_values(response):
    assert grade(single(correct=1), response).score == 1.0


@pytest.mark.parametrize("response", [7, -1, True, "one", 1.0, [0, 1], {"a": 1}])
def test_single_malformed_response_scores_zero_without_raising(response):
    result = grade(single(correct=1), response)
    assert result.score == 0.0
    assert result.answered
    assert "not one of the options" in result.feedback


def test_plan_compare_grades_like_single_with_plan_feedback():
    question = plan_compare()
    assert grade(question, 0).score == 1.0
    wrong = grade(question, 1)
    assert wrong.score == 0.0
    assert "plan" in wrong.feedback
    assert wrong.marks[1].explanation == "too much"


# --- multi ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "n", "chosen", "expected"),
    [
        ((0, 1), 4, [0, 1], 1.0),
        ((0, 1), 4, [0], 0.5),  # +1/k
        ((0, 1), 4, [0, 1, 2], 0.5),  # -1/m with m = 2
        ((0, 1), 4, [0, 2], 0.0),
        ((0, 1), 4, [2, 3], 0.0),  # floor: never below zero
        ((0, 1), 4, [0, 1, 2, 3], 0.0),  # choosing everything earns nothing
        ((0,), 4, [0, 1], 1 - 1 / 3),  # m = 3 wrong options: one wrong costs a third
        ((0, 1, 2), 5, [0, 1, 3], 2 / 3 - 1 / 2),
        ((0, 1, 2, 3), 4, [0, 1, 2, 3], 1.0),  # m = 0: nothing to penalise
    ],
)
def test_multi_partial_credit(correct, n, chosen, expected):
    result = grade(multi(correct, n), chosen)
    assert result.score == pytest.approx(expected)
    assert result.correct == (set(chosen) == set(correct))


def test_multi_marks_name_correct_missed_wrong_and_unselected():
    result = grade(multi((0, 1), 4), [0, 2])
    assert [m.verdict for m in result.marks] == ["correct", "missed", "wrong", "unselected"]
    assert "1 of 2 correct options" in result.feedback
    assert result.response == [0, 2]
    assert result.expected == [0, 1]


def test_multi_duplicates_count_once_and_bad_indexes_score_zero():
    assert grade(multi((0, 1), 4), [0, 0, 1]).score == 1.0
    bad = grade(multi((0, 1), 4), [0, 9])
    assert bad.score == 0.0
    assert "do not exist" in bad.feedback


@given(
    st.integers(min_value=2, max_value=6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.sets(st.integers(0, n - 1), min_size=1),
            st.sets(st.integers(0, n - 1)),
        )
    )
)
def test_multi_score_stays_in_range_and_is_one_only_for_the_exact_set(case):
    n, correct, chosen = case
    result = grade(multi(tuple(sorted(correct)), n), sorted(chosen))
    assert 0.0 <= result.score <= 1.0
    assert (result.score == 1.0) == (chosen == correct)


# --- truefalse -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "score"), [(False, 1.0), (True, 0.0), ("false", 1.0), ("TRUE", 0.0)]
)
def test_truefalse(response, score):
    result = grade(truefalse(answer=False), response)
    assert result.score == score
    assert result.explanation == "No added FACE-Q benefit beyond two units."
    assert "false" in result.feedback


@pytest.mark.parametrize("response", [0, 1, "yes", "maybe"])
def test_truefalse_refuses_anything_but_true_or_false(response):
    result = grade(truefalse(answer=False), response)
    assert result.score == 0.0
    assert result.answered


# --- numeric -------------------------------------------------------------------------------


@pytest.mark.parametrize("response", [20, 20.0, "20", "20 U", "20u", "20 units", " 20U ", "20 U."])
def test_numeric_accepts_the_number_with_or_without_its_unit(response):
    assert grade(numeric(20, 0, "U"), response).score == 1.0


@pytest.mark.parametrize("response", ["0,5 mL", "0.5ml", ".5 mL", "0.5 cc", "0,5", 0.5])
def test_numeric_reads_decimal_commas_and_ml_spellings(response):
    assert grade(numeric(0.5, 0, "mL"), response).score == 1.0


def test_numeric_wrong_unit_is_wrong_with_a_message():
    result = grade(numeric(20, 0, "U"), "20 mL")
    assert result.score == 0.0
    assert result.answered
    assert "Wrong unit" in result.feedback
    assert "U" in result.feedback


def test_numeric_units_are_never_converted():
    question = numeric(3, 0, "months")
    assert grade(question, "3 months").score == 1.0
    assert grade(question, "12 weeks").score == 0.0


def test_numeric_unknown_unit_is_wrong_and_says_so():
    result = grade(numeric(20, 0, "U"), "20 U per side")
    assert result.score == 0.0
    assert "not recognised" in result.feedback


def test_numeric_bare_number_question_rejects_a_unit():
    question = numeric(2, 0, None)
    assert grade(question, "2").score == 1.0
    result = grade(question, "2 mL")
    assert result.score == 0.0
    assert "without a unit" in result.feedback


@pytest.mark.parametrize(
    ("response", "score"),
    [(22, 1.0), (18, 1.0), ("22 U", 1.0), (22.5, 0.0), (17.9, 0.0), (20, 1.0)],
)
def test_numeric_tolerance_is_absolute_and_inclusive(response, score):
    assert grade(numeric(20, 2, "U"), response).score == score


def test_numeric_float_answers_tolerate_rounding_noise():
    assert grade(numeric(0.3, 0, "mL"), 0.1 + 0.2).score == 1.0


def test_numeric_feedback_names_the_accepted_range():
    result = grade(numeric(20, 2, "U"), 30)
    assert "18-22 U" in result.feedback
    assert result.expected == {"answer": 20, "tolerance": 2, "unit": "U"}


@pytest.mark.parametrize(
    "response", ["abc", "20-30 U", "20 - 30", "1,2,3", "nan", float("inf"), True, [20]]
)
def test_numeric_unreadable_responses_score_zero_without_raising(response):
    result = grade(numeric(20, 0, "U"), response)
    assert result.score == 0.0
    assert result.answered


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("1,500 U", 1500.0, "U"),
        ("1,5 mL", 1.5, "mL"),
        ("1.500,5", 1500.5, None),
        ("1,500.5", 1500.5, None),
        ("2 yrs", 2.0, "years"),
        ("50 %", 50.0, "%"),
        ("-3", -3.0, None),
    ],
)
def test_parse_numeric_response(text, value, unit):
    parsed_value, parsed_unit, _typed = parse_numeric_response(text)
    assert parsed_value == value
    assert parsed_unit == unit


def test_parse_numeric_response_raises_for_a_range():
    with pytest.raises(NumericParseError, match="range"):
        parse_numeric_response("20-30")


# --- ordering ------------------------------------------------------------------------------


def test_ordering_correct_order_scores_one():
    result = grade(ordering(4), [0, 1, 2, 3])
    assert (result.score, result.correct) == (1.0, True)
    assert all(m.verdict == "in_place" for m in result.marks)


def test_ordering_reverse_scores_zero():
    assert grade(ordering(4), [3, 2, 1, 0]).score == 0.0


def test_ordering_one_adjacent_swap_loses_one_pair_of_six():
    result = grade(ordering(4), [0, 2, 1, 3])
    assert result.score == pytest.approx(5 / 6)
    assert not result.correct
    assert [m.verdict for m in result.marks] == ["in_place", "misplaced", "misplaced", "in_place"]
    assert (result.marks[1].position, result.marks[1].expected_position) == (2, 1)
    assert "5 of 6 pairs" in result.feedback


@pytest.mark.parametrize("response", [[0, 1, 2], [0, 1, 2, 2], [0, 1, 2, 9], "x", [True, 1, 2, 3]])
def test_ordering_must_place_every_item_once(response):
    result = grade(ordering(4), response)
    assert result.score == 0.0
    assert result.answered
    assert "exactly once" in result.feedback


@given(st.permutations(range(6)))
def test_ordering_is_pairwise_agreement(order):
    n = len(order)
    score = Fraction(grade(ordering(n), list(order)).score).limit_denominator(1000)
    agreeing = sum(1 for i, j in combinations(range(n), 2) if order[i] < order[j])
    assert score == Fraction(agreeing, n * (n - 1) // 2)
    # Reversing a trainee's order turns every agreeing pair into a disagreeing one.
    assert ordering_agreement(order) + ordering_agreement(order[::-1]) == 1


# --- hotspot -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "score"), [("forehead", 1.0), (["forehead"], 1.0), ("glabella", 0.0)]
)
def test_hotspot_one(response, score):
    result = grade(hotspot(("forehead",), "one"), response)
    assert result.score == score


def test_hotspot_one_accepts_any_of_several_correct_zones():
    question = hotspot(("forehead", "glabella"), "one")
    assert grade(question, "glabella").score == 1.0


def test_hotspot_one_refuses_two_zones():
    result = grade(hotspot(("forehead",), "one"), ["forehead", "glabella"])
    assert result.score == 0.0
    assert "one zone" in result.feedback


def test_hotspot_unknown_zone_scores_zero():
    result = grade(hotspot(("forehead",), "one"), "elbow")
    assert result.score == 0.0
    assert "not on the face map" in result.feedback


@pytest.mark.parametrize(
    ("chosen", "score"),
    [
        (["nose", "lips", "nasolabial", "forehead"], 1.0),
        (["nose", "lips"], 0.5),
        (["nose", "lips", "cheek"], 0.25),  # -1/k per wrong zone
        (["cheek", "chin", "nose"], 0.0),  # floor
        (["lips", "nose", "forehead", "nasolabial", "nose"], 1.0),  # order and repeats ignored
    ],
)
def test_hotspot_many_partial_credit(chosen, score):
    question = hotspot(("nose", "lips", "nasolabial", "forehead"), "many")
    assert grade(question, chosen).score == pytest.approx(score)


def test_hotspot_marks_explain_tempting_zones_even_when_not_chosen():
    result = grade(hotspot(("forehead",), "one"), "forehead")
    by_zone = {m.key: m for m in result.marks}
    assert by_zone["forehead"].verdict == "correct"
    assert by_zone["glabella"].verdict == "unselected"
    assert by_zone["glabella"].explanation == "tempting, but no"
    assert by_zone["forehead"].text == quiz.zone_label("forehead")


# --- attempts ------------------------------------------------------------------------------


def _questions():
    return [single(correct=0, qid=f"q{i}") for i in range(3)]


def test_grade_attempt_percent_pass_and_missing_responses():
    attempt = grade_attempt(_questions(), {"q0": 0, "q1": 0}, pass_mark=60)
    assert attempt.percent == 66.6  # floored, never rounded up to a pass
    assert attempt.passed
    assert attempt.max_score == 3
    assert not attempt.results[2].answered


def test_grade_attempt_pass_mark_is_inclusive_and_exact():
    questions = [single(correct=0, qid=f"q{i}") for i in range(10)]
    responses = {f"q{i}": 0 for i in range(7)}
    assert grade_attempt(questions, responses, 70).passed
    assert not grade_attempt(questions, responses, 71).passed
    # 2/3 = 66.66...% must fail a 66.7 pass mark although it would round to 66.7.
    assert not grade_attempt(_questions(), {"q0": 0, "q1": 0}, 66.7).passed


def test_grade_attempt_topics_weakest_first_and_json():
    questions = [single(correct=0, qid="a"), truefalse(), numeric()]
    attempt = grade_attempt(questions, {"a": 0, "q-tf": True, "q-num": "20 U"}, 50)
    assert list(attempt.topics()) == ["less-is-more", "aims", "doses"]
    assert attempt.topics()["less-is-more"] == 0.0
    data = json.loads(json.dumps(attempt.to_dict()))
    assert data["percent"] == 66.6
    assert len(data["results"]) == 3


@pytest.mark.parametrize("pass_mark", [0, 101, -5, True])
def test_grade_attempt_refuses_a_bad_pass_mark(pass_mark):
    with pytest.raises(ValueError, match="pass_mark"):
        grade_attempt(_questions(), {}, pass_mark)


def test_grade_attempt_needs_questions():
    with pytest.raises(ValueError, match="at least one question"):
        grade_attempt([], {}, 70)


def _attempt(percent: float) -> AttemptGrade:
    return AttemptGrade(percent, percent >= 70, 70, 0.0, 1, ())


def test_best_or_last():
    first, best, tie, last = _attempt(50), _attempt(80), _attempt(80), _attempt(60)
    grades = [first, best, tie, last]
    assert best_or_last(grades, "highest") is best  # the earliest of equals
    assert best_or_last(grades, "last") is last
    assert best_or_last([], "highest") is None
    with pytest.raises(ValueError, match="highest, last"):
        best_or_last(grades, "average")


# --- shuffling and the public view ---------------------------------------------------------


def test_shuffle_is_a_permutation_stable_for_a_seed_and_varies_with_it():
    question = single(n=6)
    order = shuffled_options(question, 1234)
    assert sorted(order) == list(range(6))
    assert shuffled_options(question, 1234) == order
    assert shuffled_options(question, "1234") == order  # a seed read back from a form
    orders = {shuffled_options(question, seed) for seed in range(20)}
    assert len(orders) > 5


def test_shuffle_order_is_pinned_so_an_attempt_survives_upgrades():
    # SHA-256 driven, independent of Python's random module: this exact order must never change.
    assert shuffled_options(single(n=6, qid="nr-01"), 42) == (2, 0, 5, 3, 4, 1)


def test_shuffle_depends_on_the_question_too():
    orders = {shuffled_options(single(n=6, qid=f"q{i}"), 7) for i in range(20)}
    assert len(orders) > 5


def test_shuffle_off_keeps_file_order_for_options():
    assert shuffled_options(single(n=5), 99, shuffle=False) == (0, 1, 2, 3, 4)


@given(st.integers(min_value=2, max_value=8), st.integers() | st.text(max_size=8))
def test_ordering_items_are_never_shown_already_solved(n, seed):
    order = shuffled_options(ordering(n), seed, shuffle=False)
    assert sorted(order) == list(range(n))
    assert list(order) != list(range(n))


def test_other_types_have_nothing_to_shuffle():
    for question in (truefalse(), numeric(), hotspot()):
        assert shuffled_options(question, 1) == ()


def _leaks(question, view: dict) -> list[str]:
    text = json.dumps(view)
    secrets = [question.explanation] if question.explanation else []
    secrets += [o.explanation for o in getattr(question, "options", ())]
    secrets += [i.explanation for i in getattr(question, "items", ())]
    secrets += list(getattr(question, "zone_explanations", {}).values())
    leaked = [secret for secret in secrets if secret in text]
    forbidden = {"correct", "answer", "explanation", "zones", "zone_explanations", "tolerance",
                 "references", "expected"}  # fmt: skip
    leaked += sorted(forbidden & set(view))
    for choice in view["choices"]:
        leaked += sorted(set(choice) - {"position", "text"})
    return leaked


@pytest.mark.parametrize("question", ALL_TYPES, ids=lambda q: q.type)
def test_public_view_leaks_nothing(question):
    view = question_public_view(question, 5).to_dict()
    assert _leaks(question, view) == []
    assert view["stem"] == question.stem


def test_public_view_shows_options_in_the_attempt_order():
    question = single(n=5)
    order = shuffled_options(question, 77)
    view = question_public_view(question, 77)
    assert [c.text for c in view.choices] == [question.options[i].text for i in order]
    assert [c.position for c in view.choices] == list(range(5))


def test_public_view_numeric_and_hotspot_details():
    assert question_public_view(numeric(unit="mL"), 1).unit == "mL"
    view = question_public_view(hotspot(("forehead",), "many"), 1)
    assert view.select == "many"
    assert set(view.zone_choices) == set(quiz.zone_ids())  # the whole map, not the answer


def test_display_positions_map_back_to_file_indexes():
    question = single(correct=2, n=5)
    seed = 31
    position = shuffled_options(question, seed).index(2)
    assert grade(question, response_from_display(question, seed, str(position))).score == 1.0

    many = multi((0, 3), 5)
    positions = [shuffled_options(many, seed).index(i) for i in (0, 3)]
    assert grade(many, response_from_display(many, seed, positions)).score == 1.0

    items = ordering(5)
    shown = shuffled_options(items, seed)
    solved = [shown.index(i) for i in range(5)]  # the trainee drags items into the right order
    assert grade(items, response_from_display(items, seed, solved)).score == 1.0


def test_display_mapping_passes_bad_positions_through_to_be_flagged():
    question = single(n=3)
    assert response_from_display(question, 1, 9) == 9
    assert grade(question, response_from_display(question, 1, 9)).score == 0.0
    assert response_from_display(question, 1, None) is None
    assert response_from_display(truefalse(), 1, True) is True


@given(st.permutations(range(4)))
def test_every_permutation_of_display_positions_round_trips(perm):
    question = ordering(4)
    shown = shuffled_options(question, "s")
    mapped = response_from_display(question, "s", list(perm))
    assert mapped == [shown[p] for p in perm]
    assert sorted(mapped) == [0, 1, 2, 3]


def test_module_finds_questions_by_id():
    module = Module(
        id="m", title="M", order=1, summary="s", prerequisites=(), pass_mark=70,
        max_attempts=3, grading="highest", time_limit_minutes=None, shuffle=True, cases=(),
        references=REFS, questions=(single(qid="a"), truefalse()),
    )  # fmt: skip
    assert module.question("q-tf").type == "truefalse"
    with pytest.raises(KeyError):
        module.question("nope")


def test_canonical_units_and_zone_labels():
    assert quiz.canonical_unit("ML") == "mL"
    assert quiz.canonical_unit("Units") == "U"
    assert quiz.canonical_unit("U per side") is None
    assert "Crow's feet" in quiz.zone_label("crows_feet")
    assert quiz.zone_label("left_ear") == "Left ear"


def test_ordering_agreement_brute_force_small():
    for n in range(1, 5):
        for order in permutations(range(n)):
            expected = (
                1
                if n < 2
                else Fraction(
                    sum(order[i] < order[j] for i, j in combinations(range(n), 2)), n * (n - 1) // 2
                )
            )
            assert ordering_agreement(order) == expected
