"""Safe YAML loading that remembers line numbers, plus the field checker the loaders share.

Case files are written by hand and reviewed like code, but they are still input: this loader
refuses what a hostile or careless file could use against the app (anchors and aliases, the
"billion laughs" YAML bomb; deep nesting; huge files; custom tags) and duplicate keys, which YAML
would otherwise silently resolve to the last value. It builds plain dicts, lists and scalars and
a table from each field path to its line, so every message can name file, line and field.
"""

from __future__ import annotations

import difflib
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import yaml

# One parsing budget for every YAML and GIFT text quizapp reads (case and plan files, module
# files, the YAML editors, uploads, zips, GIFT imports): refused as soon as it is exceeded, so a
# hostile file costs well under a second. The bank's largest module is 21 KB and 750 values.
MAX_BYTES: Final = 256 * 1024
MAX_DEPTH: Final = 20
MAX_NODES: Final = 20_000
MAX_DIGITS: Final = (
    18  # a whole number longer than this is no dose, count or id (int() stops at 4,300)
)

Path = tuple[str | int, ...]

_INT_TAG: Final = "tag:yaml.org,2002:int"
_ALLOWED_TAGS: Final = frozenset(
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)


# --------------------------------------------------------------------------------------------
# Issues
# --------------------------------------------------------------------------------------------


def field_name(path: Path) -> str:
    """('reference', 'zones', 'glabella', 'dose', 'max') -> 'reference.zones.glabella.dose.max';
    list positions are written [i]."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a file or form: where it is and what was expected."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


class DataFileError(ValueError):
    """A file or form with problems; `.issues` lists all of them, in file order."""

    def __init__(self, issues: Iterable[Issue]) -> None:
        self.issues: list[Issue] = sorted(
            issues, key=lambda i: (i.line if i.line is not None else 0, i.field)
        )
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {issue}" for issue in self.issues))


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class YamlLoadError(ValueError):
    """The text is not acceptable YAML; nothing could be read past this point."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(slots=True)
class YamlDocument:
    """Plain data plus where each field was written. `problems` holds non-fatal findings
    (duplicate keys) as (line, path, message)."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    problems: list[tuple[int, Path, str]] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.line = mark.line + 1 if mark is not None else None
        self.message = message


def check_size(text: str) -> None:
    """YamlLoadError (no line) when a text is over the budget of MAX_BYTES."""
    if len(text) > MAX_BYTES:  # characters: each is at least one byte
        raise YamlLoadError(None, f"the text is larger than the limit of {MAX_BYTES:,} bytes")
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_BYTES:
        raise YamlLoadError(None, f"the text is {size:,} bytes; the limit is {MAX_BYTES:,}")


class BudgetedLoader(yaml.SafeLoader):
    """SafeLoader held to the budget while it composes: more than MAX_NODES values, nesting
    deeper than MAX_DEPTH or a tag other than YAML's plain types (`!!python/object`, `!foo`)
    raise YamlLoadError with the line, before anything is built from them."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        event = self.peek_event()
        line = event.start_mark.line + 1
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _ALLOWED_TAGS:
            raise YamlLoadError(line, f"the tag {tag!r} is not allowed; use plain values")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlLoadError(line, f"more than {MAX_NODES:,} values: file too large")
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_DIGITS:
            resolved = self.resolve(yaml.ScalarNode, event.value, event.implicit)
            if (tag if tag not in (None, "!") else resolved) == _INT_TAG:
                raise YamlLoadError(line, f"a whole number of more than {MAX_DIGITS} digits")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlLoadError(line, f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _GuardedLoader(BudgetedLoader):
    """The budget, and no anchors or aliases (the "billion laughs" YAML bomb)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: D102 - PyYAML hook
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                f"aliases (*{event.anchor}) are not allowed in case files; write the value out",
            )
        anchor = getattr(event, "anchor", None)
        if anchor:
            raise _Refused(
                event.start_mark,
                f"anchors (&{anchor}) are not allowed in case files; write each value out",
            )
        return super().compose_node(parent, index)


def read_text_file(path: str | os.PathLike[str]) -> str:
    """Read a UTF-8 file of at most MAX_BYTES; YamlLoadError (no line) otherwise."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise YamlLoadError(None, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise YamlLoadError(None, f"file is larger than the limit of {MAX_BYTES:,} bytes")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise YamlLoadError(None, f"not UTF-8 text (byte {exc.start})") from None


def parse_yaml(text: str) -> YamlDocument:
    """Parse one YAML document safely; raise YamlLoadError with a line on anything refused."""
    check_size(text)
    try:
        # The reader checks every character as the loader is built: control characters fail here.
        loader = _GuardedLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise YamlLoadError(
            line, f"the character {exc.character!r} is not allowed in a YAML file ({exc.reason})"
        ) from None
    try:
        try:
            node = loader.get_single_node()
        except _Refused as exc:
            raise YamlLoadError(exc.line, exc.message) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = exc.problem or exc.context or "not valid YAML"
            if "expected a single document" in str(exc.context or ""):
                problem = "only one YAML document per file (remove the extra '---')"
            column = f" (column {mark.column + 1})" if mark is not None else ""
            raise YamlLoadError(line, f"YAML syntax: {problem}{column}") from None
        except yaml.YAMLError as exc:
            raise YamlLoadError(None, f"YAML syntax: {exc}") from None
        if node is None:
            raise YamlLoadError(1, "the file is empty")
        doc = YamlDocument(None)
        doc.data = _build(loader, node, (), doc)
        return doc
    finally:
        loader.dispose()


def _build(loader: _GuardedLoader, node: yaml.Node, path: Path, doc: YamlDocument) -> Any:
    line = node.start_mark.line + 1
    doc.lines.setdefault(path, line)
    if node.tag not in _ALLOWED_TAGS:
        raise YamlLoadError(line, f"the tag {node.tag!r} is not allowed; use plain values")
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlLoadError(key_line, "field names must be plain text")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlLoadError(key_line, "merge keys (<<) are not allowed")
            key = str(key_node.value)
            child = (*path, key)
            if key in result:
                first = doc.lines.get(child)
                doc.problems.append(
                    (key_line, child, f"duplicate field '{key}' (first given on line {first})")
                )
                continue
            doc.lines[child] = key_line
            result[key] = _build(loader, value_node, child, doc)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    if node.tag == "tag:yaml.org,2002:str":
        return str(node.value)
    return loader.construct_object(node, deep=True)


# --------------------------------------------------------------------------------------------
# Field checker shared by the case and plan loaders
# --------------------------------------------------------------------------------------------


def describe(value: Any) -> str:
    """How a value reads in a message: 'text "abc"', 'the number 20', 'a list' ..."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"the number {value:g}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'text "{shown}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of fields"
    return type(value).__name__


def suggest(word: str, choices: Iterable[str]) -> str:
    """'; did you mean "x"?' for a near miss, else ''."""
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


class Reader:
    """Checks plain data field by field, collecting every issue with its line and field path.

    Each method returns the checked value, or None after recording an issue, so callers can
    carry on and report everything at once.
    """

    def __init__(self, source: str, lines: Mapping[Path, int] | None = None) -> None:
        self.source = source
        self.lines: Mapping[Path, int] = lines or {}
        self.issues: list[Issue] = []

    def line(self, path: Path) -> int | None:
        probe = path
        while True:
            if probe in self.lines:
                return self.lines[probe]
            if not probe:
                return None
            probe = probe[:-1]

    def add(self, path: Path, message: str) -> None:
        self.issues.append(Issue(self.source, self.line(path), field_name(path), message))

    # -- containers -------------------------------------------------------------------------

    def mapping(
        self,
        value: Any,
        path: Path,
        *,
        required: Iterable[str] = (),
        optional: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.add(path, f"expected a mapping of fields, got {describe(value)}")
            return None
        required = tuple(required)
        allowed = (*required, *optional)
        for key in value:
            if key not in allowed:
                self.add(
                    (*path, key),
                    f"unknown field '{key}'{suggest(key, allowed)} "
                    f"(allowed here: {', '.join(allowed)})",
                )
        for key in required:
            if key not in value:
                self.add((*path, key), "missing; this field is required")
        return value

    def seq(self, value: Any, path: Path, *, max_len: int, min_len: int = 0) -> list[Any] | None:
        if not isinstance(value, list):
            self.add(path, f"expected a list, got {describe(value)}")
            return None
        if len(value) > max_len:
            self.add(path, f"at most {max_len} entries, got {len(value)}")
            return None
        if len(value) < min_len:
            self.add(path, f"needs at least {min_len} entr{'y' if min_len == 1 else 'ies'}")
            return None
        return value

    # -- scalars ----------------------------------------------------------------------------

    def text(
        self, value: Any, path: Path, *, max_len: int = 2000, empty_ok: bool = False
    ) -> str | None:
        if not isinstance(value, str):
            self.add(path, f"expected text, got {describe(value)}")
            return None
        stripped = value.strip()
        if not stripped and not empty_ok:
            self.add(path, "must not be empty")
            return None
        if len(stripped) > max_len:
            self.add(path, f"at most {max_len} characters, got {len(stripped)}")
            return None
        return stripped

    def integer(
        self, value: Any, path: Path, lo: int, hi: int, *, lenient: bool = False
    ) -> int | None:
        if lenient and isinstance(value, str):
            value = _parse_number(value, integer=True)
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.add(path, f"expected a whole number from {lo} to {hi}, got {describe(value)}")
                return None
        if not lo <= value <= hi:
            self.add(path, f"expected a whole number from {lo} to {hi}, got {value}")
            return None
        return value

    def number(
        self,
        value: Any,
        path: Path,
        lo: float,
        hi: float,
        *,
        lo_open: bool = False,
        unit: str = "",
        lenient: bool = False,
    ) -> float | None:
        if lenient and isinstance(value, str):
            value = _parse_number(value, integer=False)
        suffix = f" {unit}" if unit else ""
        bound = f"above {lo:g}" if lo_open else f"from {lo:g}"
        expected = f"a number {bound} to {hi:g}{suffix}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(path, f"expected {expected}, got {describe(value)}")
            return None
        number = float(value)
        if not math.isfinite(number) or number > hi or number < lo or (lo_open and number <= lo):
            self.add(path, f"expected {expected}, got {value:g}")
            return None
        return number

    def choice(self, value: Any, path: Path, choices: Iterable[str], what: str) -> str | None:
        options = tuple(choices)
        if not isinstance(value, str) or value not in options:
            shown = describe(value) if not isinstance(value, str) else f'"{value}"'
            hint = suggest(value, options) if isinstance(value, str) else ""
            listing = ", ".join(options) if len(options) <= 20 else f"{len(options)} known ids"
            self.add(path, f"unknown {what} {shown}{hint} (expected one of: {listing})")
            return None
        return value


def _parse_number(text: str, *, integer: bool) -> Any:
    """Form fields arrive as text; '20' and '0.8' become numbers, anything else stays text."""
    cleaned = text.strip()
    try:
        return int(cleaned) if integer else float(cleaned)
    except ValueError:
        return text
