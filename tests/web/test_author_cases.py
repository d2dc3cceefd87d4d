"""Authoring cases through real HTTP: the structured editor, YAML, uploads, the lifecycle, history,
preview and exports."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.models import AuditEntry, CaseAttempt, CaseRecord, CaseVersion, CaseZoneResult, Role
from quizapp.models.content import Status
from quizapp.services.authoring import content
from tests.conftest import csrf_from, login

BANK = Path(__file__).resolve().parents[2] / "cases"

CASE_YAML = """\
id: t44-frown
title: Frown lines at 44
summary: |
  A 44-year-old teacher is told she looks *cross* in class.
patient:
  age: 44
  sex: F
  fitzpatrick: III
  glogau: II
assessment:
  glabella: {rest: 1, moving: 3}
reference:
  disposition: treat
  zones:
    glabella:
      products: [ona, inco]
  candidate_plans:
    - label: On-label glabella
      band: natural
      rationale: The label dose.
      plan:
        disposition: treat
        items:
          - {zone: glabella, product: ona, amount: 20, side: midline}
    - label: Far too much
      band: overfilled
      rationale: Past the ceiling.
      plan:
        disposition: treat
        items:
          - {zone: glabella, product: ona, amount: 60, side: midline}
learning_points:
  - The label glabella dose is the starting point.
references: [B1, B6]
"""

# The same case as the structured editor posts it.
CASE_FORM = {
    "id": "t44-frown",
    "title": "Frown lines at 44",
    "summary": "A 44-year-old teacher is told she looks *cross* in class.",
    "age": "44",
    "sex": "F",
    "fitzpatrick": "III",
    "glogau": "II",
    "assessment-0-zone": "glabella",
    "assessment-0-rest": "1",
    "assessment-0-moving": "3",
    "disposition": "treat",
    "zones-0-zone": "glabella",
    "zones-0-products": ["ona", "inco"],
    "candidates-0-label": "On-label glabella",
    "candidates-0-band": "natural",
    "candidates-0-rationale": "The label dose.",
    "candidates-0-disposition": "treat",
    "candidates-0-items-0-zone": "glabella",
    "candidates-0-items-0-product": "ona",
    "candidates-0-items-0-amount": "20",
    "candidates-0-items-0-side": "midline",
    "candidates-1-label": "Far too much",
    "candidates-1-band": "overfilled",
    "candidates-1-rationale": "Past the ceiling.",
    "candidates-1-disposition": "treat",
    "candidates-1-items-0-zone": "glabella",
    "candidates-1-items-0-product": "ona",
    "candidates-1-items-0-amount": "60",
    "candidates-1-items-0-side": "midline",
    "learning_points-0": "The label glabella dose is the starting point.",
    "references": "B1 B6",
}


def post(client, url, data=None, *, page=None, **kw):
    """POST with the CSRF token of `page` (default: the form's own URL)."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kw)


@pytest.fixture()
def bank(tmp_path, db):
    shutil.copy(BANK / "f44-frown-lines.yaml", tmp_path)
    content.import_bank(tmp_path)
    db.session.commit()


@pytest.fixture()
def academy(factory):
    return factory.academy("Northbridge", "northbridge")


@pytest.fixture()
def educator(factory, client, academy):
    user = factory.user(Role.EDUCATOR, academy)
    login(client, user.email)
    return user


def create_case(client) -> int:
    response = post(client, "/author/cases/new", CASE_FORM)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_structured_editor_creates_a_draft_that_trainees_do_not_see(client, educator, db, factory):
    case_id = create_case(client)
    record = db.session.get(CaseRecord, case_id)
    assert record.slug == "t44-frown" and record.academy_id == educator.memberships[0].academy_id
    [version] = record.versions
    assert version.status is Status.DRAFT and version.number == 1
    assert version.created_by_id == educator.id
    # The text was built with dump_case and loads back to the same case.
    assert "t44-frown" in version.source_text and "glabella" in version.source_text
    page = client.get(f"/author/cases/{case_id}").get_data(as_text=True)
    assert "Frown lines at 44" in page and "Publish v1" in page
    assert "<em>cross</em>" in page  # Markdown, rendered
    trainee = factory.user(Role.TRAINEE, record_academy(db, case_id))
    other = client.application.test_client()
    login(other, trainee.email)
    assert "Frown lines at 44" not in other.get("/learn/cases/").get_data(as_text=True)


def record_academy(db, case_id):
    from quizapp.models import Academy

    return db.session.get(Academy, db.session.get(CaseRecord, case_id).academy_id)


def test_editor_shows_problems_beside_their_fields_and_saves_nothing(client, educator, db):
    bad = dict(CASE_FORM)
    bad["age"] = "forty"
    bad["zones-0-products"] = ["ona", "ha_soft"]  # filler does not suit the glabella
    bad["learning_points-0"] = ""
    response = post(client, "/author/cases/new", bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nothing was saved" in html
    # Each problem sits beside its field (the error paragraph carries the field's id).
    assert 'id="age-error"' in html and "expected a whole number" in html
    assert 'id="zones-0-products-error"' in html and "not suited to glabella" in html
    assert 'id="learning_points-error"' in html and "at least 1 entry" in html
    # What the educator typed is kept.
    assert 'value="forty"' in html
    # Once the structure is right, the candidate plans are scored, as `flask cases validate`
    # does: a band the engine disagrees with is shown at the band.
    claimed = dict(CASE_FORM, **{"candidates-1-band": "natural"})
    html = post(client, "/author/cases/new", claimed).get_data(as_text=True)
    assert 'id="candidates-1-band-error"' in html and "places this plan in overfilled" in html
    assert db.session.scalar(select(func.count()).select_from(CaseRecord)) == 0


def test_more_rows_button_adds_a_row_without_saving(client, educator, db):
    data = dict(CASE_FORM, more="history")
    response = post(client, "/author/cases/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="history-1-zone"' in html
    assert db.session.scalar(select(func.count()).select_from(CaseRecord)) == 0


def test_edit_round_trip_keeps_the_case_and_changes_nothing(client, educator, db):
    case_id = create_case(client)
    page = client.get(f"/author/cases/{case_id}/edit").get_data(as_text=True)
    assert 'value="On-label glabella"' in page
    response = post(client, f"/author/cases/{case_id}/edit", _form_from_page(page))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CaseVersion)) == 1
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No changes to save." in follow


def _form_from_page(html: str) -> dict:
    """The values a browser would post for the editor page (inputs, selects, textareas)."""
    from html.parser import HTMLParser

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data: dict[str, list[str]] = {}
            self.select = None
            self.textarea = None
            self.multi = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            name = a.get("name")
            if tag == "input" and name and name != "csrf_token":
                kind = a.get("type", "text")
                if kind in ("checkbox", "radio"):
                    if "checked" in a:
                        self.data.setdefault(name, []).append(a.get("value", "y"))
                elif kind not in ("submit", "file"):
                    self.data.setdefault(name, []).append(a.get("value", ""))
            elif tag == "select" and name:
                self.select = name
            elif tag == "option" and self.select and "selected" in a:
                self.data.setdefault(self.select, []).append(a.get("value", ""))
            elif tag == "textarea" and name:
                self.textarea = name
                self.data.setdefault(name, []).append("")

        def handle_endtag(self, tag):
            if tag == "select":
                self.select = None
            if tag == "textarea":
                self.textarea = None

        def handle_data(self, data):
            if self.textarea:
                self.data[self.textarea][-1] += data

    parser = Parser()
    parser.feed(html)
    out = {}
    for key, values in parser.data.items():
        values = [v[1:] if v.startswith("\n") else v for v in values]
        out[key] = values if len(values) > 1 else values[0]
    return out


def test_publish_then_edit_starts_version_two_and_trainees_keep_version_one(
    client, educator, db, factory, app
):
    case_id = create_case(client)
    response = post(client, f"/author/cases/{case_id}/publish", page=f"/author/cases/{case_id}")
    assert response.status_code == 302
    v1 = db.session.scalar(select(CaseVersion).where(CaseVersion.case_id == case_id))
    db.session.refresh(v1)
    assert v1.status is Status.PUBLISHED and v1.published_at is not None

    # A trainee of the academy takes version 1.
    trainee = factory.user(Role.TRAINEE, record_academy(db, case_id))
    learner = app.test_client()
    login(learner, trainee.email)
    assert "Frown lines at 44" in learner.get("/learn/cases/").get_data(as_text=True)
    base = _take_case(learner, "t44-frown", amount="20")
    attempt = db.session.scalar(select(CaseAttempt))
    band, score = attempt.band, attempt.score
    assert band == "natural" and attempt.case_version_id == v1.id

    # Editing the published case starts a draft v2: the trainee still sees v1.
    text = CASE_YAML.replace("dose is the starting point", "dose is where to start")
    text = text.replace(
        "products: [ona, inco]",
        "products: [ona]\n      dose: {min: 12, max: 16}\n"
        "      references: [B1]\n      justification: A lighter start.",
    )
    text = text.replace("band: natural", "band: overdone")
    response = post(client, f"/author/cases/{case_id}/yaml", {"text": text})
    assert response.status_code == 302, response.get_data(as_text=True)
    versions = db.session.scalars(select(CaseVersion).order_by(CaseVersion.number)).all()
    assert [(v.number, v.status) for v in versions] == [
        (1, Status.PUBLISHED),
        (2, Status.DRAFT),
    ]
    # Publishing v2 changes nothing about the attempt on v1.
    post(client, f"/author/cases/{case_id}/publish", page=f"/author/cases/{case_id}")
    db.session.expire_all()
    attempt = db.session.scalar(select(CaseAttempt))
    assert (attempt.band, attempt.score, attempt.case_version_id) == (band, score, v1.id)
    assert learner.get(f"{base}/result").status_code == 200
    # A new attempt takes v2, where 20 U is now heavy.
    _take_case(learner, "t44-frown", amount="20")
    newest = db.session.scalars(select(CaseAttempt).order_by(CaseAttempt.id.desc())).first()
    assert newest.case_version_id == versions[1].id and newest.band == "overdone"


def _take_case(client, slug, amount):
    page = client.get("/learn/cases/").get_data(as_text=True)
    response = client.post(f"/learn/cases/{slug}/start", data={"csrf_token": csrf_from(page)})
    base = response.headers["Location"].rsplit("/", 1)[0]
    post(client, f"{base}/patient")
    post(client, f"{base}/assessment", {"moving-glabella": "3", "rest-glabella": "1"})
    post(client, f"{base}/candidacy", {"disposition": "treat"})
    plan = {"zone-0": "glabella", "product-0": "ona", "amount-0": amount, "side-0": "midline"}
    response = post(client, f"{base}/plan", {**plan, "go": "submit"})
    assert response.headers["Location"].endswith("/result")
    return base


def test_retire_hides_the_case_and_keeps_attempts(client, educator, db, factory, app):
    case_id = create_case(client)
    post(client, f"/author/cases/{case_id}/publish", page=f"/author/cases/{case_id}")
    trainee = factory.user(Role.TRAINEE, record_academy(db, case_id))
    learner = app.test_client()
    login(learner, trainee.email)
    _take_case(learner, "t44-frown", amount="20")
    response = post(client, f"/author/cases/{case_id}/retire", page=f"/author/cases/{case_id}")
    assert response.status_code == 302
    assert "Frown lines at 44" not in learner.get("/learn/cases/").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CaseAttempt)) == 1
    assert db.session.scalar(select(func.count()).select_from(CaseZoneResult)) == 1
    # Editing a retired case starts v2; publishing it brings the case back.
    post(client, f"/author/cases/{case_id}/yaml", {"text": CASE_YAML.replace("at 44", "at 45")})
    post(client, f"/author/cases/{case_id}/publish", page=f"/author/cases/{case_id}")
    assert "Frown lines at 45" in learner.get("/learn/cases/").get_data(as_text=True)


def test_yaml_editor_lists_problems_with_line_and_field(client, educator, db):
    case_id = create_case(client)
    text = CASE_YAML.replace("age: 44", "age: 144").replace("[B1, B6]", "[B1, X9]")
    response = post(client, f"/author/cases/{case_id}/yaml", {"text": text})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "line 6" in html and "patient.age" in html
    assert "references[1]" in html and "unknown source key" in html
    other = CASE_YAML.replace("id: t44-frown", "id: other-id")
    changing_id = post(client, f"/author/cases/{case_id}/yaml", {"text": other})
    assert "cannot change" in changing_id.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CaseVersion)) == 1


def test_malformed_upload_imports_nothing(client, educator, db):
    before = db.session.scalar(select(func.count()).select_from(CaseRecord))
    broken = CASE_YAML.replace("sex: F", "sex: X").replace(
        "glabella: {rest: 1, moving: 3}", "glabela: {rest: 1, moving: 3}"
    )
    response = post(
        client,
        "/author/cases/upload",
        {"file": (__import__("io").BytesIO(broken.encode()), "mine.yaml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "line 7" in html and "patient.sex" in html
    assert "assessment.glabela" in html and "did you mean" in html
    assert db.session.scalar(select(func.count()).select_from(CaseRecord)) == before
    assert db.session.scalar(select(func.count()).select_from(CaseVersion)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    # YAML that does not even parse: the line, nothing written.
    response = post(client, "/author/cases/upload", {"text": "id: x\n  title: [unclosed\n"})
    assert response.status_code == 422 and "line" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CaseRecord)) == before


def test_good_upload_creates_a_draft_and_a_second_upload_a_new_version(client, educator, db):
    upload = {"file": (__import__("io").BytesIO(CASE_YAML.encode()), "t44.yaml")}
    response = post(client, "/author/cases/upload", upload, content_type="multipart/form-data")
    assert response.status_code == 302
    record = db.session.scalar(select(CaseRecord))
    assert record.versions[0].source_text == CASE_YAML  # kept as written
    changed = CASE_YAML.replace("at 44", "at 44, again")
    post(client, "/author/cases/upload", {"text": changed})
    db.session.expire_all()
    assert [v.number for v in db.session.get(CaseRecord, record.id).versions] == [1]
    post(client, f"/author/cases/{record.id}/publish", page=f"/author/cases/{record.id}")
    post(client, "/author/cases/upload", {"text": CASE_YAML})
    db.session.expire_all()
    assert [v.number for v in db.session.get(CaseRecord, record.id).versions] == [1, 2]


def test_upload_cannot_take_a_bank_id(client, educator, bank, db):
    text = (BANK / "f44-frown-lines.yaml").read_text()
    response = post(client, "/author/cases/upload", {"text": text})
    assert response.status_code == 422
    assert "the bank already has a case" in response.get_data(as_text=True)


def test_export_any_visible_case_as_yaml(client, educator, bank, db):
    bank_case = db.session.scalar(select(CaseRecord).where(CaseRecord.academy_id.is_(None)))
    response = client.get(f"/author/cases/{bank_case.id}/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.get_data(as_text=True) == (BANK / "f44-frown-lines.yaml").read_text()


def test_history_shows_versions_diff_and_who_did_what(client, educator, db):
    case_id = create_case(client)
    post(client, f"/author/cases/{case_id}/publish", page=f"/author/cases/{case_id}")
    text = CASE_YAML.replace("at 44", "at 45")
    post(client, f"/author/cases/{case_id}/yaml", {"text": text})
    html = client.get(f"/author/cases/{case_id}/history").get_data(as_text=True)
    assert "v1" in html and "v2" in html and educator.display_name in html
    assert 'class="diff-removed"' in html and "Frown lines at 44" in html
    assert 'class="diff-added"' in html and "Frown lines at 45" in html
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["case.create", "case.publish", "case.edit"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.publish"))
    assert entry.actor_id == educator.id and entry.target == f"case:{case_id}"
    assert entry.details["version"] == 1


def test_discard_draft(client, educator, db):
    case_id = create_case(client)
    response = post(client, f"/author/cases/{case_id}/discard", page=f"/author/cases/{case_id}")
    assert response.headers["Location"].endswith("/author/")
    assert db.session.get(CaseRecord, case_id) is None


def test_preview_walks_the_trainee_player_and_records_nothing(client, educator, db):
    case_id = create_case(client)
    response = post(client, f"/author/cases/{case_id}/v1/preview", page=f"/author/cases/{case_id}")
    base = response.headers["Location"].rsplit("/", 1)[0]
    assert base.endswith(f"/author/cases/{case_id}/v1/preview")
    page = client.get(f"{base}/patient").get_data(as_text=True)
    assert "Preview — nothing is recorded" in page and "<em>cross</em>" in page
    # Steps cannot be skipped, as for a trainee.
    assert client.get(f"{base}/plan").headers["Location"].endswith("/patient")
    assert post(client, f"{base}/patient").headers["Location"].endswith("/assessment")
    post(client, f"{base}/assessment", {"moving-glabella": "3", "rest-glabella": "1"})
    post(client, f"{base}/candidacy", {"disposition": "treat"})
    plan = {"zone-0": "glabella", "product-0": "ona", "amount-0": "60", "side-0": "midline"}
    response = post(client, f"{base}/plan", {**plan, "go": "submit"})
    assert response.headers["Location"].endswith("/result")
    html = client.get(f"{base}/result").get_data(as_text=True)
    assert "Overfilled" in html and "Preview — nothing is recorded" in html
    assert "The label glabella dose is the starting point." in html
    assert f'href="/author/cases/{case_id}"' in html  # back to the case, not to the trainee list
    assert db.session.scalar(select(func.count()).select_from(CaseAttempt)) == 0
    assert db.session.scalar(select(func.count()).select_from(CaseZoneResult)) == 0


def test_preview_reports_plan_problems_like_the_player(client, educator, db):
    case_id = create_case(client)
    post(client, f"/author/cases/{case_id}/v1/preview", page=f"/author/cases/{case_id}")
    base = f"/author/cases/{case_id}/v1/preview"
    post(client, f"{base}/patient")
    post(client, f"{base}/assessment", {})
    post(client, f"{base}/candidacy", {"disposition": "treat"})
    plan = {"zone-0": "glabella", "product-0": "ona", "amount-0": "lots", "side-0": "midline"}
    response = post(client, f"{base}/plan", {**plan, "go": "submit"})
    assert response.headers["Location"].endswith("/plan")
    html = client.get(f"{base}/plan").get_data(as_text=True)
    assert "Row 1, amount" in html and 'value="lots"' in html


def test_authoring_list_runs_a_fixed_number_of_queries(client, educator, db, count_queries):
    create_case(client)
    client.get("/author/")
    with count_queries() as few:
        assert client.get("/author/").status_code == 200
    for n in range(5):
        text = CASE_YAML.replace("t44-frown", f"t44-frown-{n}")
        post(client, "/author/cases/upload", {"text": text})
    with count_queries() as many:
        html = client.get("/author/").get_data(as_text=True)
    assert "t44-frown-4" in html
    assert len(many) == len(few)
