"""Educators author complication drills through real HTTP: a YAML draft with problems listed by
line and field, the preview, publishing (trainees see it then), a second version, history,
export, and another academy's drills staying out of reach."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.models import DrillRecord, DrillVersion, Role
from quizapp.models.content import Status
from quizapp.services.authoring import content
from quizapp.services.authoring.drills import NEW_DRILL
from tests.conftest import csrf_from, login

BANK = Path(__file__).resolve().parents[2] / "cases"
DRILL = NEW_DRILL.replace("id: new-drill", "id: t-lip-occlusion").replace(
    "title: A new complication drill", "title: Blanching after lip filler"
)


def post(client, url, data=None, *, page=None, **kw):
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **(data or {})}, **kw)


@pytest.fixture()
def academy(factory):
    return factory.academy("Northbridge", "northbridge")


@pytest.fixture()
def educator(factory, client, academy):
    user = factory.user(Role.EDUCATOR, academy)
    login(client, user.email)
    return user


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def _create(client) -> int:
    response = post(client, "/author/drills/new", {"text": DRILL})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_the_new_drill_page_starts_from_a_valid_example(client, educator):
    page = client.get("/author/drills/new")
    assert page.status_code == 200
    assert "id: new-drill" in page.get_data(as_text=True)
    assert "New drill" in client.get("/author/").get_data(as_text=True)


def test_problems_are_listed_by_line_and_field_and_nothing_is_saved(client, educator, db):
    broken = DRILL.replace("    - action: hyaluronidase\n", "    - action: hyaluronidse\n")
    broken = broken.replace("references: [F38]", "references: [F999]")
    response = post(client, "/author/drills/new", {"text": broken}, page="/author/drills/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    lines = broken.splitlines()
    ref_line = next(i for i, t in enumerate(lines, 1) if t.startswith("references:"))
    assert f"line {ref_line}" in html and "F999" in html
    assert "hyaluronidse" in html
    assert "hyaluronidse" in html.split("<textarea", 1)[1]  # the text is kept to fix
    assert _count(db, DrillRecord) == 0


def test_draft_preview_publish_and_a_second_version(client, educator, db, factory, academy):
    drill_id = _create(client)
    record = db.session.get(DrillRecord, drill_id)
    assert record.academy_id == academy.id and record.versions[0].status is Status.DRAFT

    trainee = factory.user(Role.TRAINEE, academy)
    other = client.application.test_client()
    login(other, trainee.email)
    assert "Blanching after lip filler" not in other.get("/learn/drills/").get_data(as_text=True)

    preview = client.get(f"/author/drills/{drill_id}").get_data(as_text=True)
    assert "Preview of v1" in preview
    assert "What the trainee sees first." in preview and "Stop injecting" in preview
    assert "within 60 s" in preview  # the reference, for educators

    page = f"/author/drills/{drill_id}"
    published = post(client, f"/author/drills/{drill_id}/publish", page=page)
    assert published.status_code == 302
    db.session.expire_all()
    assert db.session.get(DrillRecord, drill_id).versions[0].status is Status.PUBLISHED
    assert "Blanching after lip filler" in other.get("/learn/drills/").get_data(as_text=True)

    edited = DRILL.replace("title: Blanching after lip filler", "title: Blanching after lip HA")
    saved = post(client, f"/author/drills/{drill_id}/yaml", {"text": edited})
    assert saved.status_code == 302
    db.session.expire_all()
    versions = db.session.scalars(
        select(DrillVersion).where(DrillVersion.drill_id == drill_id).order_by(DrillVersion.number)
    ).all()
    assert [(v.number, v.status) for v in versions] == [
        (1, Status.PUBLISHED),
        (2, Status.DRAFT),
    ]
    # Trainees still see version 1 until version 2 is published.
    assert "Blanching after lip filler" in other.get("/learn/drills/").get_data(as_text=True)
    history = client.get(f"/author/drills/{drill_id}/history").get_data(as_text=True)
    assert "Blanching after lip HA" in history
    exported = client.get(f"/author/drills/{drill_id}/export?version=1")
    assert exported.get_data(as_text=True) == DRILL


def test_a_saved_drill_keeps_its_id(client, educator, db):
    drill_id = _create(client)
    renamed = DRILL.replace("id: t-lip-occlusion", "id: another-id")
    response = post(client, f"/author/drills/{drill_id}/yaml", {"text": renamed})
    assert response.status_code == 422
    assert "cannot change" in response.get_data(as_text=True)


def test_bank_drills_are_read_only_and_other_academies_see_nothing(
    client, educator, db, factory, tmp_path
):
    shutil.copytree(BANK / "drills", tmp_path / "drills")
    content.import_bank(tmp_path)
    db.session.commit()
    bank = db.session.scalar(select(DrillRecord).where(DrillRecord.academy_id.is_(None)))
    assert client.get(f"/author/drills/{bank.id}").status_code == 200
    assert client.get(f"/author/drills/{bank.id}/yaml").status_code == 404
    assert re.search(r"Complication drills", client.get("/author/").get_data(as_text=True))

    drill_id = _create(client)
    stranger = factory.user(Role.EDUCATOR, factory.academy("Harbour", "harbour"))
    other = client.application.test_client()
    login(other, stranger.email)
    assert other.get(f"/author/drills/{drill_id}").status_code == 404
    assert other.get(f"/author/drills/{drill_id}/yaml").status_code == 404
