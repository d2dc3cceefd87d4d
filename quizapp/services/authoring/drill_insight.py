"""Insight on complication drills: outcomes per drill and the actions trainees miss most.

Two aggregate queries over an academy's submitted drill attempts and their judged actions,
whatever the number of drills or attempts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import AttemptStatus, DrillActionResult, DrillAttempt, DrillRecord
from quizapp.services.learning.drills import drill_content

#: Missed actions listed per drill.
TOP_MISSED = 3


@dataclass
class DrillStat:
    id: int
    title: str
    attempts: int
    trainees: int
    mean: float | None
    outcomes: dict[str, int]
    missed: list[tuple[str, int]] = field(default_factory=list)  # (action label, times missed)


def drill_stats(academy_id: int) -> list[DrillStat]:
    """Every drill with submitted attempts in the academy, most attempted first."""
    submitted = (DrillAttempt.academy_id == academy_id) & (
        DrillAttempt.status == AttemptStatus.SUBMITTED
    )
    outcome_counts = [
        func.coalesce(func.sum(sql_case((DrillAttempt.outcome == name, 1), else_=0)), 0).label(name)
        for name in ("managed", "partly_managed", "not_managed", "unsafe")
    ]
    rows = db.session.execute(
        select(
            DrillRecord.id,
            DrillRecord.title,
            func.count(DrillAttempt.id).label("attempts"),
            func.count(func.distinct(DrillAttempt.user_id)).label("trainees"),
            func.avg(DrillAttempt.score).label("mean"),
            *outcome_counts,
        )
        .join(DrillAttempt, DrillAttempt.drill_id == DrillRecord.id)
        .where(submitted)
        .group_by(DrillRecord.id, DrillRecord.title)
        .order_by(func.count(DrillAttempt.id).desc(), DrillRecord.title)
    ).all()
    stats = {
        row.id: DrillStat(
            row.id,
            row.title,
            int(row.attempts),
            int(row.trainees),
            float(row.mean) if row.mean is not None else None,
            {
                name: int(getattr(row, name))
                for name in ("managed", "partly_managed", "not_managed", "unsafe")
            },
        )
        for row in rows
    }
    missed = db.session.execute(
        select(
            DrillAttempt.drill_id,
            DrillActionResult.action,
            func.count(DrillActionResult.id).label("times"),
            func.max(DrillAttempt.drill_version_id).label("version_id"),
        )
        .join(DrillAttempt, DrillAttempt.id == DrillActionResult.attempt_id)
        .where(submitted, DrillActionResult.verdict == "missed")
        .group_by(DrillAttempt.drill_id, DrillActionResult.action)
        .order_by(func.count(DrillActionResult.id).desc(), DrillActionResult.action)
    ).all()
    for row in missed:
        stat = stats.get(row.drill_id)
        if stat is not None and len(stat.missed) < TOP_MISSED:
            stat.missed.append((_action_label(row.version_id, row.action), int(row.times)))
    return list(stats.values())


def _action_label(version_id: int, action_id: str) -> str:
    from quizapp.models import DrillVersion

    version = db.session.get(DrillVersion, version_id)
    action = drill_content(version).action(action_id) if version else None
    return action.label if action else action_id
