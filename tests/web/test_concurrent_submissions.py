"""Ten simultaneous submissions of one attempt store exactly one scored result (threads and a
barrier, each thread with its own app context and database session, as gunicorn threads would)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from sqlalchemy import func, select

from quizapp.models import CaseAttempt, CaseZoneResult, QuestionResult, QuizAttempt, Role
from quizapp.models.base import now_utc
from quizapp.services.authoring import content
from quizapp.services.learning import casestudy, quizzes

BANK = Path(__file__).resolve().parents[2] / "cases"
THREADS = 10


def _race(app, work) -> list:
    """Run `work()` in THREADS threads released together; return what each returned or raised."""
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def run(index: int) -> None:
        with app.app_context():
            from quizapp.extensions import db

            try:
                barrier.wait(timeout=10)
                outcomes[index] = work()
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
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

    def submit():
        from quizapp.extensions import db as thread_db

        return quizzes.submit(thread_db.session.get(QuizAttempt, attempt_id), now_utc())

    outcomes = _race(app, submit)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert outcomes.count(True) == 1
    assert db.session.scalar(select(func.count()).select_from(QuestionResult)) == 20


def test_ten_concurrent_case_submissions_store_one_result(app, db, factory, tmp_path):
    _bank(tmp_path, db)
    user = factory.user(Role.TRAINEE)
    academy_id = user.memberships[0].academy_id
    listed = casestudy.find_listed("f44-frown-lines", academy_id)
    attempt = casestudy.start_or_resume(user.id, academy_id, listed, now_utc())
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 1, "moving": 3}})
    casestudy.save_candidacy(attempt, [], "treat")
    casestudy.save_plan_rows(
        attempt, [{"zone": "glabella", "product": "ona", "amount": "20", "side": "midline"}]
    )
    db.session.commit()
    attempt_id = attempt.id

    def submit():
        from quizapp.extensions import db as thread_db

        return casestudy.submit(thread_db.session.get(CaseAttempt, attempt_id), now_utc())

    outcomes = _race(app, submit)
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert errors == []
    assert outcomes.count(True) == 1
    # The glabella only: crow's feet at grade 2 from the catalogue is optional, never "missed".
    assert db.session.scalar(select(func.count()).select_from(CaseZoneResult)) == 1
