"""The dashboard's combined reads (services/learning/progress.py) give what the separate
queries gave: the score history from the one UNION ALL of attempts, the tendency and the
weakest topics from one statement, and the content lists from the token the user loader reads
with the user."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from quizapp.extensions import db as session_db
from quizapp.models import (
    AttemptStatus,
    Certificate,
    CpdActivity,
    DrillAttempt,
    EntryStatus,
    Role,
)
from quizapp.services.academy import certification
from quizapp.services.authoring import content
from quizapp.services.learning import casestudy, drills, progress, quizzes
from quizapp.services.portfolio import practice
from tests.conftest import login
from tests.data import academykit as kit
from tests.web.test_portfolio_logbook import TODAY, raw_entry


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


# --------------------------------------------------------------------------------------------
# A trainee in a certification programme: the reads the dashboard folds together
# --------------------------------------------------------------------------------------------


def _entry(trainee, academy, status, *, days_ago=1, supersedes=None, **overrides):
    """An entry moved straight to `status` (signed `days_ago` days before NOW when signed)."""
    entry = practice.create_entry(
        academy.id,
        trainee.id,
        raw_entry(**overrides),
        TODAY,
        supersedes=supersedes,
    )
    entry.status = status
    if status is EntryStatus.SIGNED:
        entry.signed_at = kit.NOW - timedelta(days=days_ago)
    session_db.session.flush()
    return entry


def test_the_logbook_read_once_gives_the_performed_and_the_signed_entries(learner, factory, db):
    academy, trainee = learner
    other_academy = factory.academy("Southgate", "southgate")
    signed, submitted = EntryStatus.SIGNED, EntryStatus.SUBMITTED
    first = _entry(trainee, academy, signed, days_ago=9)
    correction = _entry(trainee, academy, signed, days_ago=8, supersedes=first)
    observed = _entry(trainee, academy, signed, days_ago=7, role="observed")
    waiting = _entry(trainee, academy, submitted)
    corrected_by_a_draft = _entry(trainee, academy, signed, days_ago=6)
    _entry(trainee, academy, EntryStatus.DRAFT, supersedes=corrected_by_a_draft)
    elsewhere = _entry(trainee, other_academy, signed, days_ago=5)
    _entry(trainee, academy, EntryStatus.DRAFT)
    _entry(trainee, academy, EntryStatus.CHANGES_REQUESTED)
    db.session.commit()

    logbook = practice.trainee_logbook(trainee.id)
    # Performed, submitted or signed, superseded by no entry (a draft correction counts).
    assert sorted(e.id for e in logbook.performed()) == [correction.id, waiting.id, elsewhere.id]
    assert practice.practice_tendency(trainee.id, logbook).attempts == 3
    assert practice.practice_tendency(trainee.id) == practice.practice_tendency(trainee.id, logbook)
    # Signed in the academy, superseded by no signed entry (a draft correction does not).
    for place, expected in (
        (academy, [correction, observed, corrected_by_a_draft]),
        (other_academy, [elsewhere]),
    ):
        alone = practice.signed_entries(place.id, [trainee.id]).get(trainee.id, [])
        shared = logbook.signed(place.id)
        key = lambda s: s.signed_at  # noqa: E731
        assert sorted(shared, key=key) == sorted(alone, key=key)
        assert sorted(s.signed_at for s in shared) == sorted(e.signed_at for e in expected)
    assert [(s.modality, s.role) for s in logbook.signed(academy.id) if s.role == "observed"] == [
        ("toxin", "observed")
    ]


def test_the_enrolment_statement_equals_the_programmes_starts_and_certificates(
    learner, factory, db
):
    academy, trainee = learner
    toxin = kit.programme(academy, "Toxin")
    filler = kit.programme(academy, "Filler")
    retired = kit.programme(academy, "Retired", active=False)
    early = kit.cohort(academy, [trainee], [toxin, retired], name="Early")
    early.start_date = kit.NOW.date() - timedelta(days=90)
    kit.cohort(academy, [trainee], [toxin, filler], name="Late")
    for cycle, revoked in ((1, kit.NOW - timedelta(days=1)), (2, None)):
        db.session.add(
            Certificate(
                code=f"code-{cycle}",
                user_id=trainee.id,
                programme_id=toxin.id,
                academy_id=academy.id,
                cycle=cycle,
                holder_name="Tia Trainee",
                programme_name="Toxin",
                academy_name="Northbridge",
                issued_at=kit.NOW - timedelta(days=30 * cycle),
                expires_at=kit.NOW + timedelta(days=300),
                revoked_at=revoked,
            )
        )
    db.session.commit()

    enrolled = certification.enrolment(trainee.id, academy.id)
    assert [p.name for p in enrolled.programmes] == ["Filler", "Toxin"]
    assert enrolled.programmes == certification.programmes_for(trainee.id, academy.id)
    assert enrolled.starts == {
        toxin.id: kit.NOW.date() - timedelta(days=90),  # the earlier of its two cohorts
        filler.id: kit.NOW.date(),
    }
    # history's own read has the retired programme too, which no standing looks up.
    starts_alone = certification.history(trainee.id, academy.id).starts or {}
    assert starts_alone == {**enrolled.starts, retired.id: kit.NOW.date() - timedelta(days=90)}
    by_cycle = lambda h: h.cycle  # noqa: E731
    held = certification._held(trainee.id, [toxin.id, filler.id])
    assert sorted(enrolled.held[toxin.id], key=by_cycle) == sorted(held[toxin.id], key=by_cycle)
    assert [h.cycle for h in enrolled.held[toxin.id]] in ([1, 2], [2, 1])
    assert filler.id not in enrolled.held
    assert certification.enrolment(trainee.id, factory.academy("Other", "other").id) == (
        certification.Enrolment([], {}, {})
    )


def test_case_outcomes_and_cpd_from_the_attempts_read_equal_the_history_read_alone(
    learner, factory, db
):
    academy, trainee = learner
    other_academy = factory.academy("Southgate", "southgate")
    kit.quiz(trainee, academy, "basics", 55.0)
    kit.quiz(trainee, other_academy, "basics", 95.0)  # another academy's: not this history
    for days, band in ((3, "natural"), (2, "unsafe"), (1, "overdone")):
        kit.case_attempt(trainee, academy, band, kit.NOW - timedelta(days=days))
    kit.case_attempt(trainee, other_academy, "natural", kit.NOW)
    for done_on, hours in ((date(2026, 1, 5), "1.50"), (date(2026, 2, 28), "2.25")):
        db.session.add(
            CpdActivity(
                user_id=trainee.id,
                academy_id=academy.id,
                done_on=done_on,
                topic="Anatomy refresher",
                method="course",
                hours=Decimal(hours),
            )
        )
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # A zone far from UTC: the CPD's date must come back as stored.
        db.session.execute(text("SET LOCAL TIME ZONE 'Pacific/Kiritimati'"))

    attempts = progress.learner_attempts(trainee.id, evidence_academy=academy.id)
    known = certification.evidence_from(attempts, academy.id)
    assert [c.band for c in known["cases"]] == ["natural", "unsafe", "overdone"]
    assert known["cpd"] == [(date(2026, 1, 5), 1.5), (date(2026, 2, 28), 2.25)]
    shared = certification.history(trainee.id, academy.id, **known)
    assert shared == certification.history(trainee.id, academy.id)
    assert shared.modules["basics"].scores == (55.0,)
    # Without a programme's academy the evidence is not read, and nothing claims it was.
    plain = progress.learner_attempts(trainee.id)
    assert (plain.outcomes, plain.cpd) == (None, None)
    assert set(certification.evidence_from(plain, academy.id)) == {"scores"}
