"""Academy reports: completion funnel, pass rates, case bands, learners at risk, certificates.

A report costs the same handful of queries for ten learners or ten thousand. The per-learner
attempt figures come from the summaries each attempt writes in its own transaction
(services/learning/summaries.py): one narrow row per learner and module or case, so the report
is as fast on a worker's first request as on its hundredth. Who is in scope, certificates and
the clock are read on every call.

One file per part: scope (who is counted), modules, learners (bands and who is at risk),
certificates, charts. This module builds the whole report and turns its tables into CSV rows
(services/infra/csvout.py neutralises formulas).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quizapp.domain.terms import BAND_LABELS
from quizapp.services.academy.reports.certificates import CertificateSummary, certificates
from quizapp.services.academy.reports.charts import (
    band_chart,
    expiry_chart,
    funnel_chart,
    grouped_bars,
)
from quizapp.services.academy.reports.learners import (
    BandSummary,
    LearnerRow,
    average_band_label,
    bands,
    case_figures,
    learners,
    risk_reasons,
)
from quizapp.services.academy.reports.modules import (
    FunnelRow,
    funnel,
    module_figures,
    modules_and_figures,
)
from quizapp.services.academy.reports.scope import (
    BAND_ORDER,
    DEFAULT_INACTIVE_DAYS,
    EXPIRY_WINDOWS,
    Scope,
    learner_ids,
)

__all__ = [
    "BAND_ORDER",
    "DEFAULT_INACTIVE_DAYS",
    "EXPIRY_WINDOWS",
    "TABLES",
    "AcademyReport",
    "Scope",
    "average_band_label",
    "band_chart",
    "build",
    "case_figures",
    "certificates",
    "expiry_chart",
    "funnel_chart",
    "grouped_bars",
    "learner_ids",
    "module_figures",
    "risk_reasons",
    "table",
]


@dataclass(frozen=True)
class AcademyReport:
    scope: Scope
    generated_at: datetime
    inactive_days: int
    learner_count: int
    funnel: list[FunnelRow]
    bands: BandSummary
    learners: list[LearnerRow]
    certificates: CertificateSummary

    @property
    def at_risk(self) -> list[LearnerRow]:
        return [row for row in self.learners if row.at_risk]


def build(scope: Scope, now: datetime, inactive_days: int = DEFAULT_INACTIVE_DAYS) -> AcademyReport:
    """Everything the reports page shows, in a fixed number of queries."""
    figures = (modules_and_figures(scope.academy_id), case_figures(scope.academy_id))
    people = learners(scope, now, inactive_days, figures)
    ids = {row.user_id for row in people}
    return AcademyReport(
        scope,
        now,
        inactive_days,
        len(people),
        funnel(scope, len(people), ids, figures[0]),
        bands(scope, ids, figures[1]),
        people,
        certificates(scope, now),
    )


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------


def table(report: AcademyReport, name: str) -> tuple[list[str], Iterable[list[Any]]]:
    """One of the report's tables as a header and rows (for CSV; the learners' rows are a
    generator)."""
    if name == "funnel":
        return (
            [
                "module",
                "title",
                "pass mark %",
                "learners",
                "started",
                "submitted",
                "passed",
                "pass rate %",
                "average best %",
            ],
            [
                [
                    r.slug,
                    r.title,
                    r.pass_mark,
                    r.learners,
                    r.started,
                    r.submitted,
                    r.passed,
                    r.pass_rate,
                    r.average_best,
                ]
                for r in report.funnel
            ],
        )
    if name == "bands":
        summary = report.bands
        return (
            ["band", "case attempts", "share %"],
            [[BAND_LABELS[b], summary.counts[b], summary.share(b)] for b in BAND_ORDER],
        )
    if name == "learners":
        return (
            [
                "name",
                "email",
                "last active",
                "modules passed",
                "most failed attempts",
                "cases submitted",
                "good cases",
                "unsafe or overfilled (last 10)",
                "unsafe",
                "average band",
                "valid certificates",
                "next expiry",
                "at risk because",
            ],
            (  # lazily: the CSV is streamed (services/csvout.csv_stream)
                [
                    r.name,
                    r.email,
                    r.last_active,
                    r.modules_passed,
                    r.failing_attempts,
                    r.cases,
                    r.good_cases,
                    r.recent_bad_plans,
                    r.unsafe,
                    average_band_label(r.average_band),
                    r.valid_certificates,
                    r.next_expiry,
                    "; ".join(r.reasons),
                ]
                for r in report.learners
            ),
        )
    if name == "certificates":
        return (
            [
                "programme",
                "issued",
                "valid",
                "expired",
                "revoked",
                *(f"expiring within {d} days" for d in EXPIRY_WINDOWS),
            ],
            [
                [
                    p.programme,
                    p.issued,
                    p.valid,
                    p.expired,
                    p.revoked,
                    *(p.expiring[d] for d in EXPIRY_WINDOWS),
                ]
                for p in report.certificates.by_programme
            ],
        )
    if name == "expiring":
        return (
            ["holder", "programme", "expires"],
            [[e.holder, e.programme, e.expires_at] for e in report.certificates.expiring],
        )
    raise KeyError(name)


TABLES = ("funnel", "bands", "learners", "certificates", "expiring")
