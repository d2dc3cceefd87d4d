"""Complication drills through real HTTP: the server's clock, doses, one result, the result page."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.models import AttemptStatus, DrillActionResult, DrillAttempt, DrillStep, Role
from quizapp.models.base import now_utc
from quizapp.services.authoring import content
from quizapp.web import drills as drills_view
from tests.conftest import csrf_from, login

BANK = Path(__file__).resolve().parents[2] / "cases"
OCCLUSION = "occlusion-lip-filler"
RIGHT_DOSE = {
    "dose-where": "Into the whole pale and dusky area",
    "dose-repeat": "Hourly, until refill, colour and pain recover",
}


@pytest.fixture()
def drill_bank(tmp_path, db):
    shutil.copytree(BANK / "drills", tmp_path / "drills")
    content.import_bank(tmp_path)
    db.session.commit()


@pytest.fixture()
def trainee(factory, client):
    user = factory.user(Role.TRAINEE)
    login(client, user.email)
    return user


class Clock:
    """The server's clock, moved by the test (the browser never sends a time)."""

    def __init__(self):
        self.now = now_utc()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture()
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(drills_view, "now_utc", fake)
    return fake


def _start(client, slug=OCCLUSION) -> str:
    page = client.get("/learn/drills/")
    assert "Blanching during lip filler" in page.get_data(as_text=True)
    response = client.post(
        f"/learn/drills/{slug}/start", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _act(client, play: str, action: str, **dose):
    token = csrf_from(client.get(play).get_data(as_text=True))
    return client.post(f"{play}/act", data={"csrf_token": token, "action": action, **dose})


def _submit(client, play: str):
    token = csrf_from(client.get(play).get_data(as_text=True))
    return client.post(f"{play}/submit", data={"csrf_token": token})


def test_a_drill_played_right_is_managed_and_explained(client, trainee, drill_bank, clock, db):
    play = _start(client)
    page = client.get(play).get_data(as_text=True)
    assert "0:00" in page and "Stop injecting at once" in page
    clock.advance(10)
    _act(client, play, "stop-injecting")
    assert "slow to pink again" in client.get(play).get_data(as_text=True)  # the next stage
    clock.advance(15)
    _act(client, play, "check-refill")
    _act(client, play, "ask-allergy")
    clock.advance(40)
    _act(client, play, "hyaluronidase", **RIGHT_DOSE)
    _act(client, play, "record")
    assert "1:05" in client.get(play).get_data(as_text=True)  # elapsed, from the server
    response = _submit(client, play)
    assert response.headers["Location"].endswith("/result")
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Managed" in result and "100/100" in result
    assert "F38" in result and "Done right" in result
    attempt = db.session.scalar(select(DrillAttempt))
    assert attempt.outcome == "managed" and attempt.score == 100


def test_the_server_clock_judges_lateness_and_harm_is_named(client, trainee, drill_bank, clock, db):
    play = _start(client)
    clock.advance(20)
    _act(client, play, "finish-syringe")
    clock.advance(70)  # 90 s: the drill expects the injecting to stop by 1:00
    _act(client, play, "stop-injecting")
    result = client.get(_submit(client, play).headers["Location"]).get_data(as_text=True)
    assert "Unsafe" in result and "Harmful" in result and "Late" in result
    assert "Taken at 1:30" in result
    assert "Missed" in result


def test_a_dose_must_be_chosen_where_it_matters(client, trainee, drill_bank, clock, db):
    play = _start(client)
    response = _act(client, play, "hyaluronidase", **{"dose-where": RIGHT_DOSE["dose-where"]})
    assert response.status_code == 302
    assert "Choose repeat" in client.get(play).get_data(as_text=True)
    assert db.session.scalar(select(func.count(DrillStep.id))) == 0
    _act(client, play, "hyaluronidase", **{**RIGHT_DOSE, "dose-where": "Everywhere"})
    assert db.session.scalar(select(func.count(DrillStep.id))) == 0


def test_a_double_posted_submission_stores_one_result(client, trainee, drill_bank, clock, db):
    play = _start(client)
    _act(client, play, "stop-injecting")
    token = csrf_from(client.get(play).get_data(as_text=True))
    first = client.post(f"{play}/submit", data={"csrf_token": token})
    second = client.post(f"{play}/submit", data={"csrf_token": token})
    assert first.status_code == second.status_code == 302
    attempts = db.session.scalars(select(DrillAttempt)).all()
    assert [a.status for a in attempts] == [AttemptStatus.SUBMITTED]
    rows = db.session.scalar(select(func.count(DrillActionResult.id)))
    assert rows == len(attempts[0].result["verdicts"])
    # An action posted after the submission is refused and stores nothing.
    before = db.session.scalar(select(func.count(DrillStep.id)))
    client.post(f"{play}/act", data={"csrf_token": token, "action": "record"})
    assert db.session.scalar(select(func.count(DrillStep.id))) == before


def test_the_service_submits_once_and_judges_what_came_before(trainee, drill_bank, db):
    from quizapp.services.learning import drills

    listed = drills.drill_listing(None, [OCCLUSION])[0]
    academy_id = trainee.memberships[0].academy_id
    attempt = drills.start_or_resume(trainee.id, academy_id, listed, now_utc())
    drills.take_action(attempt, "stop-injecting", {}, now_utc())
    assert drills.submit(attempt, now_utc()) is not None
    assert drills.submit(attempt, now_utc()) is None
    with pytest.raises(drills.DrillRefused):
        drills.take_action(attempt, "record", {}, now_utc())


def test_another_trainees_attempt_does_not_exist_for_them(
    app, client, factory, trainee, drill_bank, db
):
    play = _start(client)
    other = factory.user(Role.TRAINEE)
    stranger = app.test_client()
    login(stranger, other.email)
    assert stranger.get(play).status_code == 404
    assert stranger.get(f"{play}/result").status_code == 404


def _module_alone(root: Path) -> None:
    """The vascular emergencies module (which lists two drills), without its prerequisite."""
    (root / "modules").mkdir()
    text = (BANK / "modules" / "09-vascular-emergencies.yaml").read_text("utf-8")
    text = text.replace("prerequisites: [complications]", "prerequisites: []")
    (root / "modules" / "09-vascular-emergencies.yaml").write_text(text, "utf-8")


def test_drills_show_in_their_module_and_on_the_dashboard(client, trainee, tmp_path, db):
    shutil.copytree(BANK / "drills", tmp_path / "drills")
    _module_alone(tmp_path)
    content.import_bank(tmp_path)
    db.session.commit()
    module = client.get("/learn/modules/vascular-emergencies").get_data(as_text=True)
    assert "Blanching during lip filler" in module
    assert "/learn/drills/occlusion-lip-filler/start" in module
    dashboard = client.get("/learn/").get_data(as_text=True)
    assert "Complication drills" in dashboard and "/learn/drills/" in dashboard


def test_a_module_naming_a_missing_drill_imports_nothing(tmp_path, db):
    _module_alone(tmp_path)  # without the drills folder
    with pytest.raises(content.ContentImportError) as raised:
        content.import_bank(tmp_path)
    assert any(i.field == "drills" for i in raised.value.issues)


def _play_and_submit(client, actions) -> None:
    play = _start(client)
    for action, dose in actions:
        _act(client, play, action, **dose)
    _submit(client, play)


def test_educator_insight_shows_outcomes_and_the_most_missed_actions(
    app, client, factory, trainee, drill_bank, db
):
    academy = trainee.memberships[0].academy
    _play_and_submit(client, [("stop-injecting", {})])
    other = factory.user(Role.TRAINEE, academy)
    second = app.test_client()
    login(second, other.email)
    _play_and_submit(second, [("finish-syringe", {}), ("stop-injecting", {})])
    educator = factory.user(Role.EDUCATOR, academy)
    teacher = app.test_client()
    login(teacher, educator.email)
    page = teacher.get("/author/insight/").get_data(as_text=True)
    section = page[page.index('id="drills"') :]
    assert "Blanching during lip filler" in section
    # two attempts, two trainees; one not managed, one unsafe
    assert "<td>2</td><td>2</td>" in section
    assert "<td>0</td><td>0</td><td>1</td><td>1</td>" in section
    assert 'Inject hyaluronidase <span class="muted">(2)</span>' in section


def test_xapi_export_carries_drill_attempts(client, trainee, drill_bank, db):
    from quizapp.services.infra import xapi

    _play_and_submit(client, [("stop-injecting", {})])
    academy_id = trainee.memberships[0].academy_id
    statements = xapi.learner_statements(academy_id, trainee.id, "http://quizapp.test/")
    drill = [s for s in statements if "/drills/" in s["object"]["id"]]
    verbs = [s["verb"]["display"]["en-US"] for s in drill]
    assert verbs == ["attempted", "completed", "failed"]
    assert drill[-1]["object"]["id"].endswith("xapi/activities/drills/occlusion-lip-filler")
    result = drill[-1]["result"]
    assert result["success"] is False and result["score"]["raw"] == 20
    assert "not_managed" in result["extensions"].values()
    again = xapi.learner_statements(academy_id, trainee.id, "http://quizapp.test/")
    assert [s["id"] for s in again] == [s["id"] for s in statements]


def test_content_check_counts_drills_and_a_broken_drill_imports_nothing(app, tmp_path, db):
    from quizapp.models import CaseRecord, DrillRecord

    runner = app.test_cli_runner()
    result = runner.invoke(args=["content", "check", str(BANK)])
    assert result.exit_code == 0, result.output
    assert " 4 drills," in result.output
    shutil.copy(BANK / "f44-frown-lines.yaml", tmp_path)
    shutil.copytree(BANK / "drills", tmp_path / "drills")
    broken = tmp_path / "drills" / "delayed-nodule.yaml"
    broken.write_text(broken.read_text("utf-8").replace("sources: [F39]", "sources: [F999]"))
    result = runner.invoke(args=["content", "check", str(tmp_path)])
    assert result.exit_code == 1
    assert "delayed-nodule.yaml:" in result.output and "F999" in result.output
    with pytest.raises(content.ContentImportError):
        content.import_bank(tmp_path)
    db.session.rollback()
    assert db.session.scalar(select(func.count(DrillRecord.id))) == 0
    assert db.session.scalar(select(func.count(CaseRecord.id))) == 0


def _open_attempt_id(trainee, db) -> int:
    from quizapp.services.learning import drills

    listed = drills.drill_listing(None, [OCCLUSION])[0]
    academy_id = trainee.memberships[0].academy_id
    attempt = drills.start_or_resume(trainee.id, academy_id, listed, now_utc())
    drills.take_action(attempt, "stop-injecting", {}, now_utc())
    db.session.commit()
    return attempt.id


def test_ten_concurrent_submissions_store_one_result(app, trainee, drill_bank, db):
    from quizapp.services.learning import drills
    from tests.web.test_concurrent_submissions import THREADS, race

    attempt_id = _open_attempt_id(trainee, db)

    def submit(_index):
        from quizapp.extensions import db as session_db

        return drills.submit(session_db.session.get(DrillAttempt, attempt_id), now_utc())

    outcomes = race(app, submit)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sum(1 for o in outcomes if o is not None) == 1
    assert outcomes.count(None) == THREADS - 1
    db.session.expire_all()
    attempt = db.session.get(DrillAttempt, attempt_id)
    rows = db.session.scalar(select(func.count(DrillActionResult.id)))
    assert attempt.status is AttemptStatus.SUBMITTED
    assert rows == len(attempt.result["verdicts"])


def test_actions_racing_the_submission_are_judged_or_refused(app, trainee, drill_bank, db):
    from quizapp.services.learning import drills
    from tests.web.test_concurrent_submissions import race

    attempt_id = _open_attempt_id(trainee, db)
    actions = ["check-refill", "ask-allergy", "record", "send-home"]

    def work(index):
        from quizapp.extensions import db as session_db

        attempt = session_db.session.get(DrillAttempt, attempt_id)
        if index == len(actions):
            return drills.submit(attempt, now_utc())
        return drills.take_action(attempt, actions[index], {}, now_utc()).action

    outcomes = race(app, work, threads=len(actions) + 1)
    db.session.expire_all()
    attempt = db.session.get(DrillAttempt, attempt_id)
    stored = set(db.session.scalars(select(DrillStep.action)).all())
    judged = {v["action"] for v in attempt.result["verdicts"] if v["verdict"] != "missed"}
    # Every stored action was judged; every action that was not stored was refused.
    assert stored == judged
    for action, outcome in zip(actions, outcomes, strict=False):
        assert (action in stored) == (outcome == action)
        if action not in stored:
            assert isinstance(outcome, drills.DrillRefused)


def test_the_trainees_data_export_holds_their_drill_attempts(client, trainee, drill_bank, db):
    from quizapp.services.people import privacy

    _play_and_submit(client, [("stop-injecting", {})])
    data = privacy.export_data(trainee)
    (attempt,) = data["drill_attempts"]
    assert attempt["drill_slug"] == OCCLUSION and attempt["outcome"] == "not_managed"
    assert [a["action"] for a in attempt["actions"]] == ["stop-injecting"]
    assert attempt["result"]["score"] == 20
