"""The aggregate cache's refresh (services/infra/aggcache.py): after new, moved or submitted
attempts the
cached figures are refreshed from what changed, and the refreshed figures equal a full recompute,
on both tables (quiz and case attempts), for the report and for common mistakes. Anything that
is not an append, a move or a submission (a deleted or edited attempt, a changed pass mark, too
many changes) computes everything again."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    Membership,
    ModuleVersion,
    QuizAttempt,
)
from quizapp.models.base import now_utc
from quizapp.services.academy import reports
from quizapp.services.authoring import insight
from quizapp.services.infra import aggcache
from quizapp.services.learning import casestudy, quizzes
from quizapp.services.learning.catalogue import published_modules
from quizapp.services.people import privacy
from tests.data import academykit as kit
from tests.web.test_academy_reports import NOW, history  # noqa: F401 - the shared fixture

PLAN_ROWS = [  # a conservative plan for f44-frown-lines (bench/load.py's B2 plan)
    {"zone": "glabella", "product": "ona", "amount": "20", "side": "midline"},
    {"zone": "crows_feet", "product": "ona", "amount": "8", "side": "both"},
]


@pytest.fixture()
def cache_on(app):
    aggcache.clear()
    app.config["AGGREGATE_CACHE"] = True
    yield
    app.config.pop("AGGREGATE_CACHE")
    aggcache.clear()


def _everything(history):  # noqa: F811
    """Every cached figure, raw and as the pages show them."""
    academy_id = history["academy"].id
    modules = published_modules(academy_id)
    return {
        "modules": reports.module_figures(academy_id, modules),
        "cases": reports.case_figures(academy_id),
        "answers": insight._answer_figures(academy_id),
        "case_sums": insight._case_figures(academy_id),
        "report": reports.build(reports.Scope(academy_id), NOW),
        "cohort": reports.build(reports.Scope(academy_id, history["cohort"].id), NOW),
        "mistakes": insight.common_mistakes(academy_id),
    }


def _recomputed(app, history):  # noqa: F811
    app.config["AGGREGATE_CACHE"] = False
    try:
        return _everything(history)
    finally:
        app.config["AGGREGATE_CACHE"] = True


def _check(app, history, *, refreshed: int = 0, computed: int = 0):  # noqa: F811
    """The cached figures equal a full recompute; `refreshed` values were refreshed and
    `computed` computed afresh on the way (of four: two per table)."""
    before = dict(aggcache.stats)
    cached = _everything(history)
    delta = {k: aggcache.stats[k] - before[k] for k in before}
    assert cached == _recomputed(app, history)
    assert (delta["refreshed"], delta["computed"]) == (refreshed, computed), delta
    return cached


def _warm(app, history):  # noqa: F811
    aggcache.clear()
    _check(app, history, computed=4)


def test_refresh_after_real_attempts_equals_a_recompute(history, app, db, cache_on):  # noqa: F811
    """Start, answer and submit a quiz, start, move and submit a case study, through the
    services the pages use: every step is a refresh, and every refresh equals a recompute."""
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    _warm(app, history)
    assert _check(app, history)["report"] is not None  # nothing changed: all four are hits

    # Cleo starts basics: a new open quiz attempt (a higher id).
    listed = quizzes.find_listed("basics", academy.id)
    attempt = quizzes.start_or_resume(cleo.id, academy.id, listed, now_utc())
    db.session.commit()
    figures = _check(app, history, refreshed=2)
    assert figures["report"].funnel[0].started == 4
    # Saving an answer changes nothing the figures show: a hit.
    quizzes.save_answer(attempt, "basics-01", True, now_utc())
    db.session.commit()
    _check(app, history)
    # Submitting moves the open attempt to submitted (same id): its answers are added.
    answers = sum(t.answers for t in figures["mistakes"].topics)
    assert quizzes.submit(attempt, now_utc())
    db.session.commit()
    figures = _check(app, history, refreshed=2)
    assert sum(t.answers for t in figures["mistakes"].topics) == answers + 2
    assert figures["report"].funnel[0].submitted == 4

    # Dan starts a case study, moves on a step (updated_at), and submits a plan.
    listed_case = casestudy.find_listed("f44-frown-lines", academy.id)
    case = casestudy.start_or_resume(dan.id, academy.id, listed_case, NOW - timedelta(hours=1))
    db.session.commit()
    figures = _check(app, history, refreshed=2)
    dan_row = next(r for r in figures["report"].learners if r.user_id == dan.id)
    assert dan_row.last_active == NOW - timedelta(hours=1)
    casestudy.finish_reading(case)
    db.session.commit()
    figures = _check(app, history, refreshed=2)
    dan_row = next(r for r in figures["report"].learners if r.user_id == dan.id)
    assert dan_row.last_active > NOW  # the step's updated_at (the clock)
    casestudy.save_assessment(case, {"glabella": {"rest": 1, "moving": 3}})
    casestudy.save_candidacy(case, [], "treat")
    casestudy.save_plan_rows(case, PLAN_ROWS)
    db.session.commit()
    _check(app, history, refreshed=2)
    zones_before = figures["mistakes"].zones
    assert casestudy.submit(case, NOW + timedelta(hours=2))
    db.session.commit()
    figures = _check(app, history, refreshed=2)
    dan_row = next(r for r in figures["report"].learners if r.user_id == dan.id)
    assert dan_row.cases == 1
    assert sum(z.judged for z in figures["mistakes"].zones) > sum(z.judged for z in zones_before)
    assert sum(c.attempts for c in figures["mistakes"].cases) == 5


def test_refresh_after_many_kinds_of_change_at_once(history, app, db, cache_on):  # noqa: F811
    """Several learners, both tables, new and submitted attempts between two requests."""
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    _warm(app, history)
    open_one = kit.open_quiz(dan, academy, "advanced", NOW)
    kit.quiz(cleo, academy, "basics", 90, NOW)
    kit.case_attempt(ana, academy, "overfilled", NOW)
    kit.case_attempt(cleo, academy, "unsafe", NOW)
    quizzes.submit(db.session.get(QuizAttempt, open_one.id), NOW)
    db.session.commit()
    figures = _check(app, history, refreshed=4)
    cleo_row = next(r for r in figures["report"].learners if r.user_id == cleo.id)
    assert cleo_row.modules_passed == 1 and cleo_row.unsafe == 1


def test_membership_changes_and_deletion_need_no_recompute(history, app, db, cache_on):  # noqa: F811
    """Who is a learner is read on every request: deactivating a member or anonymising an
    account changes no attempt (a hit), and the figures still equal a recompute; the deleted
    learner's history stays in the academy's figures."""
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    _warm(app, history)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == dan.id))
    membership.active = False
    db.session.commit()
    figures = _check(app, history)
    assert figures["report"].learner_count == 3

    bands = figures["report"].bands.counts["unsafe"]
    privacy.delete_account(ben, ben, NOW)
    db.session.commit()
    figures = _check(app, history)
    assert figures["report"].bands.counts["unsafe"] == bands  # Ben's unsafe plan still counts
    assert any(r.name == privacy.DELETED_NAME for r in figures["report"].learners)

    # And a refresh after that still equals a recompute.
    kit.case_attempt(ana, academy, "unsafe", NOW)
    kit.quiz(cleo, academy, "advanced", 70, NOW)
    _check(app, history, refreshed=4)


def test_a_refresh_never_changes_the_value_it_started_from(history, app, cache_on):  # noqa: F811
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    _warm(app, history)
    old = _everything(history)
    frozen = copy.deepcopy({k: old[k] for k in ("modules", "cases", "answers", "case_sums")})
    kit.quiz(cleo, academy, "basics", 90, NOW)
    kit.case_attempt(cleo, academy, "unsafe", NOW)
    new = _check(app, history, refreshed=4)
    for name, value in frozen.items():
        assert old[name] == value, name  # the old value, shared with other requests, is intact
        assert new[name] != value, name


def test_a_deleted_submitted_attempt_computes_afresh(history, app, db, cache_on):  # noqa: F811
    """Counts going down cannot be explained by appends: full compute, not a wrong delta."""
    ana, ben, cleo, dan = history["trainees"]
    _warm(app, history)
    db.session.delete(db.session.scalar(select(QuizAttempt).where(QuizAttempt.user_id == dan.id)))
    db.session.delete(
        db.session.scalar(select(CaseAttempt).where(CaseAttempt.user_id == ben.id).limit(1))
    )
    db.session.commit()
    before = aggcache.stats["fallbacks"]
    _check(app, history, computed=4)
    assert aggcache.stats["fallbacks"] == before + 4


def test_a_deleted_open_attempt_computes_afresh(history, app, db, cache_on):  # noqa: F811
    ana, ben, cleo, dan = history["trainees"]
    _warm(app, history)
    db.session.delete(
        db.session.scalar(
            select(QuizAttempt).where(QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        )
    )
    db.session.commit()
    _check(app, history, computed=2)


def test_an_edited_submitted_attempt_computes_afresh(history, app, db, cache_on):  # noqa: F811
    """A submitted attempt edited in place (the application never does) moves the fingerprint
    in a way no append explains."""
    ana, ben, cleo, dan = history["trainees"]
    _warm(app, history)
    attempt = db.session.scalar(
        select(CaseAttempt).where(CaseAttempt.user_id == ben.id, CaseAttempt.band == "unsafe")
    )
    attempt.band = "natural"
    attempt.updated_at = NOW + timedelta(days=1)
    db.session.commit()
    figures = _check(app, history, computed=2)
    assert figures["report"].bands.counts["unsafe"] == 0


def test_a_submitted_attempt_with_an_old_id_computes_afresh(history, app, db, cache_on):  # noqa: F811
    """A submitted attempt that appears below the highest id (committed late by another
    worker, or inserted with its id) is not found by `id > highest`: the counts catch it."""
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    gap = kit.case_attempt(cleo, academy, "natural", NOW)
    kit.case_attempt(cleo, academy, "natural", NOW)
    row = {c.name: getattr(gap, c.name) for c in CaseAttempt.__table__.columns}
    db.session.delete(gap)
    db.session.commit()
    _warm(app, history)
    db.session.add(CaseAttempt(**{**row, "band": "unsafe"}))  # the same, lower id again
    db.session.commit()
    figures = _check(app, history, computed=2)
    assert next(r for r in figures["report"].learners if r.user_id == cleo.id).unsafe == 1


def test_a_new_pass_mark_computes_the_module_figures_afresh(history, app, db, cache_on):  # noqa: F811
    """The modules' pass marks and grading are part of the key: a new spec is never refreshed
    from figures graded by the old one."""
    ana, ben, cleo, dan = history["trainees"]
    _warm(app, history)
    kit.quiz(ana, history["academy"], "basics", 10, NOW)
    version = db.session.scalar(select(ModuleVersion))
    version.summary = {**version.summary, "grading": "last"}
    db.session.commit()
    figures = _check(app, history, refreshed=1, computed=1)  # answers: refreshed; modules: new
    assert figures["report"].funnel[0].passed == 1


def test_too_many_changes_compute_afresh(history, app, cache_on, monkeypatch):  # noqa: F811
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    _warm(app, history)
    monkeypatch.setattr(aggcache, "MAX_CHANGED", 1)
    kit.quiz(cleo, academy, "basics", 90, NOW)
    kit.quiz(dan, academy, "advanced", 90, NOW)
    _check(app, history, computed=2)
    kit.case_attempt(cleo, academy, "natural", NOW)  # one change: within the limit
    _check(app, history, refreshed=2)


def test_the_snapshot_sees_one_state_while_others_write(history, app, db, cache_on):  # noqa: F811
    """Value and mark are read in one snapshot: a write committed meanwhile is not half seen."""
    ana, ben, cleo, dan = history["trainees"]
    academy_id = history["academy"].id
    with aggcache.snapshot() as executor:
        first = aggcache.read_mark(executor, CaseAttempt, academy_id)
        kit.case_attempt(cleo, history["academy"], "natural", NOW)  # committed by the session
        assert aggcache.read_mark(executor, CaseAttempt, academy_id) == first
    assert aggcache.read_mark(db.session, CaseAttempt, academy_id) != first


def test_marks_explain_their_own_fingerprint(history, db):  # noqa: F811
    academy_id = history["academy"].id
    for model in (QuizAttempt, CaseAttempt):
        mark = aggcache.read_mark(db.session, model, academy_id)
        assert mark is not None
        changes = aggcache.changes_since(db.session, model, academy_id, mark)
        assert changes is not None
        assert changes.users == frozenset() and changes.submitted == ()
        assert changes.mark == mark


def test_a_fingerprint_read_before_a_change_is_not_trusted(history, db):  # noqa: F811
    """The request reads the fingerprint, then the snapshot: a change in between is read from
    the snapshot, never taken from the older fingerprint."""
    ana, ben, cleo, dan = history["trainees"]
    academy_id = history["academy"].id
    mark = aggcache.read_mark(db.session, CaseAttempt, academy_id)
    stale = mark.fingerprint
    new = kit.case_attempt(cleo, history["academy"], "natural", NOW)
    changes = aggcache.changes_since(db.session, CaseAttempt, academy_id, mark, stale)
    assert changes is not None
    assert changes.users == {cleo.id} and changes.submitted == (new.id,)
    assert changes.mark.fingerprint == aggcache.fingerprint(db.session, CaseAttempt, academy_id)
    again = aggcache.read_mark(db.session, CaseAttempt, academy_id, stale)
    assert again is not None and again.fingerprint == changes.mark.fingerprint
