"""The access matrix: every route of the URL map x every kind of actor, in one table.

URL parameters are filled with objects owned by academy A. Actors of academy B (and anyone who is
not the owner of a personal object) must get 404 for them, never 403 or 200: a 403 would confirm
that the object exists. Denied POSTs carry a valid CSRF token, so they reach the access checks,
and must write nothing. A new route without a row in EXPECTED fails the suite by name.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter

from quizapp.extensions import db as _db
from quizapp.models import (
    Academy,
    CaseAttempt,
    CaseRecord,
    Certificate,
    Cohort,
    CohortMember,
    CpdActivity,
    DrillAttempt,
    DrillRecord,
    Invitation,
    LogbookEntry,
    Membership,
    MentorAssignment,
    ModuleRecord,
    Programme,
    QuizAttempt,
    User,
)
from tests.security.conftest import ACTORS, World, fingerprint, signed_in_client, token_for

# Outcome codes: an HTTP status, "login" (302 to /login?next=...), "redirect" (302 elsewhere).
L, R = "login", "redirect"
DENIALS = {L, 403, 404}


def row(anonymous, trainee, trainee_b, educator, educator_b, admin, admin_b, site_admin):
    return dict(
        zip(
            ACTORS,
            (anonymous, trainee, trainee_b, educator, educator_b, admin, admin_b, site_admin),
            strict=True,
        )
    )


pytestmark = pytest.mark.usefixtures("fresh_limits")

# L: sent to log in; R: redirected elsewhere (the action ran, or the page moved on); numbers are
# HTTP statuses. "_b" actors belong to academy B; every URL names academy A's objects. A 403 is
# only ever the role's answer (the same for every id); an object the actor may not see is 404.
#                                   anon trainee t_b educ e_b admin a_b site_admin
EXPECTED: dict[str, dict[str, Any]] = {
    "academy.audit": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.audit_csv": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.certificate": row(L, 403, 403, 403, 403, 200, 404, 200),
    "academy.certificates": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.cohort": row(L, 403, 403, 403, 403, 200, 404, 200),
    "academy.cohort_add": row(L, 403, 403, 403, 403, R, 404, 200),
    "academy.cohort_programmes": row(L, 403, 403, 403, 403, R, 404, 200),
    "academy.cohort_remove": row(L, 403, 403, 403, 403, R, 404, 200),
    "academy.cohort_xapi": row(L, 403, 403, 403, 403, 200, 404, 200),
    "academy.cohort_xapi_send": row(L, 403, 403, 403, 403, R, 404, 200),
    "academy.cohorts": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.credentials": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.import_invitations": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.index": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.invitations_csv": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.learner_xapi": row(L, 403, 403, 403, 403, 200, 404, 200),
    "academy.member_active": row(L, 403, 403, 403, 403, R, 404, 200),
    "academy.members_page": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.programme": row(L, 403, 403, 403, 403, 200, 404, 200),
    "academy.programme_issue": row(L, 403, 403, 403, 403, R, 404, 200),
    "academy.programmes": row(L, 403, 403, 403, 403, 200, 200, 200),
    "academy.rotate_key": row(L, 403, 403, 403, 403, R, R, 200),
    "academy.report_csv": row(L, 403, 403, 200, 200, 200, 200, 200),
    "academy.reports_page": row(L, 403, 403, 200, 200, 200, 200, 200),
    "academy.withdraw_invitation": row(L, 403, 403, 403, 403, R, 404, 200),
    "account.delete": row(L, 200, 200, 200, 200, 200, 200, 200),
    "account.delete_member": row(L, 403, 403, 403, 403, 200, 404, 200),
    "account.export": row(L, 200, 200, 200, 200, 200, 200, 200),
    "account.index": row(L, 200, 200, 200, 200, 200, 200, 200),
    "auth.change_password": row(L, 200, 200, 200, 200, 200, 200, 200),
    "auth.join": row(L, 200, 200, 200, 200, 200, 200, 200),
    "auth.login": row(200, R, R, R, R, R, R, R),
    "auth.logout": row(L, L, L, L, L, L, L, L),
    "auth.signup": row(200, R, R, R, R, R, R, R),
    "auth.switch_academy": row(L, R, R, R, R, R, R, R),
    "author.case_edit": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.case_export": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.case_new": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.drill_export": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.drill_new": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.drill_view": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.drill_yaml": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.case_preview": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.case_preview_start": row(L, 403, 403, R, 404, R, 404, 404),
    "author.case_upload": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.case_view": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.case_yaml": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.clone": row(L, 403, 403, R, 404, R, 404, 404),
    "author.discard": row(L, 403, 403, R, 404, R, 404, 404),
    "author.gift_export": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.gift_import": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.history": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.index": row(L, 403, 403, 200, 200, 200, 200, 200),
    "author.insight_case": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.insight_index": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.insight_module": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.mistakes": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.module_export": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.module_import": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.module_new": row(L, 403, 403, 200, 200, 200, 200, 404),
    "author.module_settings_edit": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.module_view": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.module_yaml": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.publish": row(L, 403, 403, R, 404, R, 404, 404),
    "author.question_action": row(L, 403, 403, R, 404, R, 404, 404),
    "author.question_edit": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.question_preview": row(L, 403, 403, 200, 404, 200, 404, 404),
    "author.retire": row(L, 403, 403, R, 404, R, 404, 404),
    "cases.index": row(L, 200, 200, 200, 200, 200, 200, 200),
    "cases.start": row(L, R, 404, R, 404, R, 404, 404),
    "cases.step": row(L, 200, 404, 404, 404, 404, 404, 404),
    "drills.act": row(L, R, 404, 404, 404, 404, 404, 404),
    "drills.index": row(L, 200, 200, 200, 200, 200, 200, 200),
    "drills.play": row(L, 200, 404, 404, 404, 404, 404, 404),
    "drills.result": row(L, 200, 404, 404, 404, 404, 404, 404),
    "drills.start": row(L, R, R, R, R, R, R, 404),
    "drills.submit": row(L, R, 404, 404, 404, 404, 404, 404),
    "certificates.badge": row(L, 200, 404, 404, 404, 404, 404, 404),
    "certificates.signed_badge": row(L, 200, 404, 404, 404, 404, 404, 404),
    "certificates.check": row(L, R, R, R, R, R, R, R),
    "certificates.index": row(L, 200, 200, 200, 200, 200, 200, 200),
    "certificates.pdf": row(L, 200, 404, 404, 404, 404, 404, 404),
    "certificates.show": row(L, 200, 404, 404, 404, 404, 404, 404),
    "cpd.add": row(L, 400, 400, 400, 400, 400, 400, 400),
    # A manual activity has no certificate (only module completions do): 404 even to its owner.
    "cpd.certificate": row(L, 404, 404, 404, 404, 404, 404, 404),
    "cpd.delete": row(L, R, 404, 404, 404, 404, 404, 404),
    "cpd.edit": row(L, 200, 404, 404, 404, 404, 404, 404),
    "cpd.export": row(L, 200, 200, 200, 200, 200, 200, 200),
    "cpd.index": row(L, 200, 200, 200, 200, 200, 200, 200),
    "cpd.ledger_csv": row(L, 200, 200, 200, 200, 200, 200, 200),
    "cpd.summary": row(L, 200, 200, 200, 200, 200, 200, 200),
    "cpd.trainee_export": row(L, 403, 403, 403, 403, 200, 404, 404),
    "cpd.trainees": row(L, 403, 403, 403, 403, 200, 200, 404),
    "learn.finish": row(L, 200, 404, 404, 404, 404, 404, 404),
    "learn.index": row(L, 200, 200, 200, 200, 200, 200, 200),
    "learn.module": row(L, 200, 404, 200, 404, 200, 404, 404),
    "learn.question": row(L, 200, 404, 404, 404, 404, 404, 404),
    "learn.review": row(L, 200, 404, 404, 404, 404, 404, 404),
    "learn.start": row(L, R, 404, R, 404, R, 404, 404),
    "main.about": row(200, 200, 200, 200, 200, 200, 200, 200),
    "main.sources": row(200, 200, 200, 200, 200, 200, 200, 200),
    "main.healthz": row(200, 200, 200, 200, 200, 200, 200, 200),
    "main.favicon": row(200, 200, 200, 200, 200, 200, 200, 200),
    "main.home": row(200, R, R, 200, 200, 200, 200, 200),
    # The logbook: a site admin has no academy to keep a logbook in (404). The educator of
    # academy A mentors its trainee, whose entry is submitted to them.
    "portfolio.admin": row(L, 403, 403, 403, 403, 200, 200, 404),
    "portfolio.admin_assign": row(L, 403, 403, 403, 403, R, R, 404),
    "portfolio.admin_mentor": row(L, 403, 403, 403, 403, R, R, 404),
    "portfolio.admin_unassign": row(L, 403, 403, 403, 403, R, 404, 404),
    "portfolio.edit": row(L, R, 404, 404, 404, 404, 404, 404),
    "portfolio.entry": row(L, 200, 404, 200, 404, 200, 404, 404),
    "portfolio.index": row(L, 200, 200, 200, 200, 200, 200, 404),
    "portfolio.mentor": row(L, 404, 404, 200, 200, 404, 404, 404),
    "portfolio.new": row(L, 200, 200, 200, 200, 200, 200, 404),
    "portfolio.review": row(L, 404, 404, R, 404, 404, 404, 404),
    "portfolio.submit": row(L, R, 404, 404, 404, 404, 404, 404),
    # Academies themselves: site admins only; every academy's admin gets the role's 403.
    "sites.academy": row(L, 403, 403, 403, 403, 403, 403, 200),
    "sites.index": row(L, 403, 403, 403, 403, 403, 403, 200),
    "sites.invite_admin": row(L, 403, 403, 403, 403, 403, 403, R),
    "sites.set_active": row(L, 403, 403, 403, 403, 403, 403, R),
    "verify.certificate": row(200, 200, 200, 200, 200, 200, 200, 200),
    # An empty credential is refused (422) whoever asks: checking one needs no account.
    "verify.check": row(422, 422, 422, 422, 422, 422, 422, 422),
    "verify.index": row(200, 200, 200, 200, 200, 200, 200, 200),
    "verify.issuer": row(200, 200, 200, 200, 200, 200, 200, 200),
    "verify.status_list": row(200, 200, 200, 200, 200, 200, 200, 200),
}

# ------------------------------------------------------------------------------------------------
# Filling URL parameters with academy A's objects
# ------------------------------------------------------------------------------------------------

# Looked up by (endpoint, name), then (blueprint, name).
PARAMS: dict[tuple[str, str], Callable[[World], Any]] = {
    ("learn.review", "attempt_id"): lambda w: w.a.quiz_done_id,
    ("learn", "attempt_id"): lambda w: w.a.quiz_open_id,
    ("learn", "number"): lambda w: 1,
    ("learn", "slug"): lambda w: w.a.module_slug,
    ("cases", "attempt_id"): lambda w: w.a.case_open_id,
    ("cases", "slug"): lambda w: w.a.case_slug,
    ("cases", "step"): lambda w: "patient",
    ("drills.result", "attempt_id"): lambda w: _drill_attempt(w, submitted=True),
    ("drills", "attempt_id"): lambda w: _drill_attempt(w, submitted=False),
    ("drills", "slug"): lambda w: "delayed-nodule",
    ("author", "case_id"): lambda w: w.a.case_id,
    ("author", "module_id"): lambda w: w.a.module_id,
    ("author", "drill_id"): lambda w: w.a.drill_id,
    ("author", "number"): lambda w: 1,
    ("author", "step"): lambda w: "patient",
    ("author", "position"): lambda w: 1,
    ("author", "question_id"): lambda w: w.a.question_id,
    ("author", "action"): lambda w: "down",
    ("author", "segment"): lambda w: "cases",
    ("author", "record_id"): lambda w: w.a.case_id,
    ("academy", "certificate_id"): lambda w: w.a.certificate_id,
    ("academy", "cohort_id"): lambda w: w.a.cohort_id,
    ("academy", "member_id"): lambda w: w.a.cohort_member_id,
    ("academy", "user_id"): lambda w: w.a.trainee_id,
    ("academy", "membership_id"): lambda w: w.a.trainee_membership_id,
    ("academy", "change"): lambda w: "deactivate",
    ("academy", "programme_id"): lambda w: w.a.programme_id,
    ("academy", "invitation_id"): lambda w: w.a.invitation_id,
    ("academy", "name"): lambda w: "learners",
    ("account", "user_id"): lambda w: w.a.trainee_id,
    ("cpd", "activity_id"): lambda w: w.a.cpd_activity_id,
    ("cpd", "user_id"): lambda w: w.a.trainee_id,
    ("certificates", "code"): lambda w: w.a.certificate_code,
    ("portfolio", "entry_id"): lambda w: w.a.logbook_entry_id,
    ("portfolio", "assignment_id"): lambda w: w.a.mentor_assignment_id,
    ("sites", "academy_id"): lambda w: w.a.academy_id,
    ("sites", "change"): lambda w: "reactivate",
    ("verify", "code"): lambda w: w.a.certificate_code,
    ("verify", "slug"): lambda w: w.a.slug,
}

# Further objects of academy A, probed by the enumeration test besides the ones above.
MORE_OWNED: dict[tuple[str, str], Callable[[World], list[int]]] = {
    ("learn", "attempt_id"): lambda w: [w.a.quiz_open_id, w.a.quiz_done_id],
    ("cases", "attempt_id"): lambda w: [w.a.case_open_id, w.a.case_done_id],
    ("author", "case_id"): lambda w: [w.a.case_id, w.a.draft_case_id],
    ("author", "module_id"): lambda w: [w.a.module_id, w.a.draft_module_id],
    ("author", "drill_id"): lambda w: [w.a.drill_id],
    ("author", "record_id"): lambda w: [w.a.case_id, w.a.draft_case_id],
    ("academy", "user_id"): lambda w: [w.a.trainee_id, w.a.educator_id, w.a.admin_id],
}


def _drill_attempt(world: World, *, submitted: bool) -> int:
    """Trainee A's open (or a submitted) attempt at a bank drill, started when first needed:
    an allowed POST really submits, so the next probe gets a fresh open one."""
    from quizapp.models import AttemptStatus
    from quizapp.models.base import now_utc
    from quizapp.services.learning import drills

    status = AttemptStatus.SUBMITTED if submitted else AttemptStatus.IN_PROGRESS
    found = _db.session.scalar(
        select(DrillAttempt.id).where(
            DrillAttempt.user_id == world.a.trainee_id, DrillAttempt.status == status
        )
    )
    if found is not None:
        return found
    listed = drills.drill_listing(world.a.academy_id, ["delayed-nodule"])[0]
    attempt = drills.start_or_resume(world.a.trainee_id, world.a.academy_id, listed, now_utc())
    if submitted:
        drills.submit(attempt, now_utc())
    _db.session.commit()
    return attempt.id


def _lookup(table: dict, endpoint: str, name: str):
    for key in ((endpoint, name), (endpoint.split(".")[0], name)):
        if key in table:
            return table[key]
    return None


def params_for(endpoint: str, arguments, world: World) -> dict[str, Any]:
    values = {}
    for name in sorted(arguments):
        builder = _lookup(PARAMS, endpoint, name)
        assert builder is not None, f"no builder for <{name}> of {endpoint}: add one to PARAMS"
        values[name] = builder(world)
    return values


def path_of(rule, values: dict[str, Any]) -> str:
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    return built[1]


def outcome(response) -> Any:
    if response.status_code == 302:
        location = response.headers["Location"]
        return L if location.startswith(("/login", "http://localhost/login")) else R
    return response.status_code


def rules_of(app, endpoint: str) -> list:
    return [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]


@pytest.fixture(scope="module")
def actors(app, world):
    """One logged-in client per actor, with a CSRF token of its session."""
    clients = {}
    for actor in ACTORS:
        client = signed_in_client(app, world.users.get(actor))
        clients[actor] = (client, token_for(client, actor != "anonymous"))
    return clients


# ------------------------------------------------------------------------------------------------
# Scratch objects: an allowed actor's POST really acts, so it acts on a copy, not the world
# ------------------------------------------------------------------------------------------------

_scratch = {"n": 0}


def _scratch_user(world: World):
    from quizapp.models import Academy, Role
    from quizapp.services.people import accounts
    from tests.security.conftest import make_user

    _scratch["n"] += 1
    user = make_user(f"scratch{_scratch['n']}@example.com")
    membership = accounts.add_membership(
        user, _db.session.get(Academy, world.a.academy_id), Role.TRAINEE
    )
    _db.session.flush()
    return user, membership


def _scratch_case(world: World, *, publish: bool):
    from quizapp.models import User
    from quizapp.services.authoring import cases, lifecycle
    from tests.security.conftest import _case_text

    _scratch["n"] += 1
    educator = _db.session.get(User, world.a.educator_id)
    record = cases.create_case(
        world.a.academy_id, educator, _case_text("f44-frown-lines.yaml", f"scratch-{_scratch['n']}")
    )
    if publish:
        lifecycle.publish(record, educator)
    return {"record_id": record.id, "segment": "cases"}


def _scratch_membership(world):
    return {"membership_id": _scratch_user(world)[1].id}


def _scratch_cohort_member(world):
    from quizapp.models import Cohort
    from quizapp.services.people import members

    user, _ = _scratch_user(world)
    cohort = _db.session.get(Cohort, world.a.cohort_id)
    members.add_to_cohort(cohort, [user.id], "trainee", None)
    member = next(m for m in cohort.members if m.user_id == user.id)
    return {"member_id": member.id}


def _scratch_cohort(world):
    from datetime import date

    from quizapp.services.people import members

    _scratch["n"] += 1
    cohort = members.save_cohort(
        world.a.academy_id, None, f"Scratch {_scratch['n']}", date(2026, 2, 2), None
    )
    return {"cohort_id": cohort.id}


def _scratch_invitation(world):
    from quizapp.models import Academy, Role
    from quizapp.models.base import now_utc
    from quizapp.services.people import members

    invitation = members.invite(
        _db.session.get(Academy, world.a.academy_id),
        Role.TRAINEE,
        email=None,
        valid_days=3,
        max_uses=1,
        actor=None,
        now=now_utc(),
    )
    return {"invitation_id": invitation.id}


def _scratch_module(world):
    from quizapp.models import User
    from quizapp.services.authoring import modules
    from tests.security.conftest import OWN_MODULE, _fill

    _scratch["n"] += 1
    data = _fill(OWN_MODULE, f"s{_scratch['n']}")
    educator = _db.session.get(User, world.a.educator_id)
    record = modules.create_module(
        world.a.academy_id, educator, {"id": f"scratch-module-{_scratch['n']}", **data}
    )
    return {"module_id": record.id, "question_id": data["questions"][0]["id"]}


def _scratch_cpd_activity(world):
    from tests.security.conftest import _cpd_activity

    return {"activity_id": _cpd_activity(world.a.trainee_id, world.a.academy_id)}


def _scratch_assignment(world):
    from quizapp.services.portfolio import practice

    user, _ = _scratch_user(world)
    assignment = practice.assign(world.a.academy_id, world.a.educator_id, user.id, None)
    return {"assignment_id": assignment.id}


def _scratch_academy(world):
    from quizapp.services.people import accounts

    _scratch["n"] += 1
    return {
        "academy_id": accounts.create_academy(f"Scratch {_scratch['n']}", f"s-{_scratch['n']}").id
    }


SCRATCH: dict[str, Callable[[World], dict[str, Any]]] = {
    "sites.set_active": _scratch_academy,
    "sites.invite_admin": _scratch_academy,
    "portfolio.admin_unassign": _scratch_assignment,
    "cpd.delete": _scratch_cpd_activity,
    "academy.member_active": _scratch_membership,
    "academy.cohort_remove": _scratch_cohort_member,
    "academy.cohort_programmes": _scratch_cohort,
    "academy.withdraw_invitation": _scratch_invitation,
    "author.publish": lambda w: _scratch_case(w, publish=False),
    "author.discard": lambda w: _scratch_case(w, publish=False),
    "author.retire": lambda w: _scratch_case(w, publish=True),
    "author.question_action": _scratch_module,
}
# Endpoints whose allowed POST changes the session rather than the database.
FRESH_CLIENT = {"auth.logout"}


# ------------------------------------------------------------------------------------------------
# What an outsider must never read
# ------------------------------------------------------------------------------------------------

OUTSIDERS = ("anonymous", "trainee_b", "educator_b", "admin_b", "site_admin")
# Names of academy A's objects (see tests/security/conftest.py).
A_MARKERS = re.compile(
    r"\b(Academy A|Cohort a|Programme a|Own module a|a-module|a-draft-module|a-case|a-draft-case)\b"
    r"|\bsec-a\b|trainee\.a@|Secret-explanation-a"
)
# Where an outsider is meant to see academy A's names: public verification, and a site admin
# deleting an account (site admins act across academies).
SHOWS_A = (
    {("verify.certificate", a) for a in OUTSIDERS}
    | {("verify.issuer", a) for a in OUTSIDERS}
    | {("verify.status_list", a) for a in OUTSIDERS}
    | {("account.delete_member", "site_admin")}
)


def leaks(endpoint: str, actor: str, path: str, response) -> list[str]:
    if actor not in OUTSIDERS or (endpoint, actor) in SHOWS_A:
        return []
    body = response.get_data(as_text=True) if not response.is_streamed else ""
    found = A_MARKERS.search(body)
    if found is None:
        return []
    return [f"{path} as {actor} shows academy A's {found.group(0)!r}"]


# ------------------------------------------------------------------------------------------------
# The tests
# ------------------------------------------------------------------------------------------------


def _observe(app, world, actors, endpoint: str, expected: dict[str, Any] | None) -> tuple:
    """Open every rule of `endpoint` as every actor; returns (observed, problems)."""
    observed: dict[str, Any] = {}
    problems: list[str] = []
    for rule in rules_of(app, endpoint):
        base = params_for(endpoint, rule.arguments, world)
        post_only = "GET" not in rule.methods
        for actor in ACTORS:
            want = expected[actor] if expected else None
            client, token = actors[actor]
            if not post_only:
                path = path_of(rule, base)
                response = client.get(path)
                got = outcome(response)
                observed[actor] = got
                problems.extend(leaks(endpoint, actor, path, response))
                if expected and got != want:
                    problems.append(f"GET {path} as {actor}: {got}, expected {want}")
                if (got if expected is None else want) in DENIALS and "POST" in rule.methods:
                    before = fingerprint()
                    posted = outcome(client.post(path, data={"csrf_token": token}))
                    if posted != got:
                        problems.append(f"POST {path} as {actor}: {posted}, GET gave {got}")
                    if fingerprint() != before:
                        problems.append(f"POST {path} as {actor} was denied but wrote rows")
                continue
            values = dict(base)
            allowed = want not in DENIALS if expected else actor in ("trainee", "educator", "admin")
            if allowed and endpoint in SCRATCH:
                values.update(SCRATCH[endpoint](world))
                _db.session.commit()
            fresh = endpoint in FRESH_CLIENT and actor != "anonymous"
            if fresh:
                client = signed_in_client(app, world.users[actor])
                token = token_for(client, True)
            path = path_of(rule, values)
            before = fingerprint()
            response = client.post(path, data={"csrf_token": token})
            got = outcome(response)
            observed[actor] = got
            problems.extend(leaks(endpoint, actor, path, response))
            if expected and got != want:
                problems.append(f"POST {path} as {actor}: {got}, expected {want}")
            if fresh:
                # Logging out ends every session of the user: sign the shared client in again.
                again = signed_in_client(app, world.users[actor])
                actors[actor] = (again, token_for(again, True))
            elif got in DENIALS and fingerprint() != before:
                problems.append(f"POST {path} as {actor} was denied but wrote rows")
    return observed, problems


def test_every_route_has_a_row(app):
    """A new route must say who may use it: add its row to EXPECTED (and PARAMS if needed)."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"}
    assert sorted(endpoints - set(EXPECTED)) == [], "routes without a row in EXPECTED"
    assert sorted(set(EXPECTED) - endpoints) == [], "rows in EXPECTED for routes that are gone"
    for endpoint, cells in EXPECTED.items():
        assert set(cells) == set(ACTORS), endpoint


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_access_matrix(app, world, actors, endpoint):
    _, problems = _observe(app, world, actors, endpoint, EXPECTED[endpoint])
    assert problems == []


@pytest.mark.skipif(not os.environ.get("SECURITY_DISCOVER"), reason="prints the observed table")
def test_discover(app, world, actors):  # pragma: no cover - a tool for writing EXPECTED
    endpoints = sorted({r.endpoint for r in app.url_map.iter_rules() if r.endpoint != "static"})
    for endpoint in endpoints:
        observed, _ = _observe(app, world, actors, endpoint, None)
        cells = ", ".join(repr(observed[a]) for a in ACTORS)
        print(f'    "{endpoint}": row({cells}),')


def test_the_leak_check_can_see_academy_a(app, world, actors):
    """The markers the outsiders' pages are searched for do appear on academy A's own pages."""
    client, _ = actors["trainee"]
    assert A_MARKERS.search(client.get("/learn/").get_data(as_text=True))
    client, _ = actors["admin"]
    assert A_MARKERS.search(client.get("/academy/cohorts").get_data(as_text=True))


# ------------------------------------------------------------------------------------------------
# Sequential ids: academy A's ids look exactly like ids that do not exist
# ------------------------------------------------------------------------------------------------

ID_MODELS = {
    ("learn", "attempt_id"): QuizAttempt,
    ("cases", "attempt_id"): CaseAttempt,
    ("drills", "attempt_id"): DrillAttempt,
    ("author", "case_id"): CaseRecord,
    ("author", "module_id"): ModuleRecord,
    ("author", "drill_id"): DrillRecord,
    ("author", "record_id"): CaseRecord,
    ("academy", "certificate_id"): Certificate,
    ("academy", "cohort_id"): Cohort,
    ("academy", "member_id"): CohortMember,
    ("academy", "user_id"): User,
    ("academy", "membership_id"): Membership,
    ("academy", "programme_id"): Programme,
    ("academy", "invitation_id"): Invitation,
    ("account", "user_id"): User,
    ("cpd", "user_id"): User,
    ("cpd", "activity_id"): CpdActivity,
    ("portfolio", "entry_id"): LogbookEntry,
    ("portfolio", "assignment_id"): MentorAssignment,
    ("sites", "academy_id"): Academy,
}
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')
NO_SUCH_ID = 2**31 - 1


def _shape(response) -> tuple[int, str]:
    return response.status_code, CSRF_VALUE.sub(r'\1"', response.get_data(as_text=True))


def _id_rules(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        names = [
            name
            for name, converter in rule._converters.items()
            if name.endswith("_id") and isinstance(converter, IntegerConverter)
        ]
        if names and rule.endpoint != "static":
            yield rule, names


def _send(client, token: str, rule, values: dict[str, Any]):
    path = path_of(rule, values)
    if "GET" in rule.methods:
        return client.get(path)
    return client.post(path, data={"csrf_token": token})


def test_academy_b_cannot_tell_academy_a_ids_from_missing_ones(app, world, actors):
    """For every int id in every route: academy A's ids, the ids around them and ids past the
    last row answer academy B's actors exactly as an id that never existed does (404 where
    their role may use the page at all), and a POST to them writes nothing."""
    problems = []
    checked = 0
    for rule, names in _id_rules(app):
        base = params_for(rule.endpoint, rule.arguments, world)
        post = "GET" not in rule.methods
        for name in names:
            model = _lookup(ID_MODELS, rule.endpoint, name)
            assert model is not None, f"add <{name}> of {rule.endpoint} to ID_MODELS"
            owned = {
                base[name],
                *(_lookup(MORE_OWNED, rule.endpoint, name) or (lambda w: []))(world),
            }
            highest = _db.session.scalar(select(func.max(model.id))) or 0
            probes = sorted(owned | {0, highest + 1})
            for actor in ("trainee_b", "educator_b", "admin_b"):
                client, token = actors[actor]

                def send(value):
                    return _send(client, token, rule, {**base, name: value})  # noqa: B023

                reference = _shape(send(NO_SUCH_ID))
                role_denied = EXPECTED[rule.endpoint][actor] == 403
                if reference[0] != (403 if role_denied else 404):
                    problems.append(f"{rule.rule} as {actor}: a missing id gave {reference[0]}")
                before = fingerprint() if post else None
                for value in probes:
                    checked += 1
                    got = _shape(send(value))
                    if got != reference:
                        problems.append(
                            f"{rule.rule} <{name}>={value} as {actor}: {got[0]} differs from a "
                            f"missing id ({reference[0]})"
                            + (" (same status, different page)" if got[0] == reference[0] else "")
                        )
                if post and fingerprint() != before:
                    problems.append(f"POST {rule.rule} <{name}> as {actor} wrote rows")
    assert checked > 100
    assert problems == []
