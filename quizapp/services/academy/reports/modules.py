"""Modules in the academy report: the completion funnel and pass rates, from the per-learner
and module summaries written with each attempt (services/learning/summaries.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import DateTime, func, select, type_coerce

from quizapp.extensions import db
from quizapp.models import LearnerModuleSummary
from quizapp.services.academy.reports.scope import Scope, as_utc, learner_ids
from quizapp.services.learning.catalogue import published_modules


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


def learner_set(scope: Scope) -> set[int]:
    return set(db.session.scalars(learner_ids(scope)))


class _ModuleFigures(NamedTuple):
    """One learner's figures at one module (see module_figures; a tuple, as there are tens of
    thousands of them to build)."""

    module_id: int
    best: float | None
    passed: bool
    failed: int
    last_at: datetime | None


def module_figures(academy_id: int, modules: Sequence[Any]) -> dict[int, list[_ModuleFigures]]:
    """Per user with a quiz attempt in the academy: their figures per published module, in
    module id order, from the summaries written with each attempt (one query over one narrow
    row per learner and module). Passed is decided here, from the best or last score and the
    module's newest published pass mark and grading, so a new version applies at once."""
    spec = {
        m.id: (float(m.summary.get("pass_mark", 100)), m.summary.get("grading")) for m in modules
    }
    rows = db.session.execute(
        select(
            LearnerModuleSummary.user_id,
            LearnerModuleSummary.module_id,
            LearnerModuleSummary.best_score,
            LearnerModuleSummary.last_score,
            LearnerModuleSummary.failed,
            # Without UTCDateTime's per-row hook; as_utc puts UTC on.
            type_coerce(LearnerModuleSummary.last_at, DateTime()),
        )
        .where(
            LearnerModuleSummary.academy_id == academy_id,
            LearnerModuleSummary.module_id.in_(list(spec)),
        )
        .order_by(LearnerModuleSummary.user_id, LearnerModuleSummary.module_id)
    ).all()
    out: dict[int, list[_ModuleFigures]] = {}
    for user_id, module_id, best, last, failed, last_at in rows:
        pass_mark, grading = spec[module_id]
        graded = last if grading == "last" else best
        figures = _ModuleFigures(
            module_id,
            best,
            graded is not None and graded >= pass_mark,
            failed,
            as_utc(last_at),
        )
        mine = out.get(user_id)
        if mine is None:
            out[user_id] = [figures]
        else:
            mine.append(figures)
    return out


def modules_and_figures(academy_id: int) -> tuple[Sequence[Any], dict[int, list[_ModuleFigures]]]:
    modules = published_modules(academy_id)
    return modules, (module_figures(academy_id, modules) if modules else {})


def funnel(
    scope: Scope,
    learners: int | None = None,
    ids: set[int] | None = None,
    figures: tuple[Sequence[Any], dict[int, list[_ModuleFigures]]] | None = None,
) -> list[FunnelRow]:
    """Per published module: learners who started, submitted and passed it (from the cached
    per-learner figures; `ids` are the learners in scope, `figures` the published modules and
    module_figures, when the caller has them)."""
    modules, by_user = figures or modules_and_figures(scope.academy_id)
    if not modules:
        return []
    if ids is None:
        ids = learner_set(scope)
    if learners is None:
        learners = len(ids)
    started: Counter[int] = Counter()
    submitted: Counter[int] = Counter()
    passed: Counter[int] = Counter()
    best_sum: Counter[int] = Counter()
    for user_id in ids:
        for f in by_user.get(user_id, ()):
            started[f.module_id] += 1
            if f.best is not None:
                submitted[f.module_id] += 1
                best_sum[f.module_id] += f.best
            if f.passed:
                passed[f.module_id] += 1
    return [
        FunnelRow(
            module.slug,
            module.title,
            float(module.summary.get("pass_mark", 100)),
            learners,
            started[module.id],
            submitted[module.id],
            passed[module.id],
            best_sum[module.id] / submitted[module.id] if submitted[module.id] else None,
        )
        for module in modules
    ]
