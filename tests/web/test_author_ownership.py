"""Who may see and change what: the bank is read-only to everyone, an academy changes only its
own items, and anything of another academy does not exist (404)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.models import AuditEntry, CaseRecord, ModuleRecord, Role
from quizapp.models.content import Status
from quizapp.services.authoring import content
from tests.conftest import login
from tests.web.test_author_cases import CASE_YAML, post

BANK = Path(__file__).resolve().parents[2] / "cases"

BANK_MODULE = """\
id: natural-results
title: The case for natural results
order: 1
summary: A short module for tests.
prerequisites: []
pass_mark: 60
cases: [f44-frown-lines]
references: [F15]
questions:
  - id: nr-01
    type: single
    topic: aims
    stem: How many facial units treated in one session add benefit, per one outcome study?
    options:
      - text: Up to two
        correct: true
        explanation: Treating more than two facial units added no FACE-Q benefit.
      - text: Five or more
        correct: false
        explanation: More units did not add benefit.
    references: [F15]
"""


@pytest.fixture()
def bank(tmp_path, db):
    shutil.copy(BANK / "f44-frown-lines.yaml", tmp_path)
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "01-natural-results.yaml").write_text(BANK_MODULE)
    content.import_bank(tmp_path)
    db.session.commit()


@pytest.fixture()
def two_academies(factory, app, db):
    """An educator of each of two academies, each logged in on a client of their own."""
    first, second = factory.academy("First", "first"), factory.academy("Second", "second")
    clients = []
    for academy in (first, second):
        user = factory.user(Role.EDUCATOR, academy)
        client = app.test_client()
        login(client, user.email)
        clients.append((client, user, academy))
    return clients


def test_clone_and_adapt_a_bank_case(bank, two_academies, db):
    client, user, academy = two_academies[0]
    original = db.session.scalar(select(CaseRecord).where(CaseRecord.academy_id.is_(None)))
    response = post(client, f"/author/cases/{original.id}/clone", page="/author/")
    assert response.status_code == 302
    copy = db.session.scalar(select(CaseRecord).where(CaseRecord.academy_id == academy.id))
    # The bank's slug is what the academy's trainees already see, so the copy is suffixed.
    assert copy.slug == "f44-frown-lines-2"
    [version] = copy.versions
    assert version.status is Status.DRAFT and "id: f44-frown-lines-2" in version.source_text
    assert version.source_text.replace("f44-frown-lines-2", "f44-frown-lines") == (
        original.versions[-1].source_text
    )
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.clone"))
    assert entry.academy_id == academy.id and entry.details["from"] == "f44-frown-lines v1"
    # Adapt it: the editor opens on the copy, and saving changes the draft in place.
    page = client.get(f"/author/cases/{copy.id}/yaml").get_data(as_text=True)
    assert "f44-frown-lines-2" in page
    adapted = version.source_text.replace(
        "title: Frown lines and crow's feet at 44", "title: Our frown-line case"
    )
    assert adapted != version.source_text
    response = post(client, f"/author/cases/{copy.id}/yaml", {"text": adapted})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CaseRecord, copy.id).title == "Our frown-line case"
    assert [v.number for v in db.session.get(CaseRecord, copy.id).versions] == [1]
    # The bank's case is untouched.
    assert db.session.get(CaseRecord, original.id).versions[-1].status is Status.PUBLISHED
    # Cloning again picks the next free slug.
    post(client, f"/author/cases/{original.id}/clone", page="/author/")
    slugs = db.session.scalars(
        select(CaseRecord.slug).where(CaseRecord.academy_id == academy.id).order_by(CaseRecord.id)
    ).all()
    assert slugs == ["f44-frown-lines-2", "f44-frown-lines-3"]


def test_clone_a_bank_module(bank, two_academies, db):
    client, _, academy = two_academies[0]
    original = db.session.scalar(select(ModuleRecord))
    response = post(client, f"/author/modules/{original.id}/clone", page="/author/")
    assert response.status_code == 302
    copy = db.session.scalar(select(ModuleRecord).where(ModuleRecord.academy_id == academy.id))
    assert copy.slug == "natural-results-2" and copy.versions[0].status is Status.DRAFT
    page = client.get(f"/author/modules/{copy.id}").get_data(as_text=True)
    assert "Publish v1" in page and "nr-01" in page


def test_bank_items_are_read_only(bank, two_academies, db):
    client, _, _ = two_academies[0]
    case = db.session.scalar(select(CaseRecord))
    module = db.session.scalar(select(ModuleRecord))
    assert client.get(f"/author/cases/{case.id}").status_code == 200
    page = client.get(f"/author/cases/{case.id}").get_data(as_text=True)
    assert "Clone into my academy" in page and "Edit as YAML" not in page
    for url in (
        f"/author/cases/{case.id}/edit",
        f"/author/cases/{case.id}/yaml",
        f"/author/modules/{module.id}/settings",
        f"/author/modules/{module.id}/yaml",
        f"/author/modules/{module.id}/questions/new",
        f"/author/modules/{module.id}/gift",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/author/cases/{case.id}/publish",
        f"/author/cases/{case.id}/retire",
        f"/author/cases/{case.id}/discard",
        f"/author/modules/{module.id}/retire",
        f"/author/modules/{module.id}/questions/nr-01/delete",
    ):
        assert post(client, url, page="/author/").status_code == 404, url
    db.session.expire_all()
    assert db.session.get(CaseRecord, case.id).versions[-1].status is Status.PUBLISHED


def test_another_academys_items_do_not_exist(two_academies, db):
    (mine, _, _), (theirs, _, _) = two_academies
    response = post(mine, "/author/cases/upload", {"text": CASE_YAML})
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    response = post(
        mine,
        "/author/modules/new",
        {
            "id": "our-module",
            "title": "Ours",
            "order": "9",
            "summary": "S",
            "pass_mark": "70",
            "grading": "highest",
            "references": "F15",
        },
    )
    module_id = int(response.headers["Location"].rsplit("/", 1)[1])
    gets = [
        f"/author/cases/{case_id}",
        f"/author/cases/{case_id}/edit",
        f"/author/cases/{case_id}/yaml",
        f"/author/cases/{case_id}/export",
        f"/author/cases/{case_id}/history",
        f"/author/cases/{case_id}/v1/preview/patient",
        f"/author/insight/cases/{case_id}",
        f"/author/modules/{module_id}",
        f"/author/modules/{module_id}/settings",
        f"/author/modules/{module_id}/export.zip",
        f"/author/modules/{module_id}/gift.txt",
        f"/author/modules/{module_id}/history",
        f"/author/insight/modules/{module_id}",
    ]
    for url in gets:
        assert mine.get(url).status_code in (200, 302), url
        assert theirs.get(url).status_code == 404, url
    posts = [
        f"/author/cases/{case_id}/publish",
        f"/author/cases/{case_id}/clone",
        f"/author/cases/{case_id}/v1/preview",
        f"/author/modules/{module_id}/publish",
        f"/author/modules/{module_id}/discard",
    ]
    for url in posts:
        assert post(theirs, url, page="/author/").status_code == 404, url
    # Their list shows none of it, and their upload of the same id is a new case of theirs.
    assert "t44-frown" not in theirs.get("/author/").get_data(as_text=True)
    assert post(theirs, "/author/cases/upload", {"text": CASE_YAML}).status_code == 302
    mine_still = db.session.get(CaseRecord, case_id)
    assert mine_still.versions[0].status is Status.DRAFT


@pytest.mark.parametrize(
    "path",
    [
        "/author/",
        "/author/cases/new",
        "/author/cases/upload",
        "/author/modules/new",
        "/author/insight/",
        "/author/insight/mistakes",
    ],
)
def test_trainees_may_not_author(client, factory, path):
    login(client, factory.user(Role.TRAINEE).email)
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/author/cases/new", "/author/insight/mistakes"])
def test_anonymous_users_go_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admins_author_too(client, factory):
    login(client, factory.user(Role.ADMIN).email)
    assert client.get("/author/cases/new").status_code == 200
