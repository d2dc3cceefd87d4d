"""The case-study player through real HTTP, on a real case from the bank."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from quizapp.domain.plan import MAX_ITEMS
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseFlagResult,
    CaseStep,
    CaseZoneResult,
    Role,
)
from quizapp.models.base import now_utc
from quizapp.services.authoring import content
from quizapp.services.learning import casestudy, quizzes
from quizapp.web import player
from tests.conftest import csrf_from, login
from tests.data import academykit as kit

BANK = Path(__file__).resolve().parents[2] / "cases"
#: Within the reference of f44-frown-lines: the natural band, plan score 100.
NATURAL_PLAN = {
    "zone-0": "glabella",
    "product-0": "ona",
    "amount-0": "20",
    "side-0": "midline",
    "zone-1": "crows_feet",
    "product-1": "ona",
    "amount-1": "8",
    "side-1": "both",
    "go": "submit",
}


@pytest.fixture()
def case_bank(tmp_path, db):
    shutil.copy(BANK / "f44-frown-lines.yaml", tmp_path)
    content.import_bank(tmp_path)
    db.session.commit()


@pytest.fixture()
def trainee(factory, client):
    user = factory.user(Role.TRAINEE)
    login(client, user.email)
    return user


def _post(client, url, **data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _start(client) -> str:
    page = client.get("/learn/cases/")
    assert "Frown lines and crow" in page.get_data(as_text=True)
    response = client.post(
        "/learn/cases/f44-frown-lines/start",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[0]


def _walk_to_plan(client, base):
    assert _post(client, f"{base}/patient").headers["Location"].endswith("/assessment")
    grades = {"moving-glabella": "3", "rest-glabella": "1", "moving-crows_feet": "2"}
    assert _post(client, f"{base}/assessment", **grades).headers["Location"].endswith("/candidacy")
    response = _post(client, f"{base}/candidacy", disposition="treat")
    assert response.headers["Location"].endswith("/plan")


def test_natural_plan_end_to_end(client, trainee, case_bank, db):
    base = _start(client)
    _walk_to_plan(client, base)
    response = _post(client, f"{base}/plan", **NATURAL_PLAN)
    assert response.headers["Location"].endswith("/result")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Natural" in html and "Plan score 100/100" in html
    assert "Refreshed" in html
    attempt = db.session.scalar(select(CaseAttempt))
    assert attempt.band == "natural"
    zones = db.session.scalars(select(CaseZoneResult.zone)).all()
    assert sorted(zones) == ["crows_feet", "glabella"]
    # This case holds no red flags, so insight gets no flag rows for it.
    assert db.session.scalar(select(func.count()).select_from(CaseFlagResult)) == 0
    assert attempt.result["red_flags"]["found"] == attempt.result["red_flags"]["missed"] == []


def test_flag_rows_mark_each_present_flag_found_or_missed():
    rows = casestudy.flag_rows(7, found=["pregnancy"], missed=["bdd_signs", "pregnancy_x"])
    assert [(r.attempt_id, r.flag, r.missed) for r in rows] == [
        (7, "bdd_signs", True),
        (7, "pregnancy", False),
        (7, "pregnancy_x", True),
    ]


def test_overdone_plan_gets_overdone_band_and_tendency(client, trainee, case_bank, db):
    base = _start(client)
    _walk_to_plan(client, base)
    plan = {
        **NATURAL_PLAN,
        "amount-1": "12",
        "zone-2": "forehead",
        "product-2": "ona",
        "amount-2": "20",
        "side-2": "midline",
        "zone-3": "bunny_lines",
        "product-3": "ona",
        "amount-3": "2",
        "side-3": "both",
        "go": "submit",
    }
    response = _post(client, f"{base}/plan", **plan)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Overdone" in html
    figure = casestudy.tendency(trainee.id)
    assert figure.attempts == 1 and figure.overdone_or_overfilled == 1
    assert figure.mean_deviation > 0.1 and figure.label == "tends to over-treat"


def test_steps_cannot_be_skipped(client, trainee, case_bank):
    base = _start(client)
    assert client.get(f"{base}/plan").headers["Location"].endswith("/patient")
    response = _post(client, f"{base}/patient")
    token = csrf_from(client.get(f"{base}/assessment").get_data(as_text=True))
    skipped = client.post(f"{base}/plan", data={"csrf_token": token, "go": "submit"})
    assert skipped.headers["Location"].endswith("/assessment")
    assert response.status_code == 302


def test_double_submission_stores_one_result(client, trainee, case_bank, db):
    base = _start(client)
    _walk_to_plan(client, base)
    token = csrf_from(client.get(f"{base}/plan").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "zone-0": "glabella",
        "product-0": "ona",
        "amount-0": "20",
        "side-0": "midline",
        "go": "submit",
    }
    first = client.post(f"{base}/plan", data=data)
    second = client.post(f"{base}/plan", data=data)
    assert first.headers["Location"].endswith("/result")
    assert second.headers["Location"].endswith("/result")
    assert db.session.scalar(select(func.count()).select_from(CaseAttempt)) == 1
    # The glabella only: crow's feet at grade 2 from the catalogue is optional, never "missed".
    assert db.session.scalar(select(func.count()).select_from(CaseZoneResult)) == 1


def test_invalid_plan_rows_are_kept_and_explained(client, trainee, case_bank, db):
    base = _start(client)
    _walk_to_plan(client, base)
    response = _post(
        client,
        f"{base}/plan",
        **{
            "zone-0": "glabella",
            "product-0": "ona",
            "amount-0": "lots",
            "side-0": "midline",
            "go": "submit",
        },
    )
    assert response.headers["Location"].endswith("/plan")
    html = client.get(f"{base}/plan").get_data(as_text=True)
    assert "Row 1, amount" in html and 'value="lots"' in html
    assert db.session.scalar(select(CaseAttempt.status)).value == "in_progress"


def test_result_and_answers_hidden_before_submission(client, trainee, case_bank):
    base = _start(client)
    html = client.get(f"{base}/patient").get_data(as_text=True)
    assert "learning point" not in html.lower()
    assert client.get(f"{base}/result").headers["Location"].endswith("/patient")


def test_other_trainee_gets_404(client, trainee, case_bank, factory, app):
    base = _start(client)
    other = app.test_client()
    login(other, factory.user(Role.TRAINEE).email)
    assert other.get(f"{base}/patient").status_code == 404


def test_a_submission_returns_the_certificate_it_earns_once(tmp_path, factory, db):
    """The service issues what a submission completes and hands it back for the page to tell;
    submitting again changes nothing and earns nothing."""
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge Aesthetics Academy", "northbridge")
    trainee = factory.user(Role.TRAINEE, academy)
    programme = kit.programme(academy)
    kit.cohort(academy, [trainee], [programme])
    kit.quiz(trainee, academy, "basics", 100)
    listed = casestudy.find_listed("f44-frown-lines", academy.id)
    attempt = casestudy.start_or_resume(trainee.id, academy.id, listed, now_utc())
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 1, "moving": 3}})
    casestudy.save_candidacy(attempt, [], "treat")
    casestudy.save_plan_rows(
        attempt,
        [
            {"zone": "glabella", "product": "ona", "amount": "20", "side": "midline"},
            {"zone": "crows_feet", "product": "ona", "amount": "8", "side": "both"},
        ],
    )
    submitted = casestudy.submit(attempt, now_utc())
    assert [c.programme_id for c in submitted.certificates] == [programme.id]
    assert casestudy.submit(attempt, now_utc()) is None


def test_a_quiz_submission_returns_the_certificate_it_earns(tmp_path, factory, db):
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge Aesthetics Academy", "northbridge")
    trainee = factory.user(Role.TRAINEE, academy)
    programme = kit.programme(academy)
    kit.cohort(academy, [trainee], [programme])
    kit.case_attempt(trainee, academy, "natural")
    attempt = kit.open_quiz(trainee, academy, "basics")
    module = quizzes.module_content(attempt.module_version)
    for question in module.questions:
        quizzes.save_answer(attempt, question.id, question.answer, now_utc())
    submitted = quizzes.submit(attempt, now_utc())
    assert attempt.passed
    assert [c.programme_id for c in submitted.certificates] == [programme.id]
    assert quizzes.submit(attempt, now_utc()) is None


@dataclass
class _Attempt(player.HeldInMemory):
    """An attempt held in memory: the player needs no more than `PlayableAttempt` says."""

    id: int = 1
    step: str = "patient"
    grades: dict | None = None
    red_flags: list | None = None
    disposition: str | None = None
    plan_items: list | None = None
    status: AttemptStatus = AttemptStatus.IN_PROGRESS


@dataclass
class _Play:
    attempt: _Attempt = field(default_factory=_Attempt)
    submissions: int = 0

    def submit(self) -> None:
        self.submissions += 1
        self.attempt.status = AttemptStatus.SUBMITTED


def test_the_player_drives_any_playable_attempt_through_the_steps():
    run = _Play()
    assert player.take_step(run, CaseStep.PATIENT, MultiDict()) == "assessment"
    grades = MultiDict({"rest-glabella": "1", "moving-glabella": "3"})
    assert player.take_step(run, CaseStep.ASSESSMENT, grades) == "candidacy"
    assert run.attempt.grades == {"glabella": {"rest": 1, "moving": 3}}
    assert player.take_step(run, CaseStep.CANDIDACY, MultiDict({"disposition": "treat"})) == "plan"
    # More rows than a plan may hold: the first MAX_ITEMS are kept, nothing is submitted.
    many = {
        f"{key}-{i}": value
        for i in range(MAX_ITEMS + 5)
        for key, value in (("zone", "glabella"), ("product", "ona"), ("amount", str(i + 1)))
    }
    assert player.take_step(run, CaseStep.PLAN, MultiDict(many)) == "plan"
    assert len(run.attempt.plan_items) == MAX_ITEMS and run.submissions == 0
    assert run.attempt.plan_items[-1]["amount"] == str(MAX_ITEMS)
    submit = MultiDict({"zone-0": "glabella", "product-0": "ona", "amount-0": "20", "go": "submit"})
    assert player.take_step(run, CaseStep.PLAN, submit) == "result"
    assert run.submissions == 1 and run.attempt.plan_items[0]["amount"] == "20"
    with pytest.raises(casestudy.StepRefused):
        player.take_step(run, CaseStep.PATIENT, MultiDict())


def test_plan_form_offers_hyaluronidase_apart_and_never_the_unknown_product(
    client, trainee, case_bank
):
    base = _start(client)
    _walk_to_plan(client, base)
    html = client.get(f"{base}/plan").get_data(as_text=True)
    assert '<optgroup label="For complications"><option value="hyaluronidase"' in html
    assert 'value="unknown"' not in html
