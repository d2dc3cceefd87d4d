"""`flask demo` also brings a cohort of trainees with weeks of activity, scored by the real
graders and engine, so the staff's reports, insight and common mistakes open full."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.models import (
    CaseAttempt,
    Certificate,
    Cohort,
    CohortMember,
    LogbookEntry,
    QuestionResult,
    QuizAttempt,
)
from quizapp.models.portfolio import EntryStatus
from quizapp.services.academy.demo import DEMO_ACCOUNTS
from quizapp.services.academy.demo_cohort import COHORT_NAME, TRAINEES, WEEKS
from tests.conftest import login

ROWS = (QuizAttempt, QuestionResult, CaseAttempt, Certificate, LogbookEntry)


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def demo(app, db):
    result = app.test_cli_runner().invoke(args=["demo", "--quiet"])
    assert result.exit_code == 0, result.output


def test_demo_cohort_has_weeks_of_scored_activity(demo, db):
    cohort = db.session.scalar(select(Cohort).where(Cohort.name == COHORT_NAME))
    members = _count(db, CohortMember) - 1  # the demo trainee's own cohort has one member
    assert len(cohort.members) == TRAINEES == members
    assert cohort.programmes, "the cohort works towards a programme"
    bands = set(db.session.scalars(select(CaseAttempt.band).distinct()))
    assert {"conservative", "natural", "overfilled", "unsafe"} <= bands  # plans of every quality
    passed = set(db.session.scalars(select(QuizAttempt.passed).distinct()))
    assert passed == {True, False}
    first, last = db.session.execute(
        select(func.min(QuizAttempt.submitted_at), func.max(QuizAttempt.submitted_at))
    ).one()
    assert last - first > timedelta(weeks=WEEKS - 3)  # spread over the weeks, not one moment
    assert _count(db, QuestionResult) > 1000
    assert 1 <= _count(db, Certificate) < TRAINEES  # a few earned it
    waiting = db.session.scalars(select(LogbookEntry.status)).all()
    assert waiting and set(waiting) == {EntryStatus.SUBMITTED}


def test_demo_cohort_is_idempotent(app, demo, db):
    before = [_count(db, model) for model in ROWS]
    again = app.test_cli_runner().invoke(args=["demo", "--quiet"])
    assert again.exit_code == 0, again.output
    assert [_count(db, model) for model in ROWS] == before


def test_staff_pages_open_full_on_the_demo(demo, app):
    trainee, educator, admin = DEMO_ACCOUNTS
    client = app.test_client()
    login(client, educator.email, educator.password)
    insight = client.get("/author/insight/").get_data(as_text=True)
    assert "No quiz has been submitted" not in insight
    assert "No case study has been submitted" not in insight
    mistakes = client.get("/author/insight/mistakes").get_data(as_text=True)
    assert "No mistakes recorded yet" not in mistakes
    client = app.test_client()
    login(client, admin.email, admin.password)
    reports = client.get("/academy/reports").get_data(as_text=True)
    assert f"All {TRAINEES + 1} learners" in reports  # the cohort and the demo trainee
    assert "No learners in this selection" not in reports


def test_demo_cohort_is_written_in_a_bounded_number_of_statements(app, db):
    """Wall time varies with the machine; the statement count does not, and it is what makes
    the seeding slow on a networked database. About 5,300 (21,000 when every answer was saved
    on its own and certificates were re-checked after every quiz too): a guard against it
    growing back."""
    from sqlalchemy import event

    from quizapp.services.academy.demo import seed_demo
    from quizapp.services.academy.demo_cohort import seed_demo_activity
    from quizapp.services.authoring.content import import_bank

    seed_demo()
    import_bank(app.config["CASES_DIR"])
    db.session.commit()
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    started = time.process_time()
    try:
        assert seed_demo_activity() is True
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    seconds = time.process_time() - started
    # About 5,300 statements (the unbatched cohort took 21,000); the summaries are rebuilt once
    # at the end rather than upserted at every step (2,100 statements more).
    assert len(statements) < 6_000, (len(statements), seconds)
