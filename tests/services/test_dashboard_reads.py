"""The dashboard's combined reads (services/learning/progress.py) give what the separate
queries gave: the score history from the one UNION ALL of attempts, the tendency and the
weakest topics from one statement, and the content lists from the token the user loader reads
with the user."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from quizapp.models import AttemptStatus, DrillAttempt, Role
from quizapp.services.authoring import content
from quizapp.services.learning import casestudy, drills, progress, quizzes
from tests.conftest import login
from tests.data import academykit as kit


@pytest.fixture()
def learner(tmp_path, factory, db):
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    return academy, factory.user(Role.TRAINEE, academy, display_name="Tia Trainee")


def test_history_is_the_last_thirty_quiz_and_case_scores_oldest_first(learner, db):
    academy, trainee = learner
    # 3 quizzes, 32 cases, every one at its own time; the oldest five fall out of the 30.
    for i, score in enumerate((40.0, 65.0, 90.0)):
        kit.quiz(
            trainee,
            academy,
            "basics" if i < 2 else "advanced",
            score,
            kit.NOW - timedelta(days=40 - 15 * i),
        )
    for i in range(32):
        kit.case_attempt(
            trainee, academy, "natural", kit.NOW - timedelta(days=35 - i), score=float(i)
        )
    history = progress.score_history(trainee.id)
    assert len(history) == 30
    assert [p.when for p in history] == sorted(p.when for p in history)
    # Dropped: the quiz at day -40 and the cases at days -35, -34, -33, -32.
    assert [(p.kind, p.score) for p in history[:3]] == [("case", 4.0), ("case", 5.0), ("case", 6.0)]
    quizzes_shown = [(p.score, p.title) for p in history if p.kind == "quiz"]
    assert quizzes_shown == [(65.0, "Basics of restraint"), (90.0, "Advanced planning")]
    assert history[-1].kind == "case" and history[-1].score == 31.0
    assert history[-1].title and history[-1].band == "natural"

    attempts = progress.learner_attempts(trainee.id)
    assert len(attempts.quizzes) == 3 and len(attempts.cases) == 30 and attempts.drills == []
    assert [a.number for a in attempts.quizzes] == [1, 2, 1]  # by module, then number
    assert progress.score_history(trainee.id, attempts=attempts) == history


def test_module_progress_is_the_same_from_the_shared_read(learner, db):
    academy, trainee = learner
    kit.quiz(trainee, academy, "basics", 40.0)
    kit.quiz(trainee, academy, "basics", 75.0, kit.NOW + timedelta(hours=1))
    own = quizzes.module_progress(trainee.id, academy.id)
    shared = quizzes.module_progress(
        trainee.id, academy.id, progress.learner_attempts(trainee.id).quizzes
    )
    assert [(m.listed.slug, m.status, m.best, m.attempts_used) for m in shared] == [
        ("basics", "passed", 75.0, 2),
        ("advanced", "not_started", None, 0),
    ]
    assert [(m.status, m.best, m.graded, m.scores) for m in shared] == [
        (m.status, m.best, m.graded, m.scores) for m in own
    ]


def test_tendency_and_weakest_topics_in_one_statement(learner, db, count_queries):
    academy, trainee = learner
    trainee_id = trainee.id  # loaded before counting
    with count_queries() as statements:
        tendency, topics = progress.tendency_and_weakest(trainee_id)
    assert len(statements) == 1
    assert (tendency.attempts, tendency.zones_judged, topics) == (0, 0, [])  # nothing yet

    kit.quiz(trainee, academy, "basics", 50.0, answers=2)
    kit.quiz(trainee, academy, "advanced", 50.0, answers=2)
    expected = progress.weakest_topics(trainee.id, minimum=1)
    tendency, topics = progress.tendency_and_weakest(trainee.id, minimum=1)
    assert topics == expected and topics  # the same topics, in the same order
    assert tendency == casestudy.tendency(trainee.id)
    # Below the minimum count a topic is left out, as weakest_topics leaves it out.
    assert progress.tendency_and_weakest(trainee.id, minimum=99)[1] == []


def test_a_module_published_after_sign_in_shows_on_the_next_page(
    tmp_path, learner, client, db, count_queries
):
    academy, trainee = learner
    login(client, trainee.email)
    assert "Advanced planning" in client.get("/learn/").get_data(as_text=True)
    with count_queries() as statements:
        client.get("/learn/")
    # The token came with the user: no statement of its own.
    assert not [s for s in statements if s.startswith("SELECT content_generation")]
    assert "content_generation" in statements[0]
    extra = tmp_path / "extra" / "modules"
    extra.mkdir(parents=True)
    (extra / "03-third.yaml").write_text(
        kit.MODULE.format(slug="third", title="Third module", order=3, grading="highest")
    )
    content.import_bank(tmp_path / "extra")
    db.session.commit()
    assert "Third module" in client.get("/learn/").get_data(as_text=True)


def test_drill_progress_is_the_same_from_the_shared_read(tmp_path, factory, db):
    bank = Path(__file__).resolve().parents[2] / "cases"
    shutil.copytree(bank / "drills", tmp_path / "drills")
    content.import_bank(tmp_path)
    db.session.commit()
    academy = factory.academy("Northbridge", "northbridge")
    trainee = factory.user(Role.TRAINEE, academy)
    listed = drills.drill_listing(academy.id)
    first, second = listed[0], listed[1]
    for drill, status, outcome, score in (
        (first, AttemptStatus.SUBMITTED, "rescued", 40.0),
        (first, AttemptStatus.SUBMITTED, "rescued_late", 85.0),
        (second, AttemptStatus.IN_PROGRESS, None, None),
    ):
        db.session.add(
            DrillAttempt(
                user_id=trainee.id,
                academy_id=academy.id,
                drill_id=drill.id,
                drill_version_id=drill.version_id,
                status=status,
                outcome=outcome,
                score=score,
                submitted_at=kit.NOW if status is AttemptStatus.SUBMITTED else None,
            )
        )
    db.session.commit()
    alone = drills.drill_progress(trainee.id, academy.id)
    attempts = progress.learner_attempts(trainee.id, [d.id for d in listed])
    shared = drills.drill_progress(trainee.id, academy.id, attempts=attempts.drills)
    assert shared == alone
    by_slug = {p.listed.slug: p for p in shared}
    assert (by_slug[first.slug].attempts, by_slug[first.slug].last_outcome) == (2, "rescued_late")
    assert by_slug[first.slug].last_score == 85.0
    assert by_slug[second.slug].attempts == 0 and by_slug[second.slug].open_attempt_id
