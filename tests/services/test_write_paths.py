"""The write paths a cohort runs at once (issue 21, B2 and B4): an exam start is one
`INSERT .. ON CONFLICT DO NOTHING` in a fixed number of statements, and the unique indexes still
decide every race (two tabs, a start counted before another window's submission); a plan that
cannot be scored keeps the learner's last activity in the summaries. SQLite and, with
TEST_DATABASE_URL, PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.models import AttemptStatus, LearnerCaseSummary, QuizAttempt, Role
from quizapp.models.base import now_utc
from quizapp.services.learning import casestudy, quizzes, summaries
from tests.data import academykit as kit
from tests.web.test_concurrent_submissions import race


@pytest.fixture()
def learner(tmp_path, factory, db):
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    return academy, factory.user(Role.TRAINEE, academy)


def _attempts(user_id: int) -> list[tuple[int, int, AttemptStatus]]:
    return [
        tuple(row)
        for row in quizzes.db.session.execute(
            select(QuizAttempt.id, QuizAttempt.number, QuizAttempt.status)
            .where(QuizAttempt.user_id == user_id)
            .order_by(QuizAttempt.id)
        )
    ]


def test_a_start_and_what_it_keeps_is_nine_statements_and_a_second_start_resumes_in_two(
    learner, db, count_queries
):
    academy, ana = learner
    academy_id, user_id = academy.id, ana.id  # read before a commit expires them
    listed = quizzes.find_listed("basics", academy_id)
    quizzes.listed_module(listed)  # the content list and its parse are in this worker's caches
    db.session.commit()
    now = now_utc()
    with count_queries() as statements:
        first = quizzes.open_attempt_id(user_id, academy_id, listed, now)
    db.session.commit()
    # content token, the learner's attempts, the INSERT, then what the report keeps with the
    # write: the content token again (read FOR SHARE on PostgreSQL: a publish since the first
    # read must not be judged by the old rules), the learner's funnel share read before, their
    # module summary row, their standing (one INSERT .. SELECT), the share read after, the
    # funnel's difference; and on PostgreSQL the membership lock
    assert len(statements) == (10 if db.engine.dialect.name == "postgresql" else 9), statements
    assert "ON CONFLICT DO NOTHING" in statements[2]
    with count_queries() as statements:
        again = quizzes.open_attempt_id(user_id, academy_id, listed, now + timedelta(seconds=5))
    db.session.commit()
    assert again == first and len(statements) == 2, statements
    assert _attempts(user_id) == [(first, 1, AttemptStatus.IN_PROGRESS)]
    attempt = db.session.get(QuizAttempt, first)
    assert attempt.started_at == now and attempt.deadline_at is None and attempt.answers == {}
    assert summaries.stored() == summaries.recompute()


def test_a_start_from_a_stale_read_resumes_the_attempt_another_tab_opened(learner, db, monkeypatch):
    academy, ana = learner
    listed = quizzes.find_listed("basics", academy.id)
    stale = quizzes.module_progress(ana.id, academy.id)  # read before the other tab's start
    other = quizzes.open_attempt_id(ana.id, academy.id, listed, now_utc())
    db.session.commit()
    monkeypatch.setattr(quizzes, "module_progress", lambda *_: stale)
    assert quizzes.open_attempt_id(ana.id, academy.id, listed, now_utc()) == other
    db.session.commit()
    assert _attempts(ana.id) == [(other, 1, AttemptStatus.IN_PROGRESS)]


def test_a_start_counted_before_another_windows_submission_is_refused(learner, db, monkeypatch):
    academy, ana = learner
    listed = quizzes.find_listed("basics", academy.id)
    stale = quizzes.module_progress(ana.id, academy.id)  # no attempt yet: this one would be 1
    done = kit.quiz(ana, academy, "basics", 100.0)  # attempt 1, started and submitted meanwhile
    monkeypatch.setattr(quizzes, "module_progress", lambda *_: stale)
    with pytest.raises(quizzes.AttemptRefused, match="start again"):
        quizzes.open_attempt_id(ana.id, academy.id, listed, now_utc())
    db.session.rollback()
    assert _attempts(ana.id) == [(done.id, 1, AttemptStatus.SUBMITTED)]


def test_ten_tabs_starting_at_once_open_one_attempt(app, learner, db):
    academy, ana = learner
    academy_id, user_id = academy.id, ana.id  # the threads must not load them through this session
    listed = quizzes.find_listed("basics", academy_id)
    db.session.commit()
    ids = race(app, lambda _: quizzes.open_attempt_id(user_id, academy_id, listed, now_utc()))
    assert not [i for i in ids if isinstance(i, Exception)], ids
    db.session.expire_all()
    rows = _attempts(user_id)
    assert len(rows) == 1 and set(ids) == {rows[0][0]}
    assert summaries.stored() == summaries.recompute()


def test_a_plan_that_cannot_be_scored_keeps_its_rows_and_the_last_activity(learner, db):
    academy, ana = learner
    listed = casestudy.find_listed("f44-frown-lines", academy.id)
    attempt = casestudy.start_or_resume(ana.id, academy.id, listed, now_utc())
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 1, "moving": 3}})
    casestudy.save_candidacy(attempt, [], "treat")
    db.session.commit()
    before = db.session.get(LearnerCaseSummary, (academy.id, ana.id, listed.id)).last_at
    rows = [{"zone": "glabella", "product": "ona", "amount": "lots", "side": "midline"}]
    casestudy.save_plan_rows(attempt, rows, submitting=True)  # as the player's submit button
    with pytest.raises(casestudy.PlanFileError):
        casestudy.submit(attempt, now_utc())
    db.session.commit()  # as the player does: the rows are kept, the page lists the problems
    db.session.expire_all()
    kept = db.session.get(type(attempt), attempt.id)
    assert kept.status is AttemptStatus.IN_PROGRESS and kept.plan_items[0]["amount"] == "lots"
    summary = db.session.get(LearnerCaseSummary, (academy.id, ana.id, listed.id))
    assert summary.last_at == kept.updated_at and summary.last_at > before
    assert summaries.stored() == summaries.recompute()
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
