"""Every page runs the same number of SQL statements for N learners and attempts as for 3N.

A page whose count grows with the data loads rows one by one (an N+1): fine with ten learners,
seconds with ten thousand (bench/README.md). Pages already checked elsewhere are left out: the
dashboard and module page against the trainee's own attempts (test_quiz_player.py), the reports
page (test_academy_reports.py), the insight pages and common mistakes (test_author_insight.py)
and the authoring list (test_author_cases.py).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.models import AuditEntry, CaseAttempt, Certificate, Role
from tests.conftest import login
from tests.data import academykit as kit

N = 2
BANDS = ("natural", "overdone", "unsafe", "conservative")


@pytest.fixture()
def world(tmp_path, factory, db):
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy, display_name="Ada Admin")
    trainee = factory.user(Role.TRAINEE, academy, display_name="Tia Trainee")
    programme = kit.programme(academy)
    state = {"academy": academy, "admin": admin, "trainee": trainee, "programme": programme}
    state["rounds"] = 0
    return state


def grow(world, factory, db, n: int) -> None:
    """n more learners (in a new cohort, with quiz and case attempts and a certificate), n more
    attempts of the trainee's own, and n more audit entries."""
    academy, trainee, programme = world["academy"], world["trainee"], world["programme"]
    world["rounds"] += 1
    others = []
    for i in range(n):
        other = factory.user(Role.TRAINEE, academy)
        others.append(other)
        when = kit.NOW - timedelta(days=i + 1)
        kit.quiz(other, academy, "basics", 40 + 15 * i, when)
        kit.quiz(other, academy, "advanced", 70, when)
        kit.case_attempt(other, academy, BANDS[i % len(BANDS)], when)
        kit.quiz(trainee, academy, "basics", 50 + i, when)
        kit.case_attempt(trainee, academy, BANDS[(i + 1) % len(BANDS)], when)
        db.session.add(
            Certificate(
                code=secrets.token_urlsafe(12),
                user_id=other.id,
                programme_id=programme.id,
                academy_id=academy.id,
                holder_name=other.display_name,
                programme_name=programme.name,
                academy_name=academy.name,
                issued_at=when,
                expires_at=when + timedelta(days=40 + 30 * i),
            )
        )
        db.session.add(
            AuditEntry(
                academy_id=academy.id,
                actor_id=world["admin"].id,
                action="member.deactivate",
                target=f"user {other.id}",
            )
        )
    db.session.commit()
    kit.cohort(academy, others, [programme], name=f"Cohort {world['rounds']}")


def counts(client, paths, count_queries) -> dict[str, int]:
    result = {}
    for path in paths:
        assert client.get(path).status_code == 200, path  # warm any per-process cache
        with count_queries() as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        response.get_data()  # a streamed body runs its queries while it is read
        result[path] = len(statements)
    return result


def test_trainee_pages_do_not_grow_with_learners_or_attempts(
    world, client, factory, db, count_queries
):
    grow(world, factory, db, N)
    login(client, world["trainee"].email)
    paths = ["/learn/", "/learn/modules/basics", "/learn/cases/", "/certificates/"]
    small = counts(client, paths, count_queries)
    grow(world, factory, db, 2 * N)
    large = counts(client, paths, count_queries)
    assert large == small


def test_academy_pages_do_not_grow_with_learners_or_attempts(
    world, client, factory, db, count_queries
):
    grow(world, factory, db, N)
    login(client, world["admin"].email)
    paths = [
        "/academy/",
        "/academy/members",
        "/academy/cohorts",
        "/academy/certificates",
        "/academy/audit",
        "/academy/reports/learners.csv",
        "/academy/reports/funnel.csv",
        "/academy/reports?cohort=",
    ]
    small = counts(client, paths, count_queries)
    grow(world, factory, db, 2 * N)
    large = counts(client, paths, count_queries)
    assert large == small
    assert small["/academy/members"] <= 15 and small["/academy/cohorts"] <= 12


def test_counting_sees_an_n_plus_one(world, client, factory, db, count_queries):
    """The check above can fail: a loop that loads each learner's attempts is caught."""
    grow(world, factory, db, N)
    from quizapp.extensions import db as _db

    def naive() -> int:
        with count_queries() as statements:
            for user_id in _db.session.scalars(select(CaseAttempt.user_id).distinct()).all():
                _db.session.scalars(select(CaseAttempt).where(CaseAttempt.user_id == user_id)).all()
        return len(statements)

    before = naive()
    grow(world, factory, db, 2 * N)
    assert naive() > before


def test_dashboard_with_a_programme_runs_a_fixed_number_of_statements(
    world, client, factory, db, count_queries
):
    """The trainee follows the programme: the dashboard adds its certification panel."""
    from quizapp.services.academy import certification
    from quizapp.services.learning import progress
    from quizapp.services.portfolio import practice

    academy, trainee = world["academy"], world["trainee"]
    kit.cohort(academy, [trainee], [world["programme"]], name="The trainee's cohort")
    grow(world, factory, db, N)
    login(client, trainee.email)
    paths = ["/learn/", "/learn/modules/basics"]
    small = counts(client, paths, count_queries)
    grow(world, factory, db, 2 * N)
    large = counts(client, paths, count_queries)
    # Dashboard: the 5 of a trainee without a programme (test_quiz_player.py): the user
    # loader; the programmes with their cohort starts and the certificates held; the attempts,
    # with the programme's case outcomes and the CPD; the tendency and weakest topics; the
    # logbook, read once for the practice tendency and the signed entries.
    assert small == large == {"/learn/": 5, "/learn/modules/basics": 3}

    # The standings from the reads the dashboard shares equal those read on their own.
    now = kit.NOW
    alone = certification.standings(trainee.id, academy.id, now)
    attempts = progress.learner_attempts(trainee.id, evidence_academy=academy.id)
    shared = certification.standings(
        trainee.id,
        academy.id,
        now,
        enrolled=certification.enrolment(trainee.id, academy.id),
        known={
            **certification.evidence_from(attempts, academy.id),
            "signed": practice.trainee_logbook(trainee.id).signed(academy.id),
        },
    )
    assert [(s.programme.id, s.decision, s.check) for s in shared] == [
        (s.programme.id, s.decision, s.check) for s in alone
    ]
    assert len(alone) == 1
