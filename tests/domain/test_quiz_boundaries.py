"""Quiz grading at its edges (issue 23): an option one past the end scores 0 without a crash, the
"highest" rule looks at the first attempt too, pass marks at exactly 1 and 100, exact partial
credit."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from quizapp.domain.quiz import (
    HotspotQuestion,
    Module,
    MultiQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    PlanCompareQuestion,
    SingleQuestion,
    TrueFalseQuestion,
    best_or_last,
    grade,
    grade_attempt,
    question_public_view,
    response_from_display,
    shuffled_options,
)


def options(*correct: bool) -> tuple[Option, ...]:
    return tuple(Option(f"option {i}", c, f"why {i}") for i, c in enumerate(correct))


SINGLE = SingleQuestion(
    id="s", topic="t", stem="?", references=("F15",), options=options(False, True, False)
)
COMPARE = PlanCompareQuestion(
    id="p", topic="t", stem="?", references=("F15",), options=options(True, False)
)
MULTI = MultiQuestion(
    id="m", topic="t", stem="?", references=("F15",), options=options(True, True, False, False)
)
ORDER = OrderingQuestion(
    id="o",
    topic="t",
    stem="?",
    references=("F15",),
    items=tuple(OrderItem(f"item {i}", "") for i in range(3)),
)
TF = TrueFalseQuestion(id="tf", topic="t", stem="?", references=("F15",), answer=True)


@pytest.mark.parametrize("question", [SINGLE, COMPARE])
def test_single_choice_one_past_the_end_scores_0(question):
    last = len(question.options) - 1
    beyond = grade(question, last + 1)
    assert (beyond.score, beyond.answered, beyond.correct) == (0.0, True, False)
    assert beyond.feedback == "That response is not one of the options, so it scores 0."
    assert grade(question, -1).score == 0.0
    at_last = grade(question, last)
    assert at_last.response == last and at_last.feedback != beyond.feedback
    first_right = grade(question, question.correct_indexes[0])
    assert (first_right.score, first_right.correct, first_right.feedback) == (1.0, True, "Correct.")


def test_single_choice_wrong_answers_say_why_by_type():
    assert (
        grade(SINGLE, 0).feedback == "Not the best answer: see why each option is right or wrong."
    )
    assert grade(COMPARE, 1).feedback == (
        "Not the most appropriate plan: see why each plan fits or not."
    )
    assert grade(SINGLE, [1]).score == 1.0  # a one-element list is that element
    assert grade(SINGLE, [1, 2]).score == 0.0


def test_multi_one_past_the_end_scores_0():
    beyond = grade(MULTI, [0, 4])
    assert (beyond.score, beyond.answered) == (0.0, True)
    assert beyond.feedback == "That response names options that do not exist, so it scores 0."
    assert grade(MULTI, [0, 3]).feedback.startswith("Partly right")  # 3 is the last option


@pytest.mark.parametrize(
    ("chosen", "score", "feedback"),
    [
        # k = 2 right, m = 2 wrong: +1/2 per right pick, -1/2 per wrong pick, floor 0
        ([0, 1], 1.0, "Correct: all the right options and none of the wrong ones."),
        ([0], 0.5, "Partly right: 1 of 2 correct options chosen, 0 wrong options chosen."),
        ([0, 2], 0.0, "Partly right: 1 of 2 correct options chosen, 1 wrong option chosen."),
        ([0, 1, 2], 0.5, "Partly right: 2 of 2 correct options chosen, 1 wrong option chosen."),
        ([2, 3], 0.0, "Partly right: 0 of 2 correct options chosen, 2 wrong options chosen."),
    ],
)
def test_multi_partial_credit_exactly(chosen, score, feedback):
    result = grade(MULTI, chosen)
    assert (result.score, result.feedback, result.response) == (score, feedback, sorted(chosen))


def test_multi_with_one_right_option_words_it_in_the_singular():
    one = MultiQuestion(
        id="m1", topic="t", stem="?", references=("F15",), options=options(True, False)
    )
    assert grade(one, [0, 1]).feedback == (
        "Partly right: 1 of 1 correct option chosen, 1 wrong option chosen."
    )
    every = MultiQuestion(
        id="m2", topic="t", stem="?", references=("F15",), options=options(True, True)
    )
    assert grade(every, [0]).score == 0.5  # no wrong options at all: nothing to subtract


def test_ordering_one_past_the_end_scores_0():
    result = grade(ORDER, [0, 1, 3])
    assert (result.score, result.answered) == (0.0, True)
    assert grade(ORDER, [0, 1, 2]).score == 1.0
    swapped = grade(ORDER, [1, 0, 2])  # 2 of 3 pairs in order
    assert swapped.score == pytest.approx(2 / 3)
    assert swapped.feedback == "Partly right: 2 of 3 pairs of items are in the right order."


@pytest.mark.parametrize("question", [SINGLE, MULTI, ORDER])
def test_displayed_positions_one_past_the_end_pass_through(question):
    order = shuffled_options(question, 7)
    n = len(order)
    last = response_from_display(question, 7, n - 1)
    beyond = response_from_display(question, 7, n)
    expected_last = order[n - 1]
    if isinstance(question, SingleQuestion):
        assert (last, beyond) == (expected_last, n)
    else:
        assert (last, beyond) == ([expected_last], [n])
    assert grade(question, beyond).score == 0.0  # flagged by the grader, no crash


def test_truefalse_words():
    assert grade(TF, "TRUE ").feedback == "Correct: the statement is true."
    assert grade(TF, False).feedback == "The statement is true."
    assert grade(TF, "maybe").feedback == "Answer true or false; that response scores 0."


# -- attempts --------------------------------------------------------------------------------


def test_pass_marks_of_exactly_1_and_100_are_allowed_and_0_and_above_100_are_not():
    right = {"s": 1}
    assert grade_attempt([SINGLE], right, 100).passed
    assert grade_attempt([SINGLE], right, 1).passed
    assert not grade_attempt([SINGLE], {"s": 0}, 1).passed
    for bad in (0, 100.5, -1, True):
        with pytest.raises(ValueError, match="pass_mark must be in 1-100"):
            grade_attempt([SINGLE], right, bad)


def test_pass_mark_is_met_exactly_not_by_rounding():
    # 1 of 2 right: exactly 50%, passes at 50 and not at 51; 2 of 3: 66.66.. shown as 66.6
    two = [SINGLE, COMPARE]
    assert grade_attempt(two, {"s": 1, "p": 0}, 100).percent == 100.0
    assert grade_attempt(two, {"s": 1}, 50).passed
    assert not grade_attempt(two, {"s": 1}, 51).passed
    three = [SINGLE, COMPARE, TF]
    attempt = grade_attempt(three, {"s": 1, "p": 1, "tf": True}, 66.7)
    assert (attempt.percent, attempt.passed, attempt.score, attempt.max_score) == (
        66.6,
        False,
        2.0,
        3,
    )
    assert grade_attempt(three, {"s": 1, "p": 1, "tf": True}, 66.6).passed
    with pytest.raises(ValueError):
        grade_attempt([], {}, 50)


@dataclass
class G:
    percent: float
    name: str


def test_highest_considers_the_first_attempt_and_keeps_the_earliest_of_equals():
    first_best = [G(90, "first"), G(50, "second"), G(70, "third")]
    assert best_or_last(first_best, "highest").name == "first"
    ties = [G(40, "a"), G(80, "b"), G(80, "c")]
    assert best_or_last(ties, "highest").name == "b"
    assert best_or_last(ties, "last").name == "c"
    assert best_or_last([G(10, "only")], "highest").name == "only"
    assert best_or_last([], "highest") is None
    with pytest.raises(ValueError, match="grading must be one of"):
        best_or_last(first_best, "average")


# -- what is shown and stored ----------------------------------------------------------------


def test_public_view_shows_positions_and_texts_in_the_attempts_order():
    view = question_public_view(SINGLE, 7, shuffle=False)
    assert [(c.position, c.text) for c in view.choices] == [
        (0, "option 0"),
        (1, "option 1"),
        (2, "option 2"),
    ]
    shuffled = question_public_view(MULTI, 7)
    order = shuffled_options(MULTI, 7)
    assert [c.text for c in shuffled.choices] == [f"option {i}" for i in order]
    labelled = OrderingQuestion(
        id="o2",
        topic="t",
        stem="?",
        references=("F15",),
        items=ORDER.items,
        order_label="first to last",
    )
    items = question_public_view(labelled, 7)
    assert items.order_label == "first to last"
    assert [(c.position, c.text) for c in items.choices] == [
        (p, f"item {i}") for p, i in enumerate(shuffled_options(labelled, 7))
    ]


def test_file_order_is_kept_when_the_module_does_not_shuffle():
    # Seed 7 shuffles these options out of file order; shuffle=False keeps them.
    assert shuffled_options(MULTI, 7) != (0, 1, 2, 3)
    assert response_from_display(MULTI, 7, [0, 1], shuffle=False) == [0, 1]
    assert response_from_display(SINGLE, 7, 2, shuffle=False) == 2
    assert response_from_display(SINGLE, 7, "", shuffle=False) is None
    assert response_from_display(SINGLE, 7, None) is None


def test_scores_are_stored_to_4_places():
    third = grade(ORDER, [1, 2, 0])  # 1 of 3 pairs: 0.33333..
    assert third.to_dict()["score"] == 0.3333
    attempt = grade_attempt([ORDER, SINGLE], {"o": [1, 2, 0], "s": 1}, 50)
    assert attempt.to_dict()["score"] == 1.3333


def test_topics_weakest_first_then_by_name():
    questions = [
        SingleQuestion(id=f"q{i}", topic=t, stem="?", references=("F15",), options=SINGLE.options)
        for i, t in enumerate(["b", "a", "c"])
    ]
    attempt = grade_attempt(questions, {"q0": 0, "q1": 0, "q2": 1}, 50)
    assert list(attempt.topics().items()) == [("a", 0.0), ("b", 0.0), ("c", 100.0)]


def test_a_module_names_the_question_it_lacks():
    module = Module(
        id="m",
        title="M",
        order=1,
        summary="",
        prerequisites=(),
        pass_mark=70,
        max_attempts=None,
        grading="highest",
        time_limit_minutes=None,
        shuffle=True,
        cases=(),
        references=(),
        questions=(SINGLE, TF),
    )
    assert module.question("tf") is TF
    with pytest.raises(KeyError, match="nope"):
        module.question("nope")


# -- hotspot ---------------------------------------------------------------------------------

ONE = HotspotQuestion(
    id="h1",
    topic="t",
    stem="?",
    references=("F15",),
    zones=("glabella",),
    select="one",
    zone_explanations={"glabella": "the frown", "forehead": "tempting"},
)
MANY = HotspotQuestion(
    id="h2", topic="t", stem="?", references=("F15",), zones=("glabella", "forehead"), select="many"
)


def marks(result):
    return [(m.key, m.selected, m.expected, m.verdict, m.explanation) for m in result.marks]


def test_hotspot_one_zone():
    hit = grade(ONE, "glabella")
    assert (hit.score, hit.answered, hit.feedback, hit.response, hit.expected) == (
        1.0,
        True,
        "Correct.",
        "glabella",
        ["glabella"],
    )
    assert marks(hit) == [
        ("glabella", True, True, "correct", "the frown"),
        ("forehead", False, False, "unselected", "tempting"),
    ]
    miss = grade(ONE, ["lips"])
    assert (miss.score, miss.response) == (0.0, "lips")
    assert miss.feedback.startswith("Not right: ") and miss.feedback.endswith(" is not the zone.")
    assert marks(miss) == [
        ("glabella", False, True, "missed", "the frown"),
        ("lips", True, False, "wrong", ""),
        ("forehead", False, False, "unselected", "tempting"),
    ]
    two = grade(ONE, ["glabella", "lips"])
    assert (two.score, two.answered, two.response, two.expected) == (
        0.0,
        True,
        ["glabella", "lips"],
        ["glabella"],
    )
    assert two.feedback == "Choose one zone only; that response scores 0."
    assert [m.selected for m in two.marks][:2] == [True, True]


def test_hotspot_blank_and_unknown_zones():
    blank = grade(ONE, [])
    assert (blank.score, blank.answered, blank.expected) == (0.0, False, ["glabella"])
    assert marks(blank)[0] == ("glabella", False, True, "missed", "the frown")
    unknown = grade(ONE, ["elbow"])
    assert (unknown.score, unknown.answered, unknown.expected, unknown.response) == (
        0.0,
        True,
        ["glabella"],
        None,
    )
    assert (
        unknown.feedback == "That response names zones that are not on the face map; it scores 0."
    )
    assert [m.selected for m in unknown.marks] == [False, False]


def test_hotspot_many_zones_partial_credit():
    both = grade(MANY, ["forehead", "glabella"])
    assert (both.score, both.feedback, both.response) == (
        1.0,
        "Correct: all the right zones and no others.",
        ["forehead", "glabella"],
    )
    # 1 of 2 found, 1 wrong: (1 - 1) / 2 = 0; 1 found, none wrong: 1/2
    one_wrong = grade(MANY, ["glabella", "lips", "glabella"])
    assert (one_wrong.score, one_wrong.response) == (0.0, ["glabella", "lips"])
    assert one_wrong.feedback == "Partly right: 1 of 2 zones found, 1 wrong zone chosen."
    assert grade(MANY, ["glabella"]).score == 0.5
    assert grade(MANY, ["glabella"]).feedback == (
        "Partly right: 1 of 2 zones found, 0 wrong zones chosen."
    )
    assert [m.key for m in one_wrong.marks] == ["glabella", "forehead", "lips"]


def test_attempt_keeps_its_pass_mark_and_sums_exactly():
    attempt = grade_attempt([ORDER, ORDER], {"o": [1, 2, 0]}, 60)
    assert attempt.pass_mark == 60
    assert attempt.score == pytest.approx(2 / 3) and attempt.percent == 33.3


def test_ordering_items_shuffle_by_seed_and_question():
    six = OrderingQuestion(
        id="six",
        topic="t",
        stem="?",
        references=("F15",),
        items=tuple(OrderItem(f"item {i}", "") for i in range(6)),
    )
    other = OrderingQuestion(id="other", topic="t", stem="?", references=("F15",), items=six.items)
    orders = {shuffled_options(six, seed) for seed in range(1, 6)}
    assert len(orders) > 1  # the attempt's seed changes the order
    assert any(shuffled_options(six, s) != shuffled_options(other, s) for s in range(1, 6))
