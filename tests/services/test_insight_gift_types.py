"""Module insight rows for the GIFT question types: matching counted per pair, short answers
folded the way the grader compares them."""

from __future__ import annotations

from collections import Counter

from quizapp.domain import quiz
from quizapp.services.authoring.insight import QuestionStat
from quizapp.services.authoring.insight_tables import question_rows

BASE = {"topic": "t", "stem": "S?", "references": ("F15",), "explanation": "E."}


def test_matching_rows_count_each_pair_matched_right():
    question = quiz.MatchingQuestion(
        id="m",
        **BASE,
        pairs=(quiz.MatchPair("a", "x"), quiz.MatchPair("b", "y"), quiz.MatchPair("c", "x")),
    )
    # Four answers were stored as pairs: "left:right index" (right indexes: x=0, y=1).
    stat = QuestionStat("m", "t", 4, 0.5, None, answered=4)
    stat.choices = Counter({"0:0": 3, "1:1": 1, "1:0": 3, "2:0": 2, "2:1": 2})
    [row] = question_rows([question], {"m": stat})
    assert [(c["label"], c["count"], c["share"]) for c in row["choices"]] == [
        ("a → x", 3, 0.75),
        ("b → y", 1, 0.25),
        ("c → x", 2, 0.5),
    ]
    assert all(c["right"] for c in row["choices"])


def test_short_answer_rows_fold_case_and_spaces_and_mark_part_credit():
    question = quiz.ShortAnswerQuestion(
        id="s",
        **BASE,
        answers=(quiz.TextAnswer("carbon dioxide"), quiz.TextAnswer("carbon", 50)),
    )
    stat = QuestionStat("s", "t", 6, 0.6, None, answered=6)
    stat.choices = Counter({"Carbon Dioxide": 2, "carbon  dioxide": 1, "carbon": 2, "oxygen": 1})
    [row] = question_rows([question], {"s": stat})
    assert [(c["label"], c["count"], c["right"]) for c in row["choices"]] == [
        ("carbon dioxide", 3, True),
        ("carbon", 2, None),
        ("oxygen", 1, False),
    ]
    assert row["top_choice"] == "carbon dioxide"
