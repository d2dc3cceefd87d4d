"""The attempts' state machines on the models: a case attempt opens the next step only, reaches
the result only by submission, and neither kind of attempt takes a write once submitted."""

from __future__ import annotations

import pytest

from quizapp.models import CaseAttempt, CaseStep, InvalidTransition, QuizAttempt
from quizapp.models.base import now_utc
from quizapp.services.learning import casestudy, quizzes
from tests.web.test_concurrent_submissions import _case_at_plan, _quiz


def test_a_case_attempt_refuses_skipped_steps_and_the_result(db, factory, tmp_path):
    attempt_id = _case_at_plan(db, factory, tmp_path)
    attempt = db.session.get(CaseAttempt, attempt_id)
    attempt.change(CaseStep.ASSESSMENT, grades={})  # revisiting an earlier step keeps the step
    assert attempt.step == "plan"
    with pytest.raises(InvalidTransition, match="plan to result"):
        attempt.change(CaseStep.RESULT)
    with pytest.raises(InvalidTransition, match="cannot be written"):
        attempt.change(band="ideal")
    db.session.rollback()


def test_a_new_case_attempt_cannot_skip_to_the_plan(db, factory, tmp_path):
    attempt_id = _case_at_plan(db, factory, tmp_path)
    attempt = db.session.get(CaseAttempt, attempt_id)
    assert casestudy.submit(attempt, now_utc())
    db.session.commit()
    fresh = CaseAttempt(**{c: getattr(attempt, c) for c in ("user_id", "academy_id", "case_id")})
    fresh.case_version_id = attempt.case_version_id
    db.session.add(fresh)
    db.session.flush()
    with pytest.raises(InvalidTransition, match="patient to plan"):
        fresh.change(CaseStep.PLAN)
    fresh.change(CaseStep.ASSESSMENT)
    assert db.session.get(CaseAttempt, fresh.id).step == "assessment"
    db.session.rollback()


def test_a_submitted_attempt_takes_no_write(db, factory, tmp_path):
    attempt_id = _case_at_plan(db, factory, tmp_path)
    case_attempt = db.session.get(CaseAttempt, attempt_id)
    assert casestudy.submit(case_attempt, now_utc())
    with pytest.raises(InvalidTransition, match="submitted"):
        case_attempt.change(plan_items=[])
    assert not case_attempt.hold_open()
    assert not case_attempt.close(now_utc(), "ideal", 100.0, {})


def test_a_submitted_quiz_attempt_takes_no_answer(db, factory, tmp_path):
    attempt = db.session.get(QuizAttempt, _quiz(db, factory, tmp_path))
    assert quizzes.submit(attempt, now_utc())
    with pytest.raises(InvalidTransition, match="submitted"):
        attempt.save_answer("nr-01", 1)
    assert attempt.answers["nr-01"] == 0
