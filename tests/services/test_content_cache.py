"""Content lists are cached per worker under the database's content token
(services/learning/catalogue.py):
they must show every committed change at once, never a rolled-back one, and cost one query."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.models import ContentGeneration, ModuleRecord, ModuleVersion
from quizapp.models.content import Status
from quizapp.services.learning import catalogue


def _publish_module(session, slug: str, title: str, number: int = 1, record=None) -> ModuleRecord:
    record = record or ModuleRecord(slug=slug, title=title, position=1)
    record.title = title
    session.add(record)
    session.flush()
    session.add(
        ModuleVersion(
            module_id=record.id,
            number=number,
            status=Status.PUBLISHED,
            source_text=f"title: {title}",
            content_hash=f"{slug}-{number}",
            summary={"title": title, "pass_mark": 70},
        )
    )
    return record


def _titles(academy_id=None) -> list[str]:
    return [m.title for m in catalogue.published_modules(academy_id)]


def test_a_repeat_listing_costs_one_primary_key_read(db, count_queries):
    _publish_module(db.session, "m-one", "Module one")
    db.session.commit()
    assert _titles() == ["Module one"]  # fills the cache
    db.session.rollback()  # a new transaction, as a new request would start
    with count_queries() as statements:
        assert _titles() == ["Module one"]
    assert len(statements) == 1 and "content_generation" in statements[0]
    # Within one transaction the token is read once: a second listing costs nothing.
    with count_queries() as statements:
        assert _titles() == ["Module one"]
    assert statements == []


def test_a_change_committed_elsewhere_shows_at_once(db):
    record = _publish_module(db.session, "m-one", "Module one")
    db.session.commit()
    assert _titles() == ["Module one"]
    token = db.session.scalar(select(ContentGeneration.token))
    # Another worker's session: a new title and a second version, committed there.
    with Session(db.engine) as other:
        theirs = other.get(ModuleRecord, record.id)
        _publish_module(other, "m-one", "Module one, revised", number=2, record=theirs)
        _publish_module(other, "m-two", "Module two")
        other.commit()
    db.session.rollback()  # end this session's transaction, as a new request would
    assert db.session.scalar(select(ContentGeneration.token)) != token
    assert _titles() == ["Module one, revised", "Module two"]
    version = catalogue.published_modules()[0].version
    assert version == 2


def test_retiring_the_only_version_removes_the_module_from_the_list(db):
    _publish_module(db.session, "m-one", "Module one")
    db.session.commit()
    assert _titles() == ["Module one"]
    db.session.scalars(select(ModuleVersion)).one().status = Status.RETIRED
    db.session.commit()
    assert _titles() == []


def test_uncommitted_changes_are_read_but_never_cached(db):
    _publish_module(db.session, "m-one", "Module one")
    db.session.commit()
    assert _titles() == ["Module one"]
    _publish_module(db.session, "m-draft", "Never committed")
    assert _titles() == ["Module one", "Never committed"]  # this session sees its own change
    db.session.rollback()
    assert _titles() == ["Module one"]


def test_case_listing_filters_the_cached_list_by_slug(db, count_queries):
    from quizapp.models import CaseRecord, CaseVersion

    for slug in ("a-case", "b-case", "c-case"):
        record = CaseRecord(slug=slug, title=slug.title())
        db.session.add(record)
        db.session.flush()
        db.session.add(
            CaseVersion(
                case_id=record.id,
                number=1,
                status=Status.PUBLISHED,
                source_text=slug,
                content_hash=slug,
                summary={"title": slug},
            )
        )
    db.session.commit()
    assert [c.slug for c in catalogue.case_listing()] == ["a-case", "b-case", "c-case"]
    db.session.rollback()  # a new transaction, as a new request would start
    with count_queries() as statements:
        assert [c.slug for c in catalogue.case_listing(None, ["c-case", "a-case"])] == [
            "a-case",
            "c-case",
        ]
    assert len(statements) == 1


def test_the_worker_cache_forgets_the_least_recently_used_entry_first():
    from quizapp.services.infra.workercache import LruCache

    cache = LruCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2
