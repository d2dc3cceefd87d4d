"""An academy's modules: checked by the module loader and the rules that need the database
(prerequisites and cases that exist, no prerequisite cycle), created and saved from YAML or from
the structured forms, and the questions inside a draft."""

from __future__ import annotations

import copy
from typing import Any, Final

from sqlalchemy import or_, select

from quizapp.domain.quiz import Module
from quizapp.extensions import db
from quizapp.formats.modules import ModuleFileError, dump_module, load_module_text
from quizapp.formats.yamlsafe import Issue, YamlLoadError, field_name, parse_yaml
from quizapp.models import CaseRecord, CaseVersion, ModuleRecord, ModuleVersion, User
from quizapp.models.base import now_utc
from quizapp.models.content import Status
from quizapp.services.authoring.content import module_summary
from quizapp.services.authoring.records import (
    ContentInvalid,
    audit,
    data_to_yaml,
    id_line,
    plain_data,
    save_version,
    slugs_in_use,
)
from quizapp.services.infra.workercache import LruCache

EMPTY_QUESTIONS: Final = "expected a list of at least one question"


#: Parsed module texts by content hash (a 20-question module takes ~40 ms to parse).
_MODULE_DATA = LruCache(128)


def module_data(version: ModuleVersion) -> dict[str, Any]:
    """A module version as plain data in the file's shape (for the structured editors); a copy,
    so callers may change it."""
    data = _MODULE_DATA.get(version.content_hash)
    if data is None:
        data = plain_data(version.source_text)
        _MODULE_DATA.put(version.content_hash, data)
    return copy.deepcopy(data)


def _lines(text: str) -> dict[tuple, int]:
    try:
        return parse_yaml(text).lines
    except YamlLoadError:
        return {}


def module_version_summary(module: Module | None, data: dict[str, Any]) -> dict[str, Any]:
    if module is not None:
        return {"title": module.title, **module_summary(module)}
    return {
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "question_count": 0,
        "case_count": len(data.get("cases") or []),
        "pass_mark": data.get("pass_mark"),
        "prerequisites": list(data.get("prerequisites") or []),
        "max_attempts": data.get("max_attempts"),
        "grading": data.get("grading", "highest"),
        "time_limit_minutes": data.get("time_limit_minutes"),
        "cases": list(data.get("cases") or []),
    }


def _context_issues(
    data: dict[str, Any], text: str, source: str, academy_id: int | None, own_id: int | None
) -> list[Issue]:
    """Rules that need the database: prerequisites and cases that exist for this academy, and
    no prerequisite cycle through the academy's and the bank's modules."""
    lines = _lines(text)
    issues: list[Issue] = []

    def add(path: tuple, message: str) -> None:
        line = next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)
        issues.append(Issue(source, line, field_name(path), message))

    modules = db.session.execute(
        select(ModuleRecord.id, ModuleRecord.slug, ModuleVersion.summary)
        .join(ModuleVersion, ModuleVersion.module_id == ModuleRecord.id)
        .where(or_(ModuleRecord.academy_id.is_(None), ModuleRecord.academy_id == academy_id))
        .order_by(ModuleRecord.id, ModuleVersion.number)
    ).all()
    graph: dict[str, list[str]] = {}
    for record_id, slug, summary in modules:
        if record_id != own_id:
            graph[slug] = list((summary or {}).get("prerequisites") or [])
    slug = data.get("id")
    prerequisites = data.get("prerequisites")
    if isinstance(prerequisites, list):
        for i, prerequisite in enumerate(prerequisites):
            if isinstance(prerequisite, str) and prerequisite != slug and prerequisite not in graph:
                add(
                    ("prerequisites", i),
                    f"no module of the bank or your academy has id {prerequisite!r}",
                )
        if isinstance(slug, str):
            graph[slug] = [p for p in prerequisites if isinstance(p, str)]
            cycle = _cycle_from(slug, graph)
            if cycle:
                add(("prerequisites",), "prerequisites form a cycle: " + " -> ".join(cycle))
    cases = data.get("cases")
    if isinstance(cases, list) and cases:
        known = set(
            db.session.scalars(
                select(CaseRecord.slug).where(
                    or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id)
                )
            )
        )
        for i, case_id in enumerate(cases):
            if isinstance(case_id, str) and case_id not in known:
                add(("cases", i), f"no case of the bank or your academy has id {case_id!r}")
    return issues


def _cycle_from(start: str, graph: dict[str, list[str]]) -> list[str] | None:
    path: list[str] = []
    seen: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in seen:
            return None
        seen.add(node)
        path.append(node)
        for nxt in graph.get(node, []):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        return None

    found = visit(start)
    return found if found and start in found else None


def check_module_text(
    text: str,
    source: str,
    *,
    academy_id: int | None,
    slug: str | None,
    own_id: int | None,
    allow_empty: bool = False,
    draft: bool = False,
) -> Module | None:
    """Check a module text with the module loader and the database rules. A draft may have no
    questions yet (`allow_empty`): then None is returned instead of a Module; it may lack
    explanations (`draft`), which publishing asks for."""
    issues: list[Any] = []
    module = None
    try:
        module = load_module_text(text, source, draft=draft)
    except ModuleFileError as error:
        issues = list(error.issues)
    data = plain_data(text)
    empty = (
        isinstance(data.get("questions"), list)
        and not data["questions"]
        and any(i.field == "questions" and EMPTY_QUESTIONS in i.message for i in issues)
    )
    if allow_empty and empty:
        issues = [
            i for i in issues if not (i.field == "questions" and EMPTY_QUESTIONS in i.message)
        ]
    if slug is not None and data.get("id") != slug:
        issues.append(
            Issue(
                source,
                id_line(text),
                "id",
                f'the id of a saved module cannot change (it stays "{slug}")',
            )
        )
    if not issues or all(i.field != "" for i in issues):
        issues.extend(_context_issues(data, text, source, academy_id, own_id))
    if issues:
        raise ContentInvalid(sorted(issues, key=lambda i: (i.line or 0, i.field)))
    return module


def module_text(data: dict[str, Any]) -> str:
    """Canonical YAML for module data: dump_module's layout when the module is complete."""
    text = data_to_yaml(data)
    try:
        return dump_module(load_module_text(text, "module", draft=True))
    except ModuleFileError:
        return text


def create_module(academy_id: int, actor: User, data: dict[str, Any]) -> ModuleRecord:
    """A new module of the academy (questions may come later): version 1, a draft."""
    text = module_text(data)
    slug = data.get("id")
    issues = []
    if isinstance(slug, str) and slug in slugs_in_use("module", academy_id):
        issues.append(
            Issue(
                "form",
                None,
                "id",
                f'"{slug}" is already used by a module of the bank or of your academy',
            )
        )
    try:
        module = check_module_text(
            text,
            "form",
            academy_id=academy_id,
            slug=None,
            own_id=None,
            allow_empty=True,
            draft=True,
        )
    except ContentInvalid as error:
        raise ContentInvalid(issues + error.issues) from None
    if issues:
        raise ContentInvalid(issues)
    record = ModuleRecord(
        slug=slug,
        academy_id=academy_id,
        title=data.get("title", slug),
        position=int(data.get("order") or 0),
        created_at=now_utc(),
    )
    db.session.add(record)
    db.session.flush()
    version, _ = save_version(
        record, actor, text, module_version_summary(module, data), str(data.get("title"))
    )
    audit(record, actor, "create", version=version.number)
    return record


def save_module(record: ModuleRecord, actor: User, text: str, source: str = "module"):
    """Save new text for an academy's module (a draft may have no questions yet)."""
    module = check_module_text(
        text,
        source,
        academy_id=record.academy_id,
        slug=record.slug,
        own_id=record.id,
        allow_empty=True,
        draft=True,
    )
    data = plain_data(text)
    version, changed = save_version(
        record,
        actor,
        text,
        module_version_summary(module, data),
        str(data.get("title", record.title)),
    )
    if changed:
        if isinstance(data.get("order"), int):
            record.position = data["order"]
        audit(record, actor, "edit", version=version.number)
    return version, changed


def save_module_data(record: ModuleRecord, actor: User, data: dict[str, Any]):
    return save_module(record, actor, module_text(data), "form")


def module_publish_problems(record: ModuleRecord, draft: ModuleVersion) -> list[str]:
    """Why a module draft cannot be published yet (questions, and published items it needs)."""
    data = module_data(draft)
    problems = []
    if not data.get("questions"):
        problems.append("Add at least one question before publishing.")
    else:
        problems.extend(_strict_problems(draft))
    wanted_cases = [c for c in data.get("cases") or [] if isinstance(c, str)]
    wanted_modules = [p for p in data.get("prerequisites") or [] if isinstance(p, str)]
    if wanted_cases:
        published = _published_slugs(
            CaseRecord, CaseVersion, CaseVersion.case_id, record.academy_id
        )
        missing = [c for c in wanted_cases if c not in published]
        if missing:
            problems.append(f"Publish these cases first: {', '.join(missing)}.")
    if wanted_modules:
        published = _published_slugs(
            ModuleRecord, ModuleVersion, ModuleVersion.module_id, record.academy_id
        )
        missing = [m for m in wanted_modules if m not in published]
        if missing:
            problems.append(f"Publish these prerequisite modules first: {', '.join(missing)}.")
    return problems


def _strict_problems(draft: ModuleVersion, shown: int = 8) -> list[str]:
    """What a draft lacks that a published module needs (explanations, mostly)."""
    try:
        load_module_text(draft.source_text, "draft")
    except ModuleFileError as error:
        issues = [f"{i.field}: {i.message}" if i.field else i.message for i in error.issues]
        more = f" (and {len(issues) - shown} more)" if len(issues) > shown else ""
        return [
            "Before publishing, fill in what trainees will read after answering: "
            + "; ".join(issues[:shown])
            + more
            + "."
        ]
    return []


def _published_slugs(record_model, version_model, fk, academy_id: int | None) -> set[str]:
    return set(
        db.session.scalars(
            select(record_model.slug)
            .join(version_model, fk == record_model.id)
            .where(
                version_model.status == Status.PUBLISHED,
                or_(record_model.academy_id.is_(None), record_model.academy_id == academy_id),
            )
        )
    )


def module_of(version: ModuleVersion) -> Module | None:
    """The module a version holds (parsed once per text, through the quiz player's cache), or
    None for a draft without questions yet."""
    from quizapp.services.learning.quizzes import module_content

    try:
        return module_content(version)
    except ModuleFileError:
        return None


def questions_of(data: dict[str, Any]) -> list[dict[str, Any]]:
    questions = data.get("questions")
    return [q for q in questions if isinstance(q, dict)] if isinstance(questions, list) else []


def with_question(data: dict[str, Any], index: int | None, question: dict[str, Any]) -> dict:
    """Module data with question `index` replaced (None: appended)."""
    questions = list(questions_of(data))
    if index is None:
        questions.append(question)
    else:
        questions[index] = question
    return {**data, "questions": questions}


def without_question(data: dict[str, Any], index: int) -> dict[str, Any]:
    questions = list(questions_of(data))
    del questions[index]
    return {**data, "questions": questions}


def moved_question(data: dict[str, Any], index: int, delta: int) -> dict[str, Any]:
    questions = list(questions_of(data))
    target = index + delta
    if 0 <= index < len(questions) and 0 <= target < len(questions):
        questions[index], questions[target] = questions[target], questions[index]
    return {**data, "questions": questions}
