"""Academies without a shell: `flask academies create|list|rename|deactivate` and the site admin's
page create, rename and close academies, and invite a new academy's first admin by link. A new
academy starts isolated: its admin sees nothing of the demo academy."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from quizapp.models import Academy, AuditEntry, Cohort, Invitation, Membership, Programme, Role
from quizapp.services.academy.demo import DEMO_ACADEMY, DEMO_ACCOUNTS
from quizapp.services.people import accounts
from tests.conftest import TEST_PASSWORD, csrf_from, login
from tests.security.test_audit_log import COVERED

LINK = re.compile(r'value="http://localhost/signup\?code=([^"]+)"')


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["academies", *args])


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def _post(client, url, data=None, page=None):
    token = csrf_from(client.get(page or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def _sign_up(client, code: str, email: str):
    page = client.get(f"/signup?code={code}")
    return client.post(
        "/signup",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "code": code,
            "display_name": "First Admin",
            "email": email,
            "password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD,
        },
    )


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def test_the_academies_commands_create_list_rename_and_deactivate(app, db):
    created = _cli(app, "create", "--name", "Harbour Clinic Academy", "--slug", "harbour")
    assert created.exit_code == 0, created.output
    code = re.search(r"invitation code: (\S+)", created.output).group(1)
    invitation = accounts.find_invitation(code)
    assert invitation.role is Role.ADMIN and invitation.max_uses == 1
    assert invitation.expires_at is not None and invitation.academy.slug == "harbour"

    assert _cli(app, "rename", "harbour", "Harbour Academy").exit_code == 0
    listed = _cli(app, "list")
    assert re.search(r"harbour\s+active\s+0 members\s+0 admins\s+Harbour Academy", listed.output)

    assert _cli(app, "deactivate", "harbour").exit_code == 0
    assert "deactivated" in _cli(app, "list").output
    db.session.expire_all()
    assert "closed" in accounts.find_invitation(code).refusal(
        "new@example.com", invitation.created_at
    )
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"academy.created", "invitation.created", "academy.renamed"} <= actions
    assert "academy.deactivated" in actions


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--name", "X", "--slug", "Bad Slug"), "lowercase letters"),
        (("--name", "X", "--slug", "taken"), "already exists"),
        (("--name", " ", "--slug", "blank-name"), "1 to 200 characters"),
        (("--name", "X", "--slug", "bad-email", "--admin-email", "nope"), "not a valid email"),
    ],
    ids=["slug", "duplicate", "name", "email"],
)
def test_academies_create_refuses_bad_input_and_writes_nothing(app, db, factory, args, message):
    factory.academy("Taken", "taken")
    result = _cli(app, "create", *args)
    assert result.exit_code != 0 and message in result.output
    assert _count(db, Academy) == 1 and _count(db, Invitation) == 0


def test_rename_and_deactivate_name_an_unknown_slug(app, db):
    for args in (("rename", "nowhere", "N"), ("deactivate", "nowhere")):
        result = _cli(app, *args)
        assert result.exit_code != 0 and "No academy with the slug 'nowhere'" in result.output


# --------------------------------------------------------------------------------------------
# The site admin's page, and the new academy's isolation
# --------------------------------------------------------------------------------------------


def test_a_site_admin_creates_an_academy_whose_admin_sees_nothing_of_the_demo(app, db, factory):
    assert app.test_cli_runner().invoke(args=["demo", "--quiet"]).exit_code == 0
    site_admin = factory.user(None, site_admin=True)
    client = app.test_client()
    login(client, site_admin.email)
    assert "/sites/academies" in client.get("/").get_data(as_text=True)  # in the navigation
    response = _post(
        client, "/sites/academies", {"name": "Harbour Clinic Academy", "slug": "harbour"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    code = LINK.search(page).group(1)

    newcomer = app.test_client()
    assert _sign_up(newcomer, code, "head@harbour.example").status_code == 302
    harbour = accounts.academy_by_slug("harbour")
    membership = db.session.scalar(select(Membership).where(Membership.academy_id == harbour.id))
    assert membership.role is Role.ADMIN and membership.user.email == "head@harbour.example"

    demo_names = [a.display_name for a in DEMO_ACCOUNTS] + [a.email for a in DEMO_ACCOUNTS]
    demo_names += ["Demo cohort", "Supervised practice (demo)", DEMO_ACADEMY[0]]
    for path in (
        "/academy/",
        "/academy/members",
        "/academy/cohorts",
        "/academy/programmes",
        "/academy/certificates",
        "/academy/reports",
        "/academy/audit",
        "/academy/invitations.csv",
        "/academy/reports/learners.csv",
        "/portfolio/admin",
        "/cpd/trainees",
        "/author/",
        "/author/insight/mistakes",
    ):
        response = newcomer.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert [name for name in demo_names if name in body] == [], path
    demo = accounts.academy_by_slug(DEMO_ACADEMY[1])
    demo_cohort = db.session.scalar(select(Cohort.id).where(Cohort.academy_id == demo.id))
    demo_programme = db.session.scalar(select(Programme.id).where(Programme.academy_id == demo.id))
    for path in (f"/academy/cohorts/{demo_cohort}", f"/academy/programmes/{demo_programme}"):
        assert newcomer.get(path).status_code == 404, path
    # The site admin's page tells the academies apart, and the new one has its admin.
    listing = client.get("/sites/academies").get_data(as_text=True)
    assert "Harbour Clinic Academy" in listing and DEMO_ACADEMY[0] in listing


def test_the_site_admin_renames_invites_and_closes_an_academy(app, db, factory):
    academy = factory.academy("Old Name", "closing")
    trainee = factory.user(Role.TRAINEE, academy)
    site_admin = factory.user(None, site_admin=True)
    client = app.test_client()
    login(client, site_admin.email)
    url = f"/sites/academies/{academy.id}"
    assert _post(client, url, {"name": "New Name"}).status_code == 302
    assert "New Name" in client.get(url).get_data(as_text=True)
    invited = _post(client, f"{url}/invite", {"email": "second@example.com"}, page=url)
    assert invited.status_code == 302
    assert "second@example.com" in client.get(url).get_data(as_text=True)

    learner = app.test_client()
    login(learner, trainee.email)
    assert learner.get("/learn/").status_code == 200
    assert _post(client, f"{url}/deactivate", page=url).status_code == 302
    assert learner.get("/learn/").status_code == 403  # no academy to work in any more
    code = db.session.scalar(select(Invitation.code).where(Invitation.academy_id == academy.id))
    refused = _sign_up(app.test_client(), code, "second@example.com")
    assert refused.status_code == 200 and "This academy is closed." in refused.get_data(
        as_text=True
    )
    assert _post(client, f"{url}/reactivate", page=url).status_code == 302
    assert learner.get("/learn/").status_code == 200

    db.session.expire_all()
    seen = set(db.session.scalars(select(AuditEntry.action)))
    wanted = {
        a for endpoint, actions in COVERED.items() if endpoint.startswith("sites.") for a in actions
    }
    assert wanted - {"academy.created"} <= seen, wanted - seen


def test_the_site_admin_page_refuses_a_taken_slug(app, db, factory):
    factory.academy("Taken", "taken")
    site_admin = factory.user(None, site_admin=True)
    client = app.test_client()
    login(client, site_admin.email)
    response = _post(client, "/sites/academies", {"name": "Another", "slug": "taken"})
    assert response.status_code == 200 and "already exists" in response.get_data(as_text=True)
    assert _count(db, Academy) == 1 and _count(db, AuditEntry) == 0
