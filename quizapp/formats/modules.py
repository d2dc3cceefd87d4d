"""Read, validate and write module files: cases/modules/NN-<module-id>.yaml.

The format is documented for educators in docs/module-format.md. Validation collects EVERY problem
(file, line, field path, what was expected) before raising, so an author fixes a file in one pass.
Nothing here imports Flask or the database: the CLI, the importer and the tests all call it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import yaml

from quizapp.domain.face import ZONE_IDS
from quizapp.domain.quiz import (
    GRADING_METHODS,
    QUESTION_TYPES,
    UNITS,
    HotspotQuestion,
    Module,
    MultiQuestion,
    NumericQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    PlanCompareQuestion,
    Question,
    SingleQuestion,
    TrueFalseQuestion,
    canonical_unit,
)
from quizapp.domain.sources import SOURCES
from quizapp.formats.yamlsafe import MAX_DEPTH, BudgetedLoader, YamlLoadError, check_size

SLUG_RE: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_KEY_RE: Final = re.compile(r"^[BFSAP][1-9][0-9]{0,2}$")
FILE_NAME_RE: Final = re.compile(r"^(\d{2})-(.+)\.yaml$")

MODULE_REQUIRED: Final = (
    "id",
    "title",
    "order",
    "summary",
    "prerequisites",
    "pass_mark",
    "references",
    "questions",
)
MODULE_OPTIONAL: Final = (
    "max_attempts",
    "grading",
    "time_limit_minutes",
    "shuffle",
    "cases",
    "cpd_hours",
)
CPD_HOURS: Final = (0.25, 100)  # an estimated study time, in hours (docs/cpd.md)
QUESTION_COMMON: Final = ("id", "type", "topic", "stem", "references", "explanation")
TYPE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "single": ("options",),
    "multi": ("options",),
    "plan_compare": ("options",),
    "truefalse": ("answer",),
    "numeric": ("answer", "tolerance", "unit"),
    "ordering": ("items", "order_label"),
    "hotspot": ("zones", "select", "zone_explanations"),
}
OPTION_COUNTS: Final[dict[str, tuple[int, int]]] = {
    "single": (2, 6),
    "multi": (2, 6),
    "plan_compare": (2, 4),
}
ORDERING_ITEMS: Final = (2, 10)
TYPE_HINTS: Final[dict[str, str]] = {
    "single": "single questions take `options` (2-6, exactly one `correct: true`)",
    "multi": "multi questions take `options` (2-6, at least one `correct: true`)",
    "plan_compare": "plan_compare questions take `options` (2-4 plans, exactly one correct)",
    "truefalse": "truefalse questions take `answer: true|false` and an `explanation`",
    "numeric": "numeric questions take `answer`, `tolerance`, `unit` and an `explanation`",
    "ordering": "ordering questions take `items` (in the correct order) and `order_label`",
    "hotspot": "hotspot questions take `zones`, `select`, `explanation` and `zone_explanations`",
}

FieldPath = tuple[str | int, ...]


# --------------------------------------------------------------------------------------------
# Issues
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a module file: where it is (file, line, field path) and what was expected."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    @property
    def source(self) -> str:
        """Same as `file`; the name quizapp.formats.yamlsafe.Issue uses, so both read alike."""
        return self.file

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class ModuleFileError(Exception):
    """One or more module files are invalid; `.issues` lists every problem found."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues: list[Issue] = list(issues)
        count = len(self.issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in module files:\n{lines}")


def format_path(path: FieldPath) -> str:
    """("questions", 3, "options", 1) -> "questions[3].options[1]" (indexes count from 0)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --------------------------------------------------------------------------------------------
# YAML with line numbers (private; to be merged with quizapp/formats/yamlsafe.py)
# --------------------------------------------------------------------------------------------

_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


class _MarkingLoader(BudgetedLoader):
    """The shared budget's loader, noting where aliases are used, to refuse them with a line."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.alias_lines: list[int] = []
        self.depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.alias_lines.append(self.peek_event().start_mark.line + 1)
        # Refuse deep nesting at a fixed depth, with its line, before Python's recursion limit.
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _TooDeep(Exception):
    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


@dataclass(slots=True)
class _Located:
    """Plain data from a YAML document plus the line of every field and the raw text of scalars."""

    data: Any
    lines: dict[FieldPath, int] = field(default_factory=dict)
    raw: dict[FieldPath, str] = field(default_factory=dict)
    aliased: set[FieldPath] = field(default_factory=set)  # left empty; the alias is reported

    def line(self, path: FieldPath) -> int | None:
        """Line of `path`, or of its nearest ancestor that exists (e.g. for a missing field)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None


# Plain-language hints for the YAML mistakes authors make most.
_YAML_HINTS: Final[dict[str, str]] = {
    "mapping values are not allowed": (
        " (a text containing ': ' must be quoted or written as a block after `>-`)"
    ),
    "found character '\\t'": " (indent with spaces, not tabs)",
    "expected <block end>": " (check the indentation of this line against the lines above)",
    "could not find expected ':'": " (a field needs `name: value`; is a text line unindented?)",
    "found undefined alias": " (aliases are not allowed; write the value out)",
}


def _read_yaml(text: str, source: str) -> tuple[_Located | None, list[Issue]]:
    """Compose with SafeLoader, refuse aliases, merge keys, duplicate keys and custom tags."""
    try:
        check_size(text)
        # The reader checks every character as the loader is built: control characters fail here.
        loader = _MarkingLoader(text)
    except YamlLoadError as error:
        return None, [Issue(source, error.line, "", error.message)]
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        return None, [Issue(source, line, "", f"not valid YAML: {error.reason}")]
    try:
        node = loader.get_single_node()
    except _TooDeep as error:
        return None, [
            Issue(source, error.line, "", f"the YAML is nested too deeply (> {MAX_DEPTH} levels)")
        ]
    except RecursionError:
        return None, [Issue(source, None, "", "the YAML is nested too deeply")]
    except YamlLoadError as error:  # over the budget, or a tag such as !!python/object
        return None, [Issue(source, error.line, "", error.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(str(p) for p in (error.context, error.problem) if p)
        hint = next((h for needle, h in _YAML_HINTS.items() if needle in problem), "")
        line = mark.line + 1 if mark else None
        return None, [Issue(source, line, "", f"not valid YAML: {problem}{hint}")]
    except yaml.YAMLError as error:
        return None, [Issue(source, None, "", f"not valid YAML: {error}")]
    if node is None:
        loader.dispose()
        return None, [Issue(source, 1, "", "the file is empty; a module file is a YAML mapping")]
    walker = _Walker(loader, source)
    located = walker.located
    located.data = walker.plain(node, ())
    loader.dispose()
    return located, walker.issues


class _Walker:
    """Turns composed nodes into plain data, recording lines; reports aliases, merge keys,
    duplicate keys and unknown tags at their field."""

    def __init__(self, loader: _MarkingLoader, source: str):
        self.loader = loader
        self.source = source
        self.located = _Located(data=None)
        self.issues: list[Issue] = []
        self.seen: set[int] = set()
        self.aliases_passed = 0  # aliases come in document order, as the walk meets them

    def report(self, line: int | None, path: FieldPath, message: str) -> None:
        self.issues.append(Issue(self.source, line, format_path(path), message))

    def plain(self, node: yaml.Node, path: FieldPath) -> Any:
        self.located.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in self.seen:  # an alias: report it, never expand it (YAML bombs)
            lines = self.loader.alias_lines
            line = lines[self.aliases_passed] if self.aliases_passed < len(lines) else None
            self.aliases_passed += 1
            self.located.aliased.add(path)
            self.report(line, path, "YAML aliases (*name) are not allowed; write the value out")
            return None
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.plain(item, (*path, i)) for i, item in enumerate(node.value)]
        if node.style is None:
            self.located.raw[path] = node.value
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError:
            line = node.start_mark.line + 1
            self.report(line, path, f"YAML tag {node.tag!r} is not allowed")
            return None

    def mapping(self, node: yaml.MappingNode, path: FieldPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                merged = value_node.value if isinstance(value_node, yaml.SequenceNode) else []
                self.aliases_passed += sum(id(n) in self.seen for n in (value_node, *merged))
                self.report(line, path, "merge keys (<<) are not allowed; write the fields out")
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.report(line, path, "a field name must be a plain word, not a list or mapping")
                continue
            key = key_node.value
            sub = (*path, key)
            if key in key_lines:
                first = key_lines[key]
                self.report(line, sub, f"duplicate field {key!r} (first given on line {first})")
                continue
            key_lines[key] = line
            self.located.lines[sub] = line
            result[key] = self.plain(value_node, sub)
        return result


# --------------------------------------------------------------------------------------------
# What counts as a known source key and zone
# --------------------------------------------------------------------------------------------


def known_source_keys() -> frozenset[str]:
    """Every source key of quizapp.domain.sources.SOURCES."""
    return frozenset(SOURCES)


def known_zone_ids() -> frozenset[str]:
    """Every zone id of the face catalogue."""
    return frozenset(ZONE_IDS)


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

_MISSING: Final = object()


def normalise_text(text: str) -> str:
    """For duplicate checks: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"text ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (fields)"
    if isinstance(value, date | datetime):
        return f"a date ({value})"
    return type(value).__name__


class _Checker:
    """Collects issues while reading one module file's data into domain objects."""

    def __init__(
        self,
        source: str,
        located: _Located,
        source_keys: Collection[str] | None,
        zones: Collection[str],
    ):
        self.source = source
        self.located = located
        self.source_keys = source_keys
        self.zones = zones
        self.issues: list[Issue] = []
        self.found = 0  # problems found, including those not shown (inside an alias)

    # -- reporting ----------------------------------------------------------------------------

    def issue(self, path: FieldPath, message: str) -> None:
        self.found += 1
        if any(path[: len(alias)] == alias for alias in self.located.aliased):
            return  # the alias itself is the problem; "got nothing" would only be noise
        self.issues.append(Issue(self.source, self.located.line(path), format_path(path), message))

    def fields(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        required: Iterable[str],
        optional: Iterable[str],
        what: str,
        hint: str = "",
    ) -> None:
        """Report missing required fields and unknown fields (with a did-you-mean)."""
        required = tuple(required)
        allowed = (*required, *optional)
        for name in required:
            if name not in mapping:
                self.issue((*path, name), f"required field is missing ({what})")
        for name in mapping:
            if name in allowed:
                continue
            guess = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
            if guess:
                message = f"unknown field {name!r}; did you mean {guess[0]!r}?"
            else:
                message = f"unknown field {name!r} for {what}"
                message += f"; {hint}" if hint else f" (fields: {', '.join(allowed)})"
            self.issue((*path, name), message)

    # -- typed getters: return the value, or _MISSING after reporting --------------------------

    def text(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        *,
        required: bool = True,
        what: str = "text",
    ) -> Any:
        sub = (*path, name)
        if name not in mapping:
            return _MISSING if required else None  # a missing required field: see fields()
        value = mapping[name]
        if value is None:
            if required:
                self.issue(sub, f"is empty; expected {what}")
                return _MISSING
            return None
        if isinstance(value, bool | int | float | date) and sub in self.located.raw:
            value = self.located.raw[sub]  # e.g. `text: No` means the word, not false
        if not isinstance(value, str):
            self.issue(sub, f"expected {what}, got {_describe(value)}")
            return _MISSING
        value = value.strip()
        if not value:
            self.issue(sub, f"is empty; expected {what}")
            return _MISSING
        return value

    def slug(self, mapping: Mapping[str, Any], path: FieldPath, name: str, what: str) -> Any:
        value = self.text(mapping, path, name, what=what)
        if value is _MISSING:
            return value
        if not SLUG_RE.match(value):
            suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
            self.issue(
                (*path, name),
                f"{value!r} is not a valid {what}: use lower-case letters, digits and hyphens"
                + (f" (e.g. {suggestion!r})" if suggestion else ""),
            )
            return _MISSING
        return value

    def boolean(self, mapping: Mapping[str, Any], path: FieldPath, name: str) -> Any:
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        if not isinstance(value, bool):
            extra = " (remove the quotes)" if str(value).lower() in ("true", "false") else ""
            self.issue((*path, name), f"expected true or false, got {_describe(value)}{extra}")
            return _MISSING
        return value

    def integer(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        *,
        low: int,
        high: int | None = None,
        nullable: bool = False,
        what: str = "",
    ) -> Any:
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        expected = f"a whole number {span}" + (", or null" if nullable else "")
        if what:
            expected += f" ({what})"
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.issue((*path, name), f"expected {expected}, got {_describe(value)}")
            return _MISSING
        if value < low or (high is not None and value > high):
            self.issue((*path, name), f"{value} is out of range; expected {expected}")
            return _MISSING
        return value

    def number(self, mapping: Mapping[str, Any], path: FieldPath, name: str) -> Any:
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = ""
            if isinstance(value, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", value):
                hint = f"; write {value.strip().replace(',', '.')} with a decimal point"
            elif isinstance(value, str) and re.match(r"\s*-?[\d.]+\s*\S", value):
                hint = "; give the bare number here and the unit in `unit`"
            self.issue((*path, name), f"expected a number, got {_describe(value)}{hint}")
            return _MISSING
        if not math.isfinite(value):
            self.issue((*path, name), "expected a finite number")
            return _MISSING
        return value

    def text_list(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        *,
        what: str,
        pattern: re.Pattern[str] | None = None,
    ) -> Any:
        """A list of unique words (ids, keys); [] is allowed, null is not."""
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        sub = (*path, name)
        if isinstance(value, str):
            self.issue(sub, f"expected a list like [{value}], got {_describe(value)}")
            return _MISSING
        if not isinstance(value, list):
            self.issue(sub, f"expected a list of {what} ([] for none), got {_describe(value)}")
            return _MISSING
        items: list[str] = []
        ok = True
        for i, item in enumerate(value):
            if not isinstance(item, str) or (pattern and not pattern.match(item)):
                self.issue((*sub, i), f"{item!r} is not a valid {what}")
                ok = False
            elif item in items:
                self.issue((*sub, i), f"{item!r} is listed twice")
                ok = False
            else:
                items.append(item)
        return tuple(items) if ok else _MISSING

    def references(self, mapping: Mapping[str, Any], path: FieldPath, *, required: bool) -> Any:
        keys = self.text_list(mapping, path, "references", what="source key")
        sub = (*path, "references")
        if keys is _MISSING:
            return keys
        if required and not keys:
            self.issue(sub, "needs at least one source key from facts.md (e.g. [F35])")
            return _MISSING
        ok = True
        for i, key in enumerate(keys):
            if not SOURCE_KEY_RE.match(key):
                self.issue(
                    (*sub, i),
                    f"{key!r} is not a source key: a letter B, F, S, A or P "
                    "and a number, as listed in facts.md",
                )
                ok = False
            elif self.source_keys is not None and key not in self.source_keys:
                self.issue(
                    (*sub, i),
                    f"unknown source key {key!r}: it is not in the list of sources (facts.md)",
                )
                ok = False
        return keys if ok else _MISSING

    # -- the module ---------------------------------------------------------------------------

    def module(self) -> Module | None:
        data = self.located.data
        if not isinstance(data, dict):
            self.issue(
                (), f"a module file is a mapping of fields (id, title, ...), got {_describe(data)}"
            )
            return None
        self.fields(data, (), MODULE_REQUIRED, MODULE_OPTIONAL, "a module")
        module_id = self.slug(data, (), "id", "module id")
        values = {
            "id": module_id,
            "title": self.text(data, (), "title", what="a title"),
            "order": self.integer(data, (), "order", low=1, what="the module's place in the list"),
            "summary": self.text(data, (), "summary", what="a short paragraph"),
            "prerequisites": self.text_list(
                data, (), "prerequisites", what="module id", pattern=SLUG_RE
            ),
            "pass_mark": self.integer(data, (), "pass_mark", low=1, high=100, what="percent"),
            "max_attempts": self.integer(data, (), "max_attempts", low=1, nullable=True),
            "grading": self._choice(data, (), "grading", GRADING_METHODS, default="highest"),
            "time_limit_minutes": self.integer(
                data, (), "time_limit_minutes", low=1, nullable=True
            ),
            "shuffle": self.boolean(data, (), "shuffle"),
            "cases": self.text_list(data, (), "cases", what="case id", pattern=SLUG_RE),
            "references": self.references(data, (), required=True),
            "cpd_hours": self._cpd_hours(data),
        }
        defaults = {
            "max_attempts": None,
            "time_limit_minutes": None,
            "shuffle": True,
            "cases": (),
            "cpd_hours": None,
        }
        for name, default in defaults.items():
            if name not in data:
                values[name] = default
        prerequisites = values["prerequisites"]
        if _MISSING not in (prerequisites, module_id) and module_id in prerequisites:
            index = prerequisites.index(module_id)
            self.issue(("prerequisites", index), "a module cannot be its own prerequisite")
        questions = self.questions(data)
        if self.found or any(value is _MISSING for value in values.values()):
            return None
        return Module(**values, questions=questions, source=self.source)

    def _cpd_hours(self, data: Mapping[str, Any]) -> Any:
        if "cpd_hours" in data and data["cpd_hours"] is None:
            return None
        value = self.number(data, (), "cpd_hours")
        if value is _MISSING or value is None:
            return value
        low, high = CPD_HOURS
        if not low <= value <= high:
            self.issue(
                ("cpd_hours",),
                f"{value} is out of range; expected hours from {low} to {high} (study time)",
            )
            return _MISSING
        return float(value)

    def _choice(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        choices: tuple[str, ...],
        default: str | None = None,
    ) -> Any:
        if name not in mapping:
            return default if default is not None else _MISSING
        value = mapping[name]
        if value not in choices:
            guess = difflib.get_close_matches(str(value), choices, n=1)
            extra = f"; did you mean {guess[0]!r}?" if guess else ""
            self.issue(
                (*path, name),
                f"expected one of {' | '.join(choices)}, got {_describe(value)}{extra}",
            )
            return _MISSING
        return value

    def questions(self, data: Mapping[str, Any]) -> tuple[Question, ...]:
        raw = data.get("questions", _MISSING)
        if raw is _MISSING:
            return ()
        if not isinstance(raw, list) or not raw:
            self.issue(
                ("questions",), f"expected a list of at least one question, got {_describe(raw)}"
            )
            return ()
        questions: list[Question] = []
        seen_ids: dict[str, int] = {}
        seen_stems: dict[str, int] = {}
        for i, item in enumerate(raw):
            path: FieldPath = ("questions", i)
            question = self.question(item, path)
            if not isinstance(item, dict):
                continue
            qid, stem = item.get("id"), item.get("stem")
            if isinstance(qid, str):
                if qid in seen_ids:
                    self.issue(
                        (*path, "id"),
                        f"question id {qid!r} is already used by questions[{seen_ids[qid]}]",
                    )
                seen_ids.setdefault(qid, i)
            if isinstance(stem, str) and stem.strip():
                key = normalise_text(stem)
                if key in seen_stems:
                    self.issue((*path, "stem"), f"same stem as questions[{seen_stems[key]}]")
                seen_stems.setdefault(key, i)
            if question is not None:
                questions.append(question)
        return tuple(questions)

    # -- one question -------------------------------------------------------------------------

    def question(self, item: Any, path: FieldPath) -> Question | None:
        if not isinstance(item, dict):
            self.issue(
                path, f"expected a question (a mapping starting `- id: ...`), got {_describe(item)}"
            )
            return None
        before = self.found
        kind = item.get("type", _MISSING)
        known_kind = kind in QUESTION_TYPES
        if kind is _MISSING:
            self.issue(
                (*path, "type"), f"required field is missing (one of {' | '.join(QUESTION_TYPES)})"
            )
        elif not known_kind:
            guess = difflib.get_close_matches(str(kind), QUESTION_TYPES, n=1)
            extra = f"; did you mean {guess[0]!r}?" if guess else ""
            self.issue(
                (*path, "type"),
                f"unknown question type {_describe(kind)}; expected one "
                f"of {' | '.join(QUESTION_TYPES)}{extra}",
            )
        required = ["id", "topic", "stem", "references"]
        optional = ["explanation"]
        if known_kind:
            optional += TYPE_FIELDS[kind]
            if kind in ("truefalse", "numeric", "hotspot"):
                required.append("explanation")
            required += {
                "single": ["options"],
                "multi": ["options"],
                "plan_compare": ["options"],
                "truefalse": ["answer"],
                "numeric": ["answer", "unit"],
                "ordering": ["items"],
                "hotspot": ["zones", "select", "zone_explanations"],
            }[kind]
            optional = [name for name in optional if name not in required]
            self.fields(
                item,
                path,
                required,
                ["type", *optional],
                f"a {kind} question",
                hint=TYPE_HINTS[kind],
            )
        else:
            self.fields(
                item, path, required, ["type", *optional, *_all_type_fields()], "a question"
            )
        explanation = self.text(
            item,
            path,
            "explanation",
            required="explanation" in required,
            what="an explanation of the answer",
        )
        common = {
            "id": self.slug(item, path, "id", "question id"),
            "topic": self.slug(item, path, "topic", "topic tag"),
            "stem": self.text(item, path, "stem", what="the question text"),
            "references": self.references(item, path, required=True),
            "explanation": "" if explanation is None else explanation,
        }
        if not known_kind:
            return None
        specific = getattr(self, f"_q_{kind}")(item, path)
        if self.found > before or specific is None or _MISSING in common.values():
            if self.found == before and not self.located.aliased:  # never drop one silently
                self.issue(path, "this question could not be read")
            return None
        cls = {
            "single": SingleQuestion,
            "multi": MultiQuestion,
            "plan_compare": PlanCompareQuestion,
            "truefalse": TrueFalseQuestion,
            "numeric": NumericQuestion,
            "ordering": OrderingQuestion,
            "hotspot": HotspotQuestion,
        }[kind]
        return cls(**common, **specific)

    def _options(self, item: Mapping[str, Any], path: FieldPath, kind: str) -> Any:
        raw = item.get("options", _MISSING)
        sub = (*path, "options")
        if raw is _MISSING:
            return raw
        low, high = OPTION_COUNTS[kind]
        if not isinstance(raw, list):
            self.issue(sub, f"expected a list of {low}-{high} options, got {_describe(raw)}")
            return _MISSING
        if not low <= len(raw) <= high:
            self.issue(
                sub,
                f"has {len(raw)} option{'s' if len(raw) != 1 else ''}; a {kind} "
                f"question has {low}-{high}",
            )
        options: list[Option] = []
        texts: dict[str, int] = {}
        ok = True
        for i, entry in enumerate(raw):
            opath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(
                    opath,
                    "expected an option with `text`, `correct` and `explanation`, "
                    f"got {_describe(entry)}",
                )
                ok = False
                continue
            self.fields(entry, opath, ("text", "correct", "explanation"), (), "an option")
            text = self.text(entry, opath, "text", what="the option's text")
            correct = self.boolean(entry, opath, "correct")
            explanation = self.text(
                entry, opath, "explanation", what="why this option is right or wrong"
            )
            if isinstance(text, str):
                key = normalise_text(text)
                if key in texts:
                    self.issue((*opath, "text"), f"same text as options[{texts[key]}]")
                    ok = False
                texts.setdefault(key, i)
            if _MISSING in (text, correct, explanation):
                ok = False
                continue
            options.append(Option(text, correct, explanation))
        if not ok or len(options) != len(raw):
            return _MISSING
        right = [i for i, option in enumerate(options) if option.correct]
        if kind in ("single", "plan_compare") and len(right) != 1:
            if not right:
                self.issue(sub, "no option is marked `correct: true`; exactly one must be")
            else:
                listed = ", ".join(f"options[{i}]" for i in right)
                self.issue(
                    sub,
                    f"{len(right)} options are marked correct ({listed}); a {kind} "
                    "question has exactly one (use type multi for several)",
                )
            return _MISSING
        if kind == "multi" and not right:
            self.issue(
                sub, "no option is marked `correct: true`; a multi question needs at least one"
            )
            return _MISSING
        return tuple(options)

    def _q_single(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        options = self._options(item, path, "single")
        return None if options is _MISSING else {"options": options}

    def _q_multi(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        options = self._options(item, path, "multi")
        return None if options is _MISSING else {"options": options}

    def _q_plan_compare(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        options = self._options(item, path, "plan_compare")
        return None if options is _MISSING else {"options": options}

    def _q_truefalse(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        answer = self.boolean(item, path, "answer")
        return None if answer is _MISSING else {"answer": answer}

    def _q_numeric(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        answer = self.number(item, path, "answer")
        tolerance = self.number(item, path, "tolerance") if "tolerance" in item else 0
        if tolerance is not _MISSING and tolerance < 0:
            self.issue(
                (*path, "tolerance"),
                f"{tolerance} is negative; the tolerance is an "
                "absolute margin, 0 or more, in the question's unit",
            )
            tolerance = _MISSING
        unit: Any = _MISSING
        if "unit" in item:
            raw = item["unit"]
            if raw is None:
                unit = None  # a bare number (a count, a ratio)
            else:
                typed = self.text(item, path, "unit", what="a unit")
                if typed is not _MISSING:
                    unit = canonical_unit(typed)
                    if unit is None:
                        self.issue(
                            (*path, "unit"),
                            f"unit {typed!r} is not one the grader "
                            f"understands; use one of {', '.join(UNITS)} (or null for a "
                            "bare number) and put words like 'per side' in the stem",
                        )
                        unit = _MISSING
        if _MISSING in (answer, tolerance, unit):
            return None
        return {"answer": answer, "tolerance": tolerance, "unit": unit}

    def _q_ordering(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        raw = item.get("items", _MISSING)
        sub = (*path, "items")
        label = self.text(item, path, "order_label", required=False, what="a label")
        if raw is _MISSING:
            return None
        low, high = ORDERING_ITEMS
        if not isinstance(raw, list):
            self.issue(sub, f"expected a list of {low}-{high} items, got {_describe(raw)}")
            return None
        if not low <= len(raw) <= high:
            self.issue(
                sub,
                f"has {len(raw)} item{'s' if len(raw) != 1 else ''}; an ordering "
                f"question has {low}-{high}",
            )
        items: list[OrderItem] = []
        texts: dict[str, int] = {}
        for i, entry in enumerate(raw):
            ipath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(
                    ipath, f"expected an item with `text` and `explanation`, got {_describe(entry)}"
                )
                continue
            self.fields(entry, ipath, ("text", "explanation"), (), "an ordering item")
            text = self.text(entry, ipath, "text", what="the item's text")
            explanation = self.text(
                entry, ipath, "explanation", what="why the item belongs in this place"
            )
            if isinstance(text, str):
                key = normalise_text(text)
                if key in texts:
                    self.issue((*ipath, "text"), f"same text as items[{texts[key]}]")
                texts.setdefault(key, i)
            if _MISSING not in (text, explanation):
                items.append(OrderItem(text, explanation))
        if label is _MISSING or len(items) != len(raw):
            return None
        return {"items": tuple(items), "order_label": label}

    def _q_hotspot(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        valid = sorted(self.zones)
        zones = self.text_list(item, path, "zones", what="zone id")
        select = self._choice(item, path, "select", ("one", "many"))
        sub = (*path, "zones")
        if zones is not _MISSING:
            if not zones:
                self.issue(sub, "needs at least one correct zone id")
                zones = _MISSING
            for i, zone in enumerate(zones if zones is not _MISSING else ()):
                if zone not in self.zones:
                    self.issue((*sub, i), _unknown_zone(zone, valid))
                    zones = _MISSING
        explanations: Any = _MISSING
        raw = item.get("zone_explanations", _MISSING)
        epath = (*path, "zone_explanations")
        if isinstance(raw, dict):
            explanations = {}
            for zone in raw:
                if zone not in self.zones:
                    self.issue((*epath, zone), _unknown_zone(zone, valid))
                    continue
                text = self.text(raw, epath, zone, what="why this zone is right or wrong")
                if text is not _MISSING:
                    explanations[zone] = text
            if zones is not _MISSING:
                for zone in zones:
                    if zone not in raw:
                        self.issue(
                            (*epath, zone),
                            f"missing: every correct zone needs an explanation (add `{zone}: ...`)",
                        )
        elif raw is not _MISSING:
            self.issue(epath, f"expected a mapping of zone id to explanation, got {_describe(raw)}")
        if _MISSING in (zones, select, explanations):
            return None
        return {"zones": zones, "select": select, "zone_explanations": explanations}


def _all_type_fields() -> list[str]:
    return sorted({name for names in TYPE_FIELDS.values() for name in names})


def _unknown_zone(zone: str, valid: list[str]) -> str:
    guess = difflib.get_close_matches(zone, valid, n=1)
    extra = f"did you mean {guess[0]!r}? " if guess else ""
    return f"unknown zone id {zone!r}; {extra}valid zones: {', '.join(valid)}"


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    source: str
    module: Module | None
    located: _Located | None
    issues: list[Issue]


def _parse(
    text: str,
    source: str,
    source_keys: Collection[str] | None,
    zones: Collection[str] | None,
) -> _Parsed:
    located, issues = _read_yaml(text, source)
    if located is None:
        return _Parsed(source, None, None, issues)
    keys = source_keys if source_keys is not None else known_source_keys()
    checker = _Checker(source, located, keys, zones if zones is not None else known_zone_ids())
    module = checker.module()
    issues = sorted(issues + checker.issues, key=lambda issue: issue.line or 0)
    if module is None and not issues:  # never fail without saying why
        issues = [Issue(source, None, "", "the module could not be read")]
    return _Parsed(source, None if issues else module, located, issues)


def load_module_text(
    text: str,
    source: str = "<module>",
    *,
    source_keys: Collection[str] | None = None,
    zones: Collection[str] | None = None,
) -> Module:
    """Parse and validate one module; raise ModuleFileError with every issue found.

    `source` names the text in messages. `source_keys` and `zones` default to the app's catalogues
    (quizapp.domain.sources / quizapp.domain.face); tests may pass their own.
    Cross-module rules (unique ids, prerequisites that exist) need load_module_dir.
    """
    parsed = _parse(text, source, source_keys, zones)
    if parsed.issues or parsed.module is None:
        raise ModuleFileError(parsed.issues)
    return parsed.module


def _parse_file(
    path: Path, source_keys: Collection[str] | None, zones: Collection[str] | None
) -> _Parsed:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        issue = Issue(source, None, "", f"not UTF-8 text ({error.reason} at byte {error.start})")
        return _Parsed(source, None, None, [issue])
    except OSError as error:
        return _Parsed(source, None, None, [Issue(source, None, "", f"cannot read: {error}")])
    parsed = _parse(text, source, source_keys, zones)
    data = parsed.located.data if parsed.located else None
    if isinstance(data, dict):
        name_issues = _check_file_name(path, data, parsed.located)
        if name_issues:
            parsed.issues = sorted(parsed.issues + name_issues, key=lambda i: i.line or 0)
            parsed.module = None
    return parsed


def _check_file_name(path: Path, data: Mapping[str, Any], located: Any) -> list[Issue]:
    """The name must be NN-<id>.yaml with NN the two-digit `order`, so the folder sorts in order."""
    module_id, order = data.get("id"), data.get("order")
    if not isinstance(module_id, str) or isinstance(order, bool) or not isinstance(order, int):
        return []  # already reported as a field problem
    expected = f"{order:02d}-{module_id}.yaml"
    if path.name == expected:
        return []
    match = FILE_NAME_RE.match(path.name)
    field_name = "id" if match and int(match.group(1)) == order else "order"
    return [
        Issue(
            str(path),
            located.line((field_name,)),
            field_name,
            f"the file name must be NN-<id>.yaml with NN the two-digit order: rename the file "
            f"to {expected!r} or change `{field_name}`",
        )
    ]


def load_module_file(
    path: str | Path,
    *,
    source_keys: Collection[str] | None = None,
    zones: Collection[str] | None = None,
) -> Module:
    """Load one module file; also checks that its name is NN-<id>.yaml with NN = `order`."""
    parsed = _parse_file(Path(path), source_keys, zones)
    if parsed.issues or parsed.module is None:
        raise ModuleFileError(parsed.issues)
    return parsed.module


def load_module_dir(
    path: str | Path,
    *,
    source_keys: Collection[str] | None = None,
    zones: Collection[str] | None = None,
) -> list[Module]:
    """Load every *.yaml module in a folder, in file-name order, and check them as a set.

    Besides each file's own rules: module ids and orders are unique, question ids are unique and
    stems are not repeated across modules, prerequisites exist and form no cycle. All issues of
    all files are raised together.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise ModuleFileError([Issue(str(folder), None, "", "not a folder")])
    issues: list[Issue] = []
    parsed: list[_Parsed] = []
    for file in sorted(folder.iterdir()):
        if file.name.startswith("."):
            continue  # editor lock and backup files
        if file.suffix == ".yml":
            issues.append(Issue(str(file), None, "", "module files end in .yaml, not .yml"))
        elif file.suffix == ".yaml" and file.is_file():
            parsed.append(_parse_file(file, source_keys, zones))
    for item in parsed:
        issues.extend(item.issues)
    issues.extend(_check_across(parsed))
    if issues:
        raise ModuleFileError(issues)
    return [item.module for item in parsed if item.module is not None]


def _check_across(parsed: list[_Parsed]) -> list[Issue]:
    """Rules that need every module: uniqueness, prerequisites, cycles. Works on raw data so
    a file with its own problems still takes part."""
    issues: list[Issue] = []
    module_ids: dict[str, str] = {}
    orders: dict[int, str] = {}
    question_ids: dict[str, str] = {}
    stems: dict[str, str] = {}
    graph: dict[str, tuple[str, ...]] = {}
    where: dict[str, _Parsed] = {}

    def add(item: _Parsed, path: FieldPath, message: str) -> None:
        line = item.located.line(path) if item.located else None
        issues.append(Issue(item.source, line, format_path(path), message))

    for item in parsed:
        data = item.located.data if item.located else None
        if not isinstance(data, dict):
            continue
        module_id, order = data.get("id"), data.get("order")
        if isinstance(module_id, str):
            if module_id in module_ids:
                add(
                    item,
                    ("id",),
                    f"module id {module_id!r} is also used by {module_ids[module_id]}",
                )
            else:
                module_ids[module_id] = item.source
                where[module_id] = item
                prerequisites = data.get("prerequisites")
                if isinstance(prerequisites, list):
                    graph[module_id] = tuple(p for p in prerequisites if isinstance(p, str))
        if isinstance(order, int) and not isinstance(order, bool):
            if order in orders:
                add(item, ("order",), f"order {order} is also used by {orders[order]}")
            orders.setdefault(order, item.source)
        questions = data.get("questions")
        for i, question in enumerate(questions if isinstance(questions, list) else ()):
            if not isinstance(question, dict):
                continue
            qid, stem = question.get("id"), question.get("stem")
            if isinstance(qid, str):
                other = question_ids.get(qid)
                if other is not None and other != item.source:
                    add(
                        item,
                        ("questions", i, "id"),
                        f"question id {qid!r} is also used in "
                        f"{other}; ids are unique across all modules",
                    )
                question_ids.setdefault(qid, item.source)
            if isinstance(stem, str) and stem.strip():
                key = normalise_text(stem)
                other = stems.get(key)
                if other is not None and other != item.source:
                    add(item, ("questions", i, "stem"), f"the same question stem is in {other}")
                stems.setdefault(key, item.source)
    for module_id, prerequisites in graph.items():
        for i, prerequisite in enumerate(prerequisites):
            if prerequisite not in module_ids and prerequisite != module_id:
                guess = difflib.get_close_matches(prerequisite, list(module_ids), n=1)
                extra = f"; did you mean {guess[0]!r}?" if guess else ""
                add(
                    where[module_id],
                    ("prerequisites", i),
                    f"no module has id {prerequisite!r}{extra}",
                )
    for cycle in _cycles(graph):
        text = " -> ".join((*cycle, cycle[0]))
        add(where[cycle[0]], ("prerequisites",), f"prerequisites form a cycle: {text}")
    return issues


def _cycles(graph: Mapping[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """One cycle per strongly connected group of modules (self-prerequisites are checked per
    file), found by depth-first search; each starts at its alphabetically first module."""
    cycles: list[tuple[str, ...]] = []
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    reported: set[frozenset[str]] = set()

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt == node or nxt not in graph:
                continue
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt) :]
                members = frozenset(cycle)
                if members not in reported:
                    reported.add(members)
                    start = cycle.index(min(cycle))
                    cycles.append(tuple(cycle[start:] + cycle[:start]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    return cycles


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


class _ModuleDumper(yaml.SafeDumper):
    """Indents lists under their key, writes short lists of words inline, long text as blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    # Long text as a folded block (`>-`), as authors write it; PyYAML falls back to quotes
    # whenever a block could not reproduce the text exactly.
    style = "|" if "\n" in value else (">" if len(value) > 60 else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str) and len(item) <= 40 for item in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_ModuleDumper.add_representer(str, _represent_str)
_ModuleDumper.add_representer(list, _represent_list)


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def question_to_data(question: Question) -> dict[str, Any]:
    """A question as plain data in the file format's field order."""
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "topic": question.topic,
        "stem": question.stem,
    }
    if isinstance(question, SingleQuestion | MultiQuestion | PlanCompareQuestion):
        data["options"] = [
            {"text": o.text, "correct": o.correct, "explanation": o.explanation}
            for o in question.options
        ]
    elif isinstance(question, TrueFalseQuestion):
        data["answer"] = question.answer
    elif isinstance(question, NumericQuestion):
        data["answer"] = _number(question.answer)
        data["tolerance"] = _number(question.tolerance)
        data["unit"] = question.unit
    elif isinstance(question, OrderingQuestion):
        if question.order_label is not None:
            data["order_label"] = question.order_label
        data["items"] = [{"text": i.text, "explanation": i.explanation} for i in question.items]
    elif isinstance(question, HotspotQuestion):
        data["zones"] = list(question.zones)
        data["select"] = question.select
        data["zone_explanations"] = dict(question.zone_explanations)
    if question.explanation:
        data["explanation"] = question.explanation
    data["references"] = list(question.references)
    return data


def module_to_data(module: Module) -> dict[str, Any]:
    """A module as plain data in the file format's field order."""
    return {
        "id": module.id,
        "title": module.title,
        "order": module.order,
        "summary": module.summary,
        "prerequisites": list(module.prerequisites),
        "pass_mark": module.pass_mark,
        "max_attempts": module.max_attempts,
        "grading": module.grading,
        "time_limit_minutes": module.time_limit_minutes,
        "shuffle": module.shuffle,
        "cases": list(module.cases),
        **({"cpd_hours": _number(module.cpd_hours)} if module.cpd_hours is not None else {}),
        "references": list(module.references),
        "questions": [question_to_data(q) for q in module.questions],
    }


def dump_module(module: Module) -> str:
    """YAML text that load_module_text reads back into an equal Module."""
    return yaml.dump(
        module_to_data(module),
        Dumper=_ModuleDumper,
        sort_keys=False,
        allow_unicode=True,
        width=96,
        default_flow_style=False,
    )
