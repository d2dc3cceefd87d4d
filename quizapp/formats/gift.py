"""Moodle GIFT <-> quizapp questions. Pure: text in, plain data out.

Import (`parse_gift`) turns a GIFT file into question data in the module-file shape
(docs/module-format.md), ready to be checked by `load_module_text`, and reports by line every
question it cannot map. Nothing is dropped silently. How GIFT maps:

- multiple choice, one `=` answer            -> single (plan_compare with `// quizapp.type:`)
- multiple choice with %weights              -> multi (options with a positive weight are right)
- true/false `{T}` `{F}` `{TRUE}` `{FALSE}`  -> truefalse
- numerical `{#20:2}`, `{#18..22}`            -> numeric (answer, tolerance)
- short answer `{=20 U}`                     -> numeric only when its one answer is a number
                                               (with an optional unit); otherwise unsupported
- matching `{=a -> 1 =b -> 2}`               -> ordering when the right-hand sides are 1..n;
                                               otherwise unsupported
- essay `{}`, descriptions, numerical with several answers, partial-credit short answers
                                             -> unsupported, reported with their line

GIFT cannot say everything a quizapp question needs, so quizapp writes (and reads) comment
lines, which Moodle ignores: `// quizapp.references: B1 F15`, `// quizapp.unit: U`,
`// quizapp.type: plan_compare`, `// quizapp.order_label: ...` and `// quizapp.explain N: ...`
(the explanation of ordering item N); each applies to the question that follows it.
`$CATEGORY:` gives the topic (its last part). Per-answer feedback (`#...`) is the option's
explanation; general feedback (`####...`) the question's.

Export (`export_gift`) writes every type except hotspot (no GIFT equivalent; reported), so that
importing the file gives equivalent questions back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final

from quizapp.domain.quiz import (
    HotspotQuestion,
    MultiQuestion,
    NumericQuestion,
    OrderingQuestion,
    PlanCompareQuestion,
    Question,
    TrueFalseQuestion,
    canonical_unit,
    parse_numeric_response,
)
from quizapp.formats.yamlsafe import MAX_NODES, YamlLoadError, check_size

SPECIAL: Final = "~=#{}:"
DIRECTIVE: Final = re.compile(r"^//\s*quizapp\.([a-z_]+)(?:\s+([0-9]{1,4}))?\s*:\s*(.*)$")
FORMAT_PREFIX: Final = re.compile(r"^\s*\[(moodle|html|plain|markdown)\]", re.IGNORECASE)
TF_RE: Final = re.compile(r"^(TRUE|FALSE|T|F)(?=\s*(#|$))", re.IGNORECASE)
SLUG_CHARS: Final = re.compile(r"[^a-z0-9]+")
# The parsing budget of quizapp/formats/yamlsafe.py: a question is about 35 values of module YAML,
# so a module could never hold more than this many; a file with more is refused as it is split.
MAX_QUESTIONS: Final = MAX_NODES // 40


@dataclass(frozen=True, slots=True)
class GiftProblem:
    """A question the import cannot take, or a line it cannot read."""

    line: int
    message: str
    title: str = ""

    def __str__(self) -> str:
        name = f" ({self.title})" if self.title else ""
        return f"line {self.line}{name}: {self.message}"


@dataclass(slots=True)
class GiftQuestion:
    """One importable question: module-file data and the line its text starts on."""

    line: int
    data: dict[str, Any]
    title: str = ""


@dataclass(slots=True)
class GiftImport:
    questions: list[GiftQuestion] = field(default_factory=list)
    problems: list[GiftProblem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text as GIFT writes it: specials and backslashes escaped, newlines as \\n."""
    out = text.replace("\\", "\\\\")
    for char in SPECIAL:
        out = out.replace(char, "\\" + char)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, start = [], 0
    while True:
        index = _find(text, separator, start)
        if index < 0:
            parts.append(text[start:])
            return parts
        parts.append(text[start:index])
        start = index + len(separator)


def slugify(text: str) -> str:
    return SLUG_CHARS.sub("-", text.lower()).strip("-")


def _clean(text: str) -> str:
    """Unescape and tidy one piece of GIFT text (a format prefix and outer spaces go)."""
    text = FORMAT_PREFIX.sub("", text, count=1)
    lines = [line.strip() for line in unescape(text).split("\n")]
    return "\n".join(lines).strip()


# --------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Block:
    line: int  # first line of the question text
    text: str
    directives: dict[str, str]
    explains: dict[int, str]
    category: str | None


def _blocks(text: str) -> list[_Block]:
    """Questions are separated by blank lines; comments and $CATEGORY lines are set aside."""
    blocks: list[_Block] = []
    category: str | None = None
    lines: list[tuple[int, str]] = []
    directives: dict[str, str] = {}
    explains: dict[int, str] = {}

    def close() -> None:
        # Directive comments belong to the question that follows them, across blank lines.
        nonlocal lines, directives, explains
        if lines:
            body = "\n".join(line for _, line in lines)
            blocks.append(_Block(lines[0][0], body, directives, explains, category))
            if len(blocks) > MAX_QUESTIONS:
                message = f"more than {MAX_QUESTIONS} questions: file too large"
                raise _OverBudget(lines[0][0], message)
            lines, directives, explains = [], {}, {}

    for number, raw in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        stripped = raw.strip()
        if not stripped:
            close()
            continue
        if stripped.startswith("//"):
            match = DIRECTIVE.match(stripped)
            if match:
                key, index, value = match.group(1), match.group(2), match.group(3).strip()
                if key == "explain" and index is not None:
                    explains[int(index)] = unescape(value)
                else:
                    directives[key] = unescape(value)
            continue
        if stripped.startswith("$CATEGORY:") and not lines:
            close()
            category = stripped.split(":", 1)[1].strip()
            continue
        lines.append((number, raw))
    close()
    return blocks


def parse_gift(
    text: str,
    *,
    default_topic: str | None = None,
    default_references: Sequence[str] = (),
) -> GiftImport:
    """Read a GIFT file into question data; every question it cannot map is a problem.

    `default_topic` and `default_references` fill questions that name none (the educator gives
    them on the import form); without them such questions fail validation, by line.
    """
    result = GiftImport()
    try:
        check_size(text)
        blocks = _blocks(text)
    except (YamlLoadError, _OverBudget) as refusal:
        result.problems.append(GiftProblem(refusal.line or 1, refusal.message))
        return result
    for block in blocks:
        try:
            question = _question(block, default_topic, default_references)
        except _Unsupported as refusal:
            result.problems.append(GiftProblem(block.line, str(refusal), refusal.title))
            continue
        result.questions.append(question)
    if not result.questions and not result.problems:
        result.problems.append(GiftProblem(1, "no questions found in the file"))
    return result


class _OverBudget(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Unsupported(Exception):
    def __init__(self, message: str, title: str = "") -> None:
        super().__init__(message)
        self.title = title


@dataclass(slots=True)
class _Answer:
    marker: str  # "=" or "~"
    weight: Fraction | None
    text: str
    feedback: str | None


def _answers(body: str) -> list[_Answer]:
    """Split `=a#fb ~%50%b#fb` into answers at unescaped = and ~."""
    starts = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "=~":
            # `->` never starts an answer; = inside a matching arrow does not occur
            starts.append(i)
        i += 1
    answers = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(body)
        chunk = body[start + 1 : end]
        weight = None
        match = re.match(r"^\s*%(-?[0-9]{1,3}(?:\.[0-9]{1,5})?)%", chunk)
        if match:
            weight = Fraction(match.group(1)).limit_denominator(100000)
            chunk = chunk[match.end() :]
        feedback_at = _find(chunk, "#")
        feedback = None
        if feedback_at >= 0:
            feedback = _clean(chunk[feedback_at + 1 :]) or None
            chunk = chunk[:feedback_at]
        answers.append(_Answer(body[start], weight, chunk, feedback))
    return answers


def _question(
    block: _Block, default_topic: str | None, default_references: Sequence[str]
) -> GiftQuestion:
    raw = block.text.strip()
    title = ""
    if raw.startswith("::"):
        end = _find(raw, "::", 2)
        if end < 0:
            raise _Unsupported("the title is not closed with ::")
        title = _clean(raw[2:end])
        raw = raw[end + 2 :]
    open_at = _find(raw, "{")
    if open_at < 0:
        raise _Unsupported("no answer block {...}: a description, not a question", title)
    close_at = _find(raw, "}", open_at + 1)
    if close_at < 0:
        raise _Unsupported("the answer block is not closed with }", title)
    before, body, after = raw[:open_at], raw[open_at + 1 : close_at], raw[close_at + 1 :]
    if _find(after, "{") >= 0:
        raise _Unsupported("more than one answer block (embedded answers / cloze)", title)
    stem = _clean(before)
    if after.strip():  # "missing word": the blank sits where the answers were
        stem = f"{stem} _____ {_clean(after)}".strip()
    general = None
    split_at = _find(body, "####")
    if split_at >= 0:
        general = _clean(body[split_at + 4 :]) or None
        body = body[:split_at]
    data = _typed(body.strip(), block, title, general)
    data = {
        "id": _question_id(title),
        "type": data.pop("type"),
        "topic": _topic(block, default_topic),
        "stem": stem,
        **data,
    }
    references = block.directives.get("references")
    keys = references.replace(",", " ").split() if references else list(default_references)
    data["references"] = keys
    if not data["topic"]:
        del data["topic"]
    if data.get("explanation") is None:
        data.pop("explanation", None)
    if data["id"] is None:
        del data["id"]
    return GiftQuestion(block.line, data, title)


def _question_id(title: str) -> str | None:
    slug = slugify(title)
    return slug[:80] if slug else None


def _topic(block: _Block, default_topic: str | None) -> str | None:
    if block.directives.get("topic"):
        return slugify(block.directives["topic"]) or None
    if block.category:
        last = block.category.replace("$course$", "").strip("/").split("/")[-1]
        if slugify(last):
            return slugify(last)
    return slugify(default_topic) if default_topic and slugify(default_topic) else None


def _typed(body: str, block: _Block, title: str, general: str | None) -> dict[str, Any]:
    wanted = block.directives.get("type")
    if not body:
        raise _Unsupported("an essay question (no answers) has no quizapp question type", title)
    if body.startswith("#"):
        return _numerical(body[1:], block, title, general)
    match = TF_RE.match(body)
    if match:
        parts = _split_unescaped(body[match.end() :], "#")
        wrong_fb = _clean(parts[1]) if len(parts) > 1 else ""
        right_fb = _clean(parts[2]) if len(parts) > 2 else ""
        answer = match.group(1).upper().startswith("T")
        return {
            "type": "truefalse",
            "answer": answer,
            "explanation": general or right_fb or wrong_fb or None,
        }
    answers = _answers(body)
    if not answers:
        raise _Unsupported("the answer block has no = or ~ answers", title)
    if any(_find(a.text, "->") >= 0 for a in answers):
        return _matching(answers, block, title, general)
    if all(a.marker == "=" for a in answers):
        return _short_answer(answers, block, title, general)
    options = []
    for answer in answers:
        correct = answer.marker == "=" or (answer.weight is not None and answer.weight > 0)
        option: dict[str, Any] = {"text": _clean(answer.text), "correct": correct}
        if answer.feedback:
            option["explanation"] = answer.feedback
        options.append(option)
    right = sum(1 for o in options if o["correct"])
    weighted = any(a.weight is not None for a in answers)
    if right == 0:
        raise _Unsupported("no answer is marked right (= or a positive %weight)", title)
    kind = "multi" if weighted or right > 1 else "single"
    if kind == "single" and wanted == "plan_compare":
        kind = "plan_compare"
    if kind == "single" and wanted == "multi":
        kind = "multi"
    data: dict[str, Any] = {"type": kind, "options": options}
    if general:
        data["explanation"] = general
    return data


def _numeric_data(
    answer: float, tolerance: float, block: _Block, explanation: str | None
) -> dict[str, Any]:
    unit = block.directives.get("unit")
    return {
        "type": "numeric",
        "answer": _number(answer),
        "tolerance": _number(tolerance),
        "unit": canonical_unit(unit) or unit if unit and unit.lower() != "null" else None,
        "explanation": explanation,
    }


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 10)


def _parse_float(text: str, title: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise _Unsupported(f"{text.strip()!r} is not a number", title) from None


def _numerical(body: str, block: _Block, title: str, general: str | None) -> dict[str, Any]:
    if _find(body, "=") >= 0 or _find(body, "~") >= 0:
        answers = _answers(body)
        full = [a for a in answers if a.weight is None or a.weight == 100]
        if len(answers) != 1 or len(full) != 1:
            raise _Unsupported(
                "a numerical question with several answers or partial credit; quizapp takes "
                "one answer with a tolerance",
                title,
            )
        body = answers[0].text + (("#" + answers[0].feedback) if answers[0].feedback else "")
    parts = _split_unescaped(body, "#")
    value_text, feedback = parts[0].strip(), (_clean(parts[1]) if len(parts) > 1 else None)
    if ".." in value_text:
        low_text, high_text = value_text.split("..", 1)
        low, high = _parse_float(low_text, title), _parse_float(high_text, title)
        if low > high:
            raise _Unsupported(f"range {value_text} runs backwards", title)
        answer, tolerance = (low + high) / 2, (high - low) / 2
    elif ":" in value_text:
        answer_text, tolerance_text = value_text.split(":", 1)
        answer, tolerance = _parse_float(answer_text, title), _parse_float(tolerance_text, title)
    else:
        answer, tolerance = _parse_float(value_text, title), 0.0
    return _numeric_data(answer, tolerance, block, general or feedback)


def _short_answer(
    answers: list[_Answer], block: _Block, title: str, general: str | None
) -> dict[str, Any]:
    if len(answers) == 1 and answers[0].weight in (None, 100):
        text = _clean(answers[0].text)
        try:
            value, unit, typed = parse_numeric_response(text)
        except ValueError:
            value = None
        if value is not None and (typed is None or unit is not None):
            data = _numeric_data(value, 0.0, block, general or answers[0].feedback)
            if unit is not None and not block.directives.get("unit"):
                data["unit"] = unit
            return data
    raise _Unsupported(
        "a short-answer question (typed text) has no quizapp question type; only a single "
        "numeric answer maps (to numeric)",
        title,
    )


def _matching(
    answers: list[_Answer], block: _Block, title: str, general: str | None
) -> dict[str, Any]:
    pairs: list[tuple[str, str]] = []
    for answer in answers:
        at = _find(answer.text, "->")
        if answer.marker != "=" or at < 0:
            raise _Unsupported("a matching question needs every pair as `=left -> right`", title)
        pairs.append((_clean(answer.text[:at]), _clean(answer.text[at + 2 :])))
    places = [right for _, right in pairs]
    if not all(p.isdigit() for p in places) or sorted(int(p) for p in places) != list(
        range(1, len(pairs) + 1)
    ):
        raise _Unsupported(
            "a matching question maps to ordering only when the right-hand sides are the "
            "places 1, 2, 3 ... of its items; this one does not",
            title,
        )
    ordered = sorted(pairs, key=lambda pair: int(pair[1]))
    items = []
    for place, (text, _) in enumerate(ordered, start=1):
        item: dict[str, Any] = {"text": text}
        if place in block.explains:
            item["explanation"] = block.explains[place]
        items.append(item)
    data: dict[str, Any] = {"type": "ordering", "items": items}
    if block.directives.get("order_label"):
        data["order_label"] = block.directives["order_label"]
    if general:
        data["explanation"] = general
    return data


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _percent(value: Fraction) -> str:
    text = f"{float(value):.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _comment(text: str) -> str:
    return " ".join(text.split())


def _export_one(question: Question) -> str:
    lines: list[str] = []
    if isinstance(question, PlanCompareQuestion):
        lines.append("// quizapp.type: plan_compare")
    lines.append(f"// quizapp.references: {' '.join(question.references)}")
    head = f"::{escape(question.id)}::[markdown]{escape(question.stem)}"
    general = f"####{escape(question.explanation)}" if question.explanation else ""
    if isinstance(question, TrueFalseQuestion):
        lines.append(f"{head} {{{'TRUE' if question.answer else 'FALSE'}{general}}}")
    elif isinstance(question, NumericQuestion):
        lines.append(f"// quizapp.unit: {question.unit if question.unit else 'null'}")
        answer = _fmt(question.answer)
        lines.append(f"{head} {{#{answer}:{_fmt(question.tolerance)}{general}}}")
    elif isinstance(question, OrderingQuestion):
        if question.order_label:
            lines.append(f"// quizapp.order_label: {escape(question.order_label)}")
        for place, item in enumerate(question.items, start=1):
            lines.append(f"// quizapp.explain {place}: {escape(item.explanation)}")
        lines.append(head + " {")
        for place, item in enumerate(question.items, start=1):
            lines.append(f"={escape(item.text)} -> {place}")
        if general:
            lines.append(general)
        lines.append("}")
    else:  # single, plan_compare, multi
        multi = isinstance(question, MultiQuestion)
        right = sum(1 for o in question.options if o.correct)
        wrong = len(question.options) - right
        lines.append(head + " {")
        for option in question.options:
            feedback = f"#{escape(option.explanation)}" if option.explanation else ""
            if not multi:
                marker = "=" if option.correct else "~"
            elif option.correct:
                marker = f"~%{_percent(Fraction(100, right))}%"
            else:
                marker = f"~%{_percent(Fraction(-100, wrong))}%"
            lines.append(f"{marker}{escape(option.text)}{feedback}")
        if general:
            lines.append(general)
        lines.append("}")
    return "\n".join(lines)


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def unexportable(question: Question) -> str | None:
    """Why a question cannot be written in GIFT, or None."""
    if isinstance(question, HotspotQuestion):
        return "hotspot questions (zones on the face map) have no GIFT equivalent"
    if isinstance(question, OrderingQuestion) and any("->" in i.text for i in question.items):
        return "an ordering item contains '->', which GIFT matching cannot hold"
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


__all__ = [
    "GiftImport",
    "GiftProblem",
    "GiftQuestion",
    "escape",
    "export_gift",
    "parse_gift",
    "unescape",
    "unexportable",
]
