"""The academy admin's members: invitations by link or email, bulk CSV invitations (all or
nothing, every problem by row), deactivation that keeps history, and academies kept apart."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from quizapp.models import AuditEntry, Invitation, Membership, QuizAttempt, Role
from quizapp.models.base import now_utc
from quizapp.services.people import accounts, members
from tests.conftest import TEST_PASSWORD, csrf_from, login
from tests.data import academykit as kit


@pytest.fixture()
def admin(factory, client):
    user = factory.user(Role.ADMIN, factory.academy("Northbridge", "northbridge"))
    login(client, user.email)
    return user


def _academy(user):
    return user.memberships[0].academy


def _invite(client, **data):
    token = csrf_from(client.get("/academy/members").get_data(as_text=True))
    return client.post("/academy/members", data={"csrf_token": token, **data})


def _upload(client, text: str, name="people.csv"):
    token = csrf_from(client.get("/academy/invitations/import").get_data(as_text=True))
    return client.post(
        "/academy/invitations/import",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode("utf-8")), name)},
        content_type="multipart/form-data",
    )


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_overview_and_members_pages(client, admin):
    html = client.get("/academy/").get_data(as_text=True)
    assert "Northbridge" in html and 'aria-current="page"' in html
    html = client.get("/academy/members").get_data(as_text=True)
    assert admin.email in html and "Invite someone" in html


def test_invitation_by_link_with_role_expiry_and_uses(client, admin, db):
    response = _invite(client, role="educator", email="", days="30", max_uses="5")
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert invitation.role is Role.EDUCATOR and invitation.email is None
    assert invitation.max_uses == 5
    assert timedelta(days=29, hours=23) < invitation.expires_at - now_utc() <= timedelta(days=30)
    html = client.get("/academy/members").get_data(as_text=True)
    assert f"/signup?code={invitation.code}" in html
    assert "Invitation created as a link" in html


def test_invitation_by_email_is_single_use_for_that_address(client, admin, db, factory):
    _invite(client, role="trainee", email="New.Person@Clinic.example", days="7", max_uses="9")
    invitation = db.session.scalar(select(Invitation))
    assert invitation.email == "new.person@clinic.example" and invitation.max_uses == 1
    refused = _invite(client, role="trainee", email="new.person@clinic.example", days="7")
    assert "already has an open invitation" in refused.get_data(as_text=True)
    member = factory.user(Role.TRAINEE, _academy(admin), email="member@clinic.example")
    refused = _invite(client, role="trainee", email=member.email, days="7")
    assert "already a member" in refused.get_data(as_text=True)
    with pytest.raises(accounts.AccountError, match="different email"):
        accounts.register(invitation.code, "someone@else.example", "X", TEST_PASSWORD)


def test_withdrawn_invitation_stops_working(client, admin, db):
    _invite(client, role="trainee", email="", days="7", max_uses="1")
    invitation = db.session.scalar(select(Invitation))
    page = client.get("/academy/members").get_data(as_text=True)
    client.post(
        f"/academy/invitations/{invitation.id}/withdraw", data={"csrf_token": csrf_from(page)}
    )
    db.session.expire_all()
    assert db.session.get(Invitation, invitation.id).revoked
    assert invitation.code not in client.get("/academy/members").get_data(as_text=True)
    with pytest.raises(accounts.AccountError, match="withdrawn"):
        accounts.register(invitation.code, "x@clinic.example", "X", TEST_PASSWORD)


def test_bulk_csv_creates_every_invitation(client, admin, db):
    text = (
        "\ufeffEmail;Role;Days\n"
        "a.jones@clinic.example;trainee;30\n"
        "m.okafor@clinic.example;educator;\n"
        "\n"
        "k.lee@clinic.example;;\n"
    )
    response = _upload(client, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "3 invitations created" in html
    rows = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [(i.email, i.role.value, i.max_uses) for i in rows] == [
        ("a.jones@clinic.example", "trainee", 1),
        ("m.okafor@clinic.example", "educator", 1),
        ("k.lee@clinic.example", "trainee", 1),
    ]
    assert all(f"/signup?code={i.code}" in html for i in rows)
    assert _count(db, AuditEntry, AuditEntry.action == "invitation.bulk_created") == 1


def test_bulk_csv_with_problems_creates_nothing_and_lists_every_row(client, admin, db, factory):
    factory.user(Role.TRAINEE, _academy(admin), email="member@clinic.example")
    text = (
        "email,role,days\n"
        "ok@clinic.example,trainee,14\n"
        "not-an-address,trainee,14\n"
        "ok2@clinic.example,surgeon,14\n"
        "ok3@clinic.example,trainee,999\n"
        "ok@clinic.example,trainee,14\n"
        "member@clinic.example,trainee,14\n"
    )
    response = _upload(client, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was created: 5 problems to fix" in html
    for row, fragment in [
        (3, "not a valid email address"),
        (4, "is not trainee, educator or admin"),
        (5, "is not a number of days"),
        (6, "is already on row 2"),
        (7, "is already a member"),
    ]:
        assert f"<td>{row}</td>" in html and fragment in html
    assert _count(db, Invitation) == 0


def test_bulk_csv_needs_a_header_and_utf8(client, admin, db):
    html = _upload(client, "a@b.example,trainee\n").get_data(as_text=True)
    assert "The first row must name the columns" in html
    response = _upload(client, "")
    assert response.status_code == 422 and "The file is empty" in response.get_data(as_text=True)
    token = csrf_from(client.get("/academy/invitations/import").get_data(as_text=True))
    latin1 = client.post(
        "/academy/invitations/import",
        data={
            "csrf_token": token,
            "file": (io.BytesIO("email\nrené@x.example\n".encode("latin-1")), "p.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "UTF-8" in latin1.get_data(as_text=True)
    assert _count(db, Invitation) == 0


def test_parse_invitation_csv_reports_every_problem():
    rows, errors = members.parse_invitation_csv("email,colour\n,red\nx@y.example,\n")
    assert [(e.row, e.field) for e in errors] == [(1, "header"), (2, "email")]
    assert [r.email for r in rows] == ["x@y.example"]
    assert members.parse_invitation_csv("email\n")[1][0].message.startswith("The file has no rows")


def test_invitations_csv_is_safe_for_spreadsheets(client, admin, db):
    accounts.create_invitation(_academy(admin), Role.TRAINEE, email="=cmd@clinic.example")
    db.session.commit()
    response = client.get("/academy/invitations.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffemail,role,link,expires")
    assert "'=cmd@clinic.example" in body


def test_deactivating_a_member_keeps_their_history(client, admin, db, factory, tmp_path):
    kit.import_bank(tmp_path)
    academy = _academy(admin)
    trainee = factory.user(Role.TRAINEE, academy)
    kit.quiz(trainee, academy, "basics", 80)
    membership = db.session.scalar(select(Membership).where(Membership.user_id == trainee.id))
    page = client.get("/academy/members").get_data(as_text=True)
    response = client.post(
        f"/academy/members/{membership.id}/deactivate", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Membership, membership.id).active
    assert _count(db, QuizAttempt, QuizAttempt.user_id == trainee.id) == 1
    assert "deactivated" in client.get("/academy/members").get_data(as_text=True)
    # The deactivated trainee can sign in but no longer work in this academy.
    other = client.application.test_client()
    login(other, trainee.email)
    assert other.get("/learn/").status_code in (302, 403)
    client.post(
        f"/academy/members/{membership.id}/reactivate", data={"csrf_token": csrf_from(page)}
    )
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).active
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["member.deactivated", "member.reactivated"]


def test_admin_cannot_deactivate_themselves_or_the_last_admin(client, admin, db, factory):
    own = admin.memberships[0]
    page = client.get("/academy/members").get_data(as_text=True)
    client.post(f"/academy/members/{own.id}/deactivate", data={"csrf_token": csrf_from(page)})
    assert "cannot deactivate yourself" in client.get("/academy/members").get_data(as_text=True)
    with pytest.raises(members.MemberError, match="at least one active admin"):
        other_admin = factory.user(Role.ADMIN, factory.academy("Solo"))
        solo = other_admin.memberships[0]
        helper = factory.user(Role.EDUCATOR, solo.academy)
        members.set_member_active(solo, False, helper)


def test_another_academys_members_and_invitations_answer_404(client, admin, factory, db):
    elsewhere = factory.academy("Elsewhere")
    stranger = factory.user(Role.TRAINEE, elsewhere, email="stranger@elsewhere.example")
    invitation = accounts.create_invitation(elsewhere, Role.TRAINEE)
    db.session.commit()
    membership = stranger.memberships[0]
    page = client.get("/academy/members").get_data(as_text=True)
    assert "stranger@elsewhere.example" not in page and invitation.code not in page
    token = csrf_from(page)
    assert (
        client.post(
            f"/academy/members/{membership.id}/deactivate", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/academy/invitations/{invitation.id}/withdraw", data={"csrf_token": token}
        ).status_code
        == 404
    )
    assert client.get(f"/academy/members/{stranger.id}/xapi.json").status_code == 404
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).active
    assert not db.session.get(Invitation, invitation.id).revoked


@pytest.mark.parametrize(
    "path",
    [
        "/academy/members",
        "/academy/cohorts",
        "/academy/programmes",
        "/academy/certificates",
        "/academy/audit",
        "/academy/invitations/import",
        "/academy/invitations.csv",
    ],
)
@pytest.mark.parametrize("role, status", [(Role.TRAINEE, 403), (Role.EDUCATOR, 403)])
def test_only_admins_manage(client, factory, path, role, status):
    login(client, factory.user(role).email)
    assert client.get(path).status_code == status


def test_posts_need_the_csrf_token(client, admin, factory, db):
    trainee = factory.user(Role.TRAINEE, _academy(admin))
    membership = trainee.memberships[0]
    response = client.post(f"/academy/members/{membership.id}/deactivate")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).active


def test_audit_log_lists_admin_actions(client, admin, db):
    _invite(client, role="trainee", email="", days="3", max_uses="1")
    html = client.get("/academy/audit").get_data(as_text=True)
    assert "invitation.created" in html and admin.display_name in html
