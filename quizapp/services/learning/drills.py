"""Complication drill attempts: start, take actions on the server's clock, submit once.

Each action is a row stamped with the server's time; the elapsed seconds the engine judges are
measured from the attempt's `started_at`, so the browser's clock plays no part. Taking an action
and submitting are both conditional on the attempt still being open: an action posted after the
submission is refused, and a double-posted submission stores one result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from quizapp.domain.drills import Drill, DrillResult, TakenAction, score_drill
from quizapp.extensions import db
from quizapp.formats.drills import load_drill_text
from quizapp.models import (
    AttemptStatus,
    DrillActionResult,
    DrillAttempt,
    DrillRecord,
    DrillStep,
    DrillVersion,
)
from quizapp.services.learning.catalogue import Listed, _cached, _latest_published

#: Actions one attempt may record: a drill offers at most 30, each may be repeated a little.
MAX_STEPS = 60


class DrillRefused(Exception):
    """The trainee may not do this now; the message is safe to show."""


_DRILL_CACHE: dict[str, Drill] = {}


def drill_content(version: DrillVersion) -> Drill:
    """The parsed drill of a version; published text never changes, so it is parsed once."""
    cached = _DRILL_CACHE.get(version.content_hash)
    if cached is None:
        cached = load_drill_text(version.source_text, f"drill version {version.id}")
        if len(_DRILL_CACHE) > 256:
            _DRILL_CACHE.clear()
        _DRILL_CACHE[version.content_hash] = cached
    return cached


def drill_listing(academy_id: int | None, slugs: Collection[str] | None = None) -> list[Listed]:
    """Published drills of the bank and the academy, by slug (only `slugs` when given); cached
    under the content token like modules and cases (services/learning/catalogue.py)."""
    drills = _cached("drills", academy_id, lambda: _query_drills(academy_id))
    if slugs is not None:
        wanted = set(slugs)
        drills = [d for d in drills if d.slug in wanted]
    return drills


def _query_drills(academy_id: int | None) -> list[Listed]:
    latest = _latest_published(DrillVersion, DrillVersion.drill_id)
    query = (
        select(
            DrillRecord.id,
            DrillRecord.slug,
            DrillRecord.title,
            DrillVersion.id,
            DrillVersion.number,
            DrillVersion.summary,
        )
        .select_from(DrillRecord)
        .join(latest, latest.c.record_id == DrillRecord.id)
        .join(
            DrillVersion,
            (DrillVersion.drill_id == DrillRecord.id) & (DrillVersion.number == latest.c.number),
        )
        .where((DrillRecord.academy_id.is_(None)) | (DrillRecord.academy_id == academy_id))
        .order_by(DrillRecord.slug)
    )
    # The published version's own title: an academy's newer draft may already have renamed it.
    return [
        Listed(row[0], row[1], (row[5] or {}).get("title") or row[2], row[3], row[4], row[5] or {})
        for row in db.session.execute(query).all()
    ]


@dataclass
class DrillProgress:
    listed: Listed
    attempts: int
    last_outcome: str | None
    last_score: float | None
    open_attempt_id: int | None


def drill_progress(
    user_id: int,
    academy_id: int | None,
    slugs: Collection[str] | None = None,
    attempts: Iterable[Any] | None = None,
) -> list[DrillProgress]:
    """Every published drill (or only `slugs`) with the trainee's last result: one query (the
    listing is cached under the content token), none when there is no drill or when the
    caller passes the trainee's `attempts` at these drills (as progress.learner_attempts
    reads them: by drill and id, the outcome as `band`)."""
    drills = drill_listing(academy_id, slugs)
    if not drills:
        return []
    if attempts is None:
        attempts = db.session.execute(
            select(
                DrillAttempt.id,
                DrillAttempt.drill_id.label("record_id"),
                DrillAttempt.status,
                DrillAttempt.outcome.label("band"),
                DrillAttempt.score,
            )
            .where(
                DrillAttempt.user_id == user_id, DrillAttempt.drill_id.in_([d.id for d in drills])
            )
            .order_by(DrillAttempt.drill_id, DrillAttempt.id)
        ).all()
    by_drill: dict[int, list[Any]] = {}
    for row in attempts:
        by_drill.setdefault(row.record_id, []).append(row)
    progress = []
    for listed in drills:
        tried = by_drill.get(listed.id, [])
        submitted = [a for a in tried if a.status is AttemptStatus.SUBMITTED]
        open_attempt = next((a for a in tried if a.status is AttemptStatus.IN_PROGRESS), None)
        last = submitted[-1] if submitted else None
        progress.append(
            DrillProgress(
                listed,
                len(submitted),
                last.band if last else None,
                last.score if last else None,
                open_attempt.id if open_attempt else None,
            )
        )
    return progress


def start_or_resume(user_id: int, academy_id: int, listed: Listed, now: datetime) -> DrillAttempt:
    """The trainee's open attempt at this drill, or a new one whose clock starts now."""
    existing = _open_attempt(user_id, listed.id)
    if existing is not None:
        return existing
    attempt = DrillAttempt(
        user_id=user_id,
        academy_id=academy_id,
        drill_id=listed.id,
        drill_version_id=listed.version_id,
        started_at=now,
        updated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:  # another tab started it first
        existing = _open_attempt(user_id, listed.id)
        if existing is None:
            raise
        return existing
    return attempt


def _open_attempt(user_id: int, drill_id: int) -> DrillAttempt | None:
    return db.session.scalar(
        select(DrillAttempt).where(
            DrillAttempt.user_id == user_id,
            DrillAttempt.drill_id == drill_id,
            DrillAttempt.status == AttemptStatus.IN_PROGRESS,
        )
    )


def attempt_for(user_id: int, attempt_id: int) -> DrillAttempt | None:
    """The attempt if it belongs to this trainee; anyone else's does not exist for them."""
    attempt = db.session.get(DrillAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        return None
    return attempt


def elapsed_seconds(attempt: DrillAttempt, when: datetime) -> float:
    return max(0.0, (when - attempt.started_at).total_seconds())


def take_action(
    attempt: DrillAttempt, action_id: str, dose: Mapping[str, str], now: datetime
) -> DrillStep:
    """Record one action at the server's time; refused once the attempt is submitted."""
    drill = drill_content(attempt.drill_version)
    action = drill.action(action_id)
    if action is None:
        raise DrillRefused("Choose one of the actions offered.")
    chosen: dict[str, str] = {}
    for field in action.fields:
        value = dose.get(field.id)
        if value not in field.options:
            raise DrillRefused(f"Choose {field.label.lower()} for “{action.label}”.")
        chosen[field.id] = value
    if len(attempt.steps) >= MAX_STEPS:
        raise DrillRefused("This attempt has recorded as many actions as it can; finish it.")
    # Conditional on the attempt still being open; on PostgreSQL the row lock it takes makes a
    # racing submission wait for this action, so the action is either judged or refused.
    still_open = db.session.execute(
        update(DrillAttempt)
        .where(DrillAttempt.id == attempt.id, DrillAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if still_open.rowcount != 1:
        raise DrillRefused("This drill has been submitted; it can no longer change.")
    step = DrillStep(attempt_id=attempt.id, action=action_id, dose=chosen, taken_at=now)
    db.session.add(step)
    db.session.flush()
    return step


def taken_actions(attempt: DrillAttempt) -> list[TakenAction]:
    steps = db.session.scalars(
        select(DrillStep)
        .where(DrillStep.attempt_id == attempt.id)
        .order_by(DrillStep.taken_at, DrillStep.id)
    ).all()
    return [TakenAction.of(s.action, elapsed_seconds(attempt, s.taken_at), s.dose) for s in steps]


def submit(attempt: DrillAttempt, now: datetime) -> DrillResult | None:
    """Close the attempt and judge it; None if it was already submitted (nothing changed).

    The claim comes first, so every action recorded before it is judged and none after it."""
    claimed = db.session.execute(
        update(DrillAttempt)
        .where(DrillAttempt.id == attempt.id, DrillAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(attempt)
        return None
    result = score_drill(drill_content(attempt.drill_version), taken_actions(attempt))
    db.session.execute(
        update(DrillAttempt)
        .where(DrillAttempt.id == attempt.id)
        .values(score=result.score, outcome=result.outcome, result=result.to_dict())
        .execution_options(synchronize_session=False)
    )
    db.session.add_all(
        DrillActionResult(
            attempt_id=attempt.id,
            drill_version_id=attempt.drill_version_id,
            action=v.action,
            verdict=v.verdict,
        )
        for v in result.verdicts
    )
    db.session.flush()
    db.session.refresh(attempt)
    return result


def submitted_count(user_id: int) -> int:
    return db.session.scalar(
        select(func.count(DrillAttempt.id)).where(
            DrillAttempt.user_id == user_id, DrillAttempt.status == AttemptStatus.SUBMITTED
        )
    )


def export_rows(user_id: int) -> list[dict[str, Any]]:
    """A trainee's drill attempts for their data export: each action with its server time, and
    the result once submitted (two queries)."""
    attempts = db.session.execute(
        select(DrillAttempt, DrillRecord.slug, DrillVersion.number)
        .join(DrillRecord, DrillRecord.id == DrillAttempt.drill_id)
        .join(DrillVersion, DrillVersion.id == DrillAttempt.drill_version_id)
        .where(DrillAttempt.user_id == user_id)
        .order_by(DrillAttempt.started_at, DrillAttempt.id)
    ).all()
    steps: dict[int, list[dict[str, Any]]] = {}
    for step in db.session.scalars(
        select(DrillStep)
        .join(DrillAttempt, DrillAttempt.id == DrillStep.attempt_id)
        .where(DrillAttempt.user_id == user_id)
        .order_by(DrillStep.taken_at, DrillStep.id)
    ):
        steps.setdefault(step.attempt_id, []).append(
            {"action": step.action, "dose": step.dose, "taken_at": step.taken_at.isoformat()}
        )
    return [
        {
            "id": attempt.id,
            "academy_id": attempt.academy_id,
            "drill_slug": slug,
            "drill_version": number,
            "status": attempt.status.value,
            "started_at": attempt.started_at.isoformat(),
            "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
            "score": attempt.score,
            "outcome": attempt.outcome,
            "actions": steps.get(attempt.id, []),
            "result": attempt.result,
        }
        for attempt, slug, number in attempts
    ]
