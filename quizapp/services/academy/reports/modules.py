"""Modules in the academy report: the completion funnel and pass rates, aggregated in SQL per
learner and module, cached per worker under a fingerprint of the attempts (infra/aggcache.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import DateTime, and_, func, select, type_coerce
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased

from quizapp.extensions import db
from quizapp.models import AttemptStatus, QuizAttempt
from quizapp.services.academy.reports.scope import Scope, as_utc, learner_ids
from quizapp.services.infra import aggcache
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


def _per_learner_module(
    scope: Scope,
    modules: Sequence[Any],
    *,
    everyone: bool = False,
    users: Sequence[int] | None = None,
):
    """One row per (learner, module): best and last-graded score, failed attempts, last activity.

    The module's pass mark and grading come from its newest published version (as on the
    trainee's dashboard), passed into SQL as CASE mappings. With `everyone`, every user with an
    attempt in the academy (the cached per-learner figures; the caller picks the learners), or
    only `users` when given (a refresh of the cached figures).
    """
    submitted = QuizAttempt.status == AttemptStatus.SUBMITTED
    if users is not None:
        who = [QuizAttempt.user_id.in_(users)]
    else:
        who = [] if everyone else [QuizAttempt.user_id.in_(learner_ids(scope))]
    per = (
        select(
            QuizAttempt.user_id,
            QuizAttempt.module_id,
            func.max(sql_case((submitted, QuizAttempt.score_percent))).label("best"),
            func.max(sql_case((submitted, QuizAttempt.number))).label("last_number"),
            func.sum(sql_case((and_(submitted, QuizAttempt.passed.is_(False)), 1), else_=0)).label(
                "failed"
            ),
            func.max(func.coalesce(QuizAttempt.submitted_at, QuizAttempt.started_at)).label(
                "last_at"
            ),
        )
        .where(
            QuizAttempt.academy_id == scope.academy_id,
            *who,
            QuizAttempt.module_id.in_([m.id for m in modules]),
        )
        .group_by(QuizAttempt.user_id, QuizAttempt.module_id)
        .subquery()
    )
    pass_mark = sql_case(
        {m.id: float(m.summary.get("pass_mark", 100)) for m in modules},
        value=per.c.module_id,
        else_=100.0,
    )
    graded_last = [m.id for m in modules if m.summary.get("grading") == "last"]
    if not graded_last:  # the best score decides everywhere: no need for the last attempt
        return per, per, sql_case((per.c.best >= pass_mark, 1), else_=0)
    last = aliased(QuizAttempt)
    graded = sql_case((per.c.module_id.in_(graded_last), last.score_percent), else_=per.c.best)
    passed = sql_case((graded >= pass_mark, 1), else_=0)
    joined = per.outerjoin(
        last,
        and_(
            per.c.module_id.in_(graded_last),
            last.user_id == per.c.user_id,
            last.module_id == per.c.module_id,
            last.number == per.c.last_number,
        ),
    )
    return per, joined, passed


def count_learners(scope: Scope) -> int:
    return int(
        db.session.scalar(select(func.count()).select_from(learner_ids(scope).subquery())) or 0
    )


def learner_set(scope: Scope) -> set[int]:
    return set(db.session.scalars(learner_ids(scope)))


class _ModuleFigures(NamedTuple):
    """One learner's figures at one module (cached: see module_figures; a tuple, as there are
    tens of thousands of them to build)."""

    module_id: int
    best: float | None
    passed: bool
    failed: int
    last_at: datetime | None


def _module_rows(
    executor: Any, academy_id: int, modules: Sequence[Any], users: Sequence[int] | None = None
) -> dict[int, list[_ModuleFigures]]:
    """Per user with a quiz attempt in the academy (or per user of `users`): their figures per
    published module, in module id order (one grouped query)."""
    per, joined, passed = _per_learner_module(
        Scope(academy_id), modules, everyone=True, users=users
    )
    rows = executor.execute(
        select(
            per.c.user_id,
            per.c.module_id,
            per.c.best,
            passed.label("passed"),
            per.c.failed,
            # Without UTCDateTime's per-row hook (a third of the time here); as_utc puts UTC on.
            type_coerce(per.c.last_at, DateTime()),
        )
        .select_from(joined)
        .order_by(per.c.user_id, per.c.module_id)
    ).all()
    out: dict[int, list[_ModuleFigures]] = {}
    for user_id, module_id, best, passed, failed, last_at in rows:
        figures = _ModuleFigures(
            module_id,
            None if best is None else float(best),
            bool(passed),
            int(failed or 0),
            as_utc(last_at),
        )
        mine = out.get(user_id)
        if mine is None:
            out[user_id] = [figures]
        else:
            mine.append(figures)
    return out


def module_figures(academy_id: int, modules: Sequence[Any]) -> dict[int, list[_ModuleFigures]]:
    """Per user with a quiz attempt in the academy: their figures per published module.

    One grouped query over the academy's attempts, cached (services/infra/aggcache.py) under the
    modules' pass marks and grading and the quiz attempts' fingerprint: after new or submitted
    attempts only the learners concerned are recomputed (a copy, spliced), and a new version
    that changes a pass mark computes everything again."""
    spec = tuple(
        (m.id, float(m.summary.get("pass_mark", 100)), m.summary.get("grading")) for m in modules
    )

    def refresh(executor, old, changes):
        if len(changes.users) > aggcache.MAX_CHANGED:
            return None
        if not changes.users:
            return old
        out = dict(old)
        for user_id in changes.users:
            out.pop(user_id, None)
        for chunk in aggcache.chunks(changes.users):
            out.update(_module_rows(executor, academy_id, modules, chunk))
        return out

    return aggcache.refreshed(
        "report-modules",
        QuizAttempt,
        academy_id,
        (academy_id, spec),
        lambda executor: _module_rows(executor, academy_id, modules),
        refresh,
    )


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
