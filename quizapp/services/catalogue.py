"""What content is available: published modules and cases, for list pages (fixed query count)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import CaseRecord, CaseVersion, ModuleRecord, ModuleVersion
from quizapp.models.content import Status


@dataclass(frozen=True)
class Listed:
    """One row of a content list: the record and its newest published version's summary."""

    id: int
    slug: str
    title: str
    version_id: int
    version: int
    summary: dict[str, Any]


def _latest_published(version_model, record_fk):
    return (
        select(record_fk.label("record_id"), func.max(version_model.number).label("number"))
        .where(version_model.status == Status.PUBLISHED)
        .group_by(record_fk)
        .subquery()
    )


def published_modules(academy_id: int | None = None) -> list[Listed]:
    """Bank modules plus the academy's own, in curriculum order, in one query."""
    latest = _latest_published(ModuleVersion, ModuleVersion.module_id)
    rows = db.session.execute(
        select(ModuleRecord, ModuleVersion)
        .join(latest, latest.c.record_id == ModuleRecord.id)
        .join(
            ModuleVersion,
            (ModuleVersion.module_id == ModuleRecord.id)
            & (ModuleVersion.number == latest.c.number),
        )
        .where((ModuleRecord.academy_id.is_(None)) | (ModuleRecord.academy_id == academy_id))
        .order_by(ModuleRecord.position, ModuleRecord.id)
    ).all()
    return [
        Listed(rec.id, rec.slug, rec.title, ver.id, ver.number, ver.summary or {})
        for rec, ver in rows
    ]


def case_listing(academy_id: int | None = None) -> list[Listed]:
    latest = _latest_published(CaseVersion, CaseVersion.case_id)
    rows = db.session.execute(
        select(CaseRecord, CaseVersion)
        .join(latest, latest.c.record_id == CaseRecord.id)
        .join(
            CaseVersion,
            (CaseVersion.case_id == CaseRecord.id) & (CaseVersion.number == latest.c.number),
        )
        .where((CaseRecord.academy_id.is_(None)) | (CaseRecord.academy_id == academy_id))
        .order_by(CaseRecord.slug)
    ).all()
    return [
        Listed(rec.id, rec.slug, rec.title, ver.id, ver.number, ver.summary or {})
        for rec, ver in rows
    ]
