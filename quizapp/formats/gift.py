"""Moodle GIFT -> quizapp questions. Pure: text in, plain data out (export: gift_export.py).

Import (`parse_gift`) turns a GIFT file into question data in the module-file shape
(docs/module-format.md) and says, for every question, whether it was taken as it is, converted
(and how), or skipped (and why), with its line. Nothing is dropped silently. How GIFT maps:

- multiple choice with one `=` answer        -> single (plan_compare with `// quizapp.type:`)
- multiple choice with `=` and %weights, or
  several `=` answers (one answer chosen)    -> single with weights: the chosen answer's weight
- multiple choice with `~` answers only and
  %weights (several answers chosen)          -> multi with weights, or plain multi when the
                                               weights are quizapp's own +100/k and -100/m
- true/false `{T}` `{F}` `{TRUE}` `{FALSE}`  -> truefalse, with both per-answer feedbacks
- numerical `{#20:2}`, `{#18..22}`            -> numeric (answer, tolerance)
- numerical with several answers             -> numeric with `partial` answers (part credit)
- short answer `{=no one =nobody}`           -> short (accepted answers with their weights)
- matching `{=a -> b =c -> d}`               -> matching (ordering with `// quizapp.type:
                                               ordering`, as quizapp exports ordering)
- essay `{}`, descriptions (no answer block), several answer blocks (cloze)
                                             -> skipped, with the reason
- nested braces, a stray `}`, weights outside -100..100 -> refused, with the line

Text is converted to Markdown by its GIFT format marker (gift_text.py); `#` in plain GIFT text
survives. GIFT cannot say everything a quizapp question needs, so quizapp writes (and reads)
comment lines, which Moodle ignores: `// quizapp.references: B1 F15`, `// quizapp.unit: U`,
`// quizapp.type: plan_compare|ordering`, `// quizapp.order_label: ...` and
`// quizapp.explain N: ...` (the explanation of ordering item N); each applies to the question
that follows it. `$CATEGORY:` gives the topic (its last part). Per-answer feedback (`#...`) is
the option's explanation; general feedback (`####...`) the question's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final

from quizapp.domain.quiz import canonical_unit
from quizapp.formats.gift_export import export_gift, unexportable
from quizapp.formats.gift_text import (
    Sanitiser,
    escape,
    escape_html_only,
    find,
    slugify,
    split_unescaped,
    text_format,
    to_markdown,
    unescape,
)
from quizapp.formats.yamlsafe import MAX_NODES, YamlLoadError, check_size

DIRECTIVE: Final = re.compile(r"^//\s*quizapp\.([a-z_]+)(?:\s+([0-9]{1,4}))?\s*:\s*(.*)$")
TF_RE: Final = re.compile(r"^(TRUE|FALSE|T|F)(?=\s*(#|$))", re.IGNORECASE)
WEIGHT_RE: Final = re.compile(r"^\s*%\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%")
BLANK: Final = r"\_\_\_\_\_"  # the missing word's blank, as Markdown that shows _____
# The parsing budget of quizapp/formats/yamlsafe.py: a question is about 35 values of module YAML,
# so a module could never hold more than this many; a file with more is refused as it is split.
MAX_QUESTIONS: Final = MAX_NODES // 40


@dataclass(frozen=True, slots=True)
class GiftProblem:
    """A question the import does not take (skipped or refused), or a line it cannot read."""

    line: int
    message: str
    title: str = ""

    def __str__(self) -> str:
        name = f" ({self.title})" if self.title else ""
        return f"line {self.line}{name}: {self.message}"


@dataclass(slots=True)
class GiftQuestion:
    """One importable question: module-file data, the line its text starts on, and how it was
    converted (empty when it maps as it is)."""

    line: int
    data: dict[str, Any]
    title: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "converted" if self.notes else "imported"


@dataclass(slots=True)
class GiftImport:
    questions: list[GiftQuestion] = field(default_factory=list)
    problems: list[GiftProblem] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Blocks
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
    sanitise: Sanitiser = escape_html_only,
) -> GiftImport:
    """Read a GIFT file into question data; every question it does not take is a problem.

    `default_topic` and `default_references` fill questions that name none (the educator gives
    them on the import form). `sanitise` cleans HTML in the text (the app passes its own).
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
            question = _question(block, sanitise, default_topic, default_references)
        except _Unsupported as refusal:
            line = block.line + refusal.offset_lines
            result.problems.append(GiftProblem(line, str(refusal), refusal.title))
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
    def __init__(self, message: str, title: str = "", offset_lines: int = 0) -> None:
        super().__init__(message)
        self.title = title
        self.offset_lines = offset_lines


@dataclass(slots=True)
class _Answer:
    marker: str  # "=" or "~"
    weight: Fraction | None
    text: str  # raw GIFT text, escapes still in it
    feedback: str | None  # raw GIFT text


def _answers(body: str, title: str) -> list[_Answer]:
    """Split `=a#fb ~%50%b#fb` into answers at unescaped = and ~ (never inside `->`)."""
    starts = []
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] in "=~":
            starts.append(i)
        i += 1
    answers = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(body)
        chunk = body[start + 1 : end]
        weight = None
        match = WEIGHT_RE.match(chunk)
        if match:
            weight = Fraction(match.group(1)).limit_denominator(100000)
            if not -100 <= weight <= 100:
                raise _Unsupported(
                    f"weight {match.group(1)}% is outside -100..100 (refused)", title
                )
            chunk = chunk[match.end() :]
        feedback_at = find(chunk, "#")
        feedback = None
        if feedback_at >= 0:
            feedback = chunk[feedback_at + 1 :].strip() or None
            chunk = chunk[:feedback_at]
        answers.append(_Answer(body[start], weight, chunk, feedback))
    return answers


def _number(value: float | Fraction) -> int | float:
    value = float(value)
    return int(value) if value.is_integer() else round(value, 10)


def _parse_float(text: str, title: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise _Unsupported(f"{text.strip()!r} is not a number", title) from None


def _plain(raw: str) -> str:
    """An answer typed by the trainee or a matching right-hand side: plain text, one line."""
    return " ".join(unescape(re.sub(r"^\s*\[[a-z]+\]", "", raw)).split())


class _Reader:
    """Reads one question block."""

    def __init__(self, block: _Block, sanitise: Sanitiser) -> None:
        self.block = block
        self.sanitise = sanitise
        self.title = ""
        self.format = "moodle"
        self.notes: list[str] = []

    def md(self, raw: str) -> str:
        text, kind = to_markdown(raw, self.sanitise, self.format)
        if kind == "html" and "HTML text sanitised" not in self.notes:
            self.notes.append("HTML text sanitised")
        return text

    def md_or_none(self, raw: str | None) -> str | None:
        return (self.md(raw) or None) if raw is not None else None

    def refuse(self, message: str, offset_lines: int = 0) -> _Unsupported:
        return _Unsupported(message, self.title, offset_lines)

    def question(
        self, default_topic: str | None, default_references: Sequence[str]
    ) -> GiftQuestion:
        block = self.block
        raw = block.text.strip()
        lead = len(block.text) - len(block.text.lstrip())
        offset = lead
        if raw.startswith("::"):
            end = find(raw, "::", 2)
            if end < 0:
                raise self.refuse("the title is not closed with :: (refused)")
            self.title = " ".join(unescape(raw[2:end]).split())
            raw, offset = raw[end + 2 :], offset + end + 2
        self.format = text_format(raw)

        def line_of(position: int) -> int:
            return block.text[: offset + position].count("\n")

        open_at = find(raw, "{")
        if open_at < 0:
            if find(raw, "}") >= 0:
                at = find(raw, "}")
                raise self.refuse("a `}` with no `{` before it (refused)", line_of(at))
            raise self.refuse(
                "a description (text without an answer block): quizapp has no description-only "
                "item, so it was skipped"
            )
        close_at = find(raw, "}", open_at + 1)
        nested = find(raw, "{", open_at + 1)
        if nested >= 0 and (close_at < 0 or nested < close_at):
            raise self.refuse(
                "nested braces: a `{` inside an answer block (refused; write \\{ for a brace "
                "in the text)",
                line_of(nested),
            )
        if close_at < 0:
            raise self.refuse("the answer block is not closed with } (refused)", line_of(open_at))
        before, body, after = raw[:open_at], raw[open_at + 1 : close_at], raw[close_at + 1 :]
        if find(after, "{") >= 0:
            raise self.refuse(
                "more than one answer block (embedded answers / cloze): skipped, quizapp "
                "questions have one answer each",
                line_of(close_at + 1 + find(after, "{")),
            )
        if find(after, "}") >= 0:
            raise self.refuse(
                "a stray `}` after the answer block (refused; write \\} for a brace in the text)",
                line_of(close_at + 1 + find(after, "}")),
            )
        stem = self.md(before)
        if after.strip():  # "missing word": the blank sits where the answers were
            stem = f"{stem} {BLANK} {self.md(after)}".strip()
            self.notes.append("missing word: the blank shows as _____ in the stem")
        general = None
        split_at = find(body, "####")
        if split_at >= 0:
            general = self.md(body[split_at + 4 :]) or None
            body = body[:split_at]
        data = self.typed(body.strip(), general)
        data = {
            "id": _question_id(self.title),
            "type": data.pop("type"),
            "topic": _topic(block, default_topic),
            "stem": stem,
            **data,
        }
        references = block.directives.get("references")
        keys = references.replace(",", " ").split() if references else list(default_references)
        data["references"] = keys
        for key in ("topic", "explanation", "id"):
            if data.get(key) is None:
                data.pop(key, None)
        return GiftQuestion(block.line, data, self.title, self.notes)

    # -- types ---------------------------------------------------------------------------------

    def typed(self, body: str, general: str | None) -> dict[str, Any]:
        if not body:
            raise self.refuse(
                "an essay question (no answers): essays are marked by hand, which quizapp does "
                "not do, so it was skipped"
            )
        if body.startswith("#"):
            return self.numerical(body[1:], general)
        match = TF_RE.match(body)
        if match:
            return self.truefalse(match, body, general)
        answers = _answers(body, self.title)
        if not answers:
            raise self.refuse("the answer block has no = or ~ answers (refused)")
        if any(find(a.text, "->") >= 0 for a in answers):
            return self.matching(answers, general)
        if all(a.marker == "=" for a in answers):
            return self.short_answer(answers, general)
        return self.choice(answers, general)

    def truefalse(self, match: re.Match[str], body: str, general: str | None) -> dict[str, Any]:
        parts = split_unescaped(body[match.end() :], "#")
        wrong = self.md(parts[1]) if len(parts) > 1 else ""
        right = self.md(parts[2]) if len(parts) > 2 else ""
        answer = match.group(1).upper().startswith("T")
        data: dict[str, Any] = {"type": "truefalse", "answer": answer, "explanation": general}
        feedback_true, feedback_false = (right, wrong) if answer else (wrong, right)
        if feedback_true:
            data["feedback_true"] = feedback_true
        if feedback_false:
            data["feedback_false"] = feedback_false
        return data

    def choice(self, answers: list[_Answer], general: str | None) -> dict[str, Any]:
        wanted = self.block.directives.get("type")
        one_choice = any(a.marker == "=" for a in answers)
        weighted = any(a.weight is not None for a in answers)
        weights = [
            a.weight if a.weight is not None else Fraction(100 if a.marker == "=" else 0)
            for a in answers
        ]
        options = []
        for answer in answers:
            option: dict[str, Any] = {"text": self.md(answer.text)}
            explanation = self.md_or_none(answer.feedback)
            if explanation:
                option["explanation"] = explanation
            options.append(option)
        if one_choice:
            full = [w for w in weights if w == 100]
            if not full:
                raise self.refuse("no answer earns 100%, so full marks cannot be had (refused)")
            plain = len(full) == 1 and all(w in (0, 100) for w in weights)
            kind = "single"
            if plain and wanted in ("plan_compare", "multi"):
                kind = wanted
            for option, weight in zip(options, weights, strict=True):
                option["correct"] = weight == 100
                if not plain:
                    option["weight"] = _number(weight)
            if not plain:
                self.notes.append("one answer chosen, scored by its weight (partial credit kept)")
            return self._with_general({"type": kind, "options": options}, general)
        if not weighted:
            raise self.refuse("no answer is marked right (= or a positive %weight) (refused)")
        positive = sum((w for w in weights if w > 0), Fraction(0))
        if abs(positive - 100) > Fraction(1, 20):
            raise self.refuse(
                f"the positive weights add up to {float(positive):g}%, not 100%, so full marks "
                "cannot be had (refused, as Moodle refuses it)"
            )
        right = [w for w in weights if w > 0]
        wrong = len(weights) - len(right)
        own = all(
            abs(w - (Fraction(100, len(right)) if w > 0 else Fraction(-100, wrong)))
            < Fraction(1, 1000)
            for w in weights
        )
        for option, weight in zip(options, weights, strict=True):
            option["correct"] = weight > 0
            if not own:
                option["weight"] = _number(weight)
        if not own:
            self.notes.append("several answers chosen, scored by their weights (partial credit)")
        return self._with_general({"type": "multi", "options": options}, general)

    @staticmethod
    def _with_general(data: dict[str, Any], general: str | None) -> dict[str, Any]:
        if general:
            data["explanation"] = general
        return data

    def _value(self, text: str) -> tuple[float, float]:
        value_text = text.strip()
        if ".." in value_text:
            low_text, high_text = value_text.split("..", 1)
            low, high = _parse_float(low_text, self.title), _parse_float(high_text, self.title)
            if low > high:
                raise self.refuse(f"range {value_text} runs backwards (refused)")
            return (low + high) / 2, (high - low) / 2
        if ":" in value_text:
            answer_text, tolerance_text = value_text.split(":", 1)
            tolerance = abs(_parse_float(tolerance_text, self.title))
            return _parse_float(answer_text, self.title), tolerance
        return _parse_float(value_text, self.title), 0.0

    def numerical(self, body: str, general: str | None) -> dict[str, Any]:
        if find(body, "=") >= 0 or find(body, "~") >= 0:
            answers = _answers(body, self.title)
        else:
            parts = split_unescaped(body, "#")
            feedback = "#".join(parts[1:]) if len(parts) > 1 else None
            answers = [_Answer("=", None, parts[0], feedback)]
        values = []
        for answer in answers:
            weight = (
                answer.weight
                if answer.weight is not None
                else Fraction(0 if answer.marker == "~" else 100)
            )
            values.append((self._value(unescape(answer.text)), weight, answer))
        main = next((v for v in values if v[1] == 100), None)
        if main is None:
            raise self.refuse("no numerical answer earns 100% (refused)")
        (value, tolerance), _, main_answer = main
        unit = self.block.directives.get("unit")
        data: dict[str, Any] = {
            "type": "numeric",
            "answer": _number(value),
            "tolerance": _number(tolerance),
            "unit": canonical_unit(unit) or unit if unit and unit.lower() != "null" else None,
        }
        partial = []
        for (other, other_tolerance), weight, answer in values:
            if answer is main_answer:
                continue
            entry: dict[str, Any] = {
                "answer": _number(other),
                "tolerance": _number(other_tolerance),
                "weight": _number(weight),
            }
            note = self.md_or_none(answer.feedback)
            if note:
                entry["explanation"] = note
            partial.append(entry)
        if partial:
            data["partial"] = partial
            self.notes.append(f"{len(partial)} further answer(s) kept for part credit")
        main_feedback = self.md_or_none(main_answer.feedback)
        explanation = general
        if main_feedback and general and main_feedback != general:
            explanation = f"{general}\n\n{main_feedback}"
            self.notes.append("the right answer's feedback joined to the general feedback")
        data["explanation"] = explanation or main_feedback
        return data

    def short_answer(self, answers: list[_Answer], general: str | None) -> dict[str, Any]:
        accepted = []
        for answer in answers:
            entry: dict[str, Any] = {"text": _plain(answer.text)}
            if not entry["text"]:
                raise self.refuse("an empty accepted answer (refused)")
            if answer.weight is not None and answer.weight != 100:
                entry["weight"] = _number(answer.weight)
            note = self.md_or_none(answer.feedback)
            if note:
                entry["explanation"] = note
            accepted.append(entry)
        if not any(a.weight in (None, 100) for a in answers):
            raise self.refuse("no accepted answer earns 100% (refused)")
        if any("*" in entry["text"] for entry in accepted):
            self.notes.append("`*` is matched as the character, not as a wildcard")
        return self._with_general({"type": "short", "answers": accepted}, general)

    def matching(self, answers: list[_Answer], general: str | None) -> dict[str, Any]:
        pairs: list[tuple[str, str]] = []
        for answer in answers:
            at = find(answer.text, "->")
            if answer.marker != "=" or at < 0:
                raise self.refuse("a matching question needs every pair as `=left -> right`")
            pairs.append((answer.text[:at], answer.text[at + 2 :]))
        if any(a.weight is not None or a.feedback for a in answers):
            self.notes.append(
                "weights and feedback on matching pairs are not part of GIFT: left out"
            )
        if self._is_ordering(pairs):
            return self._ordering(pairs, general)
        data = {
            "type": "matching",
            "pairs": [{"left": self.md(left), "right": _plain(right)} for left, right in pairs],
        }
        return self._with_general(data, general)

    def _is_ordering(self, pairs: list[tuple[str, str]]) -> bool:
        directives = self.block.directives
        if directives.get("type") == "ordering":
            return True
        places = [_plain(right) for _, right in pairs]
        numbered = all(p.isdigit() for p in places) and sorted(int(p) for p in places) == list(
            range(1, len(pairs) + 1)
        )
        return numbered and bool(self.block.explains or directives.get("order_label"))

    def _ordering(self, pairs: list[tuple[str, str]], general: str | None) -> dict[str, Any]:
        places = [_plain(right) for _, right in pairs]
        if not all(p.isdigit() for p in places) or sorted(int(p) for p in places) != list(
            range(1, len(pairs) + 1)
        ):
            raise self.refuse("an ordering question needs the places 1, 2, 3 ... on the right")
        ordered = sorted(zip(places, pairs, strict=True), key=lambda item: int(item[0]))
        items = []
        for place, (_, (left, _right)) in enumerate(ordered, start=1):
            item: dict[str, Any] = {"text": self.md(left)}
            if place in self.block.explains:
                item["explanation"] = self.block.explains[place]
            items.append(item)
        data: dict[str, Any] = {"type": "ordering", "items": items}
        if self.block.directives.get("order_label"):
            data["order_label"] = self.block.directives["order_label"]
        return self._with_general(data, general)


def _question(
    block: _Block, sanitise: Sanitiser, default_topic: str | None, default_references: Sequence[str]
) -> GiftQuestion:
    """One block read into a question; _Unsupported says why it cannot be."""
    return _Reader(block, sanitise).question(default_topic, default_references)


def _question_id(title: str) -> str | None:
    slug = slugify(title)[:80].strip("-")
    return slug or None


def _topic(block: _Block, default_topic: str | None) -> str | None:
    if block.directives.get("topic"):
        return slugify(block.directives["topic"]) or None
    if block.category:
        last = block.category.replace("$course$", "").strip("/").split("/")[-1]
        if slugify(last):
            return slugify(last)
    return slugify(default_topic) if default_topic and slugify(default_topic) else None


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
