"""Whose figures a report shows (an academy's trainees or one cohort's), as a subquery, and the
thresholds the report uses: band positions, at-risk rules, expiry windows; aggregates' times as
UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from quizapp.models import Cohort, CohortMember, LearnerStanding, Membership
from quizapp.services.learning import standings, summaries

#: Position of each band on the conservative-to-overfilled axis; unsafe is off the axis.
BAND_POSITION = {
    "under_treated": 1,
    "conservative": 2,
    "natural": 3,
    "overdone": 4,
    "overfilled": 5,
}
BAND_ORDER = (*BAND_POSITION, "unsafe")
GOOD_BANDS = ("conservative", "natural")

#: At-risk rules (docs/certificates.md lists them for admins).
DEFAULT_INACTIVE_DAYS = 14
FAILING_REPEATEDLY = standings.FAILING_REPEATEDLY  # failed attempts at a module not passed yet
RECENT_CASES = summaries.RECENT_CASES  # how many of a learner's latest cases are looked at ...
REPEATED_BAD_PLANS = standings.REPEATED_BAD_PLANS  # ... for this many unsafe or overfilled plans
EXPIRY_WINDOWS = (30, 60, 90)


@dataclass(frozen=True)
class Scope:
    """Whose figures: an academy's active trainees, or one cohort's trainees."""

    academy_id: int
    cohort_id: int | None = None


def learner_ids(scope: Scope):
    """The user ids a report covers, as a subquery (never a Python list): for the academy, its
    counted learner standings (kept with every membership change); for a cohort, its trainee
    members counted the same way, read from the cohort."""
    if scope.cohort_id is not None:
        return (
            select(CohortMember.user_id)
            .join(Cohort, Cohort.id == CohortMember.cohort_id)
            .join(
                Membership,
                (Membership.user_id == CohortMember.user_id)
                & (Membership.academy_id == Cohort.academy_id),
            )
            .where(
                Cohort.id == scope.cohort_id,
                Cohort.academy_id == scope.academy_id,
                CohortMember.role == "trainee",
                standings.counted_membership(),
            )
        )
    return select(LearnerStanding.user_id).where(
        LearnerStanding.academy_id == scope.academy_id, LearnerStanding.counted.is_(True)
    )


def as_utc(value: Any) -> datetime | None:
    """Aggregates may come back without the UTC column type (naive, or text on SQLite); put UTC
    back so they compare with the server clock."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
