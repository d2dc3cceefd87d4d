"""The summaries written with each attempt (services/learning/summaries.py) equal a recompute
from the attempts after every kind of write: starts and steps, submissions, concurrent
submissions, an account deleted, a membership deactivated, a new content version; and
`rebuild` mends rows that were changed past the application. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from quizapp.models import (
    AnswerSummary,
    CaseBandSummary,
    LearnerCases,
    LearnerCaseSummary,
    LearnerModuleSummary,
    LearnerStanding,
    LearnerTendency,
    Membership,
    ModuleFunnel,
    QuizAttempt,
    Role,
)
from quizapp.models.base import now_utc
from quizapp.models.summaries import AcademyBands
from quizapp.services.academy import reports
from quizapp.services.authoring import content, insight
from quizapp.services.learning import casestudy, catalogue, quizzes, standings, summaries
from quizapp.services.people import members, privacy
from tests.data import academykit as kit
from tests.web.test_concurrent_submissions import race


def _equal(academy_id: int | None = None) -> summaries.Figures:
    stored = summaries.stored(academy_id)
    assert stored == summaries.recompute(academy_id)
    return stored


def _standing(figures: summaries.Figures, academy_id: int, user_id: int) -> dict:
    row = figures[LearnerStanding][(academy_id, user_id)]
    return dict(zip(standings.COLUMNS, row, strict=True))


def _quiz(user_id: int, academy_id: int, slug: str, right: bool, when):
    listed = quizzes.find_listed(slug, academy_id)
    attempt = quizzes.start_or_resume(user_id, academy_id, listed, when)
    quizzes.save_answer(attempt, f"{slug}-01", right, when)  # true is right
    quizzes.save_answer(attempt, f"{slug}-02", not right, when)  # false is right
    return attempt


def _case_at_plan(user_id: int, academy_id: int, amount: str, when):
    listed = casestudy.find_listed("f44-frown-lines", academy_id)
    attempt = casestudy.start_or_resume(user_id, academy_id, listed, when)
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 1, "moving": 3}})
    casestudy.save_candidacy(attempt, [], "treat")
    casestudy.save_plan_rows(
        attempt, [{"zone": "glabella", "product": "ona", "amount": amount, "side": "midline"}]
    )
    return attempt


def _world(tmp_path, factory, db, grading="highest"):
    kit.import_bank(tmp_path, grading=grading)
    academy = factory.academy("Northbridge", "northbridge")
    trainees = [factory.user(Role.TRAINEE, academy) for _ in range(3)]
    return academy, trainees


def _history(academy, trainees, db):
    """Quizzes passed and failed, case plans of several bands, open attempts left behind."""
    now = now_utc()
    ana, ben, cleo = trainees
    for i, (user, right) in enumerate([(ana, True), (ana, False), (ben, False), (cleo, True)]):
        attempt = _quiz(user.id, academy.id, "basics", right, now + timedelta(minutes=i))
        db.session.commit()
        assert quizzes.submit(attempt, now + timedelta(minutes=i, seconds=30)) is not None
        db.session.commit()
        _equal()
    _quiz(ben.id, academy.id, "advanced", True, now)  # started, never submitted
    db.session.commit()
    _equal()
    for i, (user, amount) in enumerate([(ana, "20"), (ana, "60"), (ben, "4"), (ana, "20")]):
        attempt = _case_at_plan(user.id, academy.id, amount, now)
        db.session.commit()
        assert casestudy.submit(attempt, now + timedelta(minutes=10 + i)) is not None
        db.session.commit()
        _equal()
    _case_at_plan(cleo.id, academy.id, "20", now)  # at the plan step, never submitted
    db.session.commit()
    return _equal()


def test_submissions_and_steps_keep_the_summaries_equal_to_a_recompute(tmp_path, factory, db):
    academy, (ana, ben, cleo) = _world(tmp_path, factory, db)
    stored = _history(academy, (ana, ben, cleo), db)
    basics = kit.module("basics").id
    modules = stored[LearnerModuleSummary]
    assert modules[(academy.id, ana.id, basics)][:5] == (2, 1, 100.0, 2, 0.0)
    assert modules[(academy.id, ben.id, basics)][:2] == (1, 1)
    advanced = modules[(academy.id, ben.id, kit.module("advanced").id)]
    assert advanced[:5] == (0, 0, None, None, None) and advanced[5] is not None
    answers = stored[AnswerSummary]
    assert sum(n for n, _ in answers.values()) == 8  # four attempts, two questions each
    case_id = kit.case("f44-frown-lines").id
    assert stored[LearnerCaseSummary][(academy.id, ana.id, case_id)][0] == 3
    assert stored[LearnerCaseSummary][(academy.id, cleo.id, case_id)][0] == 0  # open only
    ana_cases = stored[LearnerCases][(academy.id, ana.id)]
    assert ana_cases[0] == 3 and len(ana_cases[-1]) == 3  # submitted, latest bands
    assert ana_cases[7] == 1  # two good plans at one case: one good case
    assert stored[LearnerTendency][(ana.id,)][0] == 3
    assert stored[CaseBandSummary][(academy.id, case_id)][0] == 4


def test_the_check_can_fail_and_rebuild_mends_it(tmp_path, factory, db):
    academy, trainees = _world(tmp_path, factory, db)
    _history(academy, trainees, db)
    db.session.execute(
        update(LearnerModuleSummary).values(submitted=LearnerModuleSummary.submitted + 5)
    )
    db.session.execute(update(AnswerSummary).values(answers=0))
    db.session.execute(LearnerTendency.__table__.delete())
    db.session.execute(update(AcademyBands).values(natural=AcademyBands.natural + 1))
    assert summaries.stored() != summaries.recompute()
    written = summaries.rebuild(academy.id)
    db.session.commit()
    assert written["learner_module_summaries"] == 4
    assert written["academy_bands"] == 1
    _equal(academy.id)
    _equal()


def test_rebuild_command(app, tmp_path, factory, db):
    academy, trainees = _world(tmp_path, factory, db)
    _history(academy, trainees, db)
    db.session.execute(update(CaseBandSummary).values(attempts=0))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["summaries", "rebuild", "--academy", "northbridge"])
    assert result.exit_code == 0, result.output
    assert "learner_module_summaries: 4" in result.output
    db.session.expire_all()
    _equal()
    assert runner.invoke(args=["summaries", "rebuild", "--academy", "nowhere"]).exit_code != 0


def test_deletion_deactivation_and_a_new_version_keep_them_equal(tmp_path, factory, db):
    academy, (ana, ben, cleo) = _world(tmp_path, factory, db)
    _history(academy, (ana, ben, cleo), db)
    before = summaries.stored()
    report = reports.build(reports.Scope(academy.id), now_utc())
    mistakes = insight.common_mistakes(academy.id)

    privacy.delete_account(ben, ben, now_utc())
    db.session.commit()
    # Anonymised in place: every attempt and figure stays; the standing follows the name and
    # the deleted flag (still counted, never at risk).
    deleted = _equal()
    ben_before = _standing(before, academy.id, ben.id)
    assert _standing(deleted, academy.id, ben.id) == {
        **ben_before,
        "sort_name": privacy.DELETED_NAME,
        "deleted": True,
    }
    assert ben_before["counted"] and not ben_before["deleted"]
    before[LearnerStanding][(academy.id, ben.id)] = deleted[LearnerStanding][(academy.id, ben.id)]
    assert deleted == before

    membership = db.session.scalar(select(Membership).where(Membership.user_id == cleo.id))
    admin = factory.user(Role.ADMIN, academy)  # a new membership: a new standing, not counted
    assert _standing(_equal(), academy.id, admin.id)["counted"] is False
    before = summaries.stored()
    members.set_member_active(membership, False, admin)
    db.session.commit()
    deactivated = _equal()
    assert _standing(deactivated, academy.id, cleo.id) == {
        **_standing(before, academy.id, cleo.id),
        "counted": False,
    }
    after = reports.build(reports.Scope(academy.id), now_utc())
    assert after.learner_count == report.learner_count - 1
    paged = reports.build(reports.Scope(academy.id), now_utc(), pages=reports.Pages())
    assert (paged.learner_count, paged.at_risk_count) == (after.learner_count, 0)
    assert [r.user_id for r in paged.learners] == [r.user_id for r in after.learners]
    assert insight.common_mistakes(academy.id) == mistakes  # the whole academy's history

    members.set_member_active(membership, True, admin)
    db.session.commit()
    assert _equal() == before
    assert reports.build(reports.Scope(academy.id), now_utc()).learner_count == 3

    def ana_passed() -> int:
        build = reports.build(reports.Scope(academy.id), now_utc())
        return next(r for r in build.learners if r.user_id == ana.id).modules_passed

    # A new version grading by the last attempt: ana's first basics attempt passed (100), her
    # last failed (0); the summaries keep both scores and the pass decision follows the version.
    assert ana_passed() == 1
    assert _standing(before, academy.id, ana.id)["failing"] == 0  # no module failed unpassed
    kit.import_bank(tmp_path, grading="last")
    after_version = _equal()
    assert ana_passed() == 0
    # Only the standings and the funnel follow the pass decision: ana now fails basics once
    # without a pass, and basics has one pass fewer.
    assert _standing(after_version, academy.id, ana.id)["failing"] == 1
    basics = (academy.id, kit.module("basics").id)
    assert before[ModuleFunnel][basics][:3] == (3, 3, 2)  # started, submitted, passed
    assert after_version[ModuleFunnel][basics] == (3, 3, 1, before[ModuleFunnel][basics][3])
    for model in after_version:
        if model not in (LearnerStanding, ModuleFunnel):
            assert after_version[model] == before[model]


def test_a_rename_and_a_later_join_date_refresh_the_standing(tmp_path, factory, db):
    academy, (ana, ben, cleo) = _world(tmp_path, factory, db)
    _history(academy, (ana, ben, cleo), db)
    ana.display_name = "Zoe Renamed"
    membership = db.session.scalar(select(Membership).where(Membership.user_id == cleo.id))
    joined = now_utc() - timedelta(days=30)
    membership.created_at = joined
    db.session.commit()
    stored = _equal()
    assert _standing(stored, academy.id, ana.id)["sort_name"] == "Zoe Renamed"
    assert _standing(stored, academy.id, cleo.id)["idle_since"] > joined  # an open case
    newcomer = factory.user(Role.TRAINEE, academy)
    newcomer_membership = db.session.scalar(
        select(Membership).where(Membership.user_id == newcomer.id)
    )
    newcomer_membership.created_at = joined
    db.session.commit()
    assert _standing(_equal(), academy.id, newcomer.id) == {
        "counted": True,
        "deleted": False,
        "sort_name": newcomer.display_name,
        "idle_since": joined,
        "failing": 0,
        "recent_bad": 0,
    }
    report = reports.build(reports.Scope(academy.id), now_utc(), pages=reports.Pages())
    assert [r.name for r in report.learners][-1] == "Zoe Renamed"
    assert newcomer.id in [r.user_id for r in report.at_risk]  # 30 days since joining


def test_concurrent_submissions_all_count(app, tmp_path, factory, db):
    academy, _ = _world(tmp_path, factory, db)
    trainees = [factory.user(Role.TRAINEE, academy) for _ in range(8)]
    now = now_utc()
    quiz_ids, case_ids = [], []
    for user in trainees:
        quiz_ids.append(_quiz(user.id, academy.id, "basics", True, now).id)
        case_ids.append(_case_at_plan(user.id, academy.id, "20", now).id)
    db.session.commit()

    def submit(index: int):
        from quizapp.extensions import db as thread_db
        from quizapp.models import CaseAttempt

        if index % 2:
            attempt = thread_db.session.get(CaseAttempt, case_ids[index // 2])
            return casestudy.submit(attempt, now_utc())
        return quizzes.submit(thread_db.session.get(QuizAttempt, quiz_ids[index // 2]), now_utc())

    outcomes = race(app, submit, threads=16)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    db.session.expire_all()
    stored = _equal()
    assert sum(n for n, _ in stored[AnswerSummary].values()) == 16  # 8 quizzes x 2 questions
    assert stored[CaseBandSummary][(academy.id, kit.case("f44-frown-lines").id)][0] == 8
    assert db.session.scalar(select(func.sum(LearnerModuleSummary.submitted))) == 8
    assert sum(stored[AcademyBands][(academy.id,)]) == 8  # every case submission counted once


def _learner_request_around_a_publish(app, academy_id: int, attempt_id: int, publish) -> list:
    """A learner's request reads the content token and lists first (as every page does), then an
    educator's new version commits (`publish`), then the request submits the attempt."""
    token_read, published = threading.Event(), threading.Event()
    outcome: list = []

    def learner() -> None:
        with app.app_context():
            from quizapp.extensions import db as thread_db

            try:
                catalogue.published_modules(academy_id)  # the token, read once per transaction
                token_read.set()
                assert published.wait(30)
                quizzes.submit(thread_db.session.get(QuizAttempt, attempt_id), now_utc())
                thread_db.session.commit()
                outcome.append("submitted")
            except Exception as error:  # noqa: BLE001 - reported by the caller's assertion
                thread_db.session.rollback()
                outcome.append(error)
            finally:
                thread_db.session.remove()

    thread = threading.Thread(target=learner)
    thread.start()
    try:
        assert token_read.wait(30)
        publish()
    finally:
        published.set()
        thread.join(60)
    return outcome


def test_a_submission_begun_before_a_publish_is_judged_by_the_new_version(
    app, tmp_path, factory, db
):
    """The request read the old content token; the submission still refreshes the standing and
    the funnel by the version published meanwhile (grading by the last attempt, not the best)."""
    academy, (ana, ben, cleo) = _world(tmp_path, factory, db)
    _history(academy, (ana, ben, cleo), db)
    attempt = _quiz(ana.id, academy.id, "basics", False, now_utc())
    db.session.commit()
    outcome = _learner_request_around_a_publish(
        app, academy.id, attempt.id, lambda: kit.import_bank(tmp_path, grading="last")
    )
    assert outcome == ["submitted"]
    db.session.expire_all()
    stored = _equal()
    # Graded by her last try, ana has not passed basics and has failed it twice (best: 0).
    assert _standing(stored, academy.id, ana.id)["failing"] == 2
    assert stored[ModuleFunnel][(academy.id, kit.module("basics").id)][:3] == (3, 3, 1)


def test_a_submission_waits_for_a_publish_in_progress(app, tmp_path, factory, db):
    """An educator's new version is written but not committed: a learner's submission waits for
    it (PostgreSQL: the content token row, read FOR SHARE; SQLite: the one writer), then judges
    by it."""
    academy, (ana, ben, cleo) = _world(tmp_path, factory, db)
    _history(academy, (ana, ben, cleo), db)
    attempt = _quiz(ana.id, academy.id, "basics", False, now_utc())
    db.session.commit()
    attempt_id = attempt.id
    outcome: list = []

    def learner() -> None:
        with app.app_context():
            from quizapp.extensions import db as thread_db

            try:
                quizzes.submit(thread_db.session.get(QuizAttempt, attempt_id), now_utc())
                thread_db.session.commit()
                outcome.append("submitted")
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                thread_db.session.rollback()
                outcome.append(error)
            finally:
                thread_db.session.remove()

    for path in (tmp_path / "modules").glob("*.yaml"):
        path.write_text(path.read_text().replace("grading: highest", "grading: last"))
    content.import_bank(tmp_path)
    db.session.flush()  # the new version and the content token written, not committed
    thread = threading.Thread(target=learner)
    thread.start()
    try:
        thread.join(1.5)
        assert outcome == []  # still waiting for the publish
    finally:
        db.session.commit()
        thread.join(60)
    assert outcome == ["submitted"]
    db.session.expire_all()
    stored = _equal()
    assert _standing(stored, academy.id, ana.id)["failing"] == 2


def test_the_demo_leaves_the_summaries_equal_to_a_recompute(app, db):
    """`flask demo` writes through the real services, on the trainees' past clocks for the
    submissions; one rebuild of the demo academy at the end keeps last activity as stored."""
    result = app.test_cli_runner().invoke(args=["demo", "--quiet"])
    assert result.exit_code == 0, result.output
    stored = _equal()
    assert sum(n for n, _ in stored[AnswerSummary].values()) > 0
    assert stored[LearnerTendency]


def _bands(figures: summaries.Figures, academy_id: int) -> dict[str, int]:
    return dict(zip(standings.BANDS, figures[AcademyBands][(academy_id,)], strict=True))


def test_the_academy_bands_follow_case_submissions_and_who_is_counted(tmp_path, factory, db):
    """The report's bands (models.AcademyBands): a case submission adds its band when the
    learner is counted, never otherwise; deactivating a learner takes their bands out and
    bringing them back puts them back; a deleted account's stay; a new version changes none."""
    academy, (ana, ben, cleo) = _world(tmp_path, factory, db)
    stored = _history(academy, (ana, ben, cleo), db)
    # ana planned 20, 60 and 20 units in the glabella, ben 4.
    history = {
        "under_treated": 1,
        "conservative": 0,
        "natural": 2,
        "overdone": 0,
        "overfilled": 1,
        "unsafe": 0,
    }
    assert _bands(stored, academy.id) == history
    assert reports.build(reports.Scope(academy.id), now_utc()).bands.counts == history

    # An admin's own plan is not counted (common mistakes still see it).
    admin = factory.user(Role.ADMIN, academy)
    attempt = _case_at_plan(admin.id, academy.id, "4", now_utc())
    db.session.commit()
    assert casestudy.submit(attempt, now_utc()) is not None
    db.session.commit()
    after_admin = _equal()
    assert _bands(after_admin, academy.id) == history
    case_key = (academy.id, kit.case("f44-frown-lines").id)
    assert after_admin[CaseBandSummary][case_key][0] == stored[CaseBandSummary][case_key][0] + 1

    # ana deactivated: her three plans leave the figures; ben's next plan still counts.
    ana_membership = db.session.scalar(select(Membership).where(Membership.user_id == ana.id))
    members.set_member_active(ana_membership, False, admin)
    db.session.commit()
    without_ana = {**history, "natural": 0, "overfilled": 0}
    assert _bands(_equal(), academy.id) == without_ana
    later = now_utc() + timedelta(hours=1)  # after the history's submissions
    attempt = _case_at_plan(ben.id, academy.id, "20", later)
    db.session.commit()
    assert casestudy.submit(attempt, later) is not None
    db.session.commit()
    assert _bands(_equal(), academy.id) == {**without_ana, "natural": 1}
    members.set_member_active(ana_membership, True, admin)
    db.session.commit()
    assert _bands(_equal(), academy.id) == {**history, "natural": 3}

    # ben deletes his account: his anonymised plans stay in the figures.
    privacy.delete_account(ben, ben, now_utc())
    db.session.commit()
    assert _bands(_equal(), academy.id) == {**history, "natural": 3}
    kit.import_bank(tmp_path, grading="last")
    assert _bands(_equal(), academy.id) == {**history, "natural": 3}
    report = reports.build(reports.Scope(academy.id), now_utc(), pages=reports.Pages())
    assert report.bands.counts == {**history, "natural": 3}


def test_an_academy_with_members_and_no_plans_has_a_bands_row_of_zeros(factory, db):
    academy = factory.academy("Quiet", "quiet")
    factory.user(Role.TRAINEE, academy)
    stored = _equal(academy.id)
    assert _bands(stored, academy.id) == dict.fromkeys(standings.BANDS, 0)
    assert reports.build(reports.Scope(academy.id), now_utc()).bands.total == 0
