"""Drill files (cases/drills/<id>.yaml) -> `Drill`, with every problem named by file, line, field.

The format is described in docs/drills.md. Structure and vocabulary are checked here (known action
ids, dose options that exist, source keys that exist, 'after' links that can be followed).
"""

from __future__ import annotations

import re
from pathlib import Path as FsPath
from typing import Any, Final

from quizapp.domain.drills import (
    DoseField,
    Drill,
    DrillAction,
    Harmful,
    Required,
    Stage,
    order_problems,
)
from quizapp.domain.sources import SOURCES
from quizapp.formats.yamlsafe import (
    DataFileError,
    Issue,
    Path,
    Reader,
    YamlLoadError,
    field_name,
    parse_yaml,
    read_text_file,
)

SLUG_RE: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ACTIONS: Final = 30
MAX_SECONDS: Final = 24 * 3600


class DrillFileError(DataFileError):
    """A drill file with problems; `.issues` lists every one."""


def _slug(reader: Reader, value: Any, path: Path, what: str) -> str | None:
    text = reader.text(value, path, max_len=80)
    if text is not None and not SLUG_RE.match(text):
        reader.add(path, f"{what} uses lower-case letters, digits and hyphens, got {text!r}")
        return None
    return text


def _sources(reader: Reader, value: Any, path: Path) -> tuple[str, ...]:
    keys = reader.seq(value, path, max_len=20, min_len=1) or []
    good = []
    for i, key in enumerate(keys):
        if not isinstance(key, str) or key not in SOURCES:
            reader.add((*path, i), f"unknown source key {key!r} (see quizapp/domain/sources.py)")
        else:
            good.append(key)
    return tuple(good)


def _actions(reader: Reader, value: Any) -> tuple[DrillAction, ...]:
    actions: list[DrillAction] = []
    for i, raw in enumerate(reader.seq(value, ("actions",), max_len=MAX_ACTIONS, min_len=2) or []):
        path: Path = ("actions", i)
        data = reader.mapping(raw, path, required=("id", "label"), optional=("fields",))
        if data is None:
            continue
        action_id = _slug(reader, data.get("id"), (*path, "id"), "an action id")
        label = reader.text(data.get("label"), (*path, "label"), max_len=200)
        fields = []
        for j, raw_field in enumerate(
            reader.seq(data.get("fields", []), (*path, "fields"), max_len=4) or []
        ):
            fpath: Path = (*path, "fields", j)
            fdata = reader.mapping(raw_field, fpath, required=("id", "label", "options"))
            if fdata is None:
                continue
            fid = _slug(reader, fdata.get("id"), (*fpath, "id"), "a field id")
            flabel = reader.text(fdata.get("label"), (*fpath, "label"), max_len=120)
            options = reader.seq(fdata.get("options"), (*fpath, "options"), max_len=6, min_len=2)
            texts = [
                reader.text(o, (*fpath, "options", k), max_len=160)
                for k, o in enumerate(options or [])
            ]
            if None not in (fid, flabel) and options and None not in texts:
                fields.append(DoseField(fid, flabel, tuple(texts)))
        if action_id is None or label is None:
            continue
        if any(a.id == action_id for a in actions):
            reader.add((*path, "id"), f"action id {action_id!r} is listed twice")
            continue
        actions.append(DrillAction(action_id, label, tuple(fields)))
    return tuple(actions)


class _DrillReader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader

    def known(self, actions: tuple[DrillAction, ...], value: Any, path: Path) -> str | None:
        ids = [a.id for a in actions]
        return self.r.choice(value, path, ids, "action") if ids else None

    def read(self, data: Any) -> Drill | None:
        r = self.r
        top = r.mapping(
            data,
            (),
            required=(
                "id",
                "title",
                "summary",
                "patient",
                "references",
                "stages",
                "actions",
                "reference",
            ),
        )
        if top is None:
            return None
        drill_id = _slug(r, top.get("id"), ("id",), "a drill id")
        title = r.text(top.get("title"), ("title",), max_len=200)
        summary = r.text(top.get("summary"), ("summary",), max_len=4000)
        patient = r.text(top.get("patient"), ("patient",), max_len=300)
        references = _sources(r, top.get("references"), ("references",))
        actions = _actions(r, top.get("actions"))
        stages = self.stages(top.get("stages"), actions)
        required, harmful = self.reference(top.get("reference"), actions)
        if r.issues or None in (drill_id, title, summary, patient):
            return None
        drill = Drill(
            drill_id, title, summary, patient, references, stages, actions, required, harmful
        )
        for problem in order_problems(drill):
            r.add(("reference", "required"), problem)
        return drill

    def stages(self, value: Any, actions: tuple[DrillAction, ...]) -> tuple[Stage, ...]:
        stages = []
        for i, raw in enumerate(self.r.seq(value, ("stages",), max_len=12, min_len=1) or []):
            path: Path = ("stages", i)
            data = self.r.mapping(raw, path, required=("text",), optional=("after",))
            if data is None:
                continue
            text = self.r.text(data.get("text"), (*path, "text"), max_len=3000)
            after = None
            if "after" in data:
                after = self.known(actions, data["after"], (*path, "after"))
            elif i > 0:
                self.r.add(
                    path, "only the first stage comes without 'after' (the action it follows)"
                )
            if i == 0 and "after" in data:
                self.r.add(
                    (*path, "after"), "the first stage is what the trainee sees at the start"
                )
            if text is not None:
                stages.append(Stage(text, after))
        return tuple(stages)

    def reference(
        self, value: Any, actions: tuple[DrillAction, ...]
    ) -> tuple[tuple[Required, ...], tuple[Harmful, ...]]:
        r = self.r
        data = r.mapping(value, ("reference",), required=("required",), optional=("harmful",))
        if data is None:
            return (), ()
        required: list[Required] = []
        for i, raw in enumerate(
            r.seq(data.get("required"), ("reference", "required"), max_len=MAX_ACTIONS, min_len=1)
            or []
        ):
            path: Path = ("reference", "required", i)
            item = r.mapping(
                raw,
                path,
                required=("action", "reason", "sources"),
                optional=("after", "within_seconds", "dose"),
            )
            if item is None:
                continue
            action_id = self.known(actions, item.get("action"), (*path, "action"))
            reason = r.text(item.get("reason"), (*path, "reason"), max_len=1000)
            sources = _sources(r, item.get("sources"), (*path, "sources"))
            after = tuple(
                a
                for j, raw_after in enumerate(
                    r.seq(item.get("after", []), (*path, "after"), max_len=10) or []
                )
                if (a := self.known(actions, raw_after, (*path, "after", j))) is not None
            )
            within = None
            if "within_seconds" in item:
                within = r.integer(
                    item["within_seconds"], (*path, "within_seconds"), 1, MAX_SECONDS
                )
            dose = self.dose(item.get("dose", {}), (*path, "dose"), action_id, actions)
            if action_id is None or reason is None:
                continue
            if any(q.action == action_id for q in required):
                r.add((*path, "action"), f"{action_id!r} is required twice")
                continue
            required.append(Required(action_id, reason, sources, after, within, dose))
        harmful: list[Harmful] = []
        for i, raw in enumerate(
            r.seq(data.get("harmful", []), ("reference", "harmful"), max_len=MAX_ACTIONS) or []
        ):
            path = ("reference", "harmful", i)
            item = r.mapping(raw, path, required=("action", "reason", "sources"))
            if item is None:
                continue
            action_id = self.known(actions, item.get("action"), (*path, "action"))
            reason = r.text(item.get("reason"), (*path, "reason"), max_len=1000)
            sources = _sources(r, item.get("sources"), (*path, "sources"))
            if action_id is None or reason is None:
                continue
            if any(q.action == action_id for q in required):
                r.add((*path, "action"), f"{action_id!r} cannot be both required and harmful")
                continue
            harmful.append(Harmful(action_id, reason, sources))
        return tuple(required), tuple(harmful)

    def dose(
        self, value: Any, path: Path, action_id: str | None, actions: tuple[DrillAction, ...]
    ) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict):
            self.r.add(path, "expected a mapping of field id to the expected option")
            return ()
        if action_id is None:
            return ()
        data = value
        action = next(a for a in actions if a.id == action_id)
        dose = []
        for fid, want in data.items():
            found = action.field(fid)
            if found is None:
                known = ", ".join(f.id for f in action.fields) or "none"
                self.r.add(
                    (*path, fid), f"action {action_id!r} has no field {fid!r} (its fields: {known})"
                )
                continue
            if self.r.choice(want, (*path, fid), found.options, "option") is not None:
                dose.append((fid, want))
        return tuple(sorted(dose))


def load_drill_text(text: str, source_name: str = "drill") -> Drill:
    """Parse and check a drill written as YAML; DrillFileError lists every problem."""
    try:
        doc = parse_yaml(text)
    except YamlLoadError as exc:
        raise DrillFileError([Issue(source_name, exc.line, "", exc.message)]) from None
    reader = Reader(source_name, doc.lines)
    for line, path, message in doc.problems:
        reader.issues.append(Issue(source_name, line, field_name(path), message))
    drill = _DrillReader(reader).read(doc.data)
    if drill is None or reader.issues:
        raise DrillFileError(reader.issues)
    return drill


def load_drill_file(path: str | FsPath) -> Drill:
    """Read `cases/drills/<id>.yaml`; the file name must match the drill id."""
    file = FsPath(path)
    try:
        text = read_text_file(file)
    except YamlLoadError as exc:
        raise DrillFileError([Issue(str(file), exc.line, "", exc.message)]) from None
    drill = load_drill_text(text, str(file))
    if drill.id != file.stem:
        line = next(
            (n for n, row in enumerate(text.splitlines(), 1) if row.startswith("id:")), None
        )
        message = f'"{drill.id}" must match the file name "{file.stem}" (rename the file or the id)'
        raise DrillFileError([Issue(str(file), line, "id", message)])
    return drill
