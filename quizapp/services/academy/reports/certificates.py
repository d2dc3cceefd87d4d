"""Certificates in the academy report: held per programme, and those expiring soon.
Read on every call (never cached): a certificate issued a moment ago shows at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy import case as sql_case

from quizapp.extensions import db
from quizapp.models import Certificate
from quizapp.services.academy.reports.scope import EXPIRY_WINDOWS, Scope, learner_ids


@dataclass(frozen=True)
class ProgrammeCertificates:
    programme: str
    issued: int
    valid: int
    expired: int
    revoked: int
    expiring: dict[int, int]  # days -> valid certificates running out within that many days


@dataclass(frozen=True)
class ExpiringCertificate:
    certificate_id: int
    holder: str
    programme: str
    expires_at: datetime


@dataclass(frozen=True)
class CertificateSummary:
    by_programme: list[ProgrammeCertificates]
    expiring: list[ExpiringCertificate]

    def total(self, name: str) -> int:
        return sum(getattr(p, name) for p in self.by_programme)

    def expiring_within(self, days: int) -> int:
        return sum(p.expiring.get(days, 0) for p in self.by_programme)


def certificates(scope: Scope, now: datetime) -> CertificateSummary:
    """Certificates issued, valid, expired, revoked and expiring in 30/60/90 days (2 queries)."""
    where = [Certificate.academy_id == scope.academy_id]
    if scope.cohort_id is not None:
        where.append(Certificate.user_id.in_(learner_ids(scope)))
    live = Certificate.revoked_at.is_(None)
    valid = and_(live, (Certificate.expires_at.is_(None)) | (Certificate.expires_at > now))
    expired = and_(live, Certificate.expires_at <= now)

    def within(days: int):
        return func.coalesce(
            func.sum(
                sql_case(
                    (and_(valid, Certificate.expires_at <= now + timedelta(days=days)), 1),
                    else_=0,
                )
            ),
            0,
        ).label(f"within_{days}")

    rows = db.session.execute(
        select(
            Certificate.programme_name,
            func.count().label("issued"),
            func.coalesce(func.sum(sql_case((valid, 1), else_=0)), 0).label("valid"),
            func.coalesce(func.sum(sql_case((expired, 1), else_=0)), 0).label("expired"),
            func.coalesce(
                func.sum(sql_case((Certificate.revoked_at.is_not(None), 1), else_=0)), 0
            ).label("revoked"),
            *(within(d) for d in EXPIRY_WINDOWS),
        )
        .where(*where)
        .group_by(Certificate.programme_name)
        .order_by(Certificate.programme_name)
    ).all()
    by_programme = [
        ProgrammeCertificates(
            r.programme_name,
            int(r.issued),
            int(r.valid),
            int(r.expired),
            int(r.revoked),
            {d: int(getattr(r, f"within_{d}")) for d in EXPIRY_WINDOWS},
        )
        for r in rows
    ]
    soon = db.session.execute(
        select(
            Certificate.id,
            Certificate.holder_name,
            Certificate.programme_name,
            Certificate.expires_at,
        )
        .where(
            *where,
            valid,
            Certificate.expires_at <= now + timedelta(days=max(EXPIRY_WINDOWS)),
        )
        .order_by(Certificate.expires_at, Certificate.id)
        .limit(500)
    ).all()
    return CertificateSummary(
        by_programme,
        [ExpiringCertificate(s.id, s.holder_name, s.programme_name, s.expires_at) for s in soon],
    )
