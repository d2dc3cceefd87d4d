"""Case studies and learners in the academy report: how plans spread over the bands, each
learner's figures, and who is at risk (inactive, failing a module repeatedly, repeated unsafe or
overfilled plans). Read from the summaries written with each attempt, like the module figures:
the academy's bands are one row kept with each write (a cohort's, one SUM); the counts, and
which learners a page shows, are range reads of the learner standings
(services/learning/standings.py: name order and the at-risk inputs, kept with each write), and
a learner's figures are read for the rows shown (learners(..., only=...)).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, and_, func, literal, select, type_coerce, union_all
from sqlalchemy import case as sql_case

from quizapp.domain.terms import BAND_LABELS
from quizapp.extensions import db
from quizapp.models import Certificate, LearnerCases, LearnerStanding, Membership, User
from quizapp.models.summaries import AcademyBands
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
from quizapp.services.learning.catalogue import published_modules
from quizapp.services.learning.standings import (
    at_risk_condition,
    later_of,
    module_totals,
    recent_bad_count,
)
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


def bands(scope: Scope) -> BandSummary:
    """How many submitted case attempts of the learners in scope fell in each band: for the
    whole academy, its bands row kept with each write (models.AcademyBands, zeros when it has
    none yet); for a cohort, one SUM over its learners' one-row-per-learner case summaries."""
    if scope.cohort_id is None:
        kept = db.session.execute(
            select(*(AcademyBands.__table__.c[band] for band in BAND_ORDER)).where(
                AcademyBands.academy_id == scope.academy_id
            )
        ).one_or_none()
        row = kept or (0,) * len(BAND_ORDER)
    else:
        c = LearnerCases
        row = db.session.execute(
            select(*(func.coalesce(func.sum(c.__table__.c[b]), 0) for b in BAND_ORDER)).where(
                c.academy_id == scope.academy_id, c.user_id.in_(learner_ids(scope))
            )
        ).one()
    return BandSummary({band: int(n) for band, n in zip(BAND_ORDER, row, strict=True)})


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


def _learner_select(
    scope: Scope,
    modules: Sequence[Any],
    only: Iterable[int] | None,
    *columns: Any,
):
    """The learners in scope, each joined to their module totals and case summary, with
    `columns` chosen by the caller from the names given to them."""
    m = module_totals(scope.academy_id, modules, only)
    c = LearnerCases
    named = {
        "last_active": type_coerce(later_of(m.c.last_at, c.last_at), DateTime()),  # as_utc: UTC
        "passed": func.coalesce(m.c.passed, 0),
        "failing": func.coalesce(m.c.failing, 0),
        "recent_bad": recent_bad_count(c.recent),
    }
    where = [Membership.academy_id == scope.academy_id]
    st = LearnerStanding
    if scope.cohort_id is None:  # the academy's counted learners: a primary-key probe each
        in_scope = (st.academy_id == scope.academy_id) & (st.user_id == User.id) & st.counted
    else:
        in_scope = (st.academy_id == scope.academy_id) & (st.user_id == User.id)
        where.append(User.id.in_(learner_ids(scope)))
    if only is not None:
        where.append(User.id.in_(list(only)))
    return (
        select(*(named.get(col, col) if isinstance(col, str) else col for col in columns))
        .select_from(User)
        .join(st, in_scope)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(m, m.c.user_id == User.id)
        .outerjoin(c, (c.user_id == User.id) & (c.academy_id == scope.academy_id))
        .where(*where)
        .order_by(User.display_name, User.id)
    )


def _standings_in(scope: Scope) -> list[Any]:
    st = LearnerStanding
    if scope.cohort_id is None:
        return [st.academy_id == scope.academy_id, st.counted.is_(True)]
    return [st.academy_id == scope.academy_id, st.user_id.in_(learner_ids(scope))]


def _at_risk(now: datetime, inactive_days: int) -> Any:
    """The at-risk rules on a standing, deleted accounts left out (they need no follow-up)."""
    return LearnerStanding.deleted.is_(False) & at_risk_condition(now, inactive_days)


def counts(
    scope: Scope, now: datetime, inactive_days: int = DEFAULT_INACTIVE_DAYS
) -> tuple[int, int]:
    """Learners in scope and how many of them are at risk: one scan of their standings."""
    risky = sql_case((_at_risk(now, inactive_days), 1), else_=0)
    total, at_risk = db.session.execute(
        select(func.count(), func.coalesce(func.sum(risky), 0)).where(*_standings_in(scope))
    ).one()
    return int(total), int(at_risk)


def page_ids(
    scope: Scope,
    now: datetime,
    inactive_days: int,
    learners_offset: int,
    at_risk_offset: int,
    per_page: int,
) -> tuple[list[int], list[int]]:
    """The ids of one page of learners and one page of learners at risk, in the report's order
    (name, id): two range reads of the standings' name-order index, in one statement."""
    st = LearnerStanding

    def page(kind: int, offset: int, *where: Any):
        ordered = (
            select(st.user_id, literal(kind).label("kind"))
            .where(*_standings_in(scope), *where)
            .order_by(st.sort_name, st.user_id)
            .limit(per_page)
            .offset(offset)
            .subquery()
        )
        return select(ordered.c.user_id, ordered.c.kind)

    rows = db.session.execute(
        union_all(page(0, learners_offset), page(1, at_risk_offset, _at_risk(now, inactive_days)))
    ).all()
    return [u for u, kind in rows if kind == 0], [u for u, kind in rows if kind == 1]


def learners(
    scope: Scope,
    now: datetime,
    inactive_days: int = DEFAULT_INACTIVE_DAYS,
    modules: Sequence[Any] | None = None,
    only: Iterable[int] | None = None,
) -> list[LearnerRow]:
    """The learners in scope (those of `only`, when given) with their figures and at-risk
    reasons, in the report's order: one query over the summaries written with each attempt and
    the certificates."""
    if modules is None:
        modules = published_modules(scope.academy_id)
    if only is not None:
        only = sorted(set(only))
        if not only:
            return []
    valid = and_(
        Certificate.revoked_at.is_(None),
        (Certificate.expires_at.is_(None)) | (Certificate.expires_at > now),
    )
    # Joined to the learners in scope below: no scope filter needed here.
    cert_where = [Certificate.academy_id == scope.academy_id]
    if only is not None:
        cert_where.append(Certificate.user_id.in_(only))
    certs = (
        select(
            Certificate.user_id,
            func.coalesce(func.sum(sql_case((valid, 1), else_=0)), 0).label("valid"),
            func.min(sql_case((valid, Certificate.expires_at))).label("next_expiry"),
        )
        .where(*cert_where)
        .group_by(Certificate.user_id)
        .subquery("certificate_totals")
    )
    c = LearnerCases
    statement = _learner_select(
        scope,
        modules,
        only,
        User.id,
        User.display_name,
        User.email,
        Membership.created_at,
        "last_active",
        "passed",
        "failing",
        "recent_bad",
        func.coalesce(c.submitted, 0),
        func.coalesce(c.good_cases, 0),
        *(func.coalesce(c.__table__.c[band], 0) for band in BAND_ORDER),
        func.coalesce(certs.c.valid, 0),
        type_coerce(certs.c.next_expiry, DateTime()),
    ).outerjoin(certs, certs.c.user_id == User.id)
    positions = [BAND_POSITION.get(band) for band in BAND_ORDER]
    unsafe = BAND_ORDER.index("unsafe")
    out = []
    for row in db.session.execute(statement):
        (user_id, name, email, joined, last_active, passed, failing, recent_bad, cases, good) = row[
            :10
        ]
        counts = row[10 : 10 + len(BAND_ORDER)]
        valid_count, next_expiry = row[10 + len(BAND_ORDER) :]
        on_axis = sum(n for p, n in zip(positions, counts, strict=True) if p is not None)
        position = sum(p * n for p, n in zip(positions, counts, strict=True) if p is not None)
        learner = LearnerRow(
            user_id,
            name,
            email,
            joined,
            as_utc(last_active),
            int(passed),
            int(failing),
            int(cases),
            int(good),
            int(recent_bad),
            int(counts[unsafe]),
            position / on_axis if on_axis else None,
            int(valid_count),
            as_utc(next_expiry),
        )
        if not is_deleted_email(email):  # a deleted account needs no follow-up
            learner.reasons = risk_reasons(
                last_active=learner.last_active,
                joined_at=joined,
                failing_attempts=learner.failing_attempts,
                recent_bad_plans=learner.recent_bad_plans,
                now=now,
                inactive_days=inactive_days,
            )
        out.append(learner)
    return out
