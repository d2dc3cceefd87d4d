"""xAPI statements from attempts: their shape, the JSON export per learner and per cohort, and
sending to a learning record store (a real HTTP server on the loopback interface)."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from quizapp.models import Role
from quizapp.services.infra import xapi
from tests.conftest import csrf_from, login
from tests.data import academykit as kit

BASE = "http://quizapp.test/"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture()
def people(tmp_path, factory, db):
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    ana = factory.user(Role.TRAINEE, academy, display_name="Ana", email="ana@clinic.example")
    ben = factory.user(Role.TRAINEE, academy, display_name="Ben")
    kit.quiz(ana, academy, "basics", 50, kit.NOW)  # 2 answers, one right: failed
    kit.open_quiz(ana, academy, "advanced", kit.NOW)
    kit.case_attempt(ana, academy, "natural", kit.NOW, score=92.5)
    kit.quiz(ben, academy, "basics", 100, kit.NOW)
    elsewhere = factory.academy("Elsewhere")
    kit.case_attempt(ana, elsewhere, "unsafe", kit.NOW)
    cohort = kit.cohort(academy, [ana])
    return academy, admin, ana, ben, cohort


def _verbs(statements):
    return [s["verb"]["id"].removeprefix(ADL) for s in statements]


def test_statements_for_a_learner(people):
    academy, _, ana, _, _ = people
    statements = xapi.learner_statements(academy.id, ana.id, BASE)
    assert sorted(_verbs(statements)) == sorted(
        ["attempted", "answered", "answered", "completed", "failed"]  # the quiz
        + ["attempted"]  # the open quiz
        + ["attempted", "completed", "passed"]  # the case, in this academy only
    )
    for statement in statements:
        uuid.UUID(statement["id"])
        assert statement["actor"] == {
            "objectType": "Agent",
            "name": "Ana",
            "account": {"homePage": BASE, "name": f"user-{ana.id}"},
        }
        assert statement["object"]["id"].startswith(BASE + "xapi/activities/")
        assert statement["timestamp"].endswith("Z")
        grouping = statement["context"]["contextActivities"]["grouping"]
        assert grouping[0]["id"] == BASE + "xapi/activities/academies/northbridge"
    assert "ana@clinic.example" not in json.dumps(statements)
    failed = next(s for s in statements if s["verb"]["id"] == ADL + "failed")
    assert failed["object"]["id"] == BASE + "xapi/activities/modules/basics"
    assert failed["result"]["score"] == {"scaled": 0.5, "raw": 50.0, "min": 0, "max": 100}
    assert failed["result"]["success"] is False and failed["result"]["completion"] is True
    answered = [s for s in statements if s["verb"]["id"] == ADL + "answered"]
    assert {a["result"]["success"] for a in answered} == {True, False}
    assert answered[0]["context"]["contextActivities"]["parent"][0]["id"].endswith("/basics")
    case = next(s for s in statements if s["verb"]["id"] == ADL + "passed")
    assert case["object"]["definition"]["type"].endswith("/simulation")
    assert case["result"]["score"]["scaled"] == 0.925
    assert case["result"]["extensions"] == {BASE + "xapi/extensions/band": "natural"}


def test_statement_ids_are_stable(people):
    academy, _, ana, _, _ = people
    first = xapi.learner_statements(academy.id, ana.id, BASE)
    assert first == xapi.learner_statements(academy.id, ana.id, BASE)
    assert len({s["id"] for s in first}) == len(first)


def test_export_runs_a_fixed_number_of_queries(people, count_queries, db):
    academy, _, ana, _, _ = people
    academy_id, ana_id = academy.id, ana.id
    db.session.expire_all()
    with count_queries() as few:
        xapi.learner_statements(academy_id, ana_id, BASE)
    for score in (10, 70):
        kit.quiz(ana, academy, "advanced", score)
        kit.case_attempt(ana, academy, "overdone")
    db.session.expire_all()
    with count_queries() as more:
        xapi.learner_statements(academy_id, ana_id, BASE)
    # academy, quiz attempts, their answers, case attempts, drill attempts
    assert len(few) == len(more) == 5


def test_json_export_per_learner_and_per_cohort(client, people):
    academy, admin, ana, ben, cohort = people
    login(client, admin.email)
    response = client.get(f"/academy/members/{ana.id}/xapi.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(json.loads(response.data)) == 9
    cohort_statements = json.loads(client.get(f"/academy/cohorts/{cohort.id}/xapi.json").data)
    assert {s["actor"]["name"] for s in cohort_statements} == {"Ana"}
    assert client.get(f"/academy/members/{ben.id}/xapi.json").status_code == 200


def test_lrs_settings_from_config_or_environment(app, monkeypatch):
    monkeypatch.delenv("XAPI_LRS_URL", raising=False)
    with app.app_context():
        assert xapi.lrs_settings() is None
        monkeypatch.setenv("XAPI_LRS_URL", "https://lrs.example.org/xapi/")
        monkeypatch.setenv("XAPI_LRS_USERNAME", "key")
        monkeypatch.setenv("XAPI_LRS_PASSWORD", "secret")
        settings = xapi.lrs_settings()
        assert settings.statements_url == "https://lrs.example.org/xapi/statements"
        assert (settings.username, settings.password) == ("key", "secret")
        monkeypatch.setitem(app.config, "XAPI_LRS_URL", "file:///etc/passwd")
        with pytest.raises(xapi.XapiError):
            xapi.lrs_settings()


class _Recorder(BaseHTTPRequestHandler):
    received: list[tuple[dict, list]] = []
    status = 200

    def do_POST(self):  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(
            ({k.lower(): v for k, v in self.headers.items()}, json.loads(body))
        )
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"[]")

    def log_message(self, *args):
        pass


@pytest.fixture()
def lrs(app, monkeypatch):
    _Recorder.received = []
    _Recorder.status = 200
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", f"http://127.0.0.1:{server.server_port}/xapi/")
    monkeypatch.setitem(app.config, "XAPI_LRS_USERNAME", "quizapp")
    monkeypatch.setitem(app.config, "XAPI_LRS_PASSWORD", "lrs-secret")
    yield _Recorder
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_sending_a_cohort_to_the_lrs(client, people, lrs):
    academy, admin, _, _, cohort = people
    login(client, admin.email)
    url = f"/academy/cohorts/{cohort.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Send to the learning record store" in page
    client.post(f"{url}/xapi/send", data={"csrf_token": csrf_from(page)})
    assert "9 statements sent" in client.get(url).get_data(as_text=True)
    ((headers, body),) = lrs.received
    assert headers["x-experience-api-version"] == "1.0.3"
    assert headers["authorization"] == "Basic " + base64.b64encode(b"quizapp:lrs-secret").decode()
    assert len(body) == 9 and all(s["actor"]["name"] == "Ana" for s in body)


def test_an_lrs_refusal_is_reported(client, people, lrs):
    academy, admin, _, _, cohort = people
    lrs.status = 401
    login(client, admin.email)
    url = f"/academy/cohorts/{cohort.id}"
    page = client.get(url).get_data(as_text=True)
    client.post(f"{url}/xapi/send", data={"csrf_token": csrf_from(page)})
    assert "The LRS refused the statements (HTTP 401)" in client.get(url).get_data(as_text=True)


def test_without_an_lrs_sending_is_off(client, people, monkeypatch):
    monkeypatch.delenv("XAPI_LRS_URL", raising=False)
    academy, admin, _, _, cohort = people
    login(client, admin.email)
    page = client.get(f"/academy/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Sending to a learning record store is off" in page
    client.post(f"/academy/cohorts/{cohort.id}/xapi/send", data={"csrf_token": csrf_from(page)})
    html = client.get(f"/academy/cohorts/{cohort.id}").get_data(as_text=True)
    assert "No learning record store is configured" in html
