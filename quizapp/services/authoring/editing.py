"""Educators' content: drafts, versions, publishing, clones, uploads and diffs.

Lifecycle (one rule for cases and modules): the newest version of an item is either a draft, which
is edited in place, or published/retired, in which case an edit starts a new draft numbered one
higher. Publishing freezes a draft (the model refuses later changes); retiring hides the item from
trainees by retiring its published versions. Attempts point at the version taken, so no change
here alters a past score.

Ownership: items with `academy_id` None are the built-in bank, visible to every academy and
read-only; an academy edits only its own items, and anything else answers "not found". Slugs are
unique across the bank and the academy's own items, because trainees' pages find items by slug
among exactly those two sets.

Every text saved is checked by the same loaders as `flask cases validate` (cases) and the module
loader (modules), plus the rules that need the database (prerequisites and cases that exist).
Services flush, never commit: the view commits once, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import copy
import difflib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import yaml
from sqlalchemy import func, or_, select

from quizapp.domain.case import Case
from quizapp.domain.quiz import Module
from quizapp.extensions import db
from quizapp.formats.cases import CaseFileError, dump_case, load_case_text
from quizapp.formats.gift import GiftProblem, export_gift, parse_gift
from quizapp.formats.modules import ModuleFileError, dump_module, load_module_text
from quizapp.formats.yamlsafe import Issue, YamlLoadError, field_name, parse_yaml
from quizapp.models import (
    AuditEntry,
    CaseRecord,
    CaseVersion,
    ModuleRecord,
    ModuleVersion,
    User,
)
from quizapp.models.base import now_utc
from quizapp.models.content import Status
from quizapp.services.authoring.content import case_summary, content_hash, module_summary
from quizapp.services.people import auditlog

MAX_SLUG: Final = 64
EMPTY_QUESTIONS: Final = "expected a list of at least one question"
KINDS: Final = ("case", "module")


class AuthoringError(Exception):
    """A request that cannot be carried out; the message is safe to show."""


class ContentInvalid(Exception):
    """Text or form data that does not pass validation; `.issues` lists every problem."""

    def __init__(self, issues: Iterable[Any]) -> None:
        self.issues = list(issues)
        super().__init__(f"{len(self.issues)} problem(s)")


def _models(kind: str):
    if kind == "case":
        return CaseRecord, CaseVersion, CaseVersion.case_id
    if kind == "module":
        return ModuleRecord, ModuleVersion, ModuleVersion.module_id
    raise ValueError(kind)


def kind_of(record: CaseRecord | ModuleRecord) -> str:
    return "case" if isinstance(record, CaseRecord) else "module"


# --------------------------------------------------------------------------------------------
# Finding items: visible (bank + own academy) and owned (own academy only)
# --------------------------------------------------------------------------------------------


def visible(kind: str, record_id: int, academy_id: int | None):
    """The record if this academy may see it (the bank or its own), else None."""
    record_model, _, _ = _models(kind)
    record = db.session.get(record_model, record_id)
    if record is None or record.academy_id not in (None, academy_id):
        return None
    return record


def owned(kind: str, record_id: int, academy_id: int | None):
    """The record if it belongs to this academy (the only items it may change), else None."""
    record = visible(kind, record_id, academy_id)
    if record is None or academy_id is None or record.academy_id != academy_id:
        return None
    return record


def slugs_in_use(kind: str, academy_id: int | None) -> set[str]:
    """Slugs a new item of this academy may not take: the bank's and its own."""
    record_model, _, _ = _models(kind)
    return set(
        db.session.scalars(
            select(record_model.slug).where(
                or_(record_model.academy_id.is_(None), record_model.academy_id == academy_id)
            )
        )
    )


def free_slug(base: str, taken: set[str]) -> str:
    """`base` if free, else base-2, base-3 ... (cut so the result stays a valid id)."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def latest(record) -> Any:
    return record.versions[-1] if record.versions else None


def version_of(record, number: int):
    return next((v for v in record.versions if v.number == number), None)


# --------------------------------------------------------------------------------------------
# Lists for the authoring pages (a fixed number of queries)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContentRow:
    """One item in the authoring lists: its newest version and its newest published one."""

    kind: str
    id: int
    slug: str
    title: str
    academy_id: int | None
    latest_number: int
    latest_status: Status
    latest_at: datetime
    published_number: int | None
    summary: dict[str, Any]

    @property
    def bank(self) -> bool:
        return self.academy_id is None

    @property
    def state(self) -> str:
        """draft (never published), published, changes (a draft over a published version),
        retired."""
        if self.latest_status is Status.DRAFT:
            return "changes" if self.published_number else "draft"
        if self.published_number:
            return "published"
        return "retired"


def content_rows(kind: str, academy_id: int | None) -> list[ContentRow]:
    """The bank's and the academy's items with their version state, in one query."""
    record_model, version_model, fk = _models(kind)
    newest = (
        select(fk.label("record_id"), func.max(version_model.number).label("number"))
        .group_by(fk)
        .subquery()
    )
    published = (
        select(fk.label("record_id"), func.max(version_model.number).label("number"))
        .where(version_model.status == Status.PUBLISHED)
        .group_by(fk)
        .subquery()
    )
    order = (
        (record_model.position, record_model.id)
        if kind == "module"
        else (record_model.slug, record_model.id)
    )
    rows = db.session.execute(
        select(
            record_model.id,
            record_model.slug,
            record_model.title,
            record_model.academy_id,
            version_model.number,
            version_model.status,
            version_model.created_at,
            version_model.summary,
            published.c.number,
        )
        .join(newest, newest.c.record_id == record_model.id)
        .join(version_model, (fk == record_model.id) & (version_model.number == newest.c.number))
        .outerjoin(published, published.c.record_id == record_model.id)
        .where(or_(record_model.academy_id.is_(None), record_model.academy_id == academy_id))
        .order_by(*order)
    ).all()
    return [
        ContentRow(kind, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[8], r[7] or {}) for r in rows
    ]


# --------------------------------------------------------------------------------------------
# Audit
# --------------------------------------------------------------------------------------------


def target_of(record) -> str:
    return f"{kind_of(record)}:{record.id}"


def audit(record, actor: User | None, action: str, **details: Any) -> AuditEntry:
    """Record who did what to which item (the history page lists these)."""
    return auditlog.audit(
        record.academy_id,
        actor.id if actor is not None else None,
        f"{kind_of(record)}.{action}",
        target_of(record),
        {"slug": record.slug, **details},
    )


# --------------------------------------------------------------------------------------------
# Versions: save a draft, publish, retire, discard
# --------------------------------------------------------------------------------------------


def _save_version(record, actor: User, text: str, summary: dict[str, Any], title: str):
    """Edit the draft in place, or start a new draft over a published/retired version.

    Returns (version, changed); unchanged text changes nothing.
    """
    _, version_model, fk = _models(kind_of(record))
    digest = content_hash(text)
    current = latest(record)
    if current is not None and current.content_hash == digest:
        return current, False
    record.title = title
    if current is not None and current.status is Status.DRAFT:
        current.source_text = text
        current.content_hash = digest
        current.summary = summary
        current.created_by_id = actor.id
        current.created_at = now_utc()
        version = current
    else:
        version = version_model(
            number=(current.number + 1) if current is not None else 1,
            status=Status.DRAFT,
            source_text=text,
            content_hash=digest,
            summary=summary,
            created_by_id=actor.id,
            created_at=now_utc(),
        )
        setattr(version, fk.key, record.id)
        record.versions.append(version)
    db.session.flush()
    return version, True


def publish(record, actor: User, now: datetime | None = None):
    """Freeze the draft: trainees see it from now on; its text never changes again."""
    draft = latest(record)
    if draft is None or draft.status is not Status.DRAFT:
        raise AuthoringError("There is no draft to publish: edit the item first.")
    if kind_of(record) == "module":
        problems = module_publish_problems(record, draft)
        if problems:
            raise AuthoringError(" ".join(problems))
    draft.publish(now or now_utc())
    audit(record, actor, "publish", version=draft.number)
    db.session.flush()
    return draft


def retire(record, actor: User) -> list[int]:
    """Hide the item from trainees: every published version is retired. Attempts keep their
    versions and scores; editing the item and publishing again brings it back."""
    numbers = []
    for version in record.versions:
        if version.status is Status.PUBLISHED:
            version.retire()
            numbers.append(version.number)
    if not numbers:
        raise AuthoringError("Nothing is published, so there is nothing to retire.")
    audit(record, actor, "retire", versions=numbers)
    db.session.flush()
    return numbers


def discard_draft(record, actor: User) -> bool:
    """Drop the unpublished draft. Returns True when the item itself went (it had no other
    version). Attempts never point at drafts, so nothing else changes."""
    draft = latest(record)
    if draft is None or draft.status is not Status.DRAFT:
        raise AuthoringError("There is no draft to discard.")
    number = draft.number
    if len(record.versions) == 1:
        audit(record, actor, "discard", version=number, deleted=True)
        db.session.delete(record)
        db.session.flush()
        return True
    record.versions.remove(draft)
    db.session.delete(draft)
    previous = latest(record)
    if previous is not None:
        record.title = previous.summary.get("title", record.title)
    audit(record, actor, "discard", version=number)
    db.session.flush()
    return False


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


def _id_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^id\s*:", line):
            return number
    return None


def check_case_text(text: str, source: str, *, slug: str | None = None) -> Case:
    """The case, checked exactly as `flask cases validate` checks a file (bands included), and,
    for a saved item, that its id is unchanged. ContentInvalid lists every problem."""
    try:
        case = load_case_text(text, source)
    except CaseFileError as error:
        raise ContentInvalid(error.issues) from None
    if slug is not None and case.id != slug:
        raise ContentInvalid(
            [
                Issue(
                    source,
                    _id_line(text),
                    "id",
                    f'the id of a saved case cannot change (it stays "{slug}"); to start '
                    "another case, create a new one",
                )
            ]
        )
    return case


def _case_summary(case: Case) -> dict[str, Any]:
    return {"title": case.title, **case_summary(case)}


def create_case(academy_id: int, actor: User, text: str, source: str = "case") -> CaseRecord:
    """A new case of the academy from valid YAML text: version 1, a draft."""
    case = check_case_text(text, source)
    if case.id in slugs_in_use("case", academy_id):
        raise ContentInvalid(
            [
                Issue(
                    source,
                    _id_line(text),
                    "id",
                    f'"{case.id}" is already used by a case of the bank or of your academy; '
                    "choose another id",
                )
            ]
        )
    record = CaseRecord(slug=case.id, academy_id=academy_id, title=case.title, created_at=now_utc())
    db.session.add(record)
    db.session.flush()
    version, _ = _save_version(record, actor, text, _case_summary(case), case.title)
    audit(record, actor, "create", version=version.number)
    return record


def save_case(record: CaseRecord, actor: User, text: str, source: str = "case"):
    """Save new text for an academy's case: the draft changes, or a new draft starts."""
    case = check_case_text(text, source, slug=record.slug)
    version, changed = _save_version(record, actor, text, _case_summary(case), case.title)
    if changed:
        audit(record, actor, "edit", version=version.number)
    return version, changed


def save_case_from_data(record: CaseRecord | None, academy_id: int, actor: User, data: dict):
    """Structured form data (the file's shape) -> canonical YAML via dump_case -> saved."""
    text = data_to_yaml(data)
    if record is None:
        case = check_case_text(text, "form")
        record = create_case(academy_id, actor, dump_case(case), "form")
        return record, latest(record), True
    case = check_case_text(text, "form", slug=record.slug)
    version, changed = save_case(record, actor, dump_case(case), "form")
    return record, version, changed


def upload_case(academy_id: int, actor: User, raw: bytes, filename: str):
    """An uploaded case file: all or nothing. A new id creates a case; the id of one of the
    academy's cases saves a new draft of it; a bank id is refused. Returns (record, created)."""
    source = filename or "upload.yaml"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentInvalid(
            [Issue(source, None, "", f"not UTF-8 text (byte {error.start}); save it as UTF-8")]
        ) from None
    case = check_case_text(text, source)
    existing = db.session.scalar(
        select(CaseRecord).where(
            CaseRecord.slug == case.id,
            or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id),
        )
    )
    if existing is None:
        record = create_case(academy_id, actor, text, source)
        audit(record, actor, "import", filename=filename)
        return record, True
    if existing.academy_id is None:
        raise ContentInvalid(
            [
                Issue(
                    source,
                    _id_line(text),
                    "id",
                    f'the bank already has a case "{case.id}": give yours another id, or clone '
                    "the bank's case and edit the copy",
                )
            ]
        )
    version, _ = save_case(existing, actor, text, source)
    audit(existing, actor, "import", filename=filename, version=version.number)
    return existing, False


def _replace_id(text: str, new_id: str) -> str:
    return re.sub(r"^id\s*:.*$", f"id: {new_id}", text, count=1, flags=re.MULTILINE)


def clone(record, academy_id: int, actor: User):
    """Copy the newest published version of a bank item into the academy as a new draft item.

    The slug is kept when free, else suffixed (-2, -3 ...): the bank's own slug is always taken
    among what the academy's trainees see, so in practice a clone is suffixed.
    """
    if record.academy_id is not None:
        raise AuthoringError("Only items of the bank can be cloned.")
    source = record.latest_published()
    if source is None:
        raise AuthoringError("This item has no published version to clone.")
    kind = kind_of(record)
    slug = free_slug(record.slug, slugs_in_use(kind, academy_id))
    text = source.source_text if slug == record.slug else _replace_id(source.source_text, slug)
    record_model, _, _ = _models(kind)
    copy = record_model(slug=slug, academy_id=academy_id, title=record.title, created_at=now_utc())
    if kind == "module":
        copy.position = record.position
        module = check_module_text(text, "clone", academy_id=academy_id, slug=slug, own_id=None)
        summary = _module_summary(module, _plain(text))
    else:
        summary = _case_summary(check_case_text(text, "clone", slug=slug))
    db.session.add(copy)
    db.session.flush()
    version, _ = _save_version(copy, actor, text, summary, record.title)
    audit(
        copy,
        actor,
        "clone",
        version=version.number,
        source=target_of(record),
        **{"from": f"{record.slug} v{source.number}"},
    )
    return copy


def case_of(version: CaseVersion) -> Case:
    """The case a version holds (drafts included; the text was valid when saved). Parsed once
    per text, through the player's cache, so the preview scores exactly what trainees get."""
    from quizapp.services.learning.casestudy import case_content

    return case_content(version)


# --------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------


def _plain(text: str) -> dict[str, Any]:
    try:
        data = parse_yaml(text).data
    except YamlLoadError:
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=128)
def _plain_cached(text: str) -> dict[str, Any]:
    return _plain(text)


def module_data(version: ModuleVersion) -> dict[str, Any]:
    """A module version as plain data in the file's shape (for the structured editors); a copy,
    so callers may change it. The parse is cached per text (a 20-question module takes ~40 ms)."""
    return copy.deepcopy(_plain_cached(version.source_text))


def _lines(text: str) -> dict[tuple, int]:
    try:
        return parse_yaml(text).lines
    except YamlLoadError:
        return {}


def _module_summary(module: Module | None, data: dict[str, Any]) -> dict[str, Any]:
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
) -> Module | None:
    """Check a module text with the module loader and the database rules. A draft may have no
    questions yet (`allow_empty`): then None is returned instead of a Module."""
    issues: list[Any] = []
    module = None
    try:
        module = load_module_text(text, source)
    except ModuleFileError as error:
        issues = list(error.issues)
    data = _plain(text)
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
                _id_line(text),
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
        return dump_module(load_module_text(text, "module"))
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
            text, "form", academy_id=academy_id, slug=None, own_id=None, allow_empty=True
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
    version, _ = _save_version(
        record, actor, text, _module_summary(module, data), str(data.get("title"))
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
    )
    data = _plain(text)
    version, changed = _save_version(
        record, actor, text, _module_summary(module, data), str(data.get("title", record.title))
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


# Questions inside a module draft ---------------------------------------------------------------


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


def _id_prefix(slug: str) -> str:
    parts = [p for p in slug.split("-") if p]
    return "".join(p[0] for p in parts)[:6] or "q"


@dataclass
class GiftOutcome:
    """What a GIFT import did or would do: questions taken, problems by line."""

    imported: int = 0
    importable: int = 0  # questions that map to a quizapp type
    problems: list[GiftProblem] = field(default_factory=list)
    unsupported: list[GiftProblem] = field(default_factory=list)


def import_gift(
    record: ModuleRecord,
    actor: User,
    text: str,
    *,
    skip_unsupported: bool,
    default_topic: str = "",
    default_references: Sequence[str] = (),
) -> GiftOutcome:
    """Add the questions of a GIFT file to the module's draft: all or nothing.

    Questions GIFT cannot express in quizapp are reported by line; the educator may choose to
    import the others (`skip_unsupported`). Questions that map but fail validation (a missing
    explanation, an unknown source key) are reported by line too, and then nothing is imported.
    """
    parsed = parse_gift(
        text, default_topic=default_topic or None, default_references=default_references
    )
    outcome = GiftOutcome(importable=len(parsed.questions), unsupported=list(parsed.problems))
    if parsed.problems and not skip_unsupported:
        return outcome
    if not parsed.questions:
        return outcome
    current = latest(record)
    data = module_data(current) if current is not None else {}
    existing = questions_of(data)
    taken = {q.get("id") for q in existing}
    prefix = _id_prefix(record.slug)
    counter = 1
    incoming = []
    for item in parsed.questions:
        question = dict(item.data)
        if not question.get("id") or question["id"] in taken:
            while f"{prefix}-g{counter:02d}" in taken:
                counter += 1
            question["id"] = f"{prefix}-g{counter:02d}"
        taken.add(question["id"])
        incoming.append(question)
    merged = {**data, "questions": existing + incoming}
    try:
        save_module(record, actor, module_text(merged), "gift")
    except ContentInvalid as error:
        outcome.problems = _gift_problems(error.issues, len(existing), parsed.questions)
        return outcome
    outcome.imported = len(incoming)
    audit(record, actor, "import", format="gift", questions=len(incoming))
    return outcome


def _gift_problems(issues: list[Any], offset: int, questions: list[Any]) -> list[GiftProblem]:
    out = []
    for issue in issues:
        match = re.match(r"^questions\[(\d+)\]\.?(.*)$", issue.field or "")
        if match and int(match.group(1)) >= offset:
            item = questions[int(match.group(1)) - offset]
            where = match.group(2)
            message = f"{where}: {issue.message}" if where else issue.message
            out.append(GiftProblem(item.line, message, item.title))
        else:
            out.append(
                GiftProblem(0, f"{issue.field}: {issue.message}" if issue.field else issue.message)
            )
    return out


def gift_for(version: ModuleVersion, title: str) -> tuple[str, list[tuple[str, str]]]:
    """The module version's questions as GIFT, and the questions left out with why."""
    module = module_of(version)
    if module is None:
        return "", []
    return export_gift(module.questions, title=title)


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------


def export_version(record, number: int | None = None):
    """The version to export: the one asked for, else the newest published, else the newest."""
    if number is not None:
        return version_of(record, number)
    return record.latest_published() or latest(record)


def module_zip(record: ModuleRecord, version: ModuleVersion, academy_id: int | None) -> bytes:
    """A module and its case studies as one zip laid out like the bank folder:
    cases/modules/NN-<id>.yaml and cases/<case>.yaml, so `flask cases validate` and
    `flask cases import` read it as it is."""
    data = module_data(version)
    order = data.get("order") if isinstance(data.get("order"), int) else record.position
    wanted = [c for c in data.get("cases") or [] if isinstance(c, str)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"cases/modules/{order:02d}-{record.slug}.yaml", version.source_text)
        if wanted:
            cases = db.session.scalars(
                select(CaseRecord).where(
                    CaseRecord.slug.in_(wanted),
                    or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id),
                )
            ).all()
            for case in sorted(cases, key=lambda c: c.slug):
                chosen = case.latest_published() or latest(case)
                if chosen is not None:
                    archive.writestr(f"cases/{case.slug}.yaml", chosen.source_text)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Module zip import: the counterpart of `module_zip`
# --------------------------------------------------------------------------------------------

# A module zip holds a few small YAML files; anything far outside that is refused before a byte
# is inflated (declared sizes) and while inflating (actual sizes), so a zip bomb costs nothing.
ZIP_MAX_ENTRIES: Final = 200
ZIP_MAX_FILE_BYTES: Final = 256 * 1024  # the YAML loader's own limit (yamlsafe.MAX_BYTES)
ZIP_MAX_TOTAL_BYTES: Final = 8 * 1024 * 1024
ZIP_MAX_RATIO: Final = 100  # YAML deflates about 3-10x; 100x and more is a bomb
_ZIP_CHUNK: Final = 64 * 1024
_ARCHIVE_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf", b"Rar!")
_S_IFMT: Final = 0o170000
_S_IFLNK: Final = 0o120000


@dataclass
class ZipImport:
    """What a module zip import did: the module, and each case created, updated or left to the
    bank (a bank case in the zip is the bank's own text, so there is nothing to import)."""

    record: ModuleRecord
    created: bool
    cases_created: list[str] = field(default_factory=list)
    cases_updated: list[str] = field(default_factory=list)
    cases_from_bank: list[str] = field(default_factory=list)


def _zip_refusal(source: str, message: str) -> ContentInvalid:
    return ContentInvalid([Issue(source, None, "", message)])


def _unsafe_entry(info: zipfile.ZipInfo) -> str | None:
    """Why an entry could write outside the import or smuggle something in, else None."""
    name = info.filename
    if "\\" in name:
        return "backslashes are not allowed in paths inside the zip"
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        return "control characters are not allowed in paths inside the zip"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute paths are not allowed inside the zip"
    if ".." in name.split("/"):
        return 'paths with ".." are not allowed inside the zip'
    if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
        return "symbolic links are not allowed inside the zip"
    if info.flag_bits & 0x1:
        return "encrypted entries are not allowed"
    if name.lower().endswith((".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")):
        return "archives inside the zip are not allowed"
    return None


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The entry's bytes, read in chunks and stopped as soon as they pass `limit` or the size the
    entry declared (a lying header cannot make it inflate more)."""
    cap = min(limit, info.file_size)
    parts: list[bytes] = []
    size = 0
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(_ZIP_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise ValueError(f"inflates to more than {cap} bytes")
            parts.append(chunk)
    return b"".join(parts)


def zip_files(raw: bytes, source: str) -> dict[str, str]:
    """Path -> text of each YAML file of an uploaded zip, after refusing zip bombs (entry count,
    declared and actual sizes, compression ratio), zip-slip paths, links, nested archives and
    anything that is not UTF-8 YAML. ContentInvalid says what was refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _zip_refusal(source, "this is not a zip file (or it is damaged)") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > ZIP_MAX_ENTRIES:
            raise _zip_refusal(
                source, f"the zip has {len(entries)} entries; at most {ZIP_MAX_ENTRIES} are allowed"
            )
        declared = sum(info.file_size for info in entries)
        if declared > ZIP_MAX_TOTAL_BYTES:
            raise _zip_refusal(
                source,
                f"the zip would unpack to {declared} bytes; at most {ZIP_MAX_TOTAL_BYTES} "
                "are allowed",
            )
        files: dict[str, str] = {}
        total = 0
        for info in entries:
            name = info.filename
            problem = _unsafe_entry(info)
            if problem:
                raise _zip_refusal(source, f"{name!r}: {problem}")
            if info.is_dir():
                continue
            if not name.lower().endswith((".yaml", ".yml")):
                raise _zip_refusal(
                    source, f"{name!r}: only the module's and its cases' .yaml files may be in it"
                )
            if name in files:
                raise _zip_refusal(source, f"{name!r} is in the zip twice")
            if info.file_size > ZIP_MAX_FILE_BYTES:
                raise _zip_refusal(
                    source, f"{name!r} is larger than {ZIP_MAX_FILE_BYTES} bytes unpacked"
                )
            if info.file_size > 1024 and info.file_size > ZIP_MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise _zip_refusal(
                    source, f"{name!r} is compressed more than {ZIP_MAX_RATIO}:1 (a zip bomb?)"
                )
            try:
                data = _inflate(archive, info, min(ZIP_MAX_FILE_BYTES, ZIP_MAX_TOTAL_BYTES - total))
            except ValueError as error:
                raise _zip_refusal(source, f"{name!r} {error}: refused") from None
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError):
                raise _zip_refusal(source, f"{name!r} is damaged and cannot be read") from None
            total += len(data)
            if data.startswith(_ARCHIVE_MAGIC):
                raise _zip_refusal(source, f"{name!r}: archives inside the zip are not allowed")
            try:
                files[name] = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise _zip_refusal(
                    source, f"{name!r} is not UTF-8 text (byte {error.start}); save it as UTF-8"
                ) from None
    return files


def _zip_layout(files: dict[str, str], source: str) -> tuple[str, list[str]]:
    """The module's path and the cases' paths, laid out as `module_zip` writes them:
    cases/modules/NN-<id>.yaml and cases/<case>.yaml (the leading cases/ may be left out)."""
    module_paths, case_paths = [], []
    for name in files:
        inner = name.removeprefix("cases/")
        parts = inner.split("/")
        if len(parts) == 2 and parts[0] == "modules":
            module_paths.append(name)
        elif len(parts) == 1:
            case_paths.append(name)
        else:
            raise _zip_refusal(
                source,
                f"{name!r}: expected cases/modules/<module>.yaml and cases/<case>.yaml only",
            )
    if len(module_paths) != 1:
        raise _zip_refusal(
            source,
            "the zip must hold exactly one module file under cases/modules/ "
            f"(it holds {len(module_paths)})",
        )
    return module_paths[0], sorted(case_paths)


def import_module_zip(academy_id: int, actor: User, raw: bytes, filename: str) -> ZipImport:
    """Import a module zip (as `module_zip` exports it) into the academy: all or nothing.

    Its cases come first (the module names them): a new id creates a draft case, the id of one of
    the academy's cases saves a new draft of it, a bank case is left to the bank when the text is
    the bank's. Then the module: a new id creates a draft module, the id of one of the academy's
    modules saves a new draft. Every problem of every file is listed; the view commits only when
    there is none, so nothing is ever half-imported.
    """
    source = filename or "module.zip"
    files = zip_files(raw, source)
    module_path, case_paths = _zip_layout(files, source)
    issues: list[Any] = []
    outcome_cases: dict[str, list[str]] = {"created": [], "updated": [], "bank": []}
    for path in case_paths:
        text, where = files[path], f"{source}:{path}"
        try:
            case = check_case_text(text, where)
        except ContentInvalid as error:
            issues.extend(error.issues)
            continue
        existing = db.session.scalar(
            select(CaseRecord).where(
                CaseRecord.slug == case.id,
                or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id),
            )
        )
        if existing is None:
            record = create_case(academy_id, actor, text, where)
            audit(record, actor, "import", filename=f"{source}:{path}")
            outcome_cases["created"].append(case.id)
        elif existing.academy_id is None:
            bank = existing.latest_published() or latest(existing)
            if bank is not None and content_hash(bank.source_text) == content_hash(text):
                outcome_cases["bank"].append(case.id)
            else:
                issues.append(
                    Issue(
                        where,
                        _id_line(text),
                        "id",
                        f'the bank already has a case "{case.id}" with other text: give yours '
                        "another id (and name it in the module), or leave the bank's case out",
                    )
                )
        else:
            _, changed = save_case(existing, actor, text, where)
            if changed:
                audit(existing, actor, "import", filename=f"{source}:{path}")
                outcome_cases["updated"].append(case.id)
    if issues:
        raise ContentInvalid(issues)
    text, where = files[module_path], f"{source}:{module_path}"
    data = _plain(text)
    slug = data.get("id")
    existing_module = (
        db.session.scalar(
            select(ModuleRecord).where(
                ModuleRecord.slug == slug,
                or_(ModuleRecord.academy_id.is_(None), ModuleRecord.academy_id == academy_id),
            )
        )
        if isinstance(slug, str)
        else None
    )
    if existing_module is not None and existing_module.academy_id is None:
        raise ContentInvalid(
            [
                Issue(
                    where,
                    _id_line(text),
                    "id",
                    f'the bank already has a module "{slug}": give yours another id, or clone '
                    "the bank's module and edit the copy",
                )
            ]
        )
    if existing_module is not None:
        save_module(existing_module, actor, text, where)
        record, created = existing_module, False
    else:
        check_module_text(text, where, academy_id=academy_id, slug=None, own_id=None)
        record, created = create_module(academy_id, actor, data), True
    audit(record, actor, "import", filename=source)
    return ZipImport(
        record,
        created,
        outcome_cases["created"],
        outcome_cases["updated"],
        outcome_cases["bank"],
    )


# --------------------------------------------------------------------------------------------
# History and diffs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    number: int
    status: Status
    created_at: datetime
    published_at: datetime | None
    author: str | None
    content_hash: str


def history(record) -> tuple[list[VersionRow], list[tuple[AuditEntry, str | None]]]:
    """Versions with who wrote each, and the audit entries of the item (two queries)."""
    _, version_model, fk = _models(kind_of(record))
    versions = db.session.execute(
        select(
            version_model.number,
            version_model.status,
            version_model.created_at,
            version_model.published_at,
            User.display_name,
            version_model.content_hash,
        )
        .outerjoin(User, User.id == version_model.created_by_id)
        .where(fk == record.id)
        .order_by(version_model.number.desc())
    ).all()
    entries = db.session.execute(
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.target == target_of(record))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    ).all()
    return [VersionRow(*row) for row in versions], [(e, name) for e, name in entries]


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "hunk", "same", "added", "removed"
    old: int | None
    new: int | None
    text: str


def diff_lines(old_text: str, new_text: str, context: int = 3) -> list[DiffLine]:
    """A line diff of two YAML texts with line numbers on both sides (difflib)."""
    old, new = old_text.splitlines(), new_text.splitlines()
    out: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        out.append(
            DiffLine(
                "hunk",
                None,
                None,
                f"@@ lines {first[1] + 1}-{last[2]} -> {first[3] + 1}-{last[4]} @@",
            )
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(
                    DiffLine("same", i1 + k + 1, j1 + k + 1, old[i1 + k]) for k in range(i2 - i1)
                )
                continue
            out.extend(DiffLine("removed", i + 1, None, old[i]) for i in range(i1, i2))
            out.extend(DiffLine("added", None, j + 1, new[j]) for j in range(j1, j2))
    return out


# --------------------------------------------------------------------------------------------
# YAML from form data
# --------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style and no aliases (the loaders refuse them); multi-line text as | blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def data_to_yaml(data: dict[str, Any]) -> str:
    """Plain data in a file's shape -> YAML text for the loaders (keys in the given order)."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=96,
        default_flow_style=False,
    )


KIND_LABELS: Final = {"case": "case", "module": "module"}
