"""Modules in the academy report: the completion funnel and pass rates. For the whole academy,
read from the per-module funnel kept with each write (models.ModuleFunnel,
services/learning/standings.py); for a cohort, one GROUP BY over its learners' module summaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import LearnerModuleSummary, ModuleFunnel
from quizapp.services.academy.reports.scope import Scope, learner_ids
from quizapp.services.learning.catalogue import published_modules
from quizapp.services.learning.standings import passed_expression
from quizapp.services.learning.summaries import NANO


@dataclass(frozen=True)
class FunnelRow:
    slug: str
    title: str
    pass_mark: float
    learners: int
    started: int
    submitted: int
    passed: int
    average_best: float | None

    @property
    def pass_rate(self) -> float | None:
        """Share of learners who submitted and passed (by the module's grading)."""
        return 100.0 * self.passed / self.submitted if self.submitted else None


def count_learners(scope: Scope) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(learner_ids(scope).subquery())) or 0
    )


def funnel(
    scope: Scope, learners: int | None = None, modules: Sequence[Any] | None = None
) -> list[FunnelRow]:
    """Per published module: learners in scope who started, submitted and passed it, and their
    average best score (one GROUP BY over the summaries)."""
    if modules is None:
        modules = published_modules(scope.academy_id)
    if not modules:
        return []
    if learners is None:
        learners = count_learners(scope)
    if scope.cohort_id is None:  # the academy's funnel, kept with each write
        f = ModuleFunnel
        rows = db.session.execute(
            select(f.module_id, f.started, f.submitted, f.passed, f.best_nano).where(
                f.academy_id == scope.academy_id, f.module_id.in_([m.id for m in modules])
            )
        ).all()
        figures = {row[0]: (*row[1:4], row[4] / NANO) for row in rows}
    else:
        s = LearnerModuleSummary
        rows = db.session.execute(
            select(
                s.module_id,
                func.count(),
                func.count(s.best_score),
                func.coalesce(func.sum(sql_case((passed_expression(modules), 1), else_=0)), 0),
                func.sum(s.best_score),
            )
            .where(
                s.academy_id == scope.academy_id,
                s.module_id.in_([m.id for m in modules]),
                s.user_id.in_(learner_ids(scope)),
            )
            .group_by(s.module_id)
        ).all()
        figures = {row[0]: row[1:] for row in rows}
    out = []
    for module in modules:
        started, submitted, passed, best_sum = figures.get(module.id, (0, 0, 0, None))
        out.append(
            FunnelRow(
                module.slug,
                module.title,
                float(module.summary.get("pass_mark", 100)),
                learners,
                int(started),
                int(submitted),
                int(passed),
                float(best_sum) / submitted if submitted else None,
            )
        )
    return out
