"""A world of two academies for the security tests, built once per module.

Academy A and academy B each have a trainee, an educator and an admin, a published module and
case of their own, drafts, quiz and case attempts (one submitted, one open), a cohort with a
programme, a certificate and an invitation. URL parameters are filled with academy A's objects;
the actors of academy B must find none of them.

The world lives for a whole module, so these tests must not use the function-scoped `db`,
`client` or `factory` fixtures (their teardown empties every table).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from quizapp.extensions import db as _db
from quizapp.extensions import limiter
from quizapp.models import Academy, Membership, Role, User
from quizapp.models.base import now_utc
from quizapp.services.academy import certification
from quizapp.services.authoring import cases, content, drills, lifecycle, modules
from quizapp.services.learning import casestudy, quizzes
from quizapp.services.learning.catalogue import Listed
from quizapp.services.people import accounts, members
from tests.conftest import TEST_PASSWORD, csrf_from, login

CASES_DIR = Path(__file__).resolve().parents[2] / "cases"
ACTORS = (
    "anonymous",
    "trainee",
    "trainee_b",
    "educator",
    "educator_b",
    "admin",
    "admin_b",
    "site_admin",
)

# An academy's own module: two questions whose answers the tests look for in the pages.
OWN_MODULE = {
    "title": "Own module {x}",
    "order": 50,
    "summary": "A module written by academy {x}.",
    "prerequisites": [],
    "pass_mark": 50,
    "max_attempts": None,
    "grading": "highest",
    "time_limit_minutes": None,
    "shuffle": True,
    "cases": [],
    "references": ["F15"],
    "questions": [
        {
            "id": "{x}q-01",
            "type": "single",
            "topic": "aims",
            "stem": "How many facial units in one session added FACE-Q benefit in one study?",
            "options": [
                {
                    "text": "Up to two",
                    "correct": True,
                    "explanation": "Secret-explanation-{x}-1: more than two added no benefit.",
                },
                {
                    "text": "Five or more",
                    "correct": False,
                    "explanation": "Secret-explanation-{x}-2: more did not add benefit.",
                },
            ],
            "references": ["F15"],
        },
        {
            "id": "{x}q-02",
            "type": "truefalse",
            "topic": "products",
            "stem": "Hyaluronic acid filler can be dissolved with hyaluronidase.",
            "answer": True,
            "explanation": "Secret-explanation-{x}-3: HA is reversible.",
            "references": ["F13"],
        },
    ],
}


def _fill(value, x: str):
    if isinstance(value, str):
        return value.replace("{x}", x)
    if isinstance(value, list):
        return [_fill(v, x) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, x) for k, v in value.items()}
    return value


def _case_text(bank_file: str, new_id: str) -> str:
    text = (CASES_DIR / bank_file).read_text()
    return cases.replace_id(text, new_id)


@dataclass
class Side:
    """One academy's objects, as plain ids and strings (never ORM objects across requests)."""

    key: str
    academy_id: int = 0
    slug: str = ""
    trainee_id: int = 0
    educator_id: int = 0
    admin_id: int = 0
    trainee_membership_id: int = 0
    case_id: int = 0
    case_slug: str = ""
    draft_case_id: int = 0
    module_id: int = 0
    module_slug: str = ""
    module_version: int = 1
    question_id: str = ""
    draft_module_id: int = 0
    drill_id: int = 0
    quiz_open_id: int = 0
    quiz_done_id: int = 0
    case_open_id: int = 0
    case_done_id: int = 0
    cohort_id: int = 0
    cohort_member_id: int = 0
    programme_id: int = 0
    certificate_id: int = 0
    certificate_code: str = ""
    invitation_id: int = 0
    cpd_activity_id: int = 0
    logbook_entry_id: int = 0
    mentor_assignment_id: int = 0


@dataclass
class World:
    a: Side
    b: Side
    users: dict[str, int] = field(default_factory=dict)  # actor -> user id


_HASH: list[str] = []


def password_hash() -> str:
    """One argon2 hash shared by every user of the world (hashing is slow on purpose)."""
    if not _HASH:
        _HASH.append(accounts.hash_password(TEST_PASSWORD))
    return _HASH[0]


def make_user(email: str, *, site_admin: bool = False) -> User:
    user = User(
        email=email,
        display_name=email.split("@")[0].replace(".", " ").title(),
        password_hash=password_hash(),
        is_site_admin=site_admin,
    )
    _db.session.add(user)
    _db.session.flush()
    return user


def listed(record) -> Listed:
    version = record.latest_published()
    return Listed(record.id, record.slug, record.title, version.id, version.number, version.summary)


def build_side(x: str) -> Side:
    side = Side(x)
    now = now_utc()
    academy = accounts.create_academy(f"Academy {x.upper()}", f"sec-{x}")
    side.academy_id, side.slug = academy.id, academy.slug
    people = {}
    for role in (Role.TRAINEE, Role.EDUCATOR, Role.ADMIN):
        user = make_user(f"{role.value}.{x}@example.com")
        membership = accounts.add_membership(user, academy, role)
        people[role] = user
        if role is Role.TRAINEE:
            _db.session.flush()
            side.trainee_membership_id = membership.id
    trainee, educator, admin = people[Role.TRAINEE], people[Role.EDUCATOR], people[Role.ADMIN]
    side.trainee_id, side.educator_id, side.admin_id = trainee.id, educator.id, admin.id

    case = cases.create_case(academy.id, educator, _case_text("m41-toxin-top-up.yaml", f"{x}-case"))
    lifecycle.publish(case, educator, now)
    side.case_id, side.case_slug = case.id, case.slug
    draft = cases.create_case(
        academy.id, educator, _case_text("f44-frown-lines.yaml", f"{x}-draft-case")
    )
    side.draft_case_id = draft.id

    data = _fill(OWN_MODULE, x)
    module = modules.create_module(academy.id, educator, {"id": f"{x}-module", **data})
    lifecycle.publish(module, educator, now)
    side.module_id, side.module_slug = module.id, module.slug
    side.question_id = data["questions"][0]["id"]
    draft_module = modules.create_module(academy.id, educator, {"id": f"{x}-draft-module", **data})
    side.draft_module_id = draft_module.id
    drill_text = drills.NEW_DRILL.replace("id: new-drill", f"id: {x}-drill")
    side.drill_id = drills.create_drill(academy.id, educator, drill_text).id

    done = quizzes.start_or_resume(trainee.id, academy.id, listed(module), now)
    quizzes.save_answer(done, data["questions"][0]["id"], 0, now)
    quizzes.submit(done, now)
    side.quiz_done_id = done.id
    side.quiz_open_id = quizzes.start_or_resume(trainee.id, academy.id, listed(module), now).id

    attempt = casestudy.start_or_resume(trainee.id, academy.id, listed(case), now)
    casestudy.finish_reading(attempt)
    casestudy.save_assessment(attempt, {"glabella": {"rest": 0, "moving": 2}})
    casestudy.save_candidacy(attempt, ["toxin_within_3_months"], "defer")
    casestudy.submit(attempt, now)
    side.case_done_id = attempt.id
    side.case_open_id = casestudy.start_or_resume(trainee.id, academy.id, listed(case), now).id

    cohort = members.save_cohort(academy.id, None, f"Cohort {x}", date(2026, 1, 5), admin.id)
    members.add_to_cohort(cohort, [trainee.id], "trainee", admin.id)
    side.cohort_id = cohort.id
    _db.session.flush()
    side.cohort_member_id = cohort.members[0].id
    programme = certification.save_programme(
        academy.id,
        None,
        name=f"Programme {x}",
        description="",
        required_modules=[module.slug],
        min_good_cases=0,
        no_unsafe_in_last=0,
        validity_months=24,
        recertification="",
        active=True,
        actor_id=admin.id,
    )
    members.set_cohort_programmes(cohort, [programme.id], admin.id)
    side.programme_id = programme.id
    certificate = certification._issue(trainee, academy, programme, 1, now)
    side.certificate_id, side.certificate_code = certificate.id, certificate.code
    invitation = members.invite(
        academy, Role.TRAINEE, email=None, valid_days=14, max_uses=5, actor=admin, now=now
    )
    side.invitation_id = invitation.id
    side.cpd_activity_id = _cpd_activity(trainee.id, academy.id)
    side.mentor_assignment_id, side.logbook_entry_id = _logbook(academy.id, educator, trainee)
    _db.session.flush()
    return side


def _logbook(academy_id: int, educator: User, trainee: User) -> tuple[int, int]:
    """The educator mentors the trainee, whose logbook entry is submitted to them."""
    from quizapp.services.portfolio import practice

    practice.save_mentor_profile(
        academy_id,
        educator.id,
        registration_body="GMC",
        registration_number="1234567",
        prescriber=True,
        toxin_years=3,
        filler_years=3,
        actor_id=None,
    )
    assignment = practice.assign(academy_id, educator.id, trainee.id, None)
    raw = {
        "treated_on": "2026-01-10",
        "modality": "toxin",
        "role": "performed",
        "age_band": "35-44",
        "sex": "F",
        "fitzpatrick": "II",
        "consultation_done": "yes",
        "consent_form_version": "v1",
        "contraindications_screened": "yes",
        "zones": [{"zone": "glabella", "grade": "3", "product": "ona", "amount": "20"}],
        "review_outcome": "Fine.",
        "reflection_went_well": "Marking.",
        "reflection_change": "Photos.",
    }
    entry = practice.create_entry(academy_id, trainee.id, raw, date(2026, 1, 20))
    practice.submit_entry(entry, educator.id, trainee.id)
    return assignment.id, entry.id


def _cpd_activity(user_id: int, academy_id: int) -> int:
    """A CPD activity in the trainee's ledger (the CPD blueprint is new: 0 if it is not there)."""
    try:
        from quizapp.domain.cpd import METHODS
        from quizapp.services.portfolio import cpd
    except ImportError:  # pragma: no cover
        return 0
    data = cpd.ActivityInput(
        done_on=date(2026, 1, 10),
        topic="Own CPD a",
        method=next(iter(METHODS)),
        hours="1.5",
    )
    return cpd.add_activity(user_id, academy_id, data, date(2026, 1, 20)).id


def build_world() -> World:
    a = build_side("a")
    b = build_side("b")
    site_admin = make_user("site.admin@example.com", site_admin=True)
    _db.session.commit()
    users = {
        "trainee": a.trainee_id,
        "trainee_b": b.trainee_id,
        "educator": a.educator_id,
        "educator_b": b.educator_id,
        "admin": a.admin_id,
        "admin_b": b.admin_id,
        "site_admin": site_admin.id,
    }
    return World(a, b, users)


def empty_all_tables() -> None:
    _db.session.rollback()
    _db.session.remove()
    with _db.engine.begin() as connection:
        for table in reversed(_db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(scope="module")
def world(app):
    """Two academies (and the bank), built once for the module, emptied afterwards."""
    with app.app_context():
        empty_all_tables()
        content.import_bank(CASES_DIR)
        _db.session.commit()
        built = build_world()
        yield built
        empty_all_tables()
    limiter.reset()


@pytest.fixture()
def fresh_limits():
    limiter.reset()  # the matrix opens rate-limited pages many times


def signed_in_client(app, user_id: int | None):
    """A test client logged in as the user through the real login form (None: anonymous)."""
    client = app.test_client()
    if user_id is None:
        return client
    with app.app_context():
        email = _db.session.get(User, user_id).email
    response = login(client, email)
    assert response.status_code == 302, f"login of {email} failed"
    return client


def token_for(client, signed_in: bool) -> str:
    page = client.get("/account/password" if signed_in else "/login")
    assert page.status_code == 200, page.status_code
    return csrf_from(page.get_data(as_text=True))


def fingerprint() -> str:
    """A digest of every row of every table: equal digests mean nothing was written."""
    digest = hashlib.sha256()
    with _db.engine.connect() as connection:
        for table in _db.metadata.sorted_tables:
            rows = connection.execute(table.select().order_by(*table.primary_key.columns))
            digest.update(table.name.encode())
            for row in rows:
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def member_of(academy_id: int, user_id: int) -> Membership | None:
    return _db.session.scalar(
        select(Membership).where(Membership.academy_id == academy_id, Membership.user_id == user_id)
    )


__all__ = [
    "ACTORS",
    "Academy",
    "World",
    "fingerprint",
    "signed_in_client",
    "token_for",
    "timedelta",
    "yaml",
]
