"""Authoring modules and their questions through real HTTP: settings, every question type, the
lifecycle, preview, GIFT import and export, and the module export."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from quizapp.formats.gift import parse_gift
from quizapp.formats.modules import load_module_text, question_to_data
from quizapp.models import ModuleRecord, ModuleVersion, QuestionResult, QuizAttempt, Role
from quizapp.models.content import Status
from tests.conftest import csrf_from, login
from tests.web.test_author_cases import CASE_YAML, post

SETTINGS = {
    "id": "restraint",
    "title": "Restraint",
    "order": "9",
    "summary": "Why *less* is often more.",
    "pass_mark": "50",
    "max_attempts": "",
    "grading": "highest",
    "time_limit_minutes": "",
    "shuffle": "y",
    "references": "F15",
}

QUESTIONS = {
    "single": {
        "id": "rs-01",
        "topic": "aims",
        "stem": "How many facial units treated in one session add benefit, per one study?",
        "options-0-text": "Up to two",
        "options-0-correct": "y",
        "options-0-explanation": "More than two added no FACE-Q benefit.",
        "options-1-text": "Five or more",
        "options-1-explanation": "More units did not add benefit.",
        "references": "F15",
    },
    "multi": {
        "id": "rs-02",
        "topic": "overuse-risks",
        "stem": "Which sites does a review name among those most often involved in migration?",
        "options-0-text": "Nose",
        "options-0-correct": "y",
        "options-0-explanation": "Named (F30).",
        "options-1-text": "Lips",
        "options-1-correct": "y",
        "options-1-explanation": "Named (F30).",
        "options-2-text": "Masseter",
        "options-2-explanation": "Not named (F30).",
        "references": "F30",
    },
    "truefalse": {
        "id": "rs-03",
        "topic": "less-is-more",
        "stem": "Treating more than two facial units in one session adds measurable benefit.",
        "answer_bool": "false",
        "explanation": "False: no added FACE-Q benefit (F15).",
        "references": "F15",
    },
    "numeric": {
        "id": "rs-04",
        "topic": "toxin-doses",
        "stem": "What is the labelled onabotulinumtoxinA dose for glabellar lines?",
        "answer": "20",
        "tolerance": "0",
        "unit": "U",
        "explanation": "20 U as five injections of 4 U (B1).",
        "references": "B1",
    },
    "ordering": {
        "id": "rs-05",
        "topic": "product-choice",
        "stem": "Order these permanent materials by the longest delay reported before nodules.",
        "order_label": "from the shortest to the longest delay",
        "items-0-text": "Polyacrylamide gel",
        "items-0-explanation": "Up to about 1 year (F25).",
        "items-1-text": "PMMA in a combination product",
        "items-1-explanation": "Up to 6 years (F25).",
        "items-2-text": "Liquid silicone",
        "items-2-explanation": "Up to 28 years (F25).",
        "references": "F25",
    },
    "hotspot": {
        "id": "rs-06",
        "topic": "overuse-risks",
        "stem": "Over-treating which area with toxin gives a heavy, hooded brow?",
        "select": "one",
        "zones": ["forehead"],
        "zone_explanations-forehead": "Right; over-treating it lets the brow descend (B33).",
        "zone_explanations-glabella": "The heavy brow comes from the forehead (B33).",
        "explanation": "The forehead muscle holds the brow up (B33).",
        "references": "B33",
    },
    "plan_compare": {
        "id": "rs-07",
        "topic": "less-is-more",
        "stem": "Woman, 44; glabellar lines grade 3. Which plan is the most appropriate today?",
        "options-0-text": "Glabella 20 U",
        "options-0-correct": "y",
        "options-0-explanation": "The labelled dose (B1).",
        "options-1-text": "Glabella 20 U; forehead 20 U; crow's feet 12 U per side",
        "options-1-explanation": "Too many areas (F15).",
        "references": "B1 F15",
    },
}


@pytest.fixture()
def educator(factory, client):
    academy = factory.academy("Northbridge", "northbridge")
    user = factory.user(Role.EDUCATOR, academy)
    login(client, user.email)
    return user


def new_module(client, **changes) -> int:
    response = post(client, "/author/modules/new", {**SETTINGS, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def add_question(client, module_id: int, kind: str, **changes):
    url = f"/author/modules/{module_id}/questions/new?type={kind}"
    return post(client, url, {**QUESTIONS[kind], **changes})


def draft_module(db, module_id):
    db.session.expire_all()
    record = db.session.get(ModuleRecord, module_id)
    return load_module_text(record.versions[-1].source_text, draft=True)


def test_create_module_then_add_every_question_type(client, educator, db):
    module_id = new_module(client)
    record = db.session.get(ModuleRecord, module_id)
    assert record.position == 9 and record.versions[0].status is Status.DRAFT
    page = client.get(f"/author/modules/{module_id}").get_data(as_text=True)
    assert "Add at least one question before publishing." in page
    for kind in QUESTIONS:
        response = add_question(client, module_id, kind)
        assert response.status_code == 302, (kind, response.get_data(as_text=True))
    module = draft_module(db, module_id)
    assert [q.type for q in module.questions] == list(QUESTIONS)
    assert module.questions[1].correct_indexes == (0, 1)
    assert module.questions[3].unit == "U" and module.questions[3].answer == 20
    assert [i.text for i in module.questions[4].items][0] == "Polyacrylamide gel"
    assert module.questions[5].zone_explanations["glabella"].startswith("The heavy brow")
    # Still one draft version: drafts are edited in place.
    assert db.session.scalar(select(func.count()).select_from(ModuleVersion)) == 1


def test_question_problems_are_shown_beside_their_fields(client, educator, db):
    module_id = new_module(client)
    response = add_question(
        client,
        module_id,
        "single",
        **{"options-1-explanation": "", "references": "Z99", "topic": "Not A Slug"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="options-1-explanation-error"' in html
    assert 'id="references-error"' in html and "Z99" in html
    assert 'id="topic-error"' in html and "not a valid topic tag" in html
    response = add_question(client, module_id, "single", **{"options-1-correct": "y"})
    html = response.get_data(as_text=True)
    assert 'id="options-error"' in html and "2 options are marked correct" in html
    assert draft_module_questions(db, module_id) == []


def draft_module_questions(db, module_id):
    db.session.expire_all()
    record = db.session.get(ModuleRecord, module_id)
    data = yaml.safe_load(record.versions[-1].source_text)
    return data.get("questions") or []


def test_module_settings_problems_beside_fields(client, educator, db):
    response = post(client, "/author/modules/new", {**SETTINGS, "pass_mark": "150", "order": "x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="pass_mark-error"' in html and "out of range" in html
    assert 'id="order-error"' in html
    response = post(client, "/author/modules/new", {**SETTINGS, "prerequisites": "no-such-module"})
    assert 'id="prerequisites-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ModuleRecord)) == 0


def test_edit_move_and_delete_questions(client, educator, db):
    module_id = new_module(client)
    add_question(client, module_id, "single")
    add_question(client, module_id, "truefalse")
    page = client.get(f"/author/modules/{module_id}/questions/rs-01/edit").get_data(as_text=True)
    assert "Up to two" in page
    edited = {**QUESTIONS["single"], "stem": "A clearer stem about facial units?"}
    response = post(client, f"/author/modules/{module_id}/questions/rs-01/edit", edited)
    assert response.status_code == 302
    assert draft_module(db, module_id).questions[0].stem == "A clearer stem about facial units?"
    post(
        client,
        f"/author/modules/{module_id}/questions/rs-03/up",
        page=f"/author/modules/{module_id}",
    )
    assert [q.id for q in draft_module(db, module_id).questions] == ["rs-03", "rs-01"]
    post(
        client,
        f"/author/modules/{module_id}/questions/rs-01/delete",
        page=f"/author/modules/{module_id}",
    )
    assert [q.id for q in draft_module(db, module_id).questions] == ["rs-03"]


def test_publish_and_an_attempt_keeps_its_score_after_version_two(
    client, educator, db, factory, app
):
    module_id = new_module(client)
    add_question(client, module_id, "single")
    add_question(client, module_id, "truefalse")
    response = post(
        client, f"/author/modules/{module_id}/publish", page=f"/author/modules/{module_id}"
    )
    assert response.status_code == 302
    academy = educator.memberships[0].academy
    learner = app.test_client()
    login(learner, factory.user(Role.TRAINEE, academy).email)
    assert "Restraint" in learner.get("/learn/").get_data(as_text=True)
    page = learner.get("/learn/modules/restraint").get_data(as_text=True)
    response = learner.post("/learn/modules/restraint/start", data={"csrf_token": csrf_from(page)})
    attempt_url = response.headers["Location"].rsplit("/q/", 1)[0]
    # Answer only the true/false question, rightly: 50%, a pass.
    post(learner, f"{attempt_url}/q/2", {"answer": "false", "go": "finish"})
    post(learner, f"{attempt_url}/finish")
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score_percent == 50.0 and attempt.passed
    v1 = attempt.module_version_id
    # Version 2 makes the pass mark 100 and changes the question.
    changed = {**QUESTIONS["truefalse"], "answer_bool": "true", "stem": "A changed statement."}
    post(client, f"/author/modules/{module_id}/questions/rs-03/edit", changed)
    post(client, f"/author/modules/{module_id}/publish", page=f"/author/modules/{module_id}")
    db.session.expire_all()
    versions = db.session.scalars(select(ModuleVersion).order_by(ModuleVersion.number)).all()
    assert [(v.number, v.status) for v in versions] == [
        (1, Status.PUBLISHED),
        (2, Status.PUBLISHED),
    ]
    attempt = db.session.scalar(select(QuizAttempt))
    assert (attempt.score_percent, attempt.passed, attempt.module_version_id) == (50.0, True, v1)
    review = learner.get(f"{attempt_url}/review").get_data(as_text=True)
    assert "50%" in review


def test_question_preview_grades_without_recording(client, educator, db):
    module_id = new_module(client)
    for kind in ("numeric", "hotspot", "multi"):
        add_question(client, module_id, kind)
    url = f"/author/modules/{module_id}/v1/preview/1"
    page = client.get(url).get_data(as_text=True)
    assert "Preview — nothing is recorded" in page and "labelled onabotulinumtoxinA" in page
    html = post(client, url, {"answer": "20 U"}).get_data(as_text=True)
    assert "Correct" in html and "20 U as five injections" in html
    html = post(client, f"/author/modules/{module_id}/v1/preview/2", {"zone": "glabella"}).get_data(
        as_text=True
    )
    assert "Not right" in html and "The heavy brow comes from the forehead" in html
    assert client.get(f"/author/modules/{module_id}/v1/preview/9").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(QuestionResult)) == 0


def test_module_yaml_editor_reports_lines(client, educator, db):
    module_id = new_module(client)
    text = db.session.get(ModuleRecord, module_id).versions[0].source_text
    broken = text.replace("pass_mark: 50", "pass_mark: 500")
    response = post(client, f"/author/modules/{module_id}/yaml", {"text": broken})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if t.startswith("pass_mark"))
    assert f"line {line}" in html and "pass_mark" in html


GIFT = """\
// A Moodle export with one question quizapp cannot take.
$CATEGORY: $course$/top/Less is more

// quizapp.references: F15
::units::[markdown]Treating more than two facial units adds benefit.
{FALSE####No added FACE-Q benefit.}

// quizapp.references: B1
// quizapp.unit: U
::glabella-dose::Labelled glabellar dose? {#20:0####Five sites of 4 U.}

::essay::Describe your consent process. {}
"""


def test_gift_import_reports_every_question_and_keeps_going(client, educator, db):
    module_id = new_module(client)
    url = f"/author/modules/{module_id}/gift"
    upload = {"file": (io.BytesIO(GIFT.encode()), "moodle.gift.txt")}
    response = post(client, url, upload, content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Imported 2 question(s)" in html and "1 skipped" in html
    assert '<span class="mono">moodle.gift.txt</span>: 2 imported, 0 converted, 1 skipped' in html
    report = html.split('id="report"')[1]
    assert '<td class="mono">12</td><td>essay</td><td>Skipped</td>' in report
    assert "essays are marked by hand" in report
    module = draft_module(db, module_id)
    assert [(q.id, q.type, q.topic) for q in module.questions] == [
        ("units", "truefalse", "less-is-more"),
        ("glabella-dose", "numeric", "less-is-more"),
    ]
    # The same file again: every question is already there, so each is skipped, nothing doubles.
    response = post(client, url, {"text": GIFT})
    html = response.get_data(as_text=True)
    assert "0 imported, 0 converted, 3 skipped" in html
    assert "the same question as question units already in the module" in html
    assert "the same question as question glabella-dose already in the module" in html
    assert len(draft_module(db, module_id).questions) == 2


def test_gift_imports_drafts_without_explanations_that_publishing_asks_for(client, educator, db):
    module_id = new_module(client)
    text = "::q1::Which is right? {=A ~B#Because.}\n"  # no references, no feedback on A
    response = post(client, f"/author/modules/{module_id}/gift", {"text": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "0 imported, 0 converted, 1 skipped" in html and "references" in html
    assert draft_module_questions(db, module_id) == []
    # Defaults from the form fill what GIFT cannot say; the missing explanation is fine in a draft.
    response = post(
        client,
        f"/author/modules/{module_id}/gift",
        {"text": text, "default_topic": "aims", "default_references": "F15"},
    )
    assert response.status_code == 200
    assert "1 imported, 0 converted, 0 skipped" in response.get_data(as_text=True)
    [question] = draft_module_questions(db, module_id)
    assert question["options"][0] == {"text": "A", "correct": True}
    response = post(
        client, f"/author/modules/{module_id}/publish", page=f"/author/modules/{module_id}"
    )
    page = client.get(f"/author/modules/{module_id}").get_data(as_text=True)
    assert "Before publishing, fill in what trainees will read after answering" in page
    assert "options[0]" in page


def test_gift_export_then_import_gives_equivalent_questions(client, educator, db):
    module_id = new_module(client)
    for kind in QUESTIONS:
        add_question(client, module_id, kind)
    response = client.get(f"/author/modules/{module_id}/gift.txt")
    assert response.status_code == 200
    assert response.headers["X-Quizapp-Skipped"] == "rs-06"  # hotspot: no GIFT equivalent
    text = response.get_data(as_text=True)
    assert "rs-06 was left out" in text
    other = new_module(client, id="restraint-copy", title="Copy")
    response = post(client, f"/author/modules/{other}/gift", {"text": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    original = [question_to_data(q) for q in draft_module(db, module_id).questions]
    imported = [question_to_data(q) for q in draft_module(db, other).questions]
    assert imported == [q for q in original if q["id"] != "rs-06"]
    assert not parse_gift(text).problems


def test_module_export_zip_holds_the_module_and_its_cases(client, educator, db):
    post(client, "/author/cases/upload", {"text": CASE_YAML})
    module_id = new_module(client, cases=["t44-frown"])
    add_question(client, module_id, "single")
    response = client.get(f"/author/modules/{module_id}/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert sorted(archive.namelist()) == ["cases/modules/09-restraint.yaml", "cases/t44-frown.yaml"]
    assert archive.read("cases/t44-frown.yaml").decode() == CASE_YAML
    load_module_text(archive.read("cases/modules/09-restraint.yaml").decode())


def test_publishing_needs_published_cases(client, educator, db):
    post(client, "/author/cases/upload", {"text": CASE_YAML})
    module_id = new_module(client, cases=["t44-frown"])
    add_question(client, module_id, "single")
    response = post(
        client, f"/author/modules/{module_id}/publish", page=f"/author/modules/{module_id}"
    )
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Publish these cases first: t44-frown." in follow
    assert db.session.get(ModuleRecord, module_id).versions[-1].status is Status.DRAFT


SHORT = {
    "id": "rs-08",
    "topic": "toxin-doses",
    "stem": "Name the area between the brows where the labelled toxin dose is injected.",
    "answers-0-text": "glabella",
    "answers-1-text": "the glabella",
    "answers-2-text": "forehead",
    "answers-2-weight": "0",
    "answers-2-explanation": "The forehead lies above the brows (B1).",
    "explanation": "The glabella, between the brows (B1).",
    "references": "B1",
}
MATCHING = {
    "id": "rs-09",
    "topic": "product-choice",
    "stem": "Match each permanent material with the longest delay reported before nodules.",
    "pairs-0-left": "Polyacrylamide gel",
    "pairs-0-right": "Up to about 1 year",
    "pairs-1-left": "PMMA in a combination product",
    "pairs-1-right": "Up to 6 years",
    "pairs-2-left": "Liquid silicone",
    "pairs-2-right": "Up to 28 years",
    "explanation": "Delays as reported (F25).",
    "references": "F25",
}


def _target_positions(html: str) -> dict[str, str]:
    """The matching widget's right-hand texts -> the value each posts (its shuffled position)."""
    select = re.search(r'<select name="match-0".*?</select>', html, re.S).group(0)
    return {
        text.strip(): value
        for value, text in re.findall(r'<option value="(\d+)"\s*>([^<]+)</option>', select)
    }


def test_short_answer_and_matching_from_the_editor_to_the_preview(client, educator, db):
    module_id = new_module(client)
    new = f"/author/modules/{module_id}/questions/new?type="
    assert post(client, new + "short", SHORT).status_code == 302
    assert post(client, new + "matching", MATCHING).status_code == 302
    module = draft_module(db, module_id)
    short, matching = module.questions
    assert [a.text for a in short.answers] == ["glabella", "the glabella", "forehead"]
    assert [a.weight for a in short.answers] == [100, 100, 0]
    assert [p.right for p in matching.pairs] == [
        "Up to about 1 year",
        "Up to 6 years",
        "Up to 28 years",
    ]
    # The editor shows the saved rows back.
    page = client.get(f"/author/modules/{module_id}/questions/rs-09/edit").get_data(as_text=True)
    assert "Up to 28 years" in page and 'name="pairs-3-left"' in page
    url = f"/author/modules/{module_id}/v1/preview/1"
    html = post(client, url, {"answer": "  The   GLABELLA "}).get_data(as_text=True)
    assert "Correct" in html and "between the brows" in html
    html = post(client, url, {"answer": "forehead"}).get_data(as_text=True)
    assert "Not right" in html and "lies above the brows" in html
    url = f"/author/modules/{module_id}/v1/preview/2"
    page = client.get(url).get_data(as_text=True)
    positions = _target_positions(page)
    assert set(positions) == {"Up to about 1 year", "Up to 6 years", "Up to 28 years"}
    answer = {
        "match-0": positions["Up to about 1 year"],
        "match-1": positions["Up to 28 years"],  # swapped with the next one
        "match-2": positions["Up to 6 years"],
    }
    html = post(client, url, answer).get_data(as_text=True)
    assert "1 of 3 pairs matched" in html and "It matches: Up to 6 years." in html
    assert "33.3%" in html or "33%" in html


def test_weighted_options_from_the_editor_keep_their_weights(client, educator, db):
    module_id = new_module(client)
    weighted = {
        **QUESTIONS["single"],
        "options-0-weight": "100",
        "options-1-weight": "50",
        "options-1-explanation": "Half credit in this test.",
    }
    assert add_question(client, module_id, "single", **weighted).status_code == 302
    [question] = draft_module(db, module_id).questions
    assert [(o.weight, o.correct) for o in question.options] == [(100, True), (50, False)]
    text = client.get(f"/author/modules/{module_id}/gift.txt").get_data(as_text=True)
    assert "~%50%Five or more#Half credit in this test." in text


def test_a_trainee_answers_short_answer_and_matching_and_sees_the_review(
    client, educator, db, factory, app
):
    module_id = new_module(client)
    new = f"/author/modules/{module_id}/questions/new?type="
    post(client, new + "short", SHORT)
    post(client, new + "matching", MATCHING)
    response = post(
        client, f"/author/modules/{module_id}/publish", page=f"/author/modules/{module_id}"
    )
    assert response.status_code == 302
    learner = app.test_client()
    login(learner, factory.user(Role.TRAINEE, educator.memberships[0].academy).email)
    page = learner.get("/learn/modules/restraint").get_data(as_text=True)
    response = learner.post("/learn/modules/restraint/start", data={"csrf_token": csrf_from(page)})
    attempt_url = response.headers["Location"].rsplit("/q/", 1)[0]
    post(learner, f"{attempt_url}/q/1", {"answer": "GLABELLA", "go": "next"})
    page = learner.get(f"{attempt_url}/q/2").get_data(as_text=True)
    positions = _target_positions(page)
    answer = {"match-0": positions["Up to about 1 year"], "match-2": positions["Up to 28 years"]}
    post(learner, f"{attempt_url}/q/2", {**answer, "go": "finish"})
    # The saved answer comes back selected in the form.
    page = learner.get(f"{attempt_url}/q/2").get_data(as_text=True)
    chosen = re.search(r'<select name="match-2".*?</select>', page, re.S).group(0)
    assert re.search(rf'value="{positions["Up to 28 years"]}" selected', chosen)
    post(learner, f"{attempt_url}/finish")
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.score_percent == pytest.approx(83.3, abs=0.1)  # (1 + 2/3) / 2
    review = learner.get(f"{attempt_url}/review").get_data(as_text=True)
    assert (
        "2 of 3 pairs matched" in review and "PMMA in a combination product → (no match" in review
    )


GIFT_DATA = Path(__file__).resolve().parents[1] / "data" / "gift"


def test_a_whole_moodle_style_file_imports_with_a_row_per_question(client, educator, db):
    module_id = new_module(client)
    url = f"/author/modules/{module_id}/gift"
    text = (GIFT_DATA / "every-construct.gift").read_text(encoding="utf-8")
    response = post(client, url, {"text": text, "default_references": "F15"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "14 imported, 5 converted, 2 skipped" in html
    assert len(draft_module(db, module_id).questions) == 19
    # Duplicate stems: the first is kept, the others are skipped with the line of the first.
    text = (GIFT_DATA / "duplicates.gift").read_text(encoding="utf-8")
    form = {"text": text, "default_references": "F15", "default_topic": "sky"}
    html = post(client, url, form).get_data(as_text=True)
    assert "1 imported, 1 converted, 3 skipped" in html
    assert html.count("same stem as line 4 of the file, with other answers or feedback") == 2
    assert "the same question as line 4 of the file" in html
    assert "the name first is taken" in html
    ids = [q.id for q in draft_module(db, module_id).questions]
    assert "first" in ids and ids.count("first") == 1 and len(ids) == 21
