"""Read, validate and write module files: cases/modules/NN-<module-id>.yaml.

The format is documented for educators in docs/module-format.md. Reading a file (module_yaml),
checking it (module_checks, against module_rules), the rules across a folder of modules, and
writing one back. Nothing here imports Flask or the database: the CLI, the importer and the tests
all call it.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from quizapp.domain.quiz import (
    HotspotQuestion,
    MatchingQuestion,
    Module,
    MultiQuestion,
    NumericQuestion,
    OrderingQuestion,
    PlanCompareQuestion,
    Question,
    ShortAnswerQuestion,
    SingleQuestion,
    TrueFalseQuestion,
)
from quizapp.formats.module_checks import ModuleChecker, normalise_text
from quizapp.formats.module_rules import (
    FILE_NAME_RE,
    FieldPath,
    Issue,
    ModuleFileError,
    format_path,
    known_source_keys,
    known_zone_ids,
)
from quizapp.formats.module_yaml import Located, read_yaml

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Parsed:
    source: str
    module: Module | None
    located: Located | None
    issues: list[Issue]


def _parse(
    text: str,
    source: str,
    source_keys: Collection[str] | None,
    zones: Collection[str] | None,
    draft: bool = False,
) -> _Parsed:
    located, issues = read_yaml(text, source)
    if located is None:
        return _Parsed(source, None, None, issues)
    keys = source_keys if source_keys is not None else known_source_keys()
    checker = ModuleChecker(
        source, located, keys, zones if zones is not None else known_zone_ids(), draft=draft
    )
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
    draft: bool = False,
) -> Module:
    """Parse and validate one module; raise ModuleFileError with every issue found.

    `source` names the text in messages. `source_keys` and `zones` default to the app's catalogues
    (quizapp.domain.sources / quizapp.domain.face); tests may pass their own.
    Cross-module rules (unique ids, prerequisites that exist) need load_module_dir. A `draft`
    may lack explanations (of questions, options and items); publishing checks without it.
    """
    parsed = _parse(text, source, source_keys, zones, draft)
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


def _optional_explanation(data: dict[str, Any], explanation: str) -> dict[str, Any]:
    return {**data, "explanation": explanation} if explanation else data


def _option_data(option) -> dict[str, Any]:
    data: dict[str, Any] = {"text": option.text, "correct": option.correct}
    if option.explanation:
        data["explanation"] = option.explanation
    if option.weight is not None:
        data["weight"] = _number(option.weight)
    return data


def question_to_data(question: Question) -> dict[str, Any]:
    """A question as plain data in the file format's field order."""
    data: dict[str, Any] = {
        "id": question.id,
        "type": question.type,
        "topic": question.topic,
        "stem": question.stem,
    }
    if isinstance(question, SingleQuestion | MultiQuestion | PlanCompareQuestion):
        data["options"] = [_option_data(o) for o in question.options]
    if isinstance(question, PlanCompareQuestion) and question.scenario is not None:
        from quizapp.formats.module_plans import scenario_to_data

        data.update(scenario_to_data(question.scenario))
        for option, plan in zip(data["options"], question.scenario.plans, strict=True):
            if plan is not None:
                option["plan"] = [dict(item) for item in plan]
    elif isinstance(question, TrueFalseQuestion):
        data["answer"] = question.answer
        for name in ("feedback_true", "feedback_false"):
            if getattr(question, name):
                data[name] = getattr(question, name)
    elif isinstance(question, NumericQuestion):
        data["answer"] = _number(question.answer)
        data["tolerance"] = _number(question.tolerance)
        data["unit"] = question.unit
        if question.partial:
            data["partial"] = [
                _optional_explanation(
                    {
                        "answer": _number(p.answer),
                        "tolerance": _number(p.tolerance),
                        "weight": _number(p.weight),
                    },
                    p.explanation,
                )
                for p in question.partial
            ]
    elif isinstance(question, ShortAnswerQuestion):
        data["answers"] = [
            _optional_explanation(
                {"text": a.text, **({} if a.weight == 100 else {"weight": _number(a.weight)})},
                a.explanation,
            )
            for a in question.answers
        ]
    elif isinstance(question, MatchingQuestion):
        data["pairs"] = [
            _optional_explanation({"left": p.left, "right": p.right}, p.explanation)
            for p in question.pairs
        ]
    elif isinstance(question, OrderingQuestion):
        if question.order_label is not None:
            data["order_label"] = question.order_label
        data["items"] = [
            _optional_explanation({"text": i.text}, i.explanation) for i in question.items
        ]
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
        **({"drills": list(module.drills)} if module.drills else {}),
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
