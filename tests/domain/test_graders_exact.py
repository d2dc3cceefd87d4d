"""The plain graders pinned exactly (issue 23): every field of a result, both sides of each bound,
the words the review page shows, and the figures worked out by hand from docs/module-format.md
(the arithmetic is in the comments: an oracle independent of the code)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from quizapp.domain.quiz import (
    HotspotQuestion,
    MultiQuestion,
    NumericParseError,
    NumericQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    SingleQuestion,
    TrueFalseQuestion,
    grade,
    grade_attempt,
    ordering_agreement,
    parse_numeric_response,
)
from quizapp.domain.quiz.graders import _floor_percent

BASE = {"topic": "toxin", "stem": "S?", "references": ("F15", "F16"), "explanation": "Why."}


def options(*correct: bool) -> tuple[Option, ...]:
    return tuple(Option(f"option {i}", c, f"why {i}") for i, c in enumerate(correct))


SINGLE = SingleQuestion(id="s", **BASE, options=options(False, True, False))
MULTI = MultiQuestion(id="m", **BASE, options=options(True, True, False, False))
TF = TrueFalseQuestion(id="tf", **BASE, answer=False, feedback_true="Note T.")
ORDER = OrderingQuestion(
    id="o", **BASE, items=tuple(OrderItem(f"item {i}", f"step {i}") for i in range(4))
)


def marks(result):
    return [(m.key, m.text, m.selected, m.expected, m.verdict, m.explanation) for m in result.marks]


def outcome(result):
    return (result.score, result.correct, result.answered, result.feedback, result.response)


# -- what every result carries ----------------------------------------------------------------


def test_a_result_carries_the_questions_identity_and_explanation():
    result = grade(SINGLE, 1)
    assert (result.question_id, result.type, result.topic) == ("s", "single", "toxin")
    assert (result.explanation, result.references) == ("Why.", ("F15", "F16"))
    assert result.to_dict() == {
        "question_id": "s",
        "type": "single",
        "topic": "toxin",
        "score": 1.0,
        "correct": True,
        "answered": True,
        "feedback": "Correct.",
        "explanation": "Why.",
        "references": ["F15", "F16"],
        "marks": [
            {
                "key": i,
                "text": f"option {i}",
                "selected": i == 1,
                "expected": i == 1,
                "verdict": ["unselected", "correct", "unselected"][i],
                "explanation": f"why {i}",
                "position": None,
                "expected_position": None,
            }
            for i in range(3)
        ],
        "response": 1,
        "expected": 1,
    }


# -- single ------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", "  ", [], (), set(), frozenset()])
def test_single_blank_is_unanswered_with_every_option_unselected(blank):
    result = grade(SINGLE, blank)
    assert outcome(result) == (0.0, False, False, "Not answered.", None)
    assert result.expected == 1
    assert marks(result) == [
        (0, "option 0", False, False, "unselected", "why 0"),
        (1, "option 1", False, True, "missed", "why 1"),
        (2, "option 2", False, False, "unselected", "why 2"),
    ]


@pytest.mark.parametrize("response", [0, "0", [0], ("0",), " 0 "])
def test_single_option_0_is_an_answer_not_a_blank(response):
    result = grade(SINGLE, response)
    assert outcome(result) == (
        0.0,
        False,
        True,
        "Not the best answer: see why each option is right or wrong.",
        0,
    )
    assert marks(result)[0] == (0, "option 0", True, False, "wrong", "why 0")
    assert marks(result)[1] == (1, "option 1", False, True, "missed", "why 1")


@pytest.mark.parametrize("response", [3, -1, "-1", True, False, 1.0, "one", [1, 2], {1: 1}])
def test_single_malformed_scores_0_with_nothing_selected(response):
    # True would otherwise read as option 1, the right one.
    result = grade(SINGLE, response)
    assert outcome(result) == (
        0.0,
        False,
        True,
        "That response is not one of the options, so it scores 0.",
        None,
    )
    assert result.expected == 1
    assert [m.selected for m in result.marks] == [False, False, False]


def test_single_without_a_correct_option_expects_nothing():
    # Only possible for a weighted question built in code; the grader must not crash.
    odd = SingleQuestion(id="x", **BASE, options=options(False, False))
    assert grade(odd, None).expected is None


# -- multi -------------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", [], set(), frozenset()])
def test_multi_blank_is_unanswered(blank):
    result = grade(MULTI, blank)
    assert outcome(result) == (0.0, False, False, "Not answered.", None)
    assert result.expected == [0, 1]
    assert [m.verdict for m in result.marks] == ["missed", "missed", "unselected", "unselected"]


@pytest.mark.parametrize(
    "response", [[0, 4], [-1], [True], [0, None], "x", True, 7, {0: 1}, [[0]], ["0", "y"]]
)
def test_multi_malformed_scores_0_with_nothing_selected(response):
    result = grade(MULTI, response)
    assert outcome(result) == (
        0.0,
        False,
        True,
        "That response names options that do not exist, so it scores 0.",
        None,
    )
    assert result.expected == [0, 1]
    assert [m.selected for m in result.marks] == [False] * 4


@pytest.mark.parametrize(
    ("response", "score", "chosen"),
    [
        # k = 2 right (0, 1), m = 2 wrong (2, 3): +1/2 per right pick, -1/2 per wrong pick
        (0, 0.5, [0]),  # one index alone, as a number or as text
        ("1", 0.5, [1]),
        ((1, 0), 1.0, [0, 1]),
        ({3, 0, 1}, 0.5, [0, 1, 3]),  # 1 - 1/2
        (frozenset({0, 3}), 0.0, [0, 3]),  # 1/2 - 1/2
        (["0", 0, "1"], 1.0, [0, 1]),  # a repeated pick counts once
    ],
)
def test_multi_reads_one_index_text_sets_and_tuples(response, score, chosen):
    result = grade(MULTI, response)
    assert (result.score, result.response, result.answered) == (score, chosen, True)
    assert result.correct is (score == 1.0)


def test_multi_marks_every_verdict():
    result = grade(MULTI, [1, 2])
    assert marks(result) == [
        (0, "option 0", False, True, "missed", "why 0"),
        (1, "option 1", True, True, "correct", "why 1"),
        (2, "option 2", True, False, "wrong", "why 2"),
        (3, "option 3", False, False, "unselected", "why 3"),
    ]


def test_multi_penalty_is_1_over_the_number_of_wrong_options():
    # k = 1 right, m = 3 wrong: the right one and one wrong: 1 - 1/3 = 2/3; two wrong: 1 - 2/3.
    one_right = MultiQuestion(id="m3", **BASE, options=options(True, False, False, False))
    assert grade(one_right, [0, 1]).score == pytest.approx(2 / 3)
    assert grade(one_right, [0, 1, 3]).score == pytest.approx(1 / 3)
    assert grade(one_right, [0, 1, 2, 3]).score == 0.0  # every option: 1 - 3/3
    # k = 3 right, m = 1 wrong: two right picks 2/3; two right and the wrong one 2/3 - 1 < 0 -> 0
    three_right = MultiQuestion(id="m4", **BASE, options=options(True, True, True, False))
    assert grade(three_right, [0, 1]).score == pytest.approx(2 / 3)
    assert grade(three_right, [0, 1, 3]).score == 0.0
    assert grade(three_right, [0, 1, 2, 3]).score == 0.0


# -- true / false -------------------------------------------------------------------------------


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_truefalse_blank_is_unanswered_and_shows_the_answer(blank):
    result = grade(TF, blank)
    assert outcome(result) == (0.0, False, False, "Not answered.", None)
    assert result.expected is False


@pytest.mark.parametrize("response", ["maybe", 0, 1, ["true"], "yes"])
def test_truefalse_anything_else_scores_0_and_shows_the_answer(response):
    result = grade(TF, response)
    assert outcome(result) == (
        0.0,
        False,
        True,
        "Answer true or false; that response scores 0.",
        None,
    )
    assert result.expected is False


@pytest.mark.parametrize(
    ("response", "expected_outcome"),
    [
        # the statement is false; answering true adds feedback_true, false has no note
        (False, (1.0, True, True, "Correct: the statement is false.", False)),
        (" FALSE ", (1.0, True, True, "Correct: the statement is false.", False)),
        (True, (0.0, False, True, "The statement is false. Note T.", True)),
        ("True", (0.0, False, True, "The statement is false. Note T.", True)),
    ],
)
def test_truefalse_words_and_response(response, expected_outcome):
    result = grade(TF, response)
    assert outcome(result) == expected_outcome
    assert result.expected is False


# -- numeric -------------------------------------------------------------------------------------


def numeric(answer, tolerance=0.0, unit=None, qid="n"):
    return NumericQuestion(id=qid, **BASE, answer=answer, tolerance=tolerance, unit=unit)


def test_numeric_blank_is_unanswered_and_shows_the_answer():
    result = grade(numeric(20, 2, "U"), "  ")
    assert outcome(result) == (0.0, False, False, "Not answered.", None)
    assert result.expected == {"answer": 20, "tolerance": 2, "unit": "U"}


@pytest.mark.parametrize(
    ("response", "expected_outcome"),
    [
        # 20 +- 2 U: accepted 18-22 U
        (20, (1.0, True, True, "Correct (accepted: 18-22 U).", 20)),
        ("18 U", (1.0, True, True, "Correct (accepted: 18-22 U).", "18 U")),
        (
            22.5,
            (0.0, False, True, "Not right: 22.5 U is outside the accepted answer (18-22 U).", 22.5),
        ),
        (
            "17,5 units",
            (
                0.0,
                False,
                True,
                "Not right: 17.5 U is outside the accepted answer (18-22 U).",
                "17,5 units",
            ),
        ),
        (
            "20 mL",
            (0.0, False, True, "Wrong unit: the answer is in U, not mL.", "20 mL"),
        ),
        (
            "20 U per side",
            (
                0.0,
                False,
                True,
                "Unit 'U per side' is not recognised; the answer is in U.",
                "20 U per side",
            ),
        ),
        (
            "twenty",
            (
                0.0,
                False,
                True,
                "That is not a number we can read ('twenty' does not start with a number); it "
                "scores 0.",
                "twenty",
            ),
        ),
        (
            [20],
            (
                0.0,
                False,
                True,
                "That is not a number we can read (not a number); it scores 0.",
                None,
            ),
        ),
    ],
)
def test_numeric_words_response_and_expected(response, expected_outcome):
    result = grade(numeric(20, 2, "U"), response)
    assert outcome(result) == expected_outcome
    assert result.expected == {"answer": 20, "tolerance": 2, "unit": "U"}


def test_numeric_without_tolerance_names_the_one_answer():
    question = numeric(0.5, 0, "mL")
    assert grade(question, "0,5 mL").feedback == "Correct."
    assert grade(question, 0.6).feedback == (
        "Not right: 0.6 mL is outside the accepted answer (0.5 mL)."
    )


def test_numeric_bare_number_words():
    question = numeric(2.5, 0.25)
    assert grade(question, "2.75").feedback == "Correct (accepted: 2.25-2.75)."
    assert (
        grade(question, "3").feedback == "Not right: 3 is outside the accepted answer (2.25-2.75)."
    )
    result = grade(question, "2.5 mL")
    assert outcome(result) == (
        0.0,
        False,
        True,
        "This answer is a bare number, without a unit; 'mL' is wrong.",
        "2.5 mL",
    )
    assert result.expected == {"answer": 2.5, "tolerance": 0.25, "unit": None}


@pytest.mark.parametrize(
    ("answer", "response", "score"),
    [
        # slack = 1e-9 x max(1, |answer|): 1e-6 at 1000, 1e-9 at 0.5, 1e-6 at -1000
        (1000, 1000 + 5e-7, 1.0),
        (1000, 1000 - 5e-7, 1.0),
        (1000, 1000 + 2e-6, 0.0),
        (1000, 1000 - 2e-6, 0.0),
        (-1000, -1000 + 5e-7, 1.0),
        (-1000, -1000 - 5e-7, 1.0),
        (0.5, 0.5 + 5e-10, 1.0),
        (0.5, 0.5 + 1.5e-9, 0.0),
        (0.5, 0.5 - 1.5e-9, 0.0),
        (0, 5e-10, 1.0),
        (0, -1.5e-9, 0.0),
    ],
)
def test_numeric_rounding_slack_scales_with_the_answer(answer, response, score):
    assert grade(numeric(answer), response).score == score


def test_numeric_slack_is_inclusive_at_its_very_edge():
    # The slack for 20 is 1e-9 x 20; a number exactly that far out is still accepted.
    slack = 1e-9 * 20
    assert grade(numeric(20), 20 - slack).score == 1.0
    assert grade(numeric(20), 20 + slack).score == 1.0
    assert grade(numeric(20, 2), 18 - slack).score == 1.0
    assert grade(numeric(20, 2), 22 + slack).score == 1.0


def test_numeric_slack_applies_at_both_ends_of_the_tolerance():
    # 20 +- 2: slack 2e-8; 18 - 1e-8 and 22 + 1e-8 are float noise, 18 - 1e-7 is not
    question = numeric(20, 2)
    assert grade(question, 18 - 1e-8).score == 1.0
    assert grade(question, 22 + 1e-8).score == 1.0
    assert grade(question, 18 - 1e-7).score == 0.0
    assert grade(question, 22 + 1e-7).score == 0.0


# -- reading numbers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("20", (20.0, None, None)),
        ("  20 U ", (20.0, "U", "U")),
        ("20units", (20.0, "U", "units")),
        ("0,5 ml", (0.5, "mL", "ml")),
        (",5", (0.5, None, None)),
        (".5", (0.5, None, None)),
        ("+3", (3.0, None, None)),
        ("1,500", (1500.0, None, None)),  # a comma before three digits: thousands
        ("12,345", (12345.0, None, None)),
        ("1,234,567", (1234567.0, None, None)),
        ("0,500", (0.5, None, None)),  # no thousands start with 0: a decimal comma
        ("1234,567", (1234.567, None, None)),  # four digits before it: a decimal comma
        ("12,34", (12.34, None, None)),
        ("1.234", (1.234, None, None)),  # one point is a decimal point
        ("1.234.567", (1234567.0, None, None)),  # several points: thousands
        ("1.500,25", (1500.25, None, None)),  # point then comma: the comma is decimal
        ("1,500.25", (1500.25, None, None)),  # comma then point: the point is decimal
        ("1,234,567.5", (1234567.5, None, None)),
    ],
)
def test_parse_numeric_response_reads(text, parsed):
    assert parse_numeric_response(text) == parsed


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (True, "a yes/no value is not a number"),
        (False, "a yes/no value is not a number"),
        (float("inf"), "not a finite number"),
        (float("nan"), "not a finite number"),
        (None, "not a number"),
        ([1], "not a number"),
        ("abc", "'abc' does not start with a number"),
        ("1,2,3", "'1,2,3' is not one number"),
        ("1.2.3", "'1.2.3' is not one number"),
        ("1.23.456", "'1.23.456' is not one number"),
        ("9" * 400, "is not a finite number"),
        # a point and commas on both sides of it, or commas and points on both sides of a comma:
        # whichever mark comes last is the decimal one, and the rest do not read as thousands
        ("1.234,567.5", "'1.234567.5' is not a number"),
        ("1,234.567,5", "'1.234567.5' is not a number"),
        ("20-30", "give one number, not a range or a list"),
        ("20 30", "give one number, not a range or a list"),
        ("20 +5", "give one number, not a range or a list"),
        ("20 –30", "give one number, not a range or a list"),
    ],
)
def test_parse_numeric_response_refuses(response, message):
    with pytest.raises(NumericParseError) as error:
        parse_numeric_response(response)
    assert message in str(error.value)


def test_parse_numeric_response_keeps_numbers_as_floats():
    assert parse_numeric_response(7) == (7.0, None, None)
    assert isinstance(parse_numeric_response(7)[0], float)
    assert parse_numeric_response(-2.5) == (-2.5, None, None)


# -- ordering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "share"),
    [
        ((), Fraction(1)),
        ((0,), Fraction(1)),
        ((0, 1), Fraction(1)),
        ((1, 0), Fraction(0)),
        # 4 items, 6 pairs; one neighbour swap loses 1 pair: 5/6
        ((0, 2, 1, 3), Fraction(5, 6)),
        # (3, 0, 1, 2): item 3 before all three others loses 3 pairs: 3/6
        ((3, 0, 1, 2), Fraction(1, 2)),
        ((3, 2, 1, 0), Fraction(0)),
        ((1, 0, 3, 2), Fraction(4, 6)),
    ],
)
def test_ordering_agreement_by_hand(order, share):
    assert ordering_agreement(order) == share


def test_ordering_blank_marks_every_item_unanswered_where_it_belongs():
    result = grade(ORDER, None)
    assert outcome(result) == (0.0, False, False, "Not answered.", None)
    assert result.expected == [0, 1, 2, 3]
    assert [
        (
            m.key,
            m.text,
            m.selected,
            m.expected,
            m.verdict,
            m.explanation,
            m.position,
            m.expected_position,
        )
        for m in result.marks
    ] == [(i, f"item {i}", False, True, "unanswered", f"step {i}", None, i) for i in range(4)]


@pytest.mark.parametrize("response", [[0, 1, 2], [0, 1, 2, 2], [0, 1, 2, 4], [0, 1, 2, "x"], 5])
def test_ordering_must_place_each_item_once(response):
    result = grade(ORDER, response)
    assert outcome(result) == (
        0.0,
        False,
        True,
        "Place every item exactly once; that response scores 0.",
        None,
    )
    assert result.expected == [0, 1, 2, 3]
    assert [m.verdict for m in result.marks] == ["unanswered"] * 4


def test_ordering_marks_where_each_item_was_put():
    # Placed 1, 0, 2, 3: item 0 at position 1, item 1 at 0; 5 of 6 pairs in order.
    result = grade(ORDER, ["1", 0, 2, 3])
    assert outcome(result) == (
        pytest.approx(5 / 6),
        False,
        True,
        "Partly right: 5 of 6 pairs of items are in the right order.",
        [1, 0, 2, 3],
    )
    assert [
        (m.key, m.selected, m.verdict, m.position, m.expected_position) for m in result.marks
    ] == [
        (0, True, "misplaced", 1, 0),
        (1, True, "misplaced", 0, 1),
        (2, True, "in_place", 2, 2),
        (3, True, "in_place", 3, 3),
    ]
    assert [(m.text, m.expected, m.explanation) for m in result.marks] == [
        (f"item {i}", True, f"step {i}") for i in range(4)
    ]
    assert result.expected == [0, 1, 2, 3]
    assert result.marks[0].to_dict()["position"] == 1
    assert result.marks[0].to_dict()["expected_position"] == 0
    right = grade(ORDER, (0, 1, 2, 3))
    assert outcome(right) == (1.0, True, True, "Correct order.", [0, 1, 2, 3])


# -- hotspot ------------------------------------------------------------------------------------


MANY3 = HotspotQuestion(
    id="h3",
    **BASE,
    zones=("glabella", "forehead", "crows_feet"),
    select="many",
    zone_explanations={"glabella": "g", "forehead": "f", "crows_feet": "c", "brow": "b"},
)


@pytest.mark.parametrize(
    ("chosen", "score", "feedback"),
    [
        # k = 3: +1/3 per right zone, -1/3 per wrong zone, floor 0
        (["glabella"], 1 / 3, "Partly right: 1 of 3 zones found, 0 wrong zones chosen."),
        (
            ("glabella", "forehead"),
            2 / 3,
            "Partly right: 2 of 3 zones found, 0 wrong zones chosen.",
        ),
        (
            ["glabella", "forehead", "lips"],
            1 / 3,
            "Partly right: 2 of 3 zones found, 1 wrong zone chosen.",
        ),
        (
            ["lips", "chin", "glabella"],
            0.0,
            "Partly right: 1 of 3 zones found, 2 wrong zones chosen.",
        ),
        (
            {"crows_feet", "forehead", "glabella"},
            1.0,
            "Correct: all the right zones and no others.",
        ),
    ],
)
def test_hotspot_many_by_thirds(chosen, score, feedback):
    result = grade(MANY3, chosen)
    assert (result.score, result.feedback, result.answered) == (
        pytest.approx(score),
        feedback,
        True,
    )
    assert result.expected == ["glabella", "forehead", "crows_feet"]


def test_hotspot_many_with_one_zone_words_it_in_the_singular():
    one = HotspotQuestion(id="h4", **BASE, zones=("chin",), select="many")
    result = grade(one, ["lips"])
    assert (result.score, result.feedback) == (
        0.0,
        "Partly right: 0 of 1 zone found, 1 wrong zone chosen.",
    )


@pytest.mark.parametrize("response", [["glabella", 3], 3, ("elbow",), {"glabella": 1}])
def test_hotspot_malformed_scores_0(response):
    result = grade(MANY3, response)
    assert outcome(result) == (
        0.0,
        False,
        True,
        "That response names zones that are not on the face map; it scores 0.",
        None,
    )
    assert [m.key for m in result.marks] == ["glabella", "forehead", "crows_feet", "brow"]
    assert [m.selected for m in result.marks] == [False] * 4


def test_hotspot_marks_list_right_then_chosen_then_explained_zones():
    result = grade(MANY3, ["lips", "brow", "glabella"])
    assert marks(result) == [
        ("glabella", "Glabellar (frown) lines", True, True, "correct", "g"),
        ("forehead", "Forehead lines", False, True, "missed", "f"),
        ("crows_feet", "Crow's feet (lateral canthal lines)", False, True, "missed", "c"),
        ("lips", "Lips", True, False, "wrong", ""),
        ("brow", "Brow position (lateral brow lift)", True, False, "wrong", "b"),
    ]


# -- which grader ------------------------------------------------------------------------------


def test_grade_refuses_a_question_that_is_not_of_its_types_class():
    class Impostor(TrueFalseQuestion):
        type = "numeric"

    with pytest.raises(TypeError, match=r"no grader for Impostor \(type 'numeric'\)"):
        grade(Impostor(id="i", **BASE, answer=True), True)


# -- attempts -----------------------------------------------------------------------------------


def test_floor_percent_floors_to_one_decimal():
    assert _floor_percent(2, 3) == 66.6  # 66.66.. floored, not rounded to 66.7
    assert _floor_percent(Fraction(1, 3), 1) == 33.3
    assert _floor_percent(1 / 3, 1) == 33.3  # a float third is read as 1/3
    assert _floor_percent(0.9995, 1) == 99.9
    assert _floor_percent(1, 1) == 100.0
    assert _floor_percent(0, 4) == 0.0
    assert _floor_percent(5 / 6, 2) == 41.6  # (5/6) / 2 = 41.66..%


def test_attempt_sums_exact_shares_and_floors_the_percent():
    # 5/6 + 1 + 0 (tf missing) = 11/6 of 3 = 61.11..% -> 61.1; passes at 61.1, not at 61.2
    questions = [ORDER, SINGLE, TF]
    responses = {"o": [1, 0, 2, 3], "s": 1}
    attempt = grade_attempt(questions, responses, 61.1)
    assert (attempt.percent, attempt.passed, attempt.max_score) == (61.1, True, 3)
    assert attempt.score == pytest.approx(11 / 6)
    assert attempt.results[2].answered is False
    assert not grade_attempt(questions, responses, 61.2).passed
    assert attempt.to_dict()["score"] == 1.8333
    assert attempt.to_dict()["percent"] == 61.1
    assert attempt.to_dict()["topics"] == {"toxin": 61.1}


def test_attempt_pass_mark_just_above_0_is_allowed():
    assert grade_attempt([SINGLE], {"s": 0}, 0.5).passed is False
    assert grade_attempt([SINGLE], {"s": 1}, 0.5).passed is True
    for bad in (0, -0.5, 100.01, False):
        with pytest.raises(ValueError):
            grade_attempt([SINGLE], {}, bad)


def test_floor_percent_reads_a_score_to_the_nearest_fraction_with_a_denominator_up_to_100000():
    # 1 - 1/200001 = [0; 1, 200000]: with denominators up to 100,000 the nearest fractions are 1
    # and 99999/100000, and 1 is nearer (1/200001 against 1/200001 - 1/100000 in size); with
    # 100,001 allowed, 100000/100001 would be nearer and floor to 99.9.
    assert _floor_percent(1 - 1 / 200001, 1) == 100.0
    assert _floor_percent(1 - 1 / 99999, 1) == 99.9


def test_attempt_reads_each_score_to_the_nearest_fraction_with_a_denominator_up_to_100000():
    # 448 items in order but for one swap of neighbours: 100127 of 100128 pairs. With
    # denominators up to 100,000 that share reads as 99999/100000 (= [0; 1, 99999]), not
    # 100000/100001 (which a denominator of 100,001 would allow).
    many = OrderingQuestion(
        id="many", **BASE, items=tuple(OrderItem(f"item {i}", "") for i in range(448))
    )
    order = [1, 0, *range(2, 448)]
    assert grade(many, order).score == 100127 / 100128
    attempt = grade_attempt([many], {"many": order}, 50)
    assert attempt.score == 0.99999
    assert attempt.percent == 99.9
