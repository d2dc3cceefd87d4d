"""Certificates: issued by the submission that meets the last requirement, exactly once; the
holder's page, PDF and Open Badge; the public verification page; revocation, expiry and
recertification."""

from __future__ import annotations

import io
import json
import re
import threading
from datetime import datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from quizapp.domain.certification import add_months
from quizapp.models import AuditEntry, Certificate, Role
from quizapp.models.base import now_utc
from quizapp.services.academy import badges, certification
from tests.conftest import csrf_from, login
from tests.data import academykit as kit
from tests.web.test_case_player import NATURAL_PLAN

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[1] / "data" / "ob3_credential_required.schema.json"
    ).read_text()
)


@pytest.fixture()
def world(tmp_path, factory, db):
    """An academy with an admin, a trainee in a cohort following one programme, and a bank."""
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge Aesthetics Academy", "northbridge")
    admin = factory.user(Role.ADMIN, academy, display_name="Priya Admin")
    trainee = factory.user(
        Role.TRAINEE, academy, display_name="Dr Amira Haddad", email="amira@clinic.example"
    )
    programme = kit.programme(academy)
    kit.cohort(academy, [trainee], [programme])
    return academy, admin, trainee, programme


def _issue(world, when=None) -> Certificate:
    academy, _, trainee, _ = world
    when = when or now_utc()
    kit.quiz(trainee, academy, "basics", 100, when - timedelta(days=2))
    kit.case_attempt(trainee, academy, "natural", when - timedelta(days=1))
    issued = certification.issue_earned(trainee.id, academy.id, when)
    from quizapp.extensions import db

    db.session.commit()
    assert len(issued) == 1
    return issued[0]


def _post(client, url, **data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


# --- issuing -----------------------------------------------------------------------------------


def test_the_case_plan_that_meets_the_last_requirement_issues_the_certificate(client, world, db):
    academy, _, trainee, programme = world
    kit.quiz(trainee, academy, "basics", 100)
    login(client, trainee.email)
    page = client.get("/learn/cases/")
    start = client.post(
        "/learn/cases/f44-frown-lines/start",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
    )
    base = start.headers["Location"].rsplit("/", 1)[0]
    _post(client, f"{base}/patient")
    _post(client, f"{base}/assessment", **{"moving-glabella": "3", "rest-glabella": "1"})
    _post(client, f"{base}/candidacy", disposition="treat")
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    response = _post(client, f"{base}/plan", **NATURAL_PLAN)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Certificate earned: Safe toxin practice" in html
    certificate = db.session.scalar(select(Certificate))
    assert certificate.user_id == trainee.id and certificate.programme_id == programme.id
    assert certificate.cycle == 1 and certificate.holder_name == "Dr Amira Haddad"
    assert certificate.academy_name == "Northbridge Aesthetics Academy"
    assert certificate.expires_at == add_months(certificate.issued_at, 24)
    assert len(certificate.code) >= 20
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "certificate.issued")
    )


def test_the_quiz_that_meets_the_last_requirement_issues_the_certificate(client, world, db):
    academy, _, trainee, _ = world
    kit.case_attempt(trainee, academy, "conservative")
    login(client, trainee.email)
    page = client.get("/learn/modules/basics")
    first = client.post(
        "/learn/modules/basics/start", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    ).headers["Location"]
    second = _post(client, first, answer="true", go="next").headers["Location"]
    finish = _post(client, second, answer="false", go="next").headers["Location"]
    review = _post(client, finish).headers["Location"]
    assert "Certificate earned" in client.get(review).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    # Submitting more work issues nothing more: the certificate holds.
    kit.case_attempt(trainee, academy, "natural")
    assert certification.issue_earned(trainee.id, academy.id, now_utc()) == []


def test_failing_work_issues_nothing(world, db):
    academy, _, trainee, _ = world
    kit.quiz(trainee, academy, "basics", 100)
    kit.case_attempt(trainee, academy, "overfilled")
    assert certification.issue_earned(trainee.id, academy.id, now_utc()) == []
    kit.case_attempt(trainee, academy, "natural", kit.NOW + timedelta(hours=1))
    kit.case_attempt(trainee, academy, "unsafe", kit.NOW + timedelta(hours=2))
    assert certification.issue_earned(trainee.id, academy.id, now_utc()) == []


def test_only_trainees_of_a_cohort_following_the_programme_earn_it(world, factory, db):
    academy, _, _, programme = world
    outsider = factory.user(Role.TRAINEE, academy)
    kit.quiz(outsider, academy, "basics", 100)
    kit.case_attempt(outsider, academy, "natural")
    assert certification.issue_earned(outsider.id, academy.id, now_utc()) == []
    programme.active = False
    db.session.commit()
    trainee = world[2]
    kit.quiz(trainee, academy, "basics", 100)
    kit.case_attempt(trainee, academy, "natural")
    assert certification.issue_earned(trainee.id, academy.id, now_utc()) == []


def test_work_done_in_another_academy_does_not_count(world, factory, db):
    academy, _, trainee, _ = world
    elsewhere = factory.academy("Elsewhere")
    kit.quiz(trainee, elsewhere, "basics", 100)
    kit.case_attempt(trainee, elsewhere, "natural")
    assert certification.issue_earned(trainee.id, academy.id, now_utc()) == []


def test_a_rolled_back_request_takes_its_certificate_with_it(world, db):
    """The certificate is written in the transaction of the submission that earned it."""
    academy, _, trainee, _ = world
    kit.quiz(trainee, academy, "basics", 100)
    submission = kit.case_attempt(trainee, academy, "natural", commit=False)
    assert certification.issue_earned(trainee.id, academy.id, now_utc())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0
    assert db.session.get(type(submission), submission.id) is None


def test_concurrent_completions_issue_exactly_one_certificate(app, world, db, monkeypatch):
    """Threads, each with its own app context and session, all find the programme met and all
    try to insert at the same moment: the unique (user, programme, cycle) lets one through and
    the savepoint turns the others' IntegrityError into "already issued"."""
    academy, _, trainee, _ = world
    kit.quiz(trainee, academy, "basics", 100)
    kit.case_attempt(trainee, academy, "natural")
    user_id, academy_id = trainee.id, academy.id  # plain values: the threads share no objects
    threads_n = 6
    start = threading.Barrier(threads_n)
    insert = threading.Barrier(threads_n)
    real_issue = certification._issue

    def issue_together(*args, **kwargs):
        insert.wait(timeout=10)  # every thread has decided to issue: now all insert at once
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(certification, "_issue", issue_together)
    issued: list[int] = []
    errors: list[BaseException] = []

    def complete() -> None:
        try:
            with app.app_context():
                from quizapp.extensions import db as thread_db

                start.wait(timeout=10)
                got = certification.issue_earned(user_id, academy_id, now_utc())
                thread_db.session.commit()
                issued.append(len(got))
                thread_db.session.remove()
        except BaseException as error:  # reported below, in the main thread
            errors.append(error)

    workers = [threading.Thread(target=complete) for _ in range(threads_n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert errors == []
    assert sorted(issued) == [0] * (threads_n - 1) + [1]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "certificate.issued")
        )
        == 1
    )


# --- expiry and recertification ----------------------------------------------------------------


def test_after_expiry_fresh_evidence_issues_the_next_cycle(world, db):
    academy, _, trainee, _ = world
    first = _issue(world, kit.NOW)
    expired_at = first.expires_at + timedelta(days=1)
    assert first.status(expired_at) == "expired"
    # Nothing new since the first certificate: no recertification yet.
    assert certification.issue_earned(trainee.id, academy.id, expired_at) == []
    kit.case_attempt(trainee, academy, "conservative", expired_at - timedelta(days=30))
    second = certification.issue_earned(trainee.id, academy.id, expired_at)
    db.session.commit()
    assert [c.cycle for c in second] == [2]
    assert second[0].code != first.code
    assert second[0].expires_at == add_months(expired_at, 24)


def test_trainee_sees_what_each_programme_still_asks(client, world):
    academy, _, trainee, _ = world
    kit.case_attempt(trainee, academy, "natural")
    login(client, trainee.email)
    html = client.get("/certificates/").get_data(as_text=True)
    assert "No certificates yet" in html
    assert "Safe toxin practice" in html and "In progress" in html
    assert "Pass Basics of restraint" in html and "not attempted yet" in html
    assert "1 different case study planned conservatively or naturally" in html


def test_trainee_can_ask_for_a_check(client, world, db):
    academy, _, trainee, _ = world
    kit.quiz(trainee, academy, "basics", 100)
    kit.case_attempt(trainee, academy, "natural")
    login(client, trainee.email)
    page = client.get("/certificates/")
    response = client.post(
        "/certificates/check", data={"csrf_token": csrf_from(page.get_data(as_text=True))}
    )
    assert response.status_code == 302
    html = client.get("/certificates/").get_data(as_text=True)
    assert "Certificate earned: Safe toxin practice" in html and "Certified" in html


# --- the holder's page, PDF and Open Badge -----------------------------------------------------


def test_holder_page_links_pdf_badge_and_verification(client, world):
    certificate = _issue(world)
    login(client, world[2].email)
    html = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "Dr Amira Haddad" in html and certificate.code in html
    assert f"/verify/{certificate.code}" in html
    assert f"/certificates/{certificate.code}/certificate.pdf" in html
    assert f"/certificates/{certificate.code}/badge.json" in html
    assert "not signed" in html


def test_someone_elses_certificate_is_not_found(client, world, factory, app):
    certificate = _issue(world)
    other = factory.user(Role.TRAINEE, world[0])
    login(client, other.email)
    for path in ("", "/certificate.pdf", "/badge.json"):
        assert client.get(f"/certificates/{certificate.code}{path}").status_code == 404
    anonymous = app.test_client()
    assert anonymous.get(f"/certificates/{certificate.code}").status_code == 302


def test_pdf_opens_and_carries_names_dates_code_and_qr(client, world):
    certificate = _issue(world)
    login(client, world[2].email)
    response = client.get(f"/certificates/{certificate.code}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    for expected in (
        certificate.code,
        "Dr Amira Haddad",
        "Safe toxin practice",
        "Northbridge Aesthetics Academy",
        certificate.issued_at.strftime("%d %B %Y"),
        certificate.expires_at.strftime("%d %B %Y"),
        f"/verify/{certificate.code}",
    ):
        assert expected in text, expected
    assert len(reader.pages[0].images) == 1  # the QR code


def test_pdf_writes_names_outside_latin1_with_latin_letters(world, db):
    certificate = _issue(world)
    certificate.holder_name = "Dr Łukasz Żółć"
    from quizapp.services.infra import pdfcert

    text = PdfReader(io.BytesIO(pdfcert.render(certificate, "http://x/verify/c"))).pages[0]
    assert "Dr Lukasz Zólc" in text.extract_text()
    db.session.rollback()


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value) -> bool:
        return isinstance(value, str) and datetime.fromisoformat(value.replace("Z", "+00:00"))

    @checker.checks("uri", raises=ValueError)
    def _uri(value) -> bool:
        if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", value):
            raise ValueError(value)
        return True

    return checker


def test_open_badge_credential_validates_against_the_schema(client, world):
    certificate = _issue(world)
    login(client, world[2].email)
    response = client.get(f"/certificates/{certificate.code}/badge.json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    jsonschema.validate(
        document,
        SCHEMA,
        cls=jsonschema.Draft201909Validator,
        format_checker=_format_checker(),
    )
    assert document["@context"] == badges.CONTEXT
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["id"].endswith(f"/verify/{certificate.code}")
    assert document["issuer"]["id"].endswith("/verify/issuers/northbridge")
    assert document["issuer"]["name"] == "Northbridge Aesthetics Academy"
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["name"] == "Safe toxin practice"
    assert "conservative or natural" in achievement["criteria"]["narrative"]
    assert document["validUntil"] == document["expirationDate"]
    assert "proof" not in document  # unsigned, as docs/certificates.md says
    # The holder is named by a salted hash of their address, never by the address.
    assert "amira@clinic.example" not in response.get_data(as_text=True)
    identity = document["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == badges.identity_hash(
        "amira@clinic.example", identity["salt"]
    )


def test_the_schema_refuses_what_the_official_one_refuses():
    """The restated schema is not a rubber stamp: a subject with a stray property, an
    achievement without criteria or a credential without issuanceDate all fail."""
    good = {
        "@context": badges.CONTEXT,
        "id": "https://example.org/verify/abc",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "A badge",
        "issuer": {"id": "https://example.org/issuer", "type": ["Profile"]},
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "urn:uuid:1",
                "type": ["Achievement"],
                "name": "A",
                "description": "B",
                "criteria": {"narrative": "C"},
            },
        },
    }
    validator = jsonschema.Draft201909Validator(SCHEMA, format_checker=_format_checker())
    assert validator.is_valid(good)
    broken = [
        {**good, "credentialSubject": {**good["credentialSubject"], "email": "a@b.example"}},
        {k: v for k, v in good.items() if k != "issuanceDate"},
        {**good, "issuanceDate": "yesterday"},
        {**good, "issuer": {"type": ["Profile"]}},
        {**good, "@context": []},
    ]
    achievement = dict(good["credentialSubject"]["achievement"])
    del achievement["criteria"]
    broken.append(
        {**good, "credentialSubject": {**good["credentialSubject"], "achievement": achievement}}
    )
    assert [validator.is_valid(doc) for doc in broken] == [False] * len(broken)


def test_issuer_profile_is_public(client, world):
    response = client.get("/verify/issuers/northbridge")
    assert response.status_code == 200
    profile = json.loads(response.data)
    assert profile["type"] == ["Profile"] and profile["name"] == "Northbridge Aesthetics Academy"
    assert client.get("/verify/issuers/nowhere").status_code == 404


# --- public verification -----------------------------------------------------------------------


def _verification(client, code):
    response = client.get(f"/verify/{code}")
    return response, response.get_data(as_text=True)


def test_verification_of_a_valid_certificate_needs_no_login(client, world):
    certificate = _issue(world)
    response, html = _verification(client, certificate.code)
    assert response.status_code == 200
    assert "Valid certificate" in html
    for shown in ("Dr Amira Haddad", "Safe toxin practice", "Northbridge Aesthetics Academy"):
        assert shown in html
    assert certificate.issued_at.strftime("%d %B %Y") in html
    assert certificate.expires_at.strftime("%d %B %Y") in html
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"


def test_verification_leaks_nothing_else(client, world, db):
    certificate = _issue(world)
    certification.revoke(certificate, "Plagiarised case write-ups", None, now_utc())
    db.session.commit()
    _, html = _verification(client, certificate.code)
    body = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    for secret in (
        "amira@clinic.example",
        "Plagiarised",
        "natural",
        "Basics of restraint",
        "score",
        f"user {world[2].id}",
    ):
        assert secret.lower() not in body.lower(), secret


def test_verification_of_an_expired_certificate(client, world, db):
    certificate = _issue(world, kit.NOW - timedelta(days=800))
    _, html = _verification(client, certificate.code)
    assert "Expired certificate" in html and "Valid certificate" not in html


def test_verification_of_a_revoked_certificate(client, world, db):
    certificate = _issue(world)
    academy, admin, _, _ = world
    login(client, admin.email)
    url = f"/academy/certificates/{certificate.id}"
    short = _post(client, url, reason="no")
    assert "Give the reason in 5 to 2000 characters" in short.get_data(as_text=True)
    response = _post(client, url, reason="Did not complete the supervised sessions")
    assert response.status_code == 302
    anonymous = client.application.test_client()
    _, html = _verification(anonymous, certificate.code)
    assert "Revoked certificate" in html and "supervised sessions" not in html
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert revoked.status(now_utc()) == "revoked"
    assert revoked.revoke_reason == "Did not complete the supervised sessions"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoked"))
    assert entry.actor_id == admin.id and "supervised" in entry.details["reason"]
    # The holder sees the reason; no PDF or badge of a revoked certificate is handed out.
    holder = client.application.test_client()
    login(holder, world[2].email)
    assert "supervised sessions" in holder.get(f"/certificates/{certificate.code}").get_data(
        as_text=True
    )
    assert holder.get(f"/certificates/{certificate.code}/certificate.pdf").status_code == 404
    # Revoking twice is refused; the trainee is not certified again automatically.
    assert certification.issue_earned(world[2].id, academy.id, now_utc()) == []


def test_verification_of_an_unknown_code_is_a_clear_404(client, world):
    response, html = _verification(client, "not-a-real-code")
    assert response.status_code == 404
    assert "No certificate has this code" in html and "not-a-real-code" in html
    response, _ = _verification(client, "x" * 200)
    assert response.status_code == 404


def test_verify_form_goes_to_the_code(client, world):
    certificate = _issue(world)
    assert client.get("/verify/").status_code == 200
    response = client.get(f"/verify/?code={certificate.code}")
    assert response.headers["Location"].endswith(f"/verify/{certificate.code}")


def test_admins_of_another_academy_cannot_see_or_revoke(client, world, factory):
    certificate = _issue(world)
    stranger = factory.user(Role.ADMIN, factory.academy("Other Academy"))
    login(client, stranger.email)
    assert client.get(f"/academy/certificates/{certificate.id}").status_code == 404
    page = client.get("/academy/certificates")
    assert "Dr Amira Haddad" not in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    response = client.post(
        f"/academy/certificates/{certificate.id}", data={"csrf_token": token, "reason": "because"}
    )
    assert response.status_code == 404
