"""Source keys for authors: the sources page, the picker of the authoring forms (checkboxes with
citations, plus a text input for other keys), and radios for the one right answer."""

from __future__ import annotations

from markupsafe import escape

from quizapp.domain.sources import SOURCES, grouped_sources
from tests.web.test_author_modules import (
    QUESTIONS,
    add_question,
    draft_module,
    educator,  # noqa: F401  (fixture)
    new_module,
)


def test_grouped_sources_hold_every_key_once_in_facts_order():
    groups = grouped_sources()
    keys = [src.key for _, group in groups for src in group]
    assert sorted(keys) == sorted(SOURCES) and len(keys) == len(set(keys))
    assert [label for label, _ in groups][:2] == ["Botulinum toxin", "Dermal fillers"]
    botox = [src.key for src in groups[0][1]]
    assert botox.index("B2") < botox.index("B10")


def test_sources_page_lists_every_key_with_citation_for_anyone(client):
    html = client.get("/sources").get_data(as_text=True)
    for key in SOURCES:
        assert f'id="{key}"' in html
    assert str(escape(SOURCES["F15"].citation)) in html
    assert "regulatory label or SmPC" in html


def test_question_form_offers_sources_as_labelled_checkboxes(client, educator):  # noqa: F811
    module_id = new_module(client)
    html = client.get(f"/author/modules/{module_id}/questions/new?type=single").get_data(
        as_text=True
    )
    assert '<input type="checkbox" name="references" value="B1" id="references-B1"' in html
    assert str(escape(SOURCES["B1"].citation)) in html
    assert 'href="/sources"' in html


def test_ticked_sources_and_typed_keys_are_saved_together(client, educator, db):  # noqa: F811
    module_id = new_module(client)
    data = {**QUESTIONS["single"], "references": ["B1", "F15", "B33"]}
    response = add_question(client, module_id, "single", **data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert draft_module(db, module_id).questions[0].references == ("B1", "F15", "B33")
    edit = client.get(f"/author/modules/{module_id}/questions/rs-01/edit").get_data(as_text=True)
    assert 'value="B33" id="references-B33" checked' in edit
    # An unknown key stays in the text input, so the problem beside it names it.
    response = add_question(client, module_id, "single", id="rs-09", references=["B1", "Z99"])
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="references" value="Z99"' in html and 'id="references-error"' in html


def test_single_choice_marks_the_right_answer_with_a_radio(client, educator, db):  # noqa: F811
    module_id = new_module(client)
    page = client.get(f"/author/modules/{module_id}/questions/new?type=single").get_data(
        as_text=True
    )
    assert 'type="radio" name="correct_option" value="0"' in page
    assert 'name="options-0-correct"' not in page
    data = {k: v for k, v in QUESTIONS["single"].items() if not k.endswith("-correct")}
    response = add_question(client, module_id, "single", **data, correct_option="1")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert draft_module(db, module_id).questions[0].correct_indexes == (1,)
    multi = client.get(f"/author/modules/{module_id}/questions/new?type=multi").get_data(
        as_text=True
    )
    assert 'type="radio"' not in multi and 'name="options-0-correct"' in multi


def test_a_clone_gets_the_title_the_educator_asks_for(client, educator, db):  # noqa: F811
    from sqlalchemy import select

    from quizapp.models import ModuleRecord
    from quizapp.services.authoring.content import import_bank
    from tests.web.test_author_cases import BANK

    import_bank(BANK)
    db.session.commit()
    original = db.session.scalar(select(ModuleRecord).where(ModuleRecord.academy_id.is_(None)))
    page = client.get(f"/author/modules/{original.id}").get_data(as_text=True)
    assert 'id="clone-title"' in page and "required" in page.split('id="clone-title"')[1][:80]
    response = add_clone(client, original.id, 'Our "restraint" module')
    assert response.status_code == 302
    copy = db.session.scalar(select(ModuleRecord).where(ModuleRecord.academy_id.is_not(None)))
    assert copy.title == 'Our "restraint" module' != original.title
    assert draft_module(db, copy.id).title == 'Our "restraint" module'


def add_clone(client, module_id, title):
    from tests.conftest import csrf_from

    token = csrf_from(client.get(f"/author/modules/{module_id}").get_data(as_text=True))
    return client.post(
        f"/author/modules/{module_id}/clone", data={"csrf_token": token, "title": title}
    )


def test_module_settings_name_modules_and_cases_by_title(client, educator, db):  # noqa: F811
    from sqlalchemy import select

    from quizapp.models import CaseRecord, ModuleRecord
    from quizapp.services.authoring.content import import_bank
    from tests.web.test_author_cases import BANK

    import_bank(BANK)
    db.session.commit()
    titles = {m.slug: m.title for m in db.session.scalars(select(ModuleRecord))}
    case_titles = {c.slug: c.title for c in db.session.scalars(select(CaseRecord))}
    record = next(
        m
        for m in db.session.scalars(select(ModuleRecord))
        if draft_module(db, m.id).prerequisites and draft_module(db, m.id).cases
    )
    module = draft_module(db, record.id)
    html = client.get(f"/author/modules/{record.id}").get_data(as_text=True)
    assert str(escape(titles[module.prerequisites[0]])) in html
    assert str(escape(case_titles[module.cases[0]])) in html
    assert f'href="/sources#{module.references[0]}"' in html
