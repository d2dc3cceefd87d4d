"""Case studies and learners in the academy report: how plans spread over the bands, each
learner's figures, and who is at risk (inactive, failing a module repeatedly, repeated unsafe or
overfilled plans). Read from the summaries written with each attempt, like the module figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import DateTime, and_, func, select, type_coerce
from sqlalchemy import case as sql_case

from quizapp.domain.terms import BAND_LABELS
from quizapp.extensions import db
from quizapp.models import (
    Certificate,
    LearnerCases,
    Membership,
    User,
)
from quizapp.services.academy.reports.modules import learner_set, modules_and_figures
from quizapp.services.academy.reports.scope import (
    BAND_ORDER,
    BAND_POSITION,
    DEFAULT_INACTIVE_DAYS,
    FAILING_REPEATEDLY,
    RECENT_CASES,
    REPEATED_BAD_PLANS,
    Scope,
    as_utc,
    learner_ids,
)
from quizapp.services.learning.summaries import BAND_CODES
from quizapp.services.people.privacy import is_deleted_email


@dataclass(frozen=True)
class BandSummary:
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def average_position(self) -> float | None:
        """Mean place on the axis (1 under-treated … 5 overfilled); unsafe plans left out."""
        on_axis = {b: n for b, n in self.counts.items() if b in BAND_POSITION}
        total = sum(on_axis.values())
        if not total:
            return None
        return sum(BAND_POSITION[b] * n for b, n in on_axis.items()) / total

    @property
    def average_label(self) -> str:
        return average_band_label(self.average_position)

    def share(self, band: str) -> float:
        return 100.0 * self.counts.get(band, 0) / self.total if self.total else 0.0


def average_band_label(position: float | None) -> str:
    if position is None:
        return "–"
    nearest = min(BAND_POSITION, key=lambda b: abs(BAND_POSITION[b] - position))
    return BAND_LABELS[nearest]


def bands(
    scope: Scope, ids: set[int] | None = None, figures: dict[int, Any] | None = None
) -> BandSummary:
    """How many submitted case attempts fell in each band (from the cached per-learner
    figures, case_figures, passed in when the caller has them)."""
    if ids is None:
        ids = learner_set(scope)
    if figures is None:
        figures = case_figures(scope.academy_id)
    counts = {band: 0 for band in BAND_ORDER}
    for user_id in ids:
        f = figures.get(user_id)
        if f is not None:
            for band, n in zip(BAND_ORDER, f.bands, strict=True):
                counts[band] += n
    return BandSummary(counts)


@dataclass
class LearnerRow:
    user_id: int
    name: str
    email: str
    joined_at: datetime
    last_active: datetime | None = None
    modules_passed: int = 0
    failing_attempts: int = 0  # most failed attempts at one module not passed yet
    cases: int = 0
    good_cases: int = 0  # distinct cases planned conservatively or naturally
    recent_bad_plans: int = 0  # unsafe or overfilled among the last RECENT_CASES
    unsafe: int = 0
    average_band: float | None = None
    valid_certificates: int = 0
    next_expiry: datetime | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def at_risk(self) -> bool:
        return bool(self.reasons)


def risk_reasons(
    *,
    last_active: datetime | None,
    joined_at: datetime,
    failing_attempts: int,
    recent_bad_plans: int,
    now: datetime,
    inactive_days: int = DEFAULT_INACTIVE_DAYS,
) -> list[str]:
    """Why a learner needs attention, in words (pure: the rules are testable without data)."""
    reasons = []
    since = last_active or joined_at
    idle = (now - since).days
    if idle >= inactive_days:
        reasons.append(
            f"inactive for {idle} days"
            if last_active
            else f"no activity in the {idle} days since joining"
        )
    if failing_attempts >= FAILING_REPEATEDLY:
        reasons.append(f"failed a module {failing_attempts} times without passing it")
    if recent_bad_plans >= REPEATED_BAD_PLANS:
        reasons.append(
            f"{recent_bad_plans} unsafe or overfilled plans in their last {RECENT_CASES} cases"
        )
    return reasons


class _CaseFigures(NamedTuple):
    """One learner's case-study figures (see case_figures)."""

    last_at: datetime | None
    cases: int
    good: int
    recent_bad: int
    unsafe: int
    average_band: float | None
    bands: tuple[int, ...]  # submitted attempts per band, in BAND_ORDER


def case_figures(academy_id: int) -> dict[int, _CaseFigures]:
    """Per user with a case attempt in the academy: counts, the last ten cases, band counts,
    from the summaries written with each attempt (services/learning/summaries.py): one row per
    learner, one query."""
    s = LearnerCases
    rows = db.session.execute(
        select(
            s.user_id,
            type_coerce(s.last_at, DateTime()),  # without UTCDateTime's per-row hook
            s.submitted,
            s.good_cases,
            s.recent,
            *(s.__table__.c[band] for band in BAND_ORDER),
        ).where(s.academy_id == academy_id)
    ).all()
    bad = {BAND_CODES["unsafe"], BAND_CODES["overfilled"]}
    unsafe = BAND_ORDER.index("unsafe")
    positions = [BAND_POSITION.get(band) for band in BAND_ORDER]
    out = {}
    for user_id, last_at, submitted, good, recent, *counts in rows:
        on_axis = sum(n for p, n in zip(positions, counts, strict=True) if p is not None)
        position = sum(p * n for p, n in zip(positions, counts, strict=True) if p is not None)
        out[user_id] = _CaseFigures(
            as_utc(last_at),
            submitted,
            good,
            sum(1 for code in recent if code in bad),
            counts[unsafe],
            position / on_axis if on_axis else None,
            tuple(counts),
        )
    return out


def learners(
    scope: Scope,
    now: datetime,
    inactive_days: int = DEFAULT_INACTIVE_DAYS,
    figures: tuple[Any, ...] | None = None,
) -> list[LearnerRow]:
    """Every learner in scope with their figures and at-risk reasons: who the learners are and
    their certificates are read on each call, the attempt figures come from module_figures and
    case_figures (the summaries written with each attempt)."""
    people = db.session.execute(
        select(User.id, User.display_name, User.email, Membership.created_at)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.academy_id == scope.academy_id, User.id.in_(learner_ids(scope)))
        .order_by(User.display_name, User.id)
    ).all()
    rows = {p.id: LearnerRow(p.id, p.display_name, p.email, p.created_at) for p in people}
    if not rows:
        return []

    if figures is None:
        figures = (modules_and_figures(scope.academy_id), case_figures(scope.academy_id))
    (_, quiz), cases = figures
    for user_id, row in rows.items():
        for f in quiz.get(user_id, ()):
            if f.last_at is not None and (row.last_active is None or f.last_at > row.last_active):
                row.last_active = f.last_at
            if f.passed:
                row.modules_passed += 1
            elif f.failed > row.failing_attempts:
                row.failing_attempts = f.failed
        c = cases.get(user_id)
        if c is not None:
            if c.last_at is not None and (row.last_active is None or c.last_at > row.last_active):
                row.last_active = c.last_at
            row.cases = c.cases
            row.good_cases = c.good
            row.recent_bad_plans = c.recent_bad
            row.unsafe = c.unsafe
            row.average_band = c.average_band

    valid = and_(
        Certificate.revoked_at.is_(None),
        (Certificate.expires_at.is_(None)) | (Certificate.expires_at > now),
    )
    certificates = db.session.execute(
        select(
            Certificate.user_id,
            func.coalesce(func.sum(sql_case((valid, 1), else_=0)), 0).label("valid"),
            func.min(sql_case((valid, Certificate.expires_at))).label("next_expiry"),
        )
        .where(
            Certificate.academy_id == scope.academy_id,
            Certificate.user_id.in_(learner_ids(scope)),
        )
        .group_by(Certificate.user_id)
    ).all()
    for c in certificates:
        row = rows.get(c.user_id)
        if row is not None:
            row.valid_certificates = int(c.valid)
            row.next_expiry = as_utc(c.next_expiry)

    for row in rows.values():
        if is_deleted_email(row.email):
            continue  # a deleted account needs no follow-up
        row.reasons = risk_reasons(
            last_active=row.last_active,
            joined_at=row.joined_at,
            failing_attempts=row.failing_attempts,
            recent_bad_plans=row.recent_bad_plans,
            now=now,
            inactive_days=inactive_days,
        )
    return list(rows.values())
