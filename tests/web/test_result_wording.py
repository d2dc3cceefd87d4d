"""The result page a trainee reads names zones, products and flags in plain English: no
snake_case id from the catalogues shows in the visible text, for every candidate plan of every
case in the bank, and the band is named by the engine's band label."""

from __future__ import annotations

import html as html_lib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from quizapp.domain.scoring.look import LOOK_OUTCOMES
from quizapp.formats.cases import load_case_file
from quizapp.formats.plans import plan_to_dict
from quizapp.models import Role
from quizapp.services.authoring import content
from quizapp.services.learning import casestudy
from tests.conftest import login

BANK = Path(__file__).resolve().parents[2] / "cases"
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
HIDDEN = re.compile(r"<(script|style|template)\b.*?</\1>|<[^>]+>", re.S)


def visible_text(page: str) -> str:
    return html_lib.unescape(HIDDEN.sub(" ", page))


def _result_page(client, db, user, academy_id, slug: str, case, candidate) -> tuple[str, str]:
    listed = casestudy.find_listed(slug, academy_id)
    now = datetime.now(UTC)
    attempt = casestudy.start_or_resume(user.id, academy_id, listed, now)
    casestudy.finish_reading(attempt)
    grades = {g.zone: {"rest": g.rest, "moving": g.moving} for g in case.assessment}
    casestudy.save_assessment(attempt, grades)
    flags = [f.id for f in case.reference.red_flags]
    casestudy.save_candidacy(attempt, flags, candidate.plan.disposition.value)
    rows = plan_to_dict(candidate.plan).get("items", [])
    casestudy.save_plan_rows(attempt, [{k: str(v) for k, v in row.items()} for row in rows])
    casestudy.submit(attempt, now)
    db.session.commit()
    response = client.get(f"/learn/cases/attempts/{attempt.id}/result")
    assert response.status_code == 200
    return response.get_data(as_text=True), attempt.result["plan"]["band_label"]


@pytest.fixture()
def whole_bank(db):
    content.import_bank(BANK)
    db.session.commit()


def test_no_snake_case_id_in_any_result_page(client, db, factory, whole_bank):
    academy = factory.academy()
    user = factory.user(Role.TRAINEE, academy)
    login(client, user.email)
    leaks: dict[str, set[str]] = {}
    for path in sorted(BANK.glob("*.yaml")):
        case = load_case_file(path)
        for candidate in case.reference.candidate_plans:
            page, band_label = _result_page(client, db, user, academy.id, case.id, case, candidate)
            text = visible_text(page)
            # The band is named as the engine names it ("Over-treated (toxin)").
            assert band_label in text, (case.id, candidate.label, band_label)
            found = set(SNAKE.findall(text))
            if found:
                leaks.setdefault(f"{case.id}: {candidate.label}", set()).update(found)
    assert leaks == {}, "\n".join(f"{k}: {sorted(v)}" for k, v in leaks.items())


def test_an_unsafe_plan_gets_no_projected_look(client, db, factory, whole_bank):
    """Every unsafe candidate plan in the bank: the page says the look is not projected and
    credits no years; a plan in another band still shows its look."""
    academy = factory.academy()
    user = factory.user(Role.TRAINEE, academy)
    login(client, user.email)
    seen = {"unsafe": 0, "other": 0}
    for path in sorted(BANK.glob("*.yaml")):
        case = load_case_file(path)
        for candidate in case.reference.candidate_plans:
            page, _ = _result_page(client, db, user, academy.id, case.id, case, candidate)
            text = " ".join(visible_text(page).split())
            if 'class="big-score band-text-unsafe"' in page:
                seen["unsafe"] += 1
                assert "Not projected" in text and "looks about" not in text, case.id
            else:
                seen["other"] += 1
                assert "Not projected" not in text and "looks about" in text, case.id
    assert seen["unsafe"] >= 1 and seen["other"] >= 1, seen


def test_the_stylesheet_styles_the_looks_outcomes_by_their_names():
    css = (Path(__file__).resolve().parents[2] / "quizapp/static/app.css").read_text()
    styled = set(re.findall(r"\.look-([a-z]+)\b", css)) - {"label"}
    assert styled <= set(LOOK_OUTCOMES), styled - set(LOOK_OUTCOMES)
    assert {"altered", "refreshed", "withheld"} <= styled
