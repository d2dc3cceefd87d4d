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
    counts,
    learners,
    page_ids,
    risk_reasons,
)
from quizapp.services.academy.reports.modules import FunnelRow, funnel
from quizapp.services.academy.reports.scope import (
    BAND_ORDER,
    DEFAULT_INACTIVE_DAYS,
    EXPIRY_WINDOWS,
    Scope,
    learner_ids,
)
from quizapp.services.learning.catalogue import published_modules

__all__ = [
    "BAND_ORDER",
    "DEFAULT_INACTIVE_DAYS",
    "EXPIRY_WINDOWS",
    "TABLES",
    "AcademyReport",
    "Pages",
    "Scope",
    "average_band_label",
    "band_chart",
    "build",
    "certificates",
    "expiry_chart",
    "funnel_chart",
    "grouped_bars",
    "learner_ids",
    "risk_reasons",
    "table",
]


@dataclass(frozen=True)
class Pages:
    """Which page of the learner table and of the at-risk list a report shows."""

    learners: int = 1
    at_risk: int = 1
    per_page: int = 25


@dataclass(frozen=True)
class AcademyReport:
    """The report. `learners` and `at_risk` hold every learner (for CSV and tests) or, when
    built with Pages, only the rows of the pages asked for; the counts are always the
    whole scope's."""

    scope: Scope
    generated_at: datetime
    inactive_days: int
    learner_count: int
    funnel: list[FunnelRow]
    bands: BandSummary
    learners: list[LearnerRow]
    certificates: CertificateSummary
    at_risk: list[LearnerRow]
    at_risk_count: int


def build(
    scope: Scope,
    now: datetime,
    inactive_days: int = DEFAULT_INACTIVE_DAYS,
    pages: Pages | None = None,
) -> AcademyReport:
    """Everything the reports page shows, in a fixed number of queries. The funnel and bands
    are aggregated in SQL over the summaries; with `pages`, the counts and which learners the
    two pages show come from the learner standings (one scan and two range reads in name
    order), and figures are read for those rows only (at most 2 x per_page)."""
    modules = published_modules(scope.academy_id)
    if pages is None:
        people = learners(scope, now, inactive_days, modules)
        count = len(people)
        at_risk = [row for row in people if row.at_risk]
        at_risk_count = len(at_risk)
    else:
        count, at_risk_count = counts(scope, now, inactive_days)
        learner_page, risk_page = page_ids(
            scope,
            now,
            inactive_days,
            (pages.learners - 1) * pages.per_page,
            (pages.at_risk - 1) * pages.per_page,
            pages.per_page,
        )
        rows = {
            row.user_id: row
            for row in learners(scope, now, inactive_days, modules, {*learner_page, *risk_page})
        }
        people = [rows[user_id] for user_id in learner_page]
        at_risk = [rows[user_id] for user_id in risk_page]
    return AcademyReport(
        scope,
        now,
        inactive_days,
        count,
        funnel(scope, count, modules),
        bands(scope),
        people,
        certificates(scope, now),
        at_risk,
        at_risk_count,
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
