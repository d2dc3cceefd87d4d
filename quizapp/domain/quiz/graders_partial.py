"""Graders for partial credit by weight: weighted choice questions, numeric questions with
further accepted numbers, short answer and matching (the GIFT question types).

Rules (also in docs/module-format.md):
- weighted single (one choice): the chosen option's weight, never below 0.
- weighted multi (several choices): the sum of the chosen options' weights, kept within 0-100%.
- numeric with `partial` answers: 1 inside the main answer's tolerance; otherwise the largest
  weight among the further answers the number falls within (units checked as for numeric).
- short: the largest weight among the accepted answers the text equals, ignoring case and
  spaces around and between words; anything else 0.
- matching: the share of left-hand texts matched to their right-hand text.

Weights are percents written with up to 5 decimals (Moodle's 33.33333); they are read as the
nearest fraction with a denominator up to 1000, so three options of 33.33333% add up to exactly
100%. These graders replace the plain ones in GRADERS for their types (the package imports this
module once, so `grade` always uses them).
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any, Final

from quizapp.domain.numbers import parse_int
from quizapp.domain.quiz.graders import (
    GRADERS,
    NOT_ANSWERED,
    GradeResult,
    Mark,
    Verdict,
    _as_index,
    _is_blank,
    _result,
    grade_multi,
    grade_numeric,
    grade_single,
)
from quizapp.domain.quiz.model import (
    ChoiceQuestion,
    MatchingQuestion,
    NumericQuestion,
    ShortAnswerQuestion,
)

MAX_TEXT_ANSWER: Final = 200


def weight_fraction(weight: float) -> Fraction:
    """A percent weight as an exact share of the credit: 50 -> 1/2, 33.33333 -> 1/3."""
    return Fraction(weight).limit_denominator(1000) / 100


def _pct(share: Fraction) -> str:
    value = float(share * 100)
    return f"{value:.0f}%" if value.is_integer() else f"{value:.1f}%"


def normalise_answer(text: str) -> str:
    """How short answers compare: case-folded, spaces around and between words collapsed."""
    return " ".join(text.casefold().split())


# --------------------------------------------------------------------------------------------
# Weighted choice
# --------------------------------------------------------------------------------------------


def grade_single_weighted(question: ChoiceQuestion, response: Any) -> GradeResult:
    """single and plan_compare: the chosen option's weight when the options are weighted."""
    plain = grade_single(question, response)
    if not question.weighted or not plain.answered or plain.response is None:
        return plain
    option = question.options[plain.response]
    share = max(Fraction(0), weight_fraction(option.weight or 0))
    if share >= 1:
        feedback = "Correct."
    elif share > 0:
        feedback = f"Partly right: that answer earns {_pct(share)} of the marks."
    else:
        feedback = plain.feedback
    return dataclasses.replace(plain, score=float(min(share, Fraction(1))), feedback=feedback)


def grade_multi_weighted(question: ChoiceQuestion, response: Any) -> GradeResult:
    """multi: the chosen options' weights added up, within 0-100%, when weighted."""
    plain = grade_multi(question, response)
    if not question.weighted or not plain.answered or plain.response is None:
        return plain
    chosen = plain.response
    total = sum((weight_fraction(question.options[i].weight or 0) for i in chosen), Fraction(0))
    share = min(Fraction(1), max(Fraction(0), total))
    if share == 1:
        feedback = "Correct: your choices earn all the marks."
    else:
        feedback = f"Partly right: your choices add up to {_pct(total)}" + (
            ", counted as 0%." if total < 0 else "."
        )
    return dataclasses.replace(plain, score=float(share), correct=share == 1, feedback=feedback)


# --------------------------------------------------------------------------------------------
# Numeric with further answers
# --------------------------------------------------------------------------------------------


def grade_numeric_partial(question: NumericQuestion, response: Any) -> GradeResult:
    """numeric: full credit inside the main tolerance, else the best further answer's weight."""
    plain = grade_numeric(question, response)
    if plain.score == 1 or not question.partial or not plain.answered:
        return plain
    best: tuple[Fraction, str] | None = None
    for alternative in question.partial:
        # The plain grader reads only the answer and tolerance, never `partial`.
        one = dataclasses.replace(
            question, answer=alternative.answer, tolerance=alternative.tolerance
        )
        if grade_numeric(one, response).score == 1:
            share = max(Fraction(0), weight_fraction(alternative.weight))
            if best is None or share > best[0]:
                best = (share, alternative.explanation)
    if best is None or best[0] == 0:
        if best is not None and best[1]:
            return dataclasses.replace(plain, feedback=f"{plain.feedback} {best[1]}")
        return plain
    share, note = best
    feedback = f"Partly right: that answer earns {_pct(share)} of the marks."
    if note:
        feedback += f" {note}"
    return dataclasses.replace(plain, score=float(share), feedback=feedback)


# --------------------------------------------------------------------------------------------
# Short answer
# --------------------------------------------------------------------------------------------


def grade_short(question: ShortAnswerQuestion, response: Any) -> GradeResult:
    """short: the best weight among the accepted answers the typed text equals."""
    best = max(question.answers, key=lambda a: a.weight)
    expected = [{"text": a.text, "weight": a.weight} for a in question.answers]
    if _is_blank(response):
        return _result(question, 0, answered=False, feedback=NOT_ANSWERED, expected=expected)
    if not isinstance(response, str):
        return _result(
            question,
            0,
            answered=True,
            feedback="Type your answer as text; that response scores 0.",
            expected=expected,
        )
    typed = " ".join(response.split())[:MAX_TEXT_ANSWER]
    key = normalise_answer(typed)
    matches = [a for a in question.answers if normalise_answer(a.text) == key]
    if not matches:
        feedback = f"Not an accepted answer. The best answer is: {best.text}."
        return _result(
            question, 0, answered=True, feedback=feedback, response=typed, expected=expected
        )
    hit = max(matches, key=lambda a: a.weight)
    share = max(Fraction(0), weight_fraction(hit.weight))
    if share >= 1:
        feedback = "Correct."
    elif share > 0:
        feedback = (
            f"Partly right: that answer earns {_pct(share)} of the marks (best: {best.text})."
        )
    else:
        feedback = f"Not right. The best answer is: {best.text}."
    if hit.explanation:
        feedback += f" {hit.explanation}"
    return _result(
        question,
        min(share, Fraction(1)),
        answered=True,
        feedback=feedback,
        response=typed,
        expected=expected,
    )


# --------------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------------


def _pair_of(value: Any) -> tuple[int, int] | None:
    """ "2:0" -> (2, 0), the stored form of one matched pair."""
    if not isinstance(value, str) or value.count(":") != 1:
        return None
    left, right = (parse_int(part) for part in value.split(":"))
    return None if left is None or right is None else (left, right)


def matching_choices(question: MatchingQuestion, response: Any) -> dict[int, int] | None:
    """left index -> right index from {left: right}, [right or None per left] or ["l:r", ...];
    None when the response is not one of these shapes or names pairs that do not exist."""
    chosen: dict[int, int] = {}
    if isinstance(response, dict):
        items = list(response.items())
    elif isinstance(response, list | tuple):
        if all(isinstance(v, str) and ":" in v for v in response):
            pairs = [_pair_of(v) for v in response]
            if any(p is None for p in pairs):
                return None
            items = [p for p in pairs if p is not None]
        else:
            items = [(i, v) for i, v in enumerate(response) if not _is_blank(v)]
    else:
        return None
    for left_raw, right_raw in items:
        if _is_blank(right_raw):
            continue
        left, right = _as_index(left_raw), _as_index(right_raw)
        if left is None or right is None:
            return None
        if not 0 <= left < len(question.pairs) or not 0 <= right < len(question.rights):
            return None
        chosen[left] = right
    return chosen


def _matching_marks(question: MatchingQuestion, chosen: dict[int, int]) -> list[Mark]:
    rights = question.rights
    marks = []
    for i, pair in enumerate(question.pairs):
        picked = chosen.get(i)
        if picked is None:
            verdict: Verdict = "missed"
            text = f"{pair.left} → (no match chosen)"
        else:
            verdict = "correct" if rights[picked] == pair.right else "wrong"
            text = f"{pair.left} → {rights[picked]}"
        note = pair.explanation
        if verdict != "correct":
            note = f"It matches: {pair.right}." + (f" {note}" if note else "")
        marks.append(Mark(i, text, picked is not None, True, verdict, note))
    return marks


def grade_matching(question: MatchingQuestion, response: Any) -> GradeResult:
    """matching: each left-hand text matched right earns 1/n of the marks."""
    rights = question.rights
    expected = [f"{i}:{rights.index(p.right)}" for i, p in enumerate(question.pairs)]
    if _is_blank(response) or (
        isinstance(response, dict) and all(_is_blank(v) for v in response.values())
    ):
        return _result(
            question,
            0,
            answered=False,
            feedback=NOT_ANSWERED,
            marks=_matching_marks(question, {}),
            expected=expected,
        )
    chosen = matching_choices(question, response)
    if chosen is None:
        return _result(
            question,
            0,
            answered=True,
            feedback="That response names items that do not exist, so it scores 0.",
            marks=_matching_marks(question, {}),
            expected=expected,
        )
    n = len(question.pairs)
    hits = sum(1 for i, j in chosen.items() if rights[j] == question.pairs[i].right)
    score = Fraction(hits, n)
    feedback = "Correct: every pair matched." if hits == n else f"{hits} of {n} pairs matched."
    return _result(
        question,
        score,
        answered=bool(chosen),
        feedback=feedback if chosen else NOT_ANSWERED,
        marks=_matching_marks(question, chosen),
        response=[f"{i}:{j}" for i, j in sorted(chosen.items())],
        expected=expected,
    )


GRADERS.update(
    {
        "single": grade_single_weighted,
        "plan_compare": grade_single_weighted,
        "multi": grade_multi_weighted,
        "numeric": grade_numeric_partial,
        "short": grade_short,
        "matching": grade_matching,
    }
)

__all__ = [
    "grade_matching",
    "grade_multi_weighted",
    "grade_numeric_partial",
    "grade_short",
    "grade_single_weighted",
    "matching_choices",
    "normalise_answer",
    "weight_fraction",
]
