"""What a submission earned: a quiz or case attempt closed by this call, and the certificates it
completed (issued in the same transaction, so the request's one commit keeps both or neither)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from quizapp.models import Certificate
from quizapp.services.academy import certification


@dataclass(frozen=True)
class Submitted:
    certificates: list[Certificate]


def certify(user_id: int, academy_id: int | None, now: datetime) -> Submitted:
    """Issue what the trainee has just earned; none outside an academy."""
    if academy_id is None:
        return Submitted([])
    return Submitted(certification.issue_earned(user_id, academy_id, now))
