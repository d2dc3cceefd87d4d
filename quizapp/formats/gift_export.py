"""quizapp questions -> Moodle GIFT. Pure: questions in, text out (import: gift.py).

Every type except hotspot (no GIFT equivalent; reported) is written so that importing the file
gives equivalent questions back and Moodle grades them the same way:
- single: `=right ~wrong`; weighted single: `~%50%` weights (`=` for the 100% answers);
- multi: `~%w%` on every option: its own weights, or +100/k and -100/m for quizapp's rule
  (the same score, floored at 0 as Moodle floors it);
- truefalse: `{TRUE#feedback when wrong#feedback when right####explanation}`;
- numeric: `{#answer:tolerance}`, with `=%w%answer:tolerance` for further answers;
- short: `{=answer =%50%answer#feedback}`; matching: `{=left -> right}`;
- ordering: a matching of its items to their places, marked `// quizapp.type: ordering`.
Texts are Markdown, so they are written with the `[markdown]` format marker.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

from quizapp.domain.quiz import (
    HotspotQuestion,
    MatchingQuestion,
    MultiQuestion,
    NumericQuestion,
    OrderingQuestion,
    PlanCompareQuestion,
    Question,
    ShortAnswerQuestion,
    TrueFalseQuestion,
)
from quizapp.formats.gift_text import escape


def _percent(value: Fraction | float) -> str:
    text = f"{float(value):.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _comment(text: str) -> str:
    return " ".join(text.split())


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _feedback(text: str) -> str:
    return f"#{escape(text)}" if text else ""


def _choice_lines(question) -> list[str]:
    multi = isinstance(question, MultiQuestion)
    right = sum(1 for o in question.options if o.correct)
    wrong = len(question.options) - right
    lines = []
    for option in question.options:
        if option.weight is not None:
            marker = "=" if not multi and option.weight == 100 else f"~%{_percent(option.weight)}%"
        elif not multi:
            marker = "=" if option.correct else "~"
        elif option.correct:
            marker = f"~%{_percent(Fraction(100, right))}%"
        else:
            marker = f"~%{_percent(Fraction(-100, wrong))}%"
        lines.append(f"{marker}{escape(option.text)}{_feedback(option.explanation)}")
    return lines


def _truefalse(question: TrueFalseQuestion) -> str:
    right = question.feedback_true if question.answer else question.feedback_false
    wrong = question.feedback_false if question.answer else question.feedback_true
    word = "TRUE" if question.answer else "FALSE"
    if not right and not wrong:
        return word
    return f"{word}#{escape(wrong)}#{escape(right)}"


def _export_one(question: Question) -> str:
    lines: list[str] = []
    if isinstance(question, PlanCompareQuestion):
        lines.append("// quizapp.type: plan_compare")
    elif isinstance(question, OrderingQuestion):
        lines.append("// quizapp.type: ordering")
    lines.append(f"// quizapp.references: {' '.join(question.references)}")
    head = f"::{escape(question.id)}::[markdown]{escape(question.stem)}"
    general = f"####{escape(question.explanation)}" if question.explanation else ""
    if isinstance(question, TrueFalseQuestion):
        lines.append(f"{head} {{{_truefalse(question)}{general}}}")
        return "\n".join(lines)
    if isinstance(question, NumericQuestion):
        lines.append(f"// quizapp.unit: {question.unit if question.unit else 'null'}")
        main = f"{_fmt(question.answer)}:{_fmt(question.tolerance)}"
        if not question.partial:
            lines.append(f"{head} {{#{main}{general}}}")
            return "\n".join(lines)
        body = [f"={main}"]
        for other in question.partial:
            value = f"{_fmt(other.answer)}:{_fmt(other.tolerance)}"
            body.append(f"=%{_percent(other.weight)}%{value}{_feedback(other.explanation)}")
        lines.append(head + " {#")
    elif isinstance(question, OrderingQuestion):
        if question.order_label:
            lines.append(f"// quizapp.order_label: {escape(question.order_label)}")
        for place, item in enumerate(question.items, start=1):
            lines.append(f"// quizapp.explain {place}: {escape(item.explanation)}")
        body = [f"={escape(item.text)} -> {place}" for place, item in enumerate(question.items, 1)]
        lines.append(head + " {")
    elif isinstance(question, ShortAnswerQuestion):
        body = []
        for answer in question.answers:
            weight = "" if answer.weight == 100 else f"%{_percent(answer.weight)}%"
            body.append(f"={weight}{escape(answer.text)}{_feedback(answer.explanation)}")
        lines.append(head + " {")
    elif isinstance(question, MatchingQuestion):
        body = [f"={escape(p.left)} -> {escape(p.right)}" for p in question.pairs]
        lines.append(head + " {")
    else:  # single, plan_compare, multi
        body = _choice_lines(question)
        lines.append(head + " {")
    lines.extend(body)
    if general:
        lines.append(general)
    lines.append("}")
    return "\n".join(lines)


def unexportable(question: Question) -> str | None:
    """Why a question cannot be written in GIFT, or None."""
    if isinstance(question, HotspotQuestion):
        return "hotspot questions (zones on the face map) have no GIFT equivalent"
    if isinstance(question, OrderingQuestion) and any("->" in i.text for i in question.items):
        return "an ordering item contains '->', which GIFT matching cannot hold"
    if isinstance(question, MatchingQuestion) and any("->" in p.left for p in question.pairs):
        return "a matching item contains '->', which GIFT matching cannot hold"
    return None


def export_gift(
    questions: Iterable[Question], *, title: str = ""
) -> tuple[str, list[tuple[str, str]]]:
    """GIFT text for the questions, and (question id, reason) for each one left out."""
    out: list[str] = []
    if title:
        out.append(f"// {_comment(title)}: exported from quizapp. Comment lines that start with")
        out.append("// quizapp. carry what GIFT cannot say; Moodle ignores them.")
        out.append("")
    skipped: list[tuple[str, str]] = []
    topic = None
    for question in questions:
        reason = unexportable(question)
        if reason:
            skipped.append((question.id, reason))
            out.append(f"// quizapp: {question.id} was left out: {reason}")
            out.append("")
            continue
        if question.topic != topic:
            topic = question.topic
            out.append(f"$CATEGORY: $course$/{topic}")
            out.append("")
        out.append(_export_one(question))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n", skipped


__all__ = ["export_gift", "unexportable"]
