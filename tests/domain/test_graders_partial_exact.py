"""The partial-credit graders pinned exactly (issue 23): weights, further numeric answers, short
answers and matching, with the figures worked out by hand from docs/module-format.md in the
comments, both sides of every bound, and the marks and words the review page shows."""

from __future__ import annotations

import pytest

from quizapp.domain import quiz
from quizapp.domain.quiz import MatchingQuestion, MatchPair

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
