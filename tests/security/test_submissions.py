"""Submissions: a replay never stores a second result, the server's clock ends a timed attempt,
posted fields other than the answers are ignored, and another person's attempt does not exist.

(Ten concurrent submissions are tested in tests/web/test_concurrent_submissions.py.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.domain import quiz
from quizapp.domain.scoring import score_case_attempt
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
from tests.conftest import csrf_from, login
from tests.security.conftest import fingerprint

CASES_DIR = Path(__file__).resolve().parents[2] / "cases"
MODULE = """\
id: timed
title: A timed module
order: 1
summary: A short timed module for tests.
prerequisites: []
pass_mark: 50
max_attempts: 3
grading: highest
time_limit_minutes: 10
shuffle: false
cases: []
references: [F15]
questions:
  - id: tm-01
    type: truefalse
    topic: products
    stem: Hyaluronic acid filler can be dissolved with hyaluronidase.
    answer: true
    explanation: HA is reversible with hyaluronidase.
    references: [F13]
  - id: tm-02
    type: numeric
    topic: toxin
    stem: What is the on-label onabotulinumtoxinA dose for glabellar lines, in units?
    answer: 20
    tolerance: 0
    unit: U
    explanation: 20 U in five sites of 4 U.
    references: [B1]
"""
# Fields a forged form might add, hoping the server stores them.
FORGED = {
    "score": "100",
    "score_percent": "100",
    "passed": "1",
    "band": "natural",
    "status": "submitted",
    "user_id": "1",
    "result": "{}",
}


@pytest.fixture()
def bank(tmp_path, db):
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "01-timed.yaml").write_text(MODULE)
    shutil.copy(CASES_DIR / "m41-toxin-top-up.yaml", tmp_path / "m41-toxin-top-up.yaml")
    content.import_bank(tmp_path)
    db.session.commit()


@pytest.fixture()
def trainee(factory, client, bank):
    user = factory.user(Role.TRAINEE)
    login(client, user.email)
    return user


def _post(client, url, **data):
    token = csrf_from(client.get("/account/password").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _start_quiz(client) -> int:
    response = _post(client, "/learn/modules/timed/start")
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].split("/")[3])


def _count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return db.session.scalar(query)


def test_replayed_quiz_submission_shows_the_stored_result(client, trainee, db):
    attempt_id = _start_quiz(client)
    _post(client, f"/learn/attempts/{attempt_id}/q/1", answer="true", go="next")
    finish = f"/learn/attempts/{attempt_id}/finish"
    first = _post(client, finish)
    assert first.headers["Location"].endswith(f"/learn/attempts/{attempt_id}/review")
    stored = db.session.get(QuizAttempt, attempt_id)
    score, submitted_at = stored.score_percent, stored.submitted_at
    before = fingerprint()
    # The same submission again, and a late answer to a question: the stored result stands.
    replay = _post(client, finish)
    assert replay.status_code == 302 and replay.headers["Location"] == first.headers["Location"]
    late = _post(client, f"/learn/attempts/{attempt_id}/q/2", answer="20", go="finish")
    assert late.headers["Location"].endswith("/review")
    assert fingerprint() == before
    db.session.expire_all()
    again = db.session.get(QuizAttempt, attempt_id)
    assert again.score_percent == score == 50.0
    assert again.submitted_at == submitted_at
    assert _count(db, QuizAttempt, user_id=trainee.id) == 1
    assert _count(db, QuestionResult, attempt_id=attempt_id) == 2
    assert "50" in client.get(replay.headers["Location"]).get_data(as_text=True)


# A worker that scores the submission, flushes every row and is killed before it commits.
KILLED_MID_SUBMIT = """
import sys, time
from quizapp import create_app
from quizapp.extensions import db
from quizapp.models import QuizAttempt
from quizapp.models.base import now_utc
from quizapp.services.learning import quizzes

url, attempt_id, token = sys.argv[1:]
app = create_app({"SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": url,
                  "RATELIMIT_STORAGE_URI": "memory://"})
with app.app_context():
    assert quizzes.submit(db.session.get(QuizAttempt, int(attempt_id)), now_utc(), token)
    print("scored and flushed, not committed", flush=True)
    time.sleep(60)
"""


def test_a_worker_killed_mid_submit_leaves_nothing_and_a_retry_stores_one_result(
    client, trainee, db, app
):
    attempt_id = _start_quiz(client)
    _post(client, f"/learn/attempts/{attempt_id}/q/1", answer="true", go="next")
    finish = f"/learn/attempts/{attempt_id}/finish"
    page = client.get(finish).get_data(as_text=True)
    token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
    command = [sys.executable, "-c", KILLED_MID_SUBMIT, app.config["SQLALCHEMY_DATABASE_URI"]]
    with subprocess.Popen(
        [*command, str(attempt_id), token], stdout=subprocess.PIPE, text=True, cwd=CASES_DIR.parent
    ) as worker:
        try:
            assert worker.stdout.readline().startswith("scored and flushed"), worker.poll()
        finally:
            worker.kill()  # SIGKILL: no rollback, no clean-up of its own
            worker.wait(timeout=30)
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.status is AttemptStatus.IN_PROGRESS and attempt.submission_token is None
    assert attempt.score_percent is None and attempt.result is None
    assert _count(db, QuestionResult, attempt_id=attempt_id) == 0

    # The client saw an error and posts the same form again, twice: one submission.
    for _ in range(2):
        retry = _post(client, finish, submission_token=token)
        assert retry.headers["Location"].endswith(f"/learn/attempts/{attempt_id}/review")
        db.session.expire_all()
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.status is AttemptStatus.SUBMITTED and attempt.submission_token == token
        assert _count(db, QuestionResult, attempt_id=attempt_id) == 2
    assert "50" in client.get(retry.headers["Location"]).get_data(as_text=True)


def test_a_submission_token_of_another_attempt_is_not_kept(client, trainee, db):
    attempt_id = _start_quiz(client)
    _post(client, f"/learn/attempts/{attempt_id}/finish", submission_token="999999-forged")
    assert db.session.get(QuizAttempt, attempt_id).submission_token is None


def _walk_case(client, base: str, **extra):
    assert _post(client, f"{base}/patient", **extra).status_code == 302
    _post(client, f"{base}/assessment", **{"rest-glabella": "0", "moving-glabella": "2"}, **extra)
    _post(client, f"{base}/candidacy", disposition="treat", **extra)
    plan = {"zone-0": "glabella", "product-0": "ona", "amount-0": "20", "side-0": "midline"}
    return _post(client, f"{base}/plan", go="submit", **plan, **extra)


def _start_case(client) -> str:
    response = _post(client, "/learn/cases/m41-toxin-top-up/start")
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[0]


def test_replayed_case_submission_shows_the_stored_result(client, trainee, db):
    base = _start_case(client)
    submitted = _walk_case(client, base)
    assert submitted.headers["Location"].endswith(f"{base}/result")
    attempt_id = int(base.split("/")[-1])
    zones = _count(db, CaseZoneResult, attempt_id=attempt_id)
    assert zones >= 1
    before = fingerprint()
    plan = {"zone-0": "forehead", "product-0": "ona", "amount-0": "4", "side-0": "midline"}
    replay = _post(client, f"{base}/plan", go="submit", **plan)
    assert replay.status_code == 302 and replay.headers["Location"].endswith(f"{base}/result")
    assert (
        _post(client, f"{base}/candidacy", disposition="defer")
        .headers["Location"]
        .endswith(f"{base}/result")
    )
    assert fingerprint() == before
    assert _count(db, CaseAttempt, user_id=trainee.id) == 1
    assert _count(db, CaseZoneResult, attempt_id=attempt_id) == zones


def test_time_limit_is_kept_by_the_server_clock(client, trainee, db):
    attempt_id = _start_quiz(client)
    _post(client, f"/learn/attempts/{attempt_id}/q/1", answer="true", go="next")
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=10)
    # Twenty minutes ago the attempt began; its ten minutes ran out ten minutes ago.
    attempt.started_at = now_utc() - timedelta(minutes=20)
    attempt.deadline_at = attempt.started_at + timedelta(minutes=10)
    db.session.commit()
    deadline = attempt.deadline_at
    late = _post(client, f"/learn/attempts/{attempt_id}/q/2", answer="20", go="finish")
    assert late.headers["Location"].endswith(f"/learn/attempts/{attempt_id}/review")
    db.session.expire_all()
    closed = db.session.get(QuizAttempt, attempt_id)
    assert closed.status is AttemptStatus.SUBMITTED
    assert closed.submitted_at == deadline  # closed at the deadline, not at the late post
    assert closed.answers == {"tm-01": True}  # the late answer was not kept
    assert closed.score_percent == 50.0
    # Nor can the finish page submit anything else now.
    before = fingerprint()
    assert _post(client, f"/learn/attempts/{attempt_id}/finish").status_code == 302
    assert fingerprint() == before


def test_forged_fields_are_ignored(client, trainee, factory, db):
    other = factory.user(Role.TRAINEE)
    forged = {**FORGED, "user_id": str(other.id)}
    attempt_id = _start_quiz(client)
    _post(client, f"/learn/attempts/{attempt_id}/q/1", answer="false", go="next", **forged)
    _post(client, f"/learn/attempts/{attempt_id}/q/2", answer="7", go="finish", **forged)
    _post(client, f"/learn/attempts/{attempt_id}/finish", **forged)
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt_id)
    module = quizzes.module_content(attempt.module_version)
    graded = quiz.grade_attempt(module.questions, attempt.answers, module.pass_mark)
    assert attempt.user_id == trainee.id
    assert (attempt.score_percent, attempt.passed) == (graded.percent, graded.passed) == (0, False)
    assert _count(db, QuizAttempt, user_id=other.id) == 0

    base = _start_case(client)
    _walk_case(client, base, **forged)
    case_attempt = db.session.get(CaseAttempt, int(base.split("/")[-1]))
    db.session.refresh(case_attempt)
    case = casestudy.case_content(case_attempt.case_version)
    expected = score_case_attempt(
        case,
        case_attempt.grades,
        case_attempt.red_flags,
        case_attempt.disposition,
        casestudy.build_plan(case_attempt),
    )
    assert case_attempt.user_id == trainee.id
    assert case_attempt.band == expected.plan.band.value != "natural"
    assert case_attempt.score == expected.total


def test_another_persons_attempt_does_not_exist(client, trainee, factory, db, app):
    owner_client = app.test_client()
    owner = factory.user(Role.TRAINEE, academy=trainee.memberships[0].academy)
    login(owner_client, owner.email)
    quiz_id = _start_quiz(owner_client)
    case_base = _start_case(owner_client)
    paths = [
        f"/learn/attempts/{quiz_id}/q/1",
        f"/learn/attempts/{quiz_id}/finish",
        f"/learn/attempts/{quiz_id}/review",
        f"{case_base}/patient",
        f"{case_base}/plan",
        f"{case_base}/result",
    ]
    before = fingerprint()
    for path in paths:
        assert client.get(path).status_code == 404, path
        if not path.endswith("/review"):  # the review only answers GET
            response = _post(client, path, answer="true", go="finish", disposition="defer")
            assert response.status_code == 404, path
    assert fingerprint() == before
    # The owner still can.
    assert owner_client.get(f"/learn/attempts/{quiz_id}/q/1").status_code == 200
