"""Who may open which page: anonymous users go to login; roles are enforced by one helper."""

from __future__ import annotations

import pytest

from quizapp.models import Role
from quizapp.permissions import Action, can
from tests.conftest import login

PROTECTED = {
    "/learn/": Action.LEARN,
    "/author/": Action.AUTHOR,
    "/academy/": Action.MANAGE_ACADEMY,
    "/account/password": None,
    "/account/join": None,
}


@pytest.mark.parametrize("path", sorted(PROTECTED))
def test_anonymous_users_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    "role, path, status",
    [
        (Role.TRAINEE, "/learn/", 200),
        (Role.TRAINEE, "/author/", 403),
        (Role.TRAINEE, "/academy/", 403),
        (Role.EDUCATOR, "/learn/", 200),
        (Role.EDUCATOR, "/author/", 200),
        (Role.EDUCATOR, "/academy/", 403),
        (Role.ADMIN, "/learn/", 200),
        (Role.ADMIN, "/author/", 200),
        (Role.ADMIN, "/academy/", 200),
    ],
)
def test_roles_open_only_their_pages(client, factory, role, path, status):
    user = factory.user(role)
    login(client, user.email)
    assert client.get(path).status_code == status


def test_navigation_follows_roles(client, factory):
    trainee = factory.user(Role.TRAINEE)
    login(client, trainee.email)
    html = client.get("/learn/").get_data(as_text=True)
    assert 'href="/learn/"' in html
    assert 'href="/author/"' not in html and 'href="/academy/"' not in html


def test_403_page_is_friendly(client, factory):
    login(client, factory.user(Role.TRAINEE).email)
    response = client.get("/academy/")
    assert response.status_code == 403
    assert "does not have access" in response.get_data(as_text=True)


def test_member_without_role_in_academy_cannot_act_there(factory, app):
    trainee = factory.user(Role.TRAINEE)
    other = factory.academy("Elsewhere")
    with app.test_request_context():
        assert can(trainee, Action.LEARN, trainee.memberships[0].academy_id)
        assert not can(trainee, Action.LEARN, other.id)
        assert not can(trainee, Action.AUTHOR, trainee.memberships[0].academy_id)


def test_every_view_is_public_or_guarded(app):
    """A new view must say who may open it: @public, @signed_in or @requires(Action.X)."""
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static"
        and not getattr(view, "public", False)
        and not hasattr(view, "required_action")
    ]
    assert undeclared == []
