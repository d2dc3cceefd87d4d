"""Graders: one per question type, the attempt grade, and which attempt counts.

Scoring rules are in the package docstring (quizapp.domain.quiz).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final, Literal, Protocol, TypeVar

from quizapp.domain.numbers import parse_int
from quizapp.domain.quiz.model import (
    GRADING_METHODS,
    QUESTION_CLASSES,
    ChoiceQuestion,
    HotspotQuestion,
    NumericQuestion,
    OrderingQuestion,
    QuestionBase,
    TrueFalseQuestion,
    canonical_unit,
    zone_ids,
    zone_label,
)

# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------

Verdict = Literal[
    "correct",  # chosen and right
    "missed",  # right but not chosen
    "wrong",  # chosen but not right
    "unselected",  # not chosen and not right: rightly left out
    "in_place",  # ordering: item where it belongs
    "misplaced",  # ordering: item elsewhere
    "unanswered",  # ordering: no order given
]


@dataclass(frozen=True, slots=True)
class Mark:
    """How one option, item or zone fared, with the explanation the review page shows for it.

    `key` is the option/item index in the file (int) or the zone id (str). For ordering,
    `position` is where the trainee put the item and `expected_position` where it belongs.
    """

    key: int | str
    text: str
    selected: bool
    expected: bool
    verdict: Verdict
    explanation: str
    position: int | None = None
    expected_position: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "selected": self.selected,
            "expected": self.expected,
            "verdict": self.verdict,
            "explanation": self.explanation,
            "position": self.position,
            "expected_position": self.expected_position,
        }


@dataclass(frozen=True, slots=True)
class GradeResult:
    """The verdict on one answer: score 0.0-1.0, marks to review, and what the answer was."""

    question_id: str
    type: str
    topic: str
    score: float
    correct: bool
    answered: bool
    feedback: str
    explanation: str
    references: tuple[str, ...]
    marks: tuple[Mark, ...]
    response: Any  # the response as graded, JSON-safe
    expected: Any  # the right answer, JSON-safe (shown only after submission)

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "type": self.type,
            "topic": self.topic,
            "score": round(self.score, 4),
            "correct": self.correct,
            "answered": self.answered,
            "feedback": self.feedback,
            "explanation": self.explanation,
            "references": list(self.references),
            "marks": [mark.to_dict() for mark in self.marks],
            "response": self.response,
            "expected": self.expected,
        }


@dataclass(frozen=True, slots=True)
class AttemptGrade:
    """A whole attempt: percent (floored to 0.1 so a fail never displays as the pass mark)."""

    percent: float
    passed: bool
    pass_mark: float
    score: float
    max_score: int
    results: tuple[GradeResult, ...]

    def topics(self) -> dict[str, float]:
        """Percent per topic, for the dashboard's "weakest topics"; weakest first."""
        totals: dict[str, list[float]] = {}
        for result in self.results:
            totals.setdefault(result.topic, []).append(result.score)
        percents = {topic: _floor_percent(sum(s), len(s)) for topic, s in totals.items()}
        return dict(sorted(percents.items(), key=lambda item: (item[1], item[0])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": self.percent,
            "passed": self.passed,
            "pass_mark": self.pass_mark,
            "score": round(self.score, 4),
            "max_score": self.max_score,
            "topics": self.topics(),
            "results": [result.to_dict() for result in self.results],
        }


# --------------------------------------------------------------------------------------------
# Response helpers
# --------------------------------------------------------------------------------------------


def _is_blank(response: Any) -> bool:
    if response is None:
        return True
    if isinstance(response, str):
        return not response.strip()
    if isinstance(response, list | tuple | set | frozenset):
        return len(response) == 0
    return False


def _as_index(value: Any) -> int | None:
    """An option/item index from an int or a digit string; None for anything else (bools too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return parse_int(value)


def _as_index_list(response: Any) -> list[int] | None:
    if isinstance(response, str | int) and not isinstance(response, bool):
        response = [response]
    if not isinstance(response, list | tuple | set | frozenset):
        return None
    indexes = [_as_index(value) for value in response]
    if any(index is None for index in indexes):
        return None
    return [index for index in indexes if index is not None]


def _result(
    question: QuestionBase,
    score: Fraction | int,
    *,
    answered: bool,
    feedback: str,
    marks: Iterable[Mark] = (),
    response: Any = None,
    expected: Any = None,
) -> GradeResult:
    value = float(score)
    return GradeResult(
        question_id=question.id,
        type=question.type,
        topic=question.topic,
        score=value,
        correct=answered and value == 1.0,
        answered=answered,
        feedback=feedback,
        explanation=question.explanation,
        references=tuple(question.references),
        marks=tuple(marks),
        response=response,
        expected=expected,
    )


def _choice_marks(question: ChoiceQuestion, chosen: set[int]) -> list[Mark]:
    marks = []
    for index, option in enumerate(question.options):
        selected = index in chosen
        if option.correct:
            verdict: Verdict = "correct" if selected else "missed"
        else:
            verdict = "wrong" if selected else "unselected"
        marks.append(
            Mark(index, option.text, selected, option.correct, verdict, option.explanation)
        )
    return marks


def _fmt(number: float) -> str:
    """20.0 -> "20", 0.5 -> "0.5": numbers as a person writes them."""
    if float(number).is_integer():
        return str(int(number))
    return f"{number:g}"


# --------------------------------------------------------------------------------------------
# Graders
# --------------------------------------------------------------------------------------------

NOT_ANSWERED: Final = "Not answered."


def grade_single(question: ChoiceQuestion, response: Any) -> GradeResult:
    """single and plan_compare: the response is one option index."""
    expected = question.correct_indexes[0] if question.correct_indexes else None
    if _is_blank(response):
        marks = _choice_marks(question, set())
        return _result(
            question, 0, answered=False, feedback=NOT_ANSWERED, marks=marks, expected=expected
        )
    if isinstance(response, list | tuple) and len(response) == 1:
        response = response[0]
    index = _as_index(response)
    if index is None or not 0 <= index < len(question.options):
        return _result(
            question,
            0,
            answered=True,
            feedback="That response is not one of the options, so it scores 0.",
            marks=_choice_marks(question, set()),
            expected=expected,
        )
    right = question.options[index].correct
    if right:
        feedback = "Correct."
    elif question.type == "plan_compare":
        feedback = "Not the most appropriate plan: see why each plan fits or not."
    else:
        feedback = "Not the best answer: see why each option is right or wrong."
    return _result(
        question,
        1 if right else 0,
        answered=True,
        feedback=feedback,
        marks=_choice_marks(question, {index}),
        response=index,
        expected=expected,
    )


def grade_multi(question: ChoiceQuestion, response: Any) -> GradeResult:
    """multi: +1/k per correct option chosen, -1/m per wrong one chosen, floor 0."""
    expected = list(question.correct_indexes)
    if _is_blank(response):
        marks = _choice_marks(question, set())
        return _result(
            question, 0, answered=False, feedback=NOT_ANSWERED, marks=marks, expected=expected
        )
    indexes = _as_index_list(response)
    if indexes is None or any(not 0 <= i < len(question.options) for i in indexes):
        return _result(
            question,
            0,
            answered=True,
            feedback="That response names options that do not exist, so it scores 0.",
            marks=_choice_marks(question, set()),
            expected=expected,
        )
    chosen = set(indexes)
    right = set(question.correct_indexes)
    k = len(right)
    m = len(question.options) - k
    hits = len(chosen & right)
    false_picks = len(chosen - right)
    raw = Fraction(hits, k) - (Fraction(false_picks, m) if m else 0)
    score = max(Fraction(0), raw)
    if chosen == right:
        feedback = "Correct: all the right options and none of the wrong ones."
    else:
        feedback = (
            f"Partly right: {hits} of {k} correct option{'s' if k != 1 else ''} chosen, "
            f"{false_picks} wrong option{'s' if false_picks != 1 else ''} chosen."
        )
    return _result(
        question,
        score,
        answered=True,
        feedback=feedback,
        marks=_choice_marks(question, chosen),
        response=sorted(chosen),
        expected=expected,
    )


def _as_bool(response: Any) -> bool | None:
    if isinstance(response, bool):
        return response
    if isinstance(response, str):
        return {"true": True, "false": False}.get(response.strip().lower())
    return None


def grade_truefalse(question: TrueFalseQuestion, response: Any) -> GradeResult:
    """truefalse: the response is a bool (or the text "true"/"false" from a form)."""
    if _is_blank(response):
        return _result(question, 0, answered=False, feedback=NOT_ANSWERED, expected=question.answer)
    value = _as_bool(response)
    if value is None:
        return _result(
            question,
            0,
            answered=True,
            feedback="Answer true or false; that response scores 0.",
            expected=question.answer,
        )
    right = value == question.answer
    word = "true" if question.answer else "false"
    feedback = f"Correct: the statement is {word}." if right else f"The statement is {word}."
    note = question.feedback_true if value else question.feedback_false
    if note:
        feedback = f"{feedback} {note}"
    return _result(
        question,
        1 if right else 0,
        answered=True,
        feedback=feedback,
        response=value,
        expected=question.answer,
    )


_NUMERIC_RE: Final = re.compile(r"^\s*([+-]?(?:\d[\d.,]*|[.,]\d+))\s*(.*?)\s*$", re.DOTALL)
_THOUSANDS_COMMA: Final = re.compile(r"[+-]?[1-9]\d{0,2}(,\d{3})+")
_THOUSANDS_DOT: Final = re.compile(r"[+-]?[1-9]\d{0,2}(\.\d{3}){2,}")


class NumericParseError(ValueError):
    """A numeric response that cannot be read as one number and an optional unit."""


def _parse_number(text: str) -> float:
    """Reads "20", "0.5", "0,5" (decimal comma), "1,500" (thousands), "1.500,5" and "1,500.5"."""
    if "," in text and "." in text:
        if text.rfind(".") > text.rfind(","):
            text = text.replace(",", "")
        else:
            text = text.replace(".", "").replace(",", ".")
    elif "," in text:
        if _THOUSANDS_COMMA.fullmatch(text):
            text = text.replace(",", "")
        elif text.count(",") == 1:
            text = text.replace(",", ".")
        else:
            raise NumericParseError(f"{text!r} is not one number")
    elif text.count(".") > 1:
        if not _THOUSANDS_DOT.fullmatch(text):
            raise NumericParseError(f"{text!r} is not one number")
        text = text.replace(".", "")
    try:
        value = float(text)
    except ValueError:
        raise NumericParseError(f"{text!r} is not a number")
    if not math.isfinite(value):
        raise NumericParseError(f"{text!r} is not a finite number")
    return value


def parse_numeric_response(response: Any) -> tuple[float, str | None, str | None]:
    """(value, canonical unit or None, the unit as typed or None) from 20, "20 U", "0,5 mL"...

    Raises NumericParseError for anything that is not one number with an optional unit.
    """
    if isinstance(response, bool):
        raise NumericParseError("a yes/no value is not a number")
    if isinstance(response, int | float):
        if not math.isfinite(response):
            raise NumericParseError("not a finite number")
        return float(response), None, None
    if not isinstance(response, str):
        raise NumericParseError("not a number")
    match = _NUMERIC_RE.match(response)
    if not match:
        raise NumericParseError(f"{response.strip()!r} does not start with a number")
    value = _parse_number(match.group(1))
    typed = match.group(2).strip() or None
    if typed is None:
        return value, None, None
    if typed[0].isdigit() or typed[0] in "-+–":
        raise NumericParseError("give one number, not a range or a list")
    return value, canonical_unit(typed), typed


def grade_numeric(question: NumericQuestion, response: Any) -> GradeResult:
    """numeric: right if within the absolute tolerance AND in the question's unit (if any)."""
    unit = question.unit
    expected = {"answer": question.answer, "tolerance": question.tolerance, "unit": unit}
    if _is_blank(response):
        return _result(question, 0, answered=False, feedback=NOT_ANSWERED, expected=expected)
    echo = response if isinstance(response, str | int | float) else None
    try:
        value, given_unit, typed_unit = parse_numeric_response(response)
    except NumericParseError as error:
        return _result(
            question,
            0,
            answered=True,
            feedback=f"That is not a number we can read ({error}); it scores 0.",
            response=echo,
            expected=expected,
        )
    if typed_unit is not None:
        if unit is None:
            return _result(
                question,
                0,
                answered=True,
                response=echo,
                expected=expected,
                feedback=f"This answer is a bare number, without a unit; {typed_unit!r} is wrong.",
            )
        if given_unit is None:
            return _result(
                question,
                0,
                answered=True,
                response=echo,
                expected=expected,
                feedback=f"Unit {typed_unit!r} is not recognised; the answer is in {unit}.",
            )
        if given_unit != unit:
            return _result(
                question,
                0,
                answered=True,
                response=echo,
                expected=expected,
                feedback=f"Wrong unit: the answer is in {unit}, not {given_unit}.",
            )
    suffix = f" {unit}" if unit else ""
    low, high = question.answer - question.tolerance, question.answer + question.tolerance
    slack = 1e-9 * max(1.0, abs(question.answer))
    right = low - slack <= value <= high + slack
    if question.tolerance:
        accepted = f"{_fmt(low)}-{_fmt(high)}{suffix}"
    else:
        accepted = f"{_fmt(question.answer)}{suffix}"
    if right:
        feedback = "Correct." if not question.tolerance else f"Correct (accepted: {accepted})."
    else:
        feedback = f"Not right: {_fmt(value)}{suffix} is outside the accepted answer ({accepted})."
    return _result(
        question,
        1 if right else 0,
        answered=True,
        feedback=feedback,
        response=echo,
        expected=expected,
    )


def ordering_agreement(order: Sequence[int]) -> Fraction:
    """Share of item pairs in the right relative order: (1 + Kendall tau) / 2, from 0 to 1.

    `order` lists item indexes as the trainee placed them; the correct order is 0, 1, ..., n-1.
    """
    n = len(order)
    pairs = n * (n - 1) // 2
    if pairs == 0:
        return Fraction(1)
    concordant = sum(1 for i in range(n) for j in range(i + 1, n) if order[i] < order[j])
    return Fraction(concordant, pairs)


def grade_ordering(question: OrderingQuestion, response: Any) -> GradeResult:
    """ordering: the response lists item indexes in the trainee's order; pairwise partial credit."""
    n = len(question.items)
    expected = list(range(n))
    unanswered_marks = [
        Mark(i, item.text, False, True, "unanswered", item.explanation, None, i)
        for i, item in enumerate(question.items)
    ]
    if _is_blank(response):
        return _result(
            question,
            0,
            answered=False,
            feedback=NOT_ANSWERED,
            marks=unanswered_marks,
            expected=expected,
        )
    order = _as_index_list(response)
    if order is None or sorted(order) != expected:
        return _result(
            question,
            0,
            answered=True,
            feedback="Place every item exactly once; that response scores 0.",
            marks=unanswered_marks,
            expected=expected,
        )
    score = ordering_agreement(order)
    position_of = {item: position for position, item in enumerate(order)}
    marks = []
    for i, item in enumerate(question.items):
        position = position_of[i]
        verdict: Verdict = "in_place" if position == i else "misplaced"
        marks.append(Mark(i, item.text, True, True, verdict, item.explanation, position, i))
    pairs = n * (n - 1) // 2
    if score == 1:
        feedback = "Correct order."
    else:
        feedback = (
            f"Partly right: {score * pairs} of {pairs} pairs of items are in the right order."
        )
    return _result(
        question,
        score,
        answered=True,
        feedback=feedback,
        marks=marks,
        response=list(order),
        expected=expected,
    )


def _hotspot_marks(question: HotspotQuestion, chosen: Sequence[str]) -> list[Mark]:
    right = list(question.zones)
    keys = right + [z for z in chosen if z not in right]
    keys += [z for z in question.zone_explanations if z not in keys]
    marks = []
    for zone in keys:
        selected = zone in chosen
        expected = zone in right
        if expected:
            verdict: Verdict = "correct" if selected else "missed"
        else:
            verdict = "wrong" if selected else "unselected"
        explanation = question.zone_explanations.get(zone, "")
        marks.append(Mark(zone, zone_label(zone), selected, expected, verdict, explanation))
    return marks


def grade_hotspot(question: HotspotQuestion, response: Any) -> GradeResult:
    """hotspot: zone ids; `one` takes one zone, `many` a list (partial credit, floor 0)."""
    expected = list(question.zones)
    if _is_blank(response):
        return _result(
            question,
            0,
            answered=False,
            feedback=NOT_ANSWERED,
            marks=_hotspot_marks(question, []),
            expected=expected,
        )
    raw = [response] if isinstance(response, str) else response
    valid = set(zone_ids())
    if not isinstance(raw, list | tuple | set | frozenset) or not all(
        isinstance(zone, str) and zone in valid for zone in raw
    ):
        return _result(
            question,
            0,
            answered=True,
            feedback="That response names zones that are not on the face map; it scores 0.",
            marks=_hotspot_marks(question, []),
            expected=expected,
        )
    chosen = list(dict.fromkeys(raw))  # unique, in click order
    right = set(question.zones)
    if question.select == "one":
        if len(chosen) != 1:
            return _result(
                question,
                0,
                answered=True,
                feedback="Choose one zone only; that response scores 0.",
                marks=_hotspot_marks(question, chosen),
                response=chosen,
                expected=expected,
            )
        hit = chosen[0] in right
        return _result(
            question,
            1 if hit else 0,
            answered=True,
            feedback="Correct." if hit else f"Not right: {zone_label(chosen[0])} is not the zone.",
            marks=_hotspot_marks(question, chosen),
            response=chosen[0],
            expected=expected,
        )
    k = len(right)
    hits = len(set(chosen) & right)
    false_picks = len(set(chosen) - right)
    score = max(Fraction(0), Fraction(hits - false_picks, k))
    if set(chosen) == right:
        feedback = "Correct: all the right zones and no others."
    else:
        feedback = (
            f"Partly right: {hits} of {k} zone{'s' if k != 1 else ''} found, "
            f"{false_picks} wrong zone{'s' if false_picks != 1 else ''} chosen."
        )
    return _result(
        question,
        score,
        answered=True,
        feedback=feedback,
        marks=_hotspot_marks(question, chosen),
        response=chosen,
        expected=expected,
    )


Grader = Callable[[Any, Any], GradeResult]

GRADERS: Final[dict[str, Grader]] = {
    "single": grade_single,
    "multi": grade_multi,
    "truefalse": grade_truefalse,
    "numeric": grade_numeric,
    "ordering": grade_ordering,
    "hotspot": grade_hotspot,
    "plan_compare": grade_single,
}


def grade(question: QuestionBase, response: Any) -> GradeResult:
    """Grade one response with the grader registered for the question's type."""
    grader = GRADERS.get(question.type)
    if grader is None or not isinstance(question, QUESTION_CLASSES[question.type]):
        raise TypeError(f"no grader for {type(question).__name__} (type {question.type!r})")
    return grader(question, response)


def _floor_percent(score: float | Fraction, count: int) -> float:
    """100 * score / count, floored to one decimal, exact for the small fractions graders make."""
    exact = Fraction(score).limit_denominator(100_000) * 100 / count
    return math.floor(exact * 10) / 10


def grade_attempt(
    questions: Sequence[QuestionBase], responses: Mapping[str, Any], pass_mark: float
) -> AttemptGrade:
    """Grade every question (a missing response is unanswered); passed if percent >= pass_mark.

    The pass decision uses the exact score; `percent` is floored to one decimal for display, so a
    fail never shows as the pass mark (69.96 shows as 69.9, not 70.0).
    """
    if not questions:
        raise ValueError("an attempt needs at least one question")
    if isinstance(pass_mark, bool) or not 0 < pass_mark <= 100:
        raise ValueError(f"pass_mark must be in 1-100, not {pass_mark!r}")
    results = tuple(grade(question, responses.get(question.id)) for question in questions)
    exact = sum((Fraction(r.score).limit_denominator(100_000) for r in results), Fraction(0))
    return AttemptGrade(
        percent=_floor_percent(exact, len(results)),
        passed=exact * 100 >= Fraction(pass_mark) * len(results),
        pass_mark=pass_mark,
        score=float(exact),
        max_score=len(results),
        results=results,
    )


class _HasPercent(Protocol):
    @property
    def percent(self) -> float: ...


G = TypeVar("G", bound=_HasPercent)


def best_or_last(grades: Sequence[G], method: str) -> G | None:
    """The grade that counts for a module: the highest (earliest of equals) or the last one.

    `grades` are in the order they were taken; works on anything with `.percent`.
    """
    if method not in GRADING_METHODS:
        raise ValueError(f"grading must be one of {', '.join(GRADING_METHODS)}, not {method!r}")
    if not grades:
        return None
    if method == "last":
        return grades[-1]
    best = grades[0]
    for candidate in grades[1:]:
        if candidate.percent > best.percent:
            best = candidate
    return best
