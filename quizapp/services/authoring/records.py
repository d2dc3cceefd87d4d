"""Educators' items (cases, modules and drills) and their versions: finding them, the authoring
lists, the audit trail, and saving a draft.

Ownership: items with `academy_id` None are the built-in bank, visible to every academy and
read-only; an academy edits only its own items, and anything else answers "not found". Slugs are
unique across the bank and the academy's own items, because trainees' pages find items by slug
among exactly those two sets.

Versions: the newest version of an item is either a draft, which is edited in place, or
published/retired, in which case an edit starts a new draft numbered one higher (`save_version`).
Services flush, never commit: the view commits once, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import yaml
from sqlalchemy import func, or_, select

from quizapp.extensions import db
from quizapp.formats.yamlsafe import YamlLoadError, parse_yaml
from quizapp.models import (
    AuditEntry,
    CaseRecord,
    CaseVersion,
    DrillRecord,
    DrillVersion,
    ModuleRecord,
    ModuleVersion,
    User,
)
from quizapp.models.base import now_utc
from quizapp.models.content import Status
from quizapp.services.authoring.content import content_hash
from quizapp.services.people import auditlog

MAX_SLUG: Final = 64


class AuthoringError(Exception):
    """A request that cannot be carried out; the message is safe to show."""


class ContentInvalid(Exception):
    """Text or form data that does not pass validation; `.issues` lists every problem."""

    def __init__(self, issues: Iterable[Any]) -> None:
        self.issues = list(issues)
        super().__init__(f"{len(self.issues)} problem(s)")


def models_of(kind: str):
    if kind == "case":
        return CaseRecord, CaseVersion, CaseVersion.case_id
    if kind == "module":
        return ModuleRecord, ModuleVersion, ModuleVersion.module_id
    if kind == "drill":
        return DrillRecord, DrillVersion, DrillVersion.drill_id
    raise ValueError(kind)


def kind_of(record: CaseRecord | ModuleRecord | DrillRecord) -> str:
    if isinstance(record, DrillRecord):
        return "drill"
    return "case" if isinstance(record, CaseRecord) else "module"


def visible(kind: str, record_id: int, academy_id: int | None):
    """The record if this academy may see it (the bank or its own), else None."""
    record_model, _, _ = models_of(kind)
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
    record_model, _, _ = models_of(kind)
    return set(
        db.session.scalars(
            select(record_model.slug).where(
                or_(record_model.academy_id.is_(None), record_model.academy_id == academy_id)
            )
        )
    )


def by_slug(kind: str, slug: str, academy_id: int | None):
    """The item of the bank or of this academy with this slug, or None."""
    record_model, _, _ = models_of(kind)
    return db.session.scalar(
        select(record_model).where(
            record_model.slug == slug,
            or_(record_model.academy_id.is_(None), record_model.academy_id == academy_id),
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
    record_model, version_model, fk = models_of(kind)
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


def save_version(record, actor: User, text: str, summary: dict[str, Any], title: str):
    """Edit the draft in place, or start a new draft over a published/retired version.

    Returns (version, changed); unchanged text changes nothing.
    """
    _, version_model, fk = models_of(kind_of(record))
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


def fixed_id_issues(kind: str, found_id: str, slug: str | None, text: str, source: str) -> list:
    """The problem of a saved item whose text now names another id (ids never change)."""
    from quizapp.formats.yamlsafe import Issue

    if slug is None or found_id == slug:
        return []
    return [
        Issue(
            source,
            id_line(text),
            "id",
            f'the id of a saved {kind} cannot change (it stays "{slug}"); to start '
            f"another {kind}, create a new one",
        )
    ]


def id_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^id\s*:", line):
            return number
    return None


def plain_data(text: str) -> dict[str, Any]:
    try:
        data = parse_yaml(text).data
    except YamlLoadError:
        return {}
    return data if isinstance(data, dict) else {}


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
