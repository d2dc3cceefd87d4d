"""The CPD ledger through real HTTP: validation, automatic module entries (once per version),
summaries, the CPD certificate, the CSV, the portfolio export and who may see what."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from quizapp.models import Certificate, Programme, Role
from quizapp.models.base import now_utc
from quizapp.models.portfolio import CpdActivity, EntryStatus, LogbookEntry, MentorProfile
from quizapp.services.authoring import content
from tests.conftest import csrf_from, login

MODULE = """\
id: cpd-basics
title: Reversal of {title}
order: 1
summary: A short module for tests.
prerequisites: []
pass_mark: 60
max_attempts: null
grading: highest
time_limit_minutes: null
shuffle: false
cases: []
cpd_hours: {hours}
references: [F13]
questions:
  - id: cb-01
    type: truefalse
    topic: products
    stem: Hyaluronic acid filler can be dissolved with hyaluronidase.
    answer: true
    explanation: HA is reversible with hyaluronidase.
    references: [F13]
"""


@pytest.fixture()
def bank(tmp_path, db):
    def make(hours="1.5", title="fillers"):
        modules = tmp_path / "modules"
        modules.mkdir(exist_ok=True)
        (modules / "01-cpd-basics.yaml").write_text(MODULE.format(hours=hours, title=title))
        content.import_bank(tmp_path)
        db.session.commit()

    return make


@pytest.fixture()
def trainee(factory, client):
    user = factory.user(Role.TRAINEE, display_name="Ada Trainee")
    login(client, user.email)
    return user


def _token(client, url="/cpd/") -> str:
    page = client.get(url)
    assert page.status_code == 200
    return csrf_from(page.get_data(as_text=True))


def _activity(**changes) -> dict:
    data = {
        "done_on": (date.today() - timedelta(days=3)).isoformat(),
        "topic": "Vascular occlusion workshop",
        "method": "workshop",
        "hours": "3.5",
        "participatory_hours": "2",
        "verifiable": "y",
        "evidence": "Attendance certificate from the provider",
    }
    data.update(changes)
    return data


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(CpdActivity))


def _take(client, answer: str = "true") -> str:
    page = client.get("/learn/modules/cpd-basics")
    start = client.post(
        "/learn/modules/cpd-basics/start",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    question = start.headers["Location"]
    token = csrf_from(client.get(question).get_data(as_text=True))
    client.post(question, data={"csrf_token": token, "answer": answer, "go": "next"})
    return question.rsplit("/q/", 1)[0] + "/finish"


def _finish(client, finish_url: str, times: int = 1) -> None:
    token = csrf_from(client.get(finish_url).get_data(as_text=True))
    for _ in range(times):
        assert client.post(finish_url, data={"csrf_token": token}).status_code == 302


# -- the ledger -----------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client):
    for path in ("/cpd/", "/cpd/summary", "/cpd/export", "/cpd/ledger.csv"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_add_activity_then_it_shows_with_totals(client, trainee, db):
    response = client.post("/cpd/add", data={"csrf_token": _token(client), **_activity()})
    assert response.status_code == 302
    (row,) = db.session.scalars(select(CpdActivity)).all()
    assert (row.user_id, row.source, row.hours, row.participatory_hours) == (
        trainee.id,
        "manual",
        Decimal("3.5"),
        Decimal("2"),
    )
    assert row.academy_id == trainee.memberships[0].academy_id
    html = client.get("/cpd/").get_data(as_text=True)
    assert "Vascular occlusion workshop" in html and "3.5" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "0"}, "more than 0 and at most 24"),
        ({"hours": "24.5"}, "more than 0 and at most 24"),
        ({"hours": "-1"}, "more than 0 and at most 24"),
        ({"hours": "lots"}, "Not a valid decimal"),
        ({"participatory_hours": "4"}, "cannot exceed"),
        ({"done_on": (date.today() + timedelta(days=2)).isoformat()}, "cannot be in the future"),
        ({"topic": "   "}, "Give the topic"),
        ({"method": "osmosis"}, "Not a valid choice"),
    ],
)
def test_invalid_activities_are_refused(client, trainee, db, changes, message):
    response = client.post("/cpd/add", data={"csrf_token": _token(client), **_activity(**changes)})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db) == 0


def test_edit_and_delete_a_manual_activity(client, trainee, db):
    client.post("/cpd/add", data={"csrf_token": _token(client), **_activity()})
    activity_id = db.session.scalar(select(CpdActivity.id))
    token = _token(client, f"/cpd/{activity_id}/edit")
    bad = client.post(
        f"/cpd/{activity_id}/edit", data={"csrf_token": token, **_activity(hours="30")}
    )
    assert bad.status_code == 400
    good = client.post(
        f"/cpd/{activity_id}/edit",
        data={"csrf_token": token, **_activity(topic="Edited topic", hours="2")},
    )
    assert good.status_code == 302
    db.session.expire_all()
    row = db.session.get(CpdActivity, activity_id)
    assert (row.topic, row.hours) == ("Edited topic", Decimal("2"))
    client.post(f"/cpd/{activity_id}/delete", data={"csrf_token": _token(client)})
    assert _count(db) == 0


def test_another_persons_activity_is_not_found(client, trainee, factory, app, db):
    client.post("/cpd/add", data={"csrf_token": _token(client), **_activity()})
    activity_id = db.session.scalar(select(CpdActivity.id))
    other = app.test_client()
    login(other, factory.user(Role.TRAINEE, academy=trainee.memberships[0].academy).email)
    token = _token(other)
    assert other.get(f"/cpd/{activity_id}/edit").status_code == 404
    assert other.post(f"/cpd/{activity_id}/delete", data={"csrf_token": token}).status_code == 404
    assert other.get(f"/cpd/{activity_id}/certificate.pdf").status_code == 404
    assert "Vascular occlusion" not in other.get("/cpd/").get_data(as_text=True)
    assert "Vascular occlusion" not in other.get("/cpd/ledger.csv").get_data(as_text=True)
    assert _count(db) == 1


def test_ledger_csv_neutralises_formulas(client, trainee, db):
    client.post(
        "/cpd/add",
        data={"csrf_token": _token(client), **_activity(topic='=HYPERLINK("http://x")')},
    )
    response = client.get("/cpd/ledger.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["date", "topic", "method", "hours"]
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][3] == "3.5"


# -- automatic entries from modules -----------------------------------------------------------


def test_a_passed_module_adds_one_entry_even_when_posted_twice(client, trainee, bank, db):
    bank()
    _finish(client, _take(client), times=2)
    (row,) = db.session.scalars(select(CpdActivity)).all()
    assert (row.source, row.method, row.hours, row.module_slug) == (
        "module",
        "e-learning",
        Decimal("1.5"),
        "cpd-basics",
    )
    assert row.topic == "Reversal of fillers" and row.done_on == now_utc().date()
    # Passing the same version again adds nothing; the entry cannot be edited or deleted.
    _finish(client, _take(client))
    assert _count(db) == 1
    assert client.get(f"/cpd/{row.id}/edit").status_code == 302
    client.post(f"/cpd/{row.id}/delete", data={"csrf_token": _token(client)})
    assert _count(db) == 1
    html = client.get("/cpd/").get_data(as_text=True)
    assert f"/cpd/{row.id}/certificate.pdf" in html and f"/cpd/{row.id}/edit" not in html
    # A new published version of the module is new learning: one more entry.
    bank(title="fillers, revised")
    _finish(client, _take(client))
    assert _count(db) == 2


def test_failed_attempts_and_modules_without_hours_add_nothing(client, trainee, bank, db):
    bank()
    _finish(client, _take(client, answer="false"))
    assert _count(db) == 0
    bank(hours="null")
    _finish(client, _take(client))
    assert _count(db) == 0


def test_module_cpd_certificate_is_a_pdf_with_the_facts(client, trainee, bank, db):
    bank(hours="2.25")
    _finish(client, _take(client))
    activity_id = db.session.scalar(select(CpdActivity.id))
    response = client.get(f"/cpd/{activity_id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in ("CPD certificate", "Ada Trainee", "Reversal of fillers", "2.25", "Test"):
        assert expected in text
    manual = client.post("/cpd/add", data={"csrf_token": _token(client), **_activity()})
    assert manual.status_code == 302
    manual_id = db.session.scalar(select(func.max(CpdActivity.id)))
    assert client.get(f"/cpd/{manual_id}/certificate.pdf").status_code == 404


# -- summaries ------------------------------------------------------------------------------


def test_nmc_summary_shows_participatory_shortfall(client, trainee, db):
    token = _token(client)
    for days, hours, participatory in ((10, "20", "10"), (400, "18", "5")):
        day = (date.today() - timedelta(days=days)).isoformat()
        client.post(
            "/cpd/add",
            data={
                "csrf_token": token,
                **_activity(done_on=day, hours=hours, participatory_hours=participatory),
            },
        )
    end = date.today() + timedelta(days=100)
    html = client.get(f"/cpd/summary?scheme=nmc&cycle_end={end.isoformat()}").get_data(as_text=True)
    assert "<strong>Hours of CPD</strong>: 38 of 35" in html and "(met)" in html
    assert "<strong>Participatory hours</strong>: 15 of 20" in html
    assert "5 more needed by" in html and "<progress" in html
    assert "faculty.londondeanery.ac.uk" in html


def test_gdc_and_gmc_summaries(client, trainee, db):
    client.post(
        "/cpd/add", data={"csrf_token": _token(client), **_activity(verifiable="", hours="4")}
    )
    end = date(date.today().year + 2, 12, 31).isoformat()
    gdc = client.get(f"/cpd/summary?scheme=gdc-dentist&cycle_end={end}").get_data(as_text=True)
    assert "<strong>Verifiable hours</strong>: 0 of 100" in gdc
    assert "every two consecutive CPD years" in gdc and "gdc-uk.org" in gdc
    gmc = client.get(f"/cpd/summary?scheme=gmc&cycle_end={end}").get_data(as_text=True)
    assert "no figure from a source" in gmc and "<strong>4 hours</strong>" in gmc
    bad = client.get("/cpd/summary?scheme=hcpc&cycle_end=soon").get_data(as_text=True)
    assert "Not a valid choice" in bad and "<progress" not in bad


# -- the portfolio export -------------------------------------------------------------------


def _certificate(db, user, academy, name="Toxin foundation"):
    programme = Programme(academy_id=academy.id, name=name)
    db.session.add(programme)
    db.session.flush()
    certificate = Certificate(
        code=f"CODE-{programme.id}",
        user_id=user.id,
        programme_id=programme.id,
        academy_id=academy.id,
        holder_name=user.display_name,
        programme_name=name,
        academy_name=academy.name,
    )
    db.session.add(certificate)
    return certificate


def _entry(db, user, academy, **kw) -> LogbookEntry:
    values = {
        "academy_id": academy.id,
        "trainee_user_id": user.id,
        "treated_on": date.today() - timedelta(days=20),
        "modality": "toxin",
        "role": "performed",
        "age_band": "40-49",
        "sex": "female",
        "fitzpatrick": "II",
        "consultation_done": True,
        "consent_form_version": "v3",
        "contraindications_screened": True,
        "zones": [{"zone": "glabella", "grade": 2, "product": "onabotulinumtoxinA"}],
        "reflection_went_well": "Calm consultation",
        "reflection_change": "=SUM(A1)",
    }
    values.update(kw)
    entry = LogbookEntry(**values)
    db.session.add(entry)
    return entry


def _zip(response) -> dict[str, bytes]:
    assert response.status_code == 200 and response.mimetype == "application/zip"
    # The saved file opens as a zip: its name ends .zip.
    assert re.search(
        r'^attachment; filename="[^"/]+\.zip"$', response.headers["Content-Disposition"]
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_export_holds_every_file_with_the_records(client, trainee, factory, db):
    academy = trainee.memberships[0].academy
    client.post("/cpd/add", data={"csrf_token": _token(client), **_activity()})
    mentor = factory.user(Role.EDUCATOR, academy=academy, display_name="Meg Mentor")
    db.session.add(
        MentorProfile(
            academy_id=academy.id,
            user_id=mentor.id,
            registration_body="NMC",
            registration_number="12A3456B",
        )
    )
    signed = _entry(
        db,
        trainee,
        academy,
        status=EntryStatus.SIGNED,
        mentor_user_id=mentor.id,
        signed_by_user_id=mentor.id,
        signed_at=now_utc(),
    )
    _entry(db, trainee, academy, modality="filler", role="observed")
    _certificate(db, trainee, academy)
    db.session.commit()
    files = _zip(client.get("/cpd/export"))
    assert sorted(files) == [
        "certificates.csv",
        "cpd.csv",
        "logbook.csv",
        "reflections.csv",
        "signoffs.csv",
        "summary.pdf",
    ]
    logbook = _rows(files["logbook.csv"])
    assert logbook[0][:3] == ["entry", "treated_on", "modality"] and len(logbook) == 3
    assert {row[2] for row in logbook[1:]} == {"toxin", "filler"}
    signoffs = _rows(files["signoffs.csv"])
    assert [row[:1] + row[4:7] for row in signoffs[1:]] == [
        [str(signed.id), "Meg Mentor", "NMC", "12A3456B"]
    ]
    assert "Meg Mentor" in logbook[1] + logbook[2]
    reflections = _rows(files["reflections.csv"])
    assert reflections[1][6] == "'=SUM(A1)"  # formula-safe
    assert _rows(files["cpd.csv"])[1][1] == "Vascular occlusion workshop"
    assert _rows(files["certificates.csv"])[1][1] == "Toxin foundation"
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(files["summary.pdf"])).pages
    )
    for expected in ("Ada Trainee", academy.name, "NMC revalidation", "GMC", "toxin, performed: 1"):
        assert expected in text


def test_admin_exports_members_of_their_academy_only(client, trainee, factory, app, db):
    academy = trainee.memberships[0].academy
    elsewhere = factory.academy("Elsewhere")
    _certificate(db, trainee, academy, "Ours")
    _certificate(db, trainee, elsewhere, "Theirs")
    db.session.commit()
    admin = app.test_client()
    login(admin, factory.user(Role.ADMIN, academy=academy).email)
    assert "Ada Trainee" in admin.get("/cpd/trainees").get_data(as_text=True)
    files = _zip(admin.get(f"/cpd/trainees/{trainee.id}/export"))
    assert [row[1] for row in _rows(files["certificates.csv"])[1:]] == ["Ours"]
    stranger = factory.user(Role.TRAINEE, academy=elsewhere)
    assert admin.get(f"/cpd/trainees/{stranger.id}/export").status_code == 404
    other_admin = app.test_client()
    login(other_admin, factory.user(Role.ADMIN, academy=elsewhere).email)
    assert other_admin.get(f"/cpd/trainees/{trainee.id}/export").status_code == 404
    assert client.get("/cpd/trainees").status_code == 403
    assert client.get(f"/cpd/trainees/{trainee.id}/export").status_code == 403
