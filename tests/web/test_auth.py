"""Sign-in, sign-up by invitation, throttling, sessions and redirects, through real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from quizapp.models import Role, User
from quizapp.services.people import accounts
from tests.conftest import TEST_PASSWORD, csrf_from, login


def test_login_then_home_shows_name(client, factory):
    user = factory.user(Role.EDUCATOR, display_name="Dr Test Educator")
    response = login(client, user.email, follow=True)
    assert response.status_code == 200
    assert "Dr Test Educator" in response.get_data(as_text=True)


def test_wrong_password_and_unknown_email_give_the_same_message(client, factory):
    user = factory.user()
    wrong_password = login(client, user.email, "not-the-password").get_data(as_text=True)
    unknown = login(client, "nobody@example.com", "whatever-123").get_data(as_text=True)
    message = "Email or password is not correct."
    assert message in wrong_password and message in unknown


def test_login_is_throttled_per_account(client, factory, app):
    user = factory.user()
    statuses = [login(client, user.email, "wrong-password").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert "Too many attempts" in login(client, user.email, "wrong-password").get_data(as_text=True)


def test_throttled_account_cannot_log_in_even_with_right_password(client, factory):
    user = factory.user()
    for _ in range(5):
        login(client, user.email, "wrong-password")
    assert login(client, user.email, TEST_PASSWORD).status_code == 429


def test_successful_logins_do_not_count_towards_the_throttle(client, factory):
    user = factory.user()
    for _ in range(7):
        assert login(client, user.email).status_code == 302
        client.post(
            "/logout",
            data={"csrf_token": csrf_from(client.get("/account/password").get_data(as_text=True))},
        )


def test_login_without_csrf_token_is_refused(client, factory):
    user = factory.user()
    response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/author/", "/author/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirects_only_within_the_site(client, factory, target, expected):
    user = factory.user(Role.EDUCATOR)
    page = client.get("/login")
    response = client.post(
        "/login?next=" + target,
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_signup_with_invitation_creates_member(client, factory, db):
    academy = factory.academy("Signup Academy")
    invitation = accounts.create_invitation(academy, Role.TRAINEE, max_uses=1)
    db.session.commit()
    page = client.get(f"/signup?code={invitation.code}")
    html = page.get_data(as_text=True)
    assert invitation.code in html  # the code from the link is pre-filled
    response = client.post(
        "/signup",
        data={
            "code": invitation.code,
            "display_name": "New Trainee",
            "email": "New.Trainee@Example.com",
            "password": "a-long-password",
            "confirm": "a-long-password",
            "csrf_token": csrf_from(html),
        },
    )
    assert response.status_code == 302
    user = accounts.find_user("new.trainee@example.com")
    assert user is not None and user.memberships[0].academy_id == academy.id
    assert user.memberships[0].role is Role.TRAINEE
    assert client.get("/learn/").status_code == 200


def test_signup_refuses_expired_and_used_invitations(client, factory, db):
    academy = factory.academy()
    expired = accounts.create_invitation(academy, Role.TRAINEE, valid_for=timedelta(days=1))
    expired.expires_at = expired.expires_at - timedelta(days=2)
    used = accounts.create_invitation(academy, Role.TRAINEE, max_uses=1)
    used.uses = 1
    db.session.commit()
    for code, message in (
        (expired.code, "expired"),
        (used.code, "already been used"),
        ("nope", "not valid"),
    ):
        html = client.get("/signup").get_data(as_text=True)
        response = client.post(
            "/signup",
            data={
                "code": code,
                "display_name": "X",
                "email": f"{code[:5]}@example.com",
                "password": "a-long-password",
                "confirm": "a-long-password",
                "csrf_token": csrf_from(html),
            },
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


def test_short_password_is_refused_at_signup(client, factory, db):
    academy = factory.academy()
    invitation = accounts.create_invitation(academy, Role.TRAINEE)
    db.session.commit()
    html = client.get("/signup").get_data(as_text=True)
    response = client.post(
        "/signup",
        data={
            "code": invitation.code,
            "display_name": "Short",
            "email": "short@example.com",
            "password": "short",
            "confirm": "short",
            "csrf_token": csrf_from(html),
        },
    )
    assert "at least 8" in response.get_data(
        as_text=True
    ).lower() or "8 characters" in response.get_data(as_text=True)
    assert accounts.find_user("short@example.com") is None


def test_password_change_logs_out_other_sessions(app, client, factory):
    user = factory.user()
    other = app.test_client()
    assert login(other, user.email).status_code == 302
    assert login(client, user.email).status_code == 302
    html = client.get("/account/password").get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={
            "current": TEST_PASSWORD,
            "new": "another-long-password",
            "confirm": "another-long-password",
            "csrf_token": csrf_from(html),
        },
    )
    assert response.status_code == 302
    assert client.get("/learn/").status_code == 200  # this session continues
    assert other.get("/learn/").status_code == 302  # the other one is logged out


def test_logout_requires_post_with_csrf(client, factory):
    user = factory.user()
    login(client, user.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    html = client.get("/learn/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    assert client.get("/learn/").status_code == 302


def test_deactivated_user_is_out_at_next_request(client, factory, db):
    user = factory.user()
    login(client, user.email)
    assert client.get("/learn/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/learn/").status_code == 302


def test_passwords_are_stored_as_argon2id(factory):
    user = factory.user()
    assert user.password_hash.startswith("$argon2id$")
    assert TEST_PASSWORD not in user.password_hash


def test_common_passwords_are_refused():
    assert accounts.password_problem("password123") is not None
    assert accounts.password_problem("Qwertyuiop") is not None  # case does not help
    assert accounts.password_problem("me@example.com", email="Me@Example.com") is not None
    assert accounts.password_problem("mauve-ferry-lantern") is None


def test_logout_ends_a_copied_session_cookie(app, client, factory):
    user = factory.user()
    login(client, user.email)
    stolen = app.test_client()
    cookie = client.get_cookie("session")
    stolen.set_cookie("session", cookie.value)
    assert stolen.get("/learn/").status_code == 200  # the copy works while the session lives
    html = client.get("/learn/").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(html)})
    assert stolen.get("/learn/").status_code == 302  # and not after logout
