"""xAPI statements for complication drill attempts (kept apart from services/infra/xapi.py, which
builds the quiz and case statements and calls this).

Each drill attempt gives "attempted", then "completed" and "passed" (managed) or "failed", with
its score and outcome. Ids are derived from the attempt, like the others, so repeats dedupe.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from quizapp.extensions import db
from quizapp.models import AttemptStatus, DrillAttempt, DrillRecord, User

#: A drill is a simulation, as a case study is.
DRILL_ACTIVITY_KIND = "case"


def drill_statements(
    build: Any, academy_id: int, user_ids: Any, score_of: Callable[..., dict[str, Any]]
) -> list[tuple[datetime, int, dict[str, Any]]]:
    """(when, order within the moment, statement) for the learners' drill attempts, one query;
    `build` and `score_of` are xapi.py's statement builder and score, so both files agree."""
    rows = db.session.execute(
        select(DrillAttempt, DrillRecord.slug, DrillRecord.title, User.display_name)
        .join(DrillRecord, DrillRecord.id == DrillAttempt.drill_id)
        .join(User, User.id == DrillAttempt.user_id)
        .where(DrillAttempt.academy_id == academy_id, DrillAttempt.user_id.in_(user_ids))
        .order_by(DrillAttempt.started_at, DrillAttempt.id)
    ).all()
    outcome_extension = f"{build.base}xapi/extensions/drill-outcome"
    out = []
    for attempt, slug, title, name in rows:
        actor = build.actor(attempt.user_id, name)
        drill = build.activity(f"drills/{slug}", DRILL_ACTIVITY_KIND, title)
        key = f"drill-attempt-{attempt.id}"
        out.append(
            (
                attempt.started_at,
                0,
                build.statement(key, actor, "attempted", drill, attempt.started_at),
            )
        )
        if attempt.status is not AttemptStatus.SUBMITTED:
            continue
        managed = attempt.outcome == "managed"
        score = score_of(attempt.score or 0.0, success=managed)
        score["extensions"] = {outcome_extension: attempt.outcome}
        when = attempt.submitted_at
        out.append((when, 2, build.statement(key, actor, "completed", drill, when, score)))
        verdict = "passed" if managed else "failed"
        out.append((when, 3, build.statement(key, actor, verdict, drill, when, score)))
    return out
