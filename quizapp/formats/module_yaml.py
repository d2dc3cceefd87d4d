"""Module YAML read with line numbers, so every problem names its line; aliases, merge keys and
over-deep nesting are refused with the line they are on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import yaml

from quizapp.formats.module_rules import MAX_CHARS, FieldPath, Issue, format_path
from quizapp.formats.yamlsafe import MAX_DEPTH

# --------------------------------------------------------------------------------------------
# YAML with line numbers (private; to be merged with quizapp/formats/yamlsafe.py)
# --------------------------------------------------------------------------------------------

_MERGE_TAG: Final = "tag:yaml.org,2002:merge"


class _MarkingLoader(yaml.SafeLoader):
    """SafeLoader that notes where aliases are used, so they can be refused with a line."""

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
class Located:
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


def read_yaml(text: str, source: str) -> tuple[Located | None, list[Issue]]:
    """Compose with SafeLoader, refuse aliases, merge keys, duplicate keys and custom tags."""
    if len(text) > MAX_CHARS:
        return None, [
            Issue(
                source,
                None,
                "",
                f"the file is too large ({len(text)} characters; "
                f"a module file has at most {MAX_CHARS})",
            )
        ]
    try:
        # The reader checks every character as the loader is built: control characters fail here.
        loader = _MarkingLoader(text)
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
        self.located = Located(data=None)
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
