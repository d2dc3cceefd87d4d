"""What content is available: published modules and cases, for list pages (fixed query count)."""

from __future__ import annotations

from collections.abc import Collection
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
        select(  # plain columns, not entities: no ORM objects for a list page
            ModuleRecord.id,
            ModuleRecord.slug,
            ModuleRecord.title,
            ModuleVersion.id,
            ModuleVersion.number,
            ModuleVersion.summary,
        )
        .select_from(ModuleRecord)
        .join(latest, latest.c.record_id == ModuleRecord.id)
        .join(
            ModuleVersion,
            (ModuleVersion.module_id == ModuleRecord.id)
            & (ModuleVersion.number == latest.c.number),
        )
        .where((ModuleRecord.academy_id.is_(None)) | (ModuleRecord.academy_id == academy_id))
        .order_by(ModuleRecord.position, ModuleRecord.id)
    ).all()
    return [Listed(*row[:5], row[5] or {}) for row in rows]


def case_listing(
    academy_id: int | None = None, slugs: Collection[str] | None = None
) -> list[Listed]:
    """Published cases (bank and the academy's), by slug; only `slugs` when given."""
    latest = _latest_published(CaseVersion, CaseVersion.case_id)
    wanted = [] if slugs is None else [CaseRecord.slug.in_(list(slugs))]
    rows = db.session.execute(
        select(
            CaseRecord.id,
            CaseRecord.slug,
            CaseRecord.title,
            CaseVersion.id,
            CaseVersion.number,
            CaseVersion.summary,
        )
        .select_from(CaseRecord)
        .join(latest, latest.c.record_id == CaseRecord.id)
        .join(
            CaseVersion,
            (CaseVersion.case_id == CaseRecord.id) & (CaseVersion.number == latest.c.number),
        )
        .where((CaseRecord.academy_id.is_(None)) | (CaseRecord.academy_id == academy_id), *wanted)
        .order_by(CaseRecord.slug)
    ).all()
    return [Listed(*row[:5], row[5] or {}) for row in rows]
