"""What content is available: published modules and cases, for list pages (fixed query count).

Nearly every trainee page needs these lists and they change only when an educator publishes,
retires or imports, so each worker keeps them under the database's content token
(models.ContentGeneration, changed in the same transaction as any content change): one
primary-key read instead of a join over every version, and never stale. A session holding its
own uncommitted content changes reads the tables directly and caches nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from quizapp.extensions import db
from quizapp.models import CaseRecord, CaseVersion, ContentGeneration, ModuleRecord, ModuleVersion
from quizapp.models.content import CONTENT_CHANGED, Status
from quizapp.services.infra.workercache import LruCache

# (database, kind, academy) -> (content token, rows), per worker
_listings = LruCache(max_entries=64)
# session.info key: (the transaction, the content token it read)
_READ_MEMO = "quizapp.content_generation_read"


@dataclass(frozen=True)
class Listed:
    """One row of a content list: the record and its newest published version's summary."""

    id: int
    slug: str
    title: str
    version_id: int
    version: int
    summary: dict[str, Any]
    # The version's content hash: its parsed content can come from a worker's parse cache
    # without reading the version's text (None where a caller built the row without it).
    content_hash: str | None = None


def _latest_published(version_model, record_fk):
    return (
        select(record_fk.label("record_id"), func.max(version_model.number).label("number"))
        .where(version_model.status == Status.PUBLISHED)
        .group_by(record_fk)
        .subquery()
    )


def _content_token() -> int | None:
    """The content token, or None when nothing may be cached (no token row, or this session
    has uncommitted content changes)."""
    session = db.session()  # the request's session (the scoped proxy has no get_transaction)
    transaction = session.get_transaction()
    memo = db.session.info.get(_READ_MEMO)
    if memo is not None and transaction is not None and memo[0] is transaction:
        token = memo[1]  # read once per transaction: one request's lists share one read
    else:
        token = db.session.scalar(select(ContentGeneration.token).where(ContentGeneration.id == 1))
        session.info[_READ_MEMO] = (session.get_transaction(), token)
    if db.session.info.get(CONTENT_CHANGED):  # checked after the read: it may have autoflushed
        return None
    return token


def content_token_column():
    """The content token as a scalar subquery, for a statement every page runs anyway (the
    user loader's): the lists then cost no statement of their own."""
    return select(ContentGeneration.token).where(ContentGeneration.id == 1).scalar_subquery()


def remember_content_token(token: int | None) -> None:
    """Keep a token read by another statement of this transaction, as `_content_token` would."""
    session = db.session()
    session.info[_READ_MEMO] = (session.get_transaction(), token)


def _cached(kind: str, academy_id: int | None, compute: Callable[[], list[Listed]]) -> list[Listed]:
    token = _content_token()
    if token is None:
        return compute()
    key = (db.engine.url.render_as_string(hide_password=True), kind, academy_id)
    entry = _listings.get(key)
    if entry is not None and entry[0] == token:
        return list(entry[1])
    rows = compute()
    _listings.put(key, (token, rows))
    return list(rows)


def published_modules(academy_id: int | None = None) -> list[Listed]:
    """Bank modules plus the academy's own, in curriculum order (cached under the content
    token; the summaries are shared: read them, never change them)."""
    return _cached("modules", academy_id, lambda: _query_modules(academy_id))


def published_modules_select(academy_id: int | None, *columns: Any) -> Select:
    """`columns` of the academy's published modules (the bank's and its own), each joined to its
    newest published version (ModuleRecord and ModuleVersion), for the caller to run."""
    latest = _latest_published(ModuleVersion, ModuleVersion.module_id)
    return (
        select(*columns)
        .select_from(ModuleRecord)
        .join(latest, latest.c.record_id == ModuleRecord.id)
        .join(
            ModuleVersion,
            (ModuleVersion.module_id == ModuleRecord.id)
            & (ModuleVersion.number == latest.c.number),
        )
        .where((ModuleRecord.academy_id.is_(None)) | (ModuleRecord.academy_id == academy_id))
    )


def _query_modules(academy_id: int | None) -> list[Listed]:
    rows = db.session.execute(
        published_modules_select(  # plain columns, not entities: no ORM objects for a list page
            academy_id,
            ModuleRecord.id,
            ModuleRecord.slug,
            ModuleRecord.title,
            ModuleVersion.id,
            ModuleVersion.number,
            ModuleVersion.summary,
            ModuleVersion.content_hash,
        ).order_by(ModuleRecord.position, ModuleRecord.id)
    ).all()
    return [Listed(*row[:5], row[5] or {}, row[6]) for row in rows]


def case_listing(
    academy_id: int | None = None, slugs: Collection[str] | None = None
) -> list[Listed]:
    """Published cases (bank and the academy's), by slug; only `slugs` when given (cached
    under the content token, like published_modules)."""
    cases = _cached("cases", academy_id, lambda: _query_cases(academy_id))
    if slugs is None:
        return cases
    wanted = set(slugs)
    return [c for c in cases if c.slug in wanted]


def _query_cases(academy_id: int | None) -> list[Listed]:
    latest = _latest_published(CaseVersion, CaseVersion.case_id)
    rows = db.session.execute(
        select(
            CaseRecord.id,
            CaseRecord.slug,
            CaseRecord.title,
            CaseVersion.id,
            CaseVersion.number,
            CaseVersion.summary,
            CaseVersion.content_hash,
        )
        .select_from(CaseRecord)
        .join(latest, latest.c.record_id == CaseRecord.id)
        .join(
            CaseVersion,
            (CaseVersion.case_id == CaseRecord.id) & (CaseVersion.number == latest.c.number),
        )
        .where((CaseRecord.academy_id.is_(None)) | (CaseRecord.academy_id == academy_id))
        .order_by(CaseRecord.slug)
    ).all()
    return [Listed(*row[:5], row[5] or {}, row[6]) for row in rows]
