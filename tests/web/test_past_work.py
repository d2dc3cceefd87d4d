"""Finished work can be reopened: the module page, the case list, the result page and the
dashboard's recent activity link every submitted attempt to its review or result."""

from __future__ import annotations

import re

from tests.web.test_case_player import (  # noqa: F401
    NATURAL_PLAN,
    _post,
    _walk_to_plan,
    case_bank,
    trainee,
)
from tests.web.test_case_player import _start as start_case
from tests.web.test_quiz_player import _start as start_quiz
from tests.web.test_quiz_player import bank  # noqa: F401


def _finish_case(client) -> str:
    base = start_case(client)
    _walk_to_plan(client, base)
    return _post(client, f"{base}/plan", **NATURAL_PLAN).headers["Location"]


def _finish_quiz(client) -> str:
    first = start_quiz(client)
    finish = first.rsplit("/q/", 1)[0] + "/finish"
    return _post(client, finish).headers["Location"]


def test_case_list_links_the_last_result(client, trainee, case_bank):  # noqa: F811
    result = _finish_case(client)
    html = client.get("/learn/cases/").get_data(as_text=True)
    assert f'href="{result}"' in html
    assert "See the result" in html
    assert "1 attempt ·" in html  # singular


def test_result_page_offers_the_way_back_and_another_try(client, trainee, case_bank):  # noqa: F811
    html = client.get(_finish_case(client)).get_data(as_text=True)
    assert 'action="/learn/cases/f44-frown-lines/start"' in html
    assert 'href="/learn/"' in html


def test_module_page_links_each_attempt_to_its_review(client, trainee, bank):  # noqa: F811
    bank()
    review = _finish_quiz(client)
    assert review.endswith("/review")
    html = client.get("/learn/modules/basics").get_data(as_text=True)
    assert re.search(rf'<a href="{re.escape(review)}">0% on ', html)


def test_dashboard_lists_recent_activity_with_links(client, trainee, bank, case_bank):  # noqa: F811
    bank()
    review = _finish_quiz(client)
    result = _finish_case(client)
    html = client.get("/learn/").get_data(as_text=True)
    section = html.split("Recent activity", 1)[1]
    assert f'href="{result}">Frown lines and crow' in section
    assert f'href="{review}">Basics of restraint' in section
    # Newest first: the case was finished after the quiz.
    assert section.index(result) < section.index(review)
