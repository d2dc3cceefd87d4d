"""One lifecycle for cases and modules: publish, retire, discard a draft, clone from the bank,
the version to export, and the history of versions with diffs.

Publishing freezes a draft (the model refuses later changes); retiring hides the item from
trainees by retiring its published versions. Attempts point at the version taken, so nothing
here alters a past score.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AuditEntry, User
from quizapp.models.base import now_utc
from quizapp.models.content import Status
from quizapp.services.authoring.cases import (
    case_version_summary,
    check_case_text,
    replace_id,
    replace_title,
)
from quizapp.services.authoring.modules import (
    check_module_text,
    module_publish_problems,
    module_version_summary,
)
from quizapp.services.authoring.records import (
    AuthoringError,
    audit,
    free_slug,
    kind_of,
    latest,
    models_of,
    plain_data,
    save_version,
    slugs_in_use,
    target_of,
    version_of,
)


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


def clone(record, academy_id: int, actor: User, title: str | None = None):
    """Copy the newest published version of a bank item into the academy as a new draft item.

    The slug is kept when free, else suffixed (-2, -3 ...): the bank's own slug is always taken
    among what the academy's trainees see, so in practice a clone is suffixed. A `title` renames
    the copy, so trainees can tell it from the bank's item.
    """
    if record.academy_id is not None:
        raise AuthoringError("Only items of the bank can be cloned.")
    source = record.latest_published()
    if source is None:
        raise AuthoringError("This item has no published version to clone.")
    kind = kind_of(record)
    slug = free_slug(record.slug, slugs_in_use(kind, academy_id))
    text = source.source_text if slug == record.slug else replace_id(source.source_text, slug)
    title = (title or "").strip() or record.title
    if title != record.title:
        text = replace_title(text, title)
    record_model, _, _ = models_of(kind)
    copy = record_model(slug=slug, academy_id=academy_id, title=title, created_at=now_utc())
    if kind == "module":
        copy.position = record.position
        module = check_module_text(text, "clone", academy_id=academy_id, slug=slug, own_id=None)
        summary = module_version_summary(module, plain_data(text))
    elif kind == "drill":
        from quizapp.services.authoring.drills import check_drill_text, drill_version_summary

        summary = drill_version_summary(check_drill_text(text, "clone", slug=slug))
    else:
        summary = case_version_summary(check_case_text(text, "clone", slug=slug))
    db.session.add(copy)
    db.session.flush()
    version, _ = save_version(copy, actor, text, summary, title)
    audit(
        copy,
        actor,
        "clone",
        version=version.number,
        source=target_of(record),
        **{"from": f"{record.slug} v{source.number}"},
    )
    return copy


def export_version(record, number: int | None = None):
    """The version to export: the one asked for, else the newest published, else the newest."""
    if number is not None:
        return version_of(record, number)
    return record.latest_published() or latest(record)


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
    _, version_model, fk = models_of(kind_of(record))
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
