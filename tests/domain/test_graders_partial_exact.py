"""The partial-credit graders pinned exactly (issue 23): weights, further numeric answers, short
answers and matching, with the figures worked out by hand from docs/module-format.md in the
comments, both sides of every bound, and the marks and words the review page shows."""

from __future__ import annotations

from fractions import Fraction

import pytest

from quizapp.domain import quiz
from quizapp.domain.quiz import (
    MatchingQuestion,
    MatchPair,
    MultiQuestion,
    NumericAnswer,
    NumericQuestion,
    Option,
    SingleQuestion,
)

BASE = {"id": "q", "topic": "t", "stem": "S?", "references": ("F15",), "explanation": "E."}

# -- matching ---------------------------------------------------------------------------------

# Four pairs, four distinct right-hand texts: rights are Ottawa 0, Rome 1, Tokyo 2, Lima 3.
CAPITALS = MatchingQuestion(
    **BASE,
    pairs=(
        MatchPair("Canada", "Ottawa"),
        MatchPair("Italy", "Rome"),
        MatchPair("Japan", "Tokyo"),
        MatchPair("Peru", "Lima", "Lima is on the coast."),
    ),
)


def marks(result):
    return [(m.key, m.text, m.selected, m.expected, m.verdict, m.explanation) for m in result.marks]


def test_matching_marks_name_each_left_text_what_was_chosen_and_the_right_match():
    # Canada right, Italy unmatched, Japan given Lima (wrong, no note of its own), Peru given
    # Tokyo (wrong, with its note): 1 of 4 pairs right = 0.25.
    result = quiz.grade(CAPITALS, {0: 0, 2: 3, 3: 2})
    assert result.score == 0.25
    assert marks(result) == [
        (0, "Canada → Ottawa", True, True, "correct", ""),
        (1, "Italy → (no match chosen)", False, True, "missed", "It matches: Rome."),
        (2, "Japan → Lima", True, True, "wrong", "It matches: Tokyo."),
        (3, "Peru → Tokyo", True, True, "wrong", "It matches: Lima. Lima is on the coast."),
    ]
    assert result.feedback == "1 of 4 pairs matched."
    assert result.response == ["0:0", "2:3", "3:2"]


@pytest.mark.parametrize("response", [None, "", [], {}, {0: None, 1: " "}])
def test_matching_blank_answer_marks_every_pair_missed(response):
    result = quiz.grade(CAPITALS, response)
    assert (result.score, result.answered, result.correct) == (0.0, False, False)
    assert (result.feedback, result.response) == ("Not answered.", None)
    assert (result.question_id, result.expected) == ("q", ["0:0", "1:1", "2:2", "3:3"])
    assert [m.text for m in result.marks] == [
        "Canada → (no match chosen)",
        "Italy → (no match chosen)",
        "Japan → (no match chosen)",
        "Peru → (no match chosen)",
    ]
    assert [m.selected for m in result.marks] == [False] * 4


@pytest.mark.parametrize(
    ("response", "score"),
    [
        ({3: 3}, 0.25),  # the last left-hand text and the last right-hand text exist
        ({4: 0}, 0.0),  # one past the last left-hand text
        ({0: 4}, 0.0),  # one past the last right-hand text
        ({-1: 0}, 0.0),
        ({0: -1}, 0.0),
    ],
)
def test_matching_indexes_one_past_the_end_score_0_without_a_crash(response, score):
    result = quiz.grade(CAPITALS, response)
    assert (result.score, result.answered) == (score, True)
    if not score:
        assert result.feedback == "That response names items that do not exist, so it scores 0."
        assert (result.response, result.expected) == (None, ["0:0", "1:1", "2:2", "3:3"])
        assert [m.verdict for m in result.marks] == ["missed"] * 4


def test_matching_blank_choices_are_skipped_not_the_end_of_the_answer():
    # Canada left blank, then Italy and Japan right: 2 of 4.
    for response in ({0: "", 1: 1, 2: 2}, {0: None, 1: "1", 2: 2}, [None, 1, 2]):
        result = quiz.grade(CAPITALS, response)
        assert (result.score, result.answered, result.response) == (0.5, True, ["1:1", "2:2"])


@pytest.mark.parametrize("pair", ["0:0:0", "0", "x:0", "0:"])
def test_matching_pairs_that_are_not_left_colon_right_score_0(pair):
    result = quiz.grade(CAPITALS, [pair, "1:1"])
    assert (result.score, result.answered) == (0.0, True)
    assert result.feedback == "That response names items that do not exist, so it scores 0."


def test_matching_list_of_blanks_is_unanswered_with_nothing_stored():
    result = quiz.grade(CAPITALS, [None, "", "  "])
    assert (result.score, result.answered, result.feedback, result.response) == (
        0.0,
        False,
        "Not answered.",
        [],
    )


def test_matching_every_pair_right_scores_1_and_says_so():
    result = quiz.grade(CAPITALS, ["3:3", "0:0", "2:2", "1:1"])
    assert (result.score, result.correct, result.answered) == (1.0, True, True)
    assert result.feedback == "Correct: every pair matched."
    assert result.response == ["0:0", "1:1", "2:2", "3:3"]
    assert [m.verdict for m in result.marks] == ["correct"] * 4
    three = quiz.grade(CAPITALS, [0, 1, 2, 2])  # Peru given Tokyo: 3 of 4
    assert (three.score, three.correct, three.feedback) == (0.75, False, "3 of 4 pairs matched.")


def test_matching_two_left_texts_may_share_a_right_text():
    # rights: x 0, y 1; the expected answer names each pair's right text by its first index.
    shared = MatchingQuestion(
        **BASE, pairs=(MatchPair("a", "x"), MatchPair("b", "y"), MatchPair("c", "x"))
    )
    assert shared.rights == ("x", "y")
    assert quiz.grade(shared, None).expected == ["0:0", "1:1", "2:0"]
    result = quiz.grade(shared, {0: 0, 1: 0, 2: 0})  # a and c right, b wrong: 2/3
    assert result.score == pytest.approx(2 / 3)
    assert result.feedback == "2 of 3 pairs matched."


# -- short answer -----------------------------------------------------------------------------

GAS = quiz.ShortAnswerQuestion(
    **BASE,
    answers=(
        quiz.TextAnswer("carbon dioxide", 100, "Yes."),
        quiz.TextAnswer("CO2"),  # weight 100 by default, no note
        quiz.TextAnswer("carbon", 50, "Nearly."),
        quiz.TextAnswer("oxygen", 0, "That is what they give off."),
        quiz.TextAnswer("gas", 25),
    ),
)
GAS_EXPECTED = [
    {"text": "carbon dioxide", "weight": 100},
    {"text": "CO2", "weight": 100},
    {"text": "carbon", "weight": 50},
    {"text": "oxygen", "weight": 0},
    {"text": "gas", "weight": 25},
]


def short_outcome(result):
    return (result.score, result.correct, result.answered, result.feedback, result.response)


@pytest.mark.parametrize(
    ("typed", "outcome"),
    [
        ("  Carbon   DIOXIDE ", (1.0, True, True, "Correct. Yes.", "Carbon DIOXIDE")),
        ("co2", (1.0, True, True, "Correct.", "co2")),
        # weight 50: half the marks, and the best answer (the first of weight 100) named
        (
            "carbon",
            (
                0.5,
                False,
                True,
                "Partly right: that answer earns 50% of the marks (best: carbon dioxide). Nearly.",
                "carbon",
            ),
        ),
        (
            "GAS",
            (
                0.25,
                False,
                True,
                "Partly right: that answer earns 25% of the marks (best: carbon dioxide).",
                "GAS",
            ),
        ),
        # weight 0: accepted as an answer only to say why it is wrong
        (
            "oxygen",
            (
                0.0,
                False,
                True,
                "Not right. The best answer is: carbon dioxide. That is what they give off.",
                "oxygen",
            ),
        ),
        (
            "nitrogen",
            (
                0.0,
                False,
                True,
                "Not an accepted answer. The best answer is: carbon dioxide.",
                "nitrogen",
            ),
        ),
    ],
)
def test_short_answer_scores_and_words_exactly(typed, outcome):
    result = quiz.grade(GAS, typed)
    assert short_outcome(result) == outcome
    assert result.expected == GAS_EXPECTED


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_short_answer_blank_is_unanswered(blank):
    result = quiz.grade(GAS, blank)
    assert short_outcome(result) == (0.0, False, False, "Not answered.", None)
    assert result.expected == GAS_EXPECTED


@pytest.mark.parametrize("not_text", [["carbon"], 100, True])
def test_short_answer_that_is_not_text_scores_0(not_text):
    result = quiz.grade(GAS, not_text)
    assert short_outcome(result) == (
        0.0,
        False,
        True,
        "Type your answer as text; that response scores 0.",
        None,
    )
    assert result.expected == GAS_EXPECTED


def test_short_answer_takes_the_best_weight_among_equal_texts():
    # The same text accepted twice (written differently): the larger weight counts, wherever
    # it is listed.
    for answers in (
        (quiz.TextAnswer("Botox", 40), quiz.TextAnswer("botox", 80), quiz.TextAnswer("ona")),
        (quiz.TextAnswer("botox", 80), quiz.TextAnswer("Botox", 40), quiz.TextAnswer("ona")),
    ):
        question = quiz.ShortAnswerQuestion(**BASE, answers=answers)
        assert quiz.grade(question, "BOTOX").score == 0.8
    # The best answer named is the one of the largest weight, not the first listed.
    question = quiz.ShortAnswerQuestion(
        **BASE, answers=(quiz.TextAnswer("toxin", 50), quiz.TextAnswer("ona", 100))
    )
    assert quiz.grade(question, "x").feedback == "Not an accepted answer. The best answer is: ona."


def test_short_answer_is_cut_to_200_characters():
    answers = (quiz.TextAnswer("a" * 200), quiz.TextAnswer("b" * 201))
    question = quiz.ShortAnswerQuestion(**BASE, answers=answers)
    assert quiz.grade(question, "a" * 200 + "zzz").response == "a" * 200
    assert quiz.grade(question, "a" * 200 + "zzz").score == 1.0
    assert quiz.grade(question, "b" * 201).score == 0.0  # cut to 200 b: no longer equal


def test_short_answer_weight_above_100_built_in_code_still_scores_at_most_1():
    # The loader refuses such a weight; a question built in code is still held to 0..1.
    question = quiz.ShortAnswerQuestion(**BASE, answers=(quiz.TextAnswer("ona", 150),))
    result = quiz.grade(question, "ona")
    assert (result.score, result.correct, result.feedback) == (1.0, True, "Correct.")


# -- weights ----------------------------------------------------------------------------------


def test_weights_are_read_to_the_nearest_fraction_with_a_denominator_up_to_1000():
    assert quiz.weight_fraction(50) == Fraction(1, 2)
    assert quiz.weight_fraction(33.33333) == Fraction(1, 3)  # 100/3 percent
    assert quiz.weight_fraction(-12.5) == Fraction(-1, 8)
    # 1000/1001 = [0; 1, 1000]: the fractions nearest it with a denominator up to 1000 are 1 and
    # 999/1000, and 999/1000 is nearer; 1000/1001 itself (denominator 1001) is not allowed.
    assert quiz.weight_fraction(1000 / 1001) == Fraction(999, 1000) / 100


def weighted_single(*weights):
    options = tuple(Option(f"o{i}", w == 100, f"why {i}", w) for i, w in enumerate(weights))
    return SingleQuestion(**BASE, options=options)


def weighted_multi(*weights):
    options = tuple(Option(f"o{i}", w > 0, f"why {i}", w) for i, w in enumerate(weights))
    return MultiQuestion(**BASE, options=options)


@pytest.mark.parametrize(
    ("choice", "expected_outcome"),
    [
        (0, (1.0, True, "Correct.")),
        # 66.66667 reads as 2/3: shown to one decimal
        (1, (pytest.approx(2 / 3), False, "Partly right: that answer earns 66.7% of the marks.")),
        (2, (0.5, False, "Partly right: that answer earns 50% of the marks.")),
        (3, (0.0, False, "Not the best answer: see why each option is right or wrong.")),
        (4, (0.0, False, "Not the best answer: see why each option is right or wrong.")),
    ],
)
def test_weighted_single_earns_the_chosen_weight_never_below_0(choice, expected_outcome):
    result = quiz.grade(weighted_single(100, 66.66667, 50, 0, -50), choice)
    assert (result.score, result.correct, result.feedback) == expected_outcome
    assert (result.answered, result.response, result.expected) == (True, choice, 0)
    assert result.marks[choice].selected


def test_weighted_single_third_is_shown_to_one_decimal():
    result = quiz.grade(weighted_single(100, 33.33333), 1)
    assert result.feedback == "Partly right: that answer earns 33.3% of the marks."


@pytest.mark.parametrize(
    ("response", "feedback", "answered"),
    [
        (None, "Not answered.", False),
        (7, "That response is not one of the options, so it scores 0.", True),
        (5, "That response is not one of the options, so it scores 0.", True),
    ],
)
def test_weighted_single_blank_or_malformed_stays_as_graded_plainly(response, feedback, answered):
    result = quiz.grade(weighted_single(100, 50, 0, 0, 25), response)
    assert (result.score, result.feedback, result.answered) == (0.0, feedback, answered)


def test_weighted_single_weight_above_100_built_in_code_scores_at_most_1():
    result = quiz.grade(weighted_single(150, 100), 0)
    assert (result.score, result.feedback) == (1.0, "Correct.")


def test_unweighted_single_is_graded_plainly():
    plain = SingleQuestion(**BASE, options=(Option("a", False, ""), Option("b", True, "")))
    assert (quiz.grade(plain, 1).score, quiz.grade(plain, 1).feedback) == (1.0, "Correct.")


@pytest.mark.parametrize(
    ("chosen", "score", "feedback"),
    [
        # weights 50, 50, -100, -25, 12.5 (docs/module-format.md's example, and an eighth)
        ([0, 1], 1.0, "Correct: your choices earn all the marks."),
        ([0, 1, 4], 1.0, "Correct: your choices earn all the marks."),  # 112.5, kept at 100
        ([0], 0.5, "Partly right: your choices add up to 50%."),
        ([0, 3], 0.25, "Partly right: your choices add up to 25%."),
        ([0, 4], 0.625, "Partly right: your choices add up to 62.5%."),
        ([0, 1, 2], 0.0, "Partly right: your choices add up to 0%."),  # exactly 0: not floored
        ([0, 2], 0.0, "Partly right: your choices add up to -50%, counted as 0%."),
        ([3], 0.0, "Partly right: your choices add up to -25%, counted as 0%."),
    ],
)
def test_weighted_multi_adds_the_chosen_weights_within_0_and_100(chosen, score, feedback):
    result = quiz.grade(weighted_multi(50, 50, -100, -25, 12.5), chosen)
    assert (result.score, result.feedback, result.response) == (score, feedback, chosen)
    assert (result.correct, result.answered) == (score == 1.0, True)


def test_weighted_multi_option_of_weight_0_adds_nothing():
    result = quiz.grade(weighted_multi(50, 50, 0), [0, 2])
    assert (result.score, result.feedback) == (0.5, "Partly right: your choices add up to 50%.")


def test_weighted_multi_thirds_add_up_to_exactly_1():
    question = weighted_multi(33.33333, 33.33333, 33.33333, -100)
    assert quiz.grade(question, [0, 1]).feedback == "Partly right: your choices add up to 66.7%."
    full = quiz.grade(question, [0, 1, 2])
    assert (full.score, full.correct) == (1.0, True)


@pytest.mark.parametrize(
    ("response", "feedback", "answered"),
    [
        ([], "Not answered.", False),
        ([0, 9], "That response names options that do not exist, so it scores 0.", True),
    ],
)
def test_weighted_multi_blank_or_malformed_stays_as_graded_plainly(response, feedback, answered):
    result = quiz.grade(weighted_multi(50, 50, -100), response)
    assert (result.score, result.feedback, result.answered) == (0.0, feedback, answered)


def test_unweighted_multi_is_graded_plainly():
    plain = MultiQuestion(**BASE, options=(Option("a", True, ""), Option("b", False, "")))
    result = quiz.grade(plain, [0, 1])  # 1 - 1/1 = 0
    assert (result.score, result.feedback) == (
        0.0,
        "Partly right: 1 of 1 correct option chosen, 1 wrong option chosen.",
    )


# -- numeric with further answers -------------------------------------------------------------


def numeric_with(*partial, unit=None):
    return NumericQuestion(**BASE, answer=3.14, tolerance=0.01, unit=unit, partial=partial)


def test_numeric_further_answer_words_exactly():
    question = numeric_with(NumericAnswer(3.1, 0.1, 50, "Close: two decimals."))
    assert quiz.grade(question, "3.2").feedback == (
        "Partly right: that answer earns 50% of the marks. Close: two decimals."
    )
    quiet = numeric_with(NumericAnswer(3.1, 0.1, 33.33333))
    assert quiz.grade(quiet, "3.2").feedback == (
        "Partly right: that answer earns 33.3% of the marks."
    )
    assert quiz.grade(quiet, "3.14").feedback == "Correct (accepted: 3.13-3.15)."
    outside = quiz.grade(quiet, "4")
    assert (outside.score, outside.feedback) == (
        0.0,
        "Not right: 4 is outside the accepted answer (3.13-3.15).",
    )


def test_numeric_zero_weight_answer_adds_its_note_and_nothing_else():
    question = numeric_with(NumericAnswer(10, 1, 0, "That is a common slip."))
    result = quiz.grade(question, "10")
    assert (result.score, result.correct, result.feedback) == (
        0.0,
        False,
        "Not right: 10 is outside the accepted answer (3.13-3.15). That is a common slip.",
    )
    silent = quiz.grade(numeric_with(NumericAnswer(10, 1, 0)), "10")
    assert silent.feedback == "Not right: 10 is outside the accepted answer (3.13-3.15)."


def test_numeric_further_answers_of_equal_weight_show_the_first_ones_note():
    question = numeric_with(
        NumericAnswer(3, 0.5, 50, "First."), NumericAnswer(3.2, 0.1, 50, "Second.")
    )
    assert quiz.grade(question, "3.2").feedback == (
        "Partly right: that answer earns 50% of the marks. First."
    )


def test_numeric_further_answer_below_zero_weight_counts_as_0():
    # A negative weight (refused by the loader, possible in code) earns nothing, like 0.
    question = numeric_with(NumericAnswer(10, 1, -50, "No."))
    result = quiz.grade(question, "10")
    assert (result.score, result.feedback) == (
        0.0,
        "Not right: 10 is outside the accepted answer (3.13-3.15). No.",
    )


def test_numeric_further_answers_are_not_tried_on_a_blank_or_unreadable_answer():
    question = numeric_with(NumericAnswer(3.1, 0.1, 50, "Close."))
    blank = quiz.grade(question, "")
    assert (blank.score, blank.answered, blank.feedback) == (0.0, False, "Not answered.")
    wrong_unit = quiz.grade(numeric_with(NumericAnswer(3.1, 0.1, 50), unit="mL"), "3.2 U")
    assert (wrong_unit.score, wrong_unit.feedback) == (
        0.0,
        "Wrong unit: the answer is in mL, not U.",
    )
