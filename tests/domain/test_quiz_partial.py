"""The partial-credit graders: weighted options (one or several chosen), numeric questions with
further answers, short answer and matching. Exact arithmetic, both sides of each boundary."""

from __future__ import annotations

import pytest

from quizapp.domain import quiz
from quizapp.domain.quiz import (
    MatchingQuestion,
    MatchPair,
    MultiQuestion,
    NumericAnswer,
    NumericQuestion,
    Option,
    ShortAnswerQuestion,
    SingleQuestion,
    TextAnswer,
)

BASE = {"id": "q", "topic": "t", "stem": "S?", "references": ("F15",), "explanation": "E."}


def single(*weights):
    options = tuple(Option(f"o{i}", w == 100, "", w) for i, w in enumerate(weights))
    return SingleQuestion(**BASE, options=options)


def multi(*weights):
    options = tuple(Option(f"o{i}", w > 0, "", w) for i, w in enumerate(weights))
    return MultiQuestion(**BASE, options=options)


# -- weighted, one choice ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "choice, score, correct",
    [(0, 1.0, True), (1, 0.5, False), (2, 0.0, False), (3, 0.0, False)],
)
def test_one_choice_earns_the_chosen_weight_never_below_zero(choice, score, correct):
    result = quiz.grade(single(100, 50, 0, -50), choice)
    assert (result.score, result.correct, result.answered) == (score, correct, True)


def test_one_choice_with_two_full_answers_takes_either():
    question = single(100, 100, 0)
    assert quiz.grade(question, 0).score == 1.0 and quiz.grade(question, 1).score == 1.0


def test_one_choice_partial_says_what_it_earns():
    assert "50%" in quiz.grade(single(100, 50, 0), 1).feedback


def test_one_choice_without_weights_is_unchanged():
    question = SingleQuestion(
        **BASE, options=(Option("a", True, "Yes."), Option("b", False, "No."))
    )
    assert quiz.grade(question, 0).score == 1.0 and quiz.grade(question, 1).score == 0.0


# -- weighted, several choices ----------------------------------------------------------------


@pytest.mark.parametrize(
    "chosen, score",
    [
        ([0, 1], 1.0),
        ([0], 0.5),
        ([1], 0.5),
        ([0, 1, 2], 0.0),  # 50 + 50 - 100
        ([0, 2], 0.0),  # 50 - 100 = -50: floored at 0
        ([2, 3], 0.0),
        ([0, 1, 3], 0.75),  # 50 + 50 - 25
    ],
)
def test_several_choices_add_their_weights_within_zero_and_one(chosen, score):
    result = quiz.grade(multi(50, 50, -100, -25), chosen)
    assert result.score == score
    assert result.correct is (score == 1.0)


def test_several_choices_of_thirds_add_up_to_exactly_one():
    question = multi(33.33333, 33.33333, 33.33333, -100)
    assert quiz.grade(question, [0, 1, 2]).score == 1.0
    assert quiz.grade(question, [0, 1, 2]).correct
    assert quiz.grade(question, [0]).score == pytest.approx(1 / 3)


def test_several_choices_floor_says_so():
    assert "counted as 0%" in quiz.grade(multi(50, 50, -100, -25), [0, 2]).feedback


def test_weight_fraction_is_exact():
    assert quiz.weight_fraction(33.33333) * 3 == 1
    assert quiz.weight_fraction(-25) == -0.25


# -- numeric with further answers -------------------------------------------------------------


def numeric(partial=(), unit=None):
    return NumericQuestion(**BASE, answer=3.14, tolerance=0.01, unit=unit, partial=partial)


@pytest.mark.parametrize(
    "response, score",
    [
        ("3.14", 1.0),
        ("3.15", 1.0),  # the main tolerance's edge
        ("3.13", 1.0),
        ("3.151", 0.5),  # outside the main answer, inside 3.1 +- 0.1
        ("3.2", 0.5),
        ("3.0", 0.5),
        ("3.21", 0.25),  # outside 3.1 +- 0.1, inside 3 +- 0.5
        ("3.5", 0.25),
        ("3.51", 0.0),
        ("2.49", 0.0),
    ],
)
def test_numeric_further_answers_give_their_weight(response, score):
    question = numeric((NumericAnswer(3.1, 0.1, 50, "Close."), NumericAnswer(3, 0.5, 25, "Rough.")))
    assert quiz.grade(question, response).score == score


def test_numeric_takes_the_best_further_answer_whatever_their_order():
    question = numeric((NumericAnswer(3, 0.5, 25), NumericAnswer(3.1, 0.1, 50)))
    assert quiz.grade(question, "3.2").score == 0.5


def test_numeric_further_answer_feedback_is_shown():
    question = numeric((NumericAnswer(3.1, 0.1, 50, "Close: two decimals."),))
    result = quiz.grade(question, "3.2")
    assert "Close: two decimals." in result.feedback and "50%" in result.feedback


def test_numeric_further_answers_keep_the_unit_rule():
    question = numeric((NumericAnswer(3.1, 0.1, 50),), unit="mL")
    assert quiz.grade(question, "3.2 mL").score == 0.5
    assert quiz.grade(question, "3.2 U").score == 0.0


def test_numeric_zero_weight_answer_only_gives_feedback():
    question = numeric((NumericAnswer(10, 1, 0, "That is a common slip."),))
    result = quiz.grade(question, "10")
    assert result.score == 0.0 and "common slip" in result.feedback


# -- short answer -----------------------------------------------------------------------------


def short():
    answers = (
        TextAnswer("carbon dioxide", 100, "Yes."),
        TextAnswer("CO2"),
        TextAnswer("carbon", 50, "Nearly."),
        TextAnswer("oxygen", 0, "That is what they give off."),
    )
    return ShortAnswerQuestion(**BASE, answers=answers)


@pytest.mark.parametrize(
    "response, score",
    [
        ("carbon dioxide", 1.0),
        ("Carbon Dioxide", 1.0),
        ("  carbon    dioxide  ", 1.0),
        ("co2", 1.0),
        ("carbon", 0.5),
        ("CARBON ", 0.5),
        ("carbondioxide", 0.0),  # spaces between words are collapsed, not removed
        ("carbon dioxide.", 0.0),
        ("oxygen", 0.0),
        ("nitrogen", 0.0),
    ],
)
def test_short_answer_matches_ignoring_case_and_spaces(response, score):
    assert quiz.grade(short(), response).score == score


def test_short_answer_feedback_and_response():
    result = quiz.grade(short(), "  Oxygen ")
    assert result.response == "Oxygen" and "give off" in result.feedback
    assert result.answered and not result.correct
    assert quiz.grade(short(), "   ").answered is False
    assert quiz.grade(short(), ["carbon"]).score == 0.0  # not text: scores 0, never raises


# -- matching ---------------------------------------------------------------------------------


def matching():
    pairs = (
        MatchPair("Canada", "Ottawa"),
        MatchPair("Italy", "Rome"),
        MatchPair("Japan", "Tokyo"),
        MatchPair("Peru", "Lima", "Lima is on the coast."),
    )
    return MatchingQuestion(**BASE, pairs=pairs)


@pytest.mark.parametrize(
    "response, score",
    [
        ({0: 0, 1: 1, 2: 2, 3: 3}, 1.0),
        ({0: 0, 1: 1, 2: 3, 3: 2}, 0.5),
        ({0: 0}, 0.25),
        ({0: 1, 1: 0, 2: 3, 3: 2}, 0.0),
        (["0:0", "1:1", "2:2"], 0.75),
        ([0, 1, 2, None], 0.75),
        ({"0": "0", "1": "1", "2": "2", "3": "3"}, 1.0),
    ],
)
def test_matching_gives_a_share_per_pair(response, score):
    assert quiz.grade(matching(), response).score == score


def test_matching_response_is_stored_as_pairs_and_marks_explain():
    result = quiz.grade(matching(), {0: 0, 3: 2})
    assert result.response == ["0:0", "3:2"]
    assert result.expected == ["0:0", "1:1", "2:2", "3:3"]
    verdicts = [m.verdict for m in result.marks]
    assert verdicts == ["correct", "missed", "missed", "wrong"]
    assert result.marks[3].explanation == "It matches: Lima. Lima is on the coast."


@pytest.mark.parametrize("response", [{0: 9}, {9: 0}, ["0:x"], "Ottawa", {0: "x"}])
def test_matching_malformed_responses_score_zero(response):
    result = quiz.grade(matching(), response)
    assert result.score == 0.0 and result.answered


def test_matching_rights_are_unique_and_shuffled_for_display():
    question = MatchingQuestion(
        **BASE, pairs=(MatchPair("a", "x"), MatchPair("b", "x"), MatchPair("c", "y"))
    )
    assert question.rights == ("x", "y")
    assert quiz.grade(question, {0: 0, 1: 0, 2: 1}).score == 1.0
    view = quiz.question_public_view(matching(), seed=7)
    assert [c.text for c in view.choices] == ["Canada", "Italy", "Japan", "Peru"]
    assert sorted(t.text for t in view.targets) == ["Lima", "Ottawa", "Rome", "Tokyo"]
    assert [t.text for t in view.targets] != ["Ottawa", "Rome", "Tokyo", "Lima"]
    # A form posts positions of the shuffled list; they map back to the file's indexes.
    order = quiz.shuffled_options(matching(), 7)
    displayed = {i: order.index(i) for i in range(4)}
    assert quiz.grade(matching(), quiz.response_from_display(matching(), 7, displayed)).score == 1


def test_true_false_feedback_per_answer():
    question = quiz.TrueFalseQuestion(
        **BASE, answer=False, feedback_true="It reflects light.", feedback_false="Yes."
    )
    assert quiz.grade(question, True).feedback.endswith("It reflects light.")
    assert quiz.grade(question, False).feedback.endswith("Yes.")
