"""Ten simultaneous submissions of one attempt store exactly one scored result, and a save racing a
submission never changes what was scored (threads, each with its own app context and database
session, as gunicorn threads would)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseZoneResult,
    QuestionResult,
    QuizAttempt,
    Role,
)
from quizapp.models.base import now_utc
from quizapp.services.authoring import content
from quizapp.services.learning import casestudy, quizzes
from quizapp.services.learning.submission import Submitted

BANK = Path(__file__).resolve().parents[2] / "cases"
THREADS = 10


def race(app, work, threads: int = THREADS) -> list:
    """Run `work(index)` in `threads` threads released together, each committing its own session;
    return what each returned or raised."""
    barrier = threading.Barrier(threads)
    outcomes: list = [None] * threads

    def run(index: int) -> None:
        with app.app_context():
            from quizapp.extensions import db

            try:
                barrier.wait(timeout=10)
                outcomes[index] = work(index)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    running = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=60)
    return outcomes


def _bank(tmp_path, db):
    shutil.copy(BANK / "f44-frown-lines.yaml", tmp_path)
    (tmp_path / "modules").mkdir()
    module = (BANK / "modules" / "01-natural-results.yaml").read_text()
    module = "\n".join(
        "cases: []" if line.startswith("cases:") else line for line in module.splitlines()
    )
    (tmp_path / "modules" / "01-natural-results.yaml").write_text(module + "\n")
    content.import_bank(tmp_path)
    db.session.commit()


def test_ten_concurrent_quiz_submissions_store_one_result(app, db, factory, tmp_path):
    _bank(tmp_path, db)
    user = factory.user(Role.TRAINEE)
    academy_id = user.memberships[0].academy_id
    listed = quizzes.find_listed("natural-results", academy_id)
    attempt = quizzes.start_or_resume(user.id, academy_id, listed, now_utc())
    db.session.commit()
    attempt_id = attempt.id

    def submit(_):
        from quizapp.extensions import db as thread_db

        return quizzes.submit(thread_db.session.get(QuizAttempt, attempt_id), now_utc())

    outcomes = race(app, submit)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert sum(o is not None for o in outcomes) == 1  # the others found it submitted
    assert db.session.scalar(select(func.count()).select_from(QuestionResult)) == 20


def _case_at_plan(db, factory, tmp_path, amount: str = "20") -> int:
    _bank(tmp_path, db)
    user = factory.user(Role.TRAINEE)
    academy_id = user.memberships[0].academy_id
    listed = casestudy.find_listed("f44-frown-lines", academy_id)
    attempt = casestudy.start_or_resume(user.id, academy_id, listed, now_utc())
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 1, "moving": 3}})
    casestudy.save_candidacy(attempt, [], "treat")
    casestudy.save_plan_rows(attempt, _plan(amount))
    db.session.commit()
    return attempt.id


def _plan(amount: str) -> list[dict[str, str]]:
    return [{"zone": "glabella", "product": "ona", "amount": amount, "side": "midline"}]


def test_ten_concurrent_case_submissions_store_one_result(app, db, factory, tmp_path):
    attempt_id = _case_at_plan(db, factory, tmp_path)

    def submit(_):
        from quizapp.extensions import db as thread_db

        return casestudy.submit(thread_db.session.get(CaseAttempt, attempt_id), now_utc())

    outcomes = race(app, submit)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert sum(o is not None for o in outcomes) == 1  # the others found it submitted
    # The glabella only: crow's feet at grade 2 from the catalogue is optional, never "missed".
    assert db.session.scalar(select(func.count()).select_from(CaseZoneResult)) == 1


# -- a save racing the submission: what is stored is what was scored ------------------------------


def _in_order(app, first, second) -> list:
    """Run `first` and `second` in two threads with their own sessions, each committing: `first`
    loads the attempt and calls `handover()`, which lets `second` run and commit in full before
    `first` goes on. The two orders of a real race, made repeatable. Returns what each returned
    or raised."""
    loaded, finished = threading.Event(), threading.Event()

    def handover() -> None:
        loaded.set()
        assert finished.wait(timeout=10)

    def after_first() -> Any:
        assert loaded.wait(timeout=10)
        return second()

    outcomes: list = [None, None]

    def run(index: int, work, then: threading.Event | None) -> None:
        with app.app_context():
            from quizapp.extensions import db

            try:
                outcomes[index] = work()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertions
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()
                if then is not None:
                    then.set()

    threads = [
        threading.Thread(target=run, args=(0, lambda: first(handover), None)),
        threading.Thread(target=run, args=(1, after_first, finished)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def _quiz(db, factory, tmp_path) -> int:
    _bank(tmp_path, db)
    user = factory.user(Role.TRAINEE)
    academy_id = user.memberships[0].academy_id
    listed = quizzes.find_listed("natural-results", academy_id)
    attempt = quizzes.start_or_resume(user.id, academy_id, listed, now_utc())
    quizzes.save_answer(attempt, "nr-01", 0, now_utc())  # the right option
    db.session.commit()
    return attempt.id


def _quiz_stored_is_scored(db, attempt_id: int) -> QuizAttempt:
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status is AttemptStatus.SUBMITTED
    scored = dict(
        db.session.execute(
            select(QuestionResult.question_id, QuestionResult.response).where(
                QuestionResult.attempt_id == attempt_id
            )
        ).all()
    )
    assert scored["nr-01"] == attempt.answers["nr-01"]
    assert attempt.result["results"][0]["response"] == attempt.answers["nr-01"]
    return attempt


def _session_attempt(model, attempt_id: int):
    from quizapp.extensions import db as thread_db

    attempt = thread_db.session.get(model, attempt_id)
    assert attempt.status is AttemptStatus.IN_PROGRESS  # as this request read it
    return attempt


def test_a_quiz_save_after_the_submission_is_refused(app, db, factory, tmp_path):
    """The save read the attempt open, the submission committed, then the save wrote."""
    attempt_id = _quiz(db, factory, tmp_path)

    def save(handover):
        attempt = _session_attempt(QuizAttempt, attempt_id)
        handover()  # the submission runs and commits here
        quizzes.save_answer(attempt, "nr-01", 2, now_utc())

    def submit():
        return quizzes.submit(_session_attempt(QuizAttempt, attempt_id), now_utc())

    saved, submitted = _in_order(app, save, submit)
    assert isinstance(submitted, Submitted)
    assert isinstance(saved, quizzes.AttemptRefused)
    attempt = _quiz_stored_is_scored(db, attempt_id)
    assert attempt.answers["nr-01"] == 0


def test_a_quiz_save_before_the_submission_is_scored(app, db, factory, tmp_path):
    """The submission read the answers, a save committed, then the submission scored."""
    attempt_id = _quiz(db, factory, tmp_path)

    def submit(handover):
        attempt = _session_attempt(QuizAttempt, attempt_id)
        assert attempt.answers["nr-01"] == 0
        handover()  # the save runs and commits here
        return quizzes.submit(attempt, now_utc())

    def save():
        quizzes.save_answer(_session_attempt(QuizAttempt, attempt_id), "nr-01", 2, now_utc())

    submitted, saved = _in_order(app, submit, save)
    assert isinstance(submitted, Submitted) and saved is None
    attempt = _quiz_stored_is_scored(db, attempt_id)
    assert attempt.answers["nr-01"] == 2


def _case_stored_is_scored(db, attempt_id: int) -> CaseAttempt:
    db.session.expire_all()
    attempt = db.session.get(CaseAttempt, attempt_id)
    assert attempt.status is AttemptStatus.SUBMITTED
    planned = db.session.scalar(
        select(CaseZoneResult.planned).where(
            CaseZoneResult.attempt_id == attempt_id, CaseZoneResult.zone == "glabella"
        )
    )
    assert float(attempt.plan_items[0]["amount"]) == planned
    return attempt


def test_a_case_save_after_the_submission_is_refused(app, db, factory, tmp_path):
    attempt_id = _case_at_plan(db, factory, tmp_path, amount="11")

    def save(handover):
        attempt = _session_attempt(CaseAttempt, attempt_id)
        handover()  # the submission runs and commits here
        casestudy.save_plan_rows(attempt, _plan("10"))

    def submit():
        return casestudy.submit(_session_attempt(CaseAttempt, attempt_id), now_utc())

    saved, submitted = _in_order(app, save, submit)
    assert isinstance(submitted, Submitted)
    assert isinstance(saved, casestudy.StepRefused)
    assert _case_stored_is_scored(db, attempt_id).plan_items[0]["amount"] == "11"


def test_a_case_save_before_the_submission_is_scored(app, db, factory, tmp_path):
    attempt_id = _case_at_plan(db, factory, tmp_path, amount="11")

    def submit(handover):
        attempt = _session_attempt(CaseAttempt, attempt_id)
        assert attempt.plan_items[0]["amount"] == "11"
        handover()  # the save runs and commits here
        return casestudy.submit(attempt, now_utc())

    def save():
        casestudy.save_plan_rows(_session_attempt(CaseAttempt, attempt_id), _plan("10"))

    submitted, saved = _in_order(app, submit, save)
    assert isinstance(submitted, Submitted) and saved is None
    assert _case_stored_is_scored(db, attempt_id).plan_items[0]["amount"] == "10"


@pytest.mark.parametrize("trial", range(5))
def test_a_save_and_a_submission_at_once_agree(app, db, factory, tmp_path, trial):
    """Released together by a barrier, whichever wins: the stored answers are the scored ones."""
    attempt_id = _case_at_plan(db, factory, tmp_path, amount="11")

    def work(mine):
        from quizapp.extensions import db as thread_db

        attempt = thread_db.session.get(CaseAttempt, attempt_id)
        if mine % 2:
            return casestudy.submit(attempt, now_utc())
        casestudy.save_plan_rows(attempt, _plan(str(10 - mine / 2)))
        return "saved"

    outcomes = race(app, work)
    assert sum(isinstance(o, Submitted) for o in outcomes) == 1
    assert all(
        o is None or o == "saved" or isinstance(o, (Submitted, casestudy.StepRefused))
        for o in outcomes
    ), outcomes
    _case_stored_is_scored(db, attempt_id)
