"""Response headers and cookies, host checking, proxies and `next` redirects.

tests/web/test_pages.py checks the headers of the home page; these check them everywhere (error
pages, downloads, static files), HSTS over HTTPS only, cookie flags with SECURE_COOKIES, a host
allow-list, trusted proxies and a long list of open-redirect tricks."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest

from quizapp import create_app
from quizapp.extensions import db as _db
from quizapp.models import Role
from tests.conftest import TEST_PASSWORD, csrf_from, login


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


@pytest.fixture()
def other_app(app, monkeypatch):
    """Builds a second app on the suite's database with some environment variables; its
    connections are closed afterwards."""
    built = []

    def build(**env):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        other = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key-not-for-production",
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "RATELIMIT_STORAGE_URI": "memory://",
            }
        )
        other.test_client_class = app.test_client_class
        built.append(other)
        return other

    yield build
    for other in built:
        with other.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_every_kind_of_response_carries_the_security_headers(client, factory):
    user = factory.user(Role.ADMIN)
    responses = {
        "page": client.get("/"),
        "404": client.get("/no/such/page"),
        "405": client.get("/logout"),
        "static": client.get("/static/app.css"),  # closed below
        "json": client.get("/healthz"),
    }
    login(client, user.email)
    responses["csv"] = client.get("/academy/invitations.csv")
    for kind, response in responses.items():
        headers = response.headers
        csp = _directives(headers["Content-Security-Policy"])
        assert csp["script-src"] == ["'self'"], kind
        assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"], kind
        assert csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'self'"], kind
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"], kind
        assert "'unsafe-eval'" not in headers["Content-Security-Policy"], kind
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        assert headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}, kind
        assert headers["X-Frame-Options"] == "DENY", kind
        assert "Strict-Transport-Security" not in headers, kind  # plain http here
    responses["static"].close()
    assert responses["csv"].headers["Cache-Control"] == "no-store"  # a signed-in download


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    hsts = secure.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 15552000  # at least 180 days
    assert "includeSubDomains" in hsts
    # Without trusted proxies, a forged X-Forwarded-Proto does not make a request "secure".
    forged = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_a_trusted_proxy_passes_on_https_and_the_client_address(db, other_app):
    behind_app = other_app(TRUSTED_PROXIES="1")
    seen = {}

    @behind_app.before_request
    def _remember():
        from flask import request

        seen["addr"] = request.remote_addr

    behind = behind_app.test_client()
    response = behind.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    assert "Strict-Transport-Security" not in behind.get("/").headers
    behind.get("/", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["addr"] == "203.0.113.7"  # per-IP login limits count the client, not the proxy


def test_cookies_are_secure_httponly_and_samesite_with_secure_cookies(factory, other_app):
    secure_app = other_app(SECURE_COOKIES="true", PUBLIC_BASE_URL="https://quizapp.example.org/")
    for prefix in ("SESSION", "REMEMBER"):
        assert secure_app.config[f"{prefix}_COOKIE_SECURE"] is True
        assert secure_app.config[f"{prefix}_COOKIE_HTTPONLY"] is True
        assert secure_app.config[f"{prefix}_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert secure_app.config["PREFERRED_URL_SCHEME"] == "https"
    user = factory.user()
    client = secure_app.test_client()
    page = client.get("/login", base_url="https://localhost")
    response = client.post(
        "/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},  # Flask-WTF's strict check on https
        data={
            "email": user.email,
            "password": TEST_PASSWORD,
            "csrf_token": csrf_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    flags = {f.strip().split("=")[0].lower() for f in session_cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite"} <= flags
    assert "remember_token=" not in " ".join(cookies)  # no "remember me": sessions only


def test_without_secure_cookies_the_flag_is_off_for_local_http(app):
    assert app.config["SESSION_COOKIE_SECURE"] is False  # `make run` on http://127.0.0.1


def test_trusted_hosts_refuse_other_host_headers(db, other_app):
    client = other_app(TRUSTED_HOSTS="quiz.example, www.quiz.example")
    client = client.test_client()
    assert client.get("/", headers={"Host": "quiz.example"}).status_code == 200
    assert client.get("/", headers={"Host": "www.quiz.example"}).status_code == 200
    for host in ("evil.example", "quiz.example.evil.example", "evilquiz.example"):
        response = client.get("/", headers={"Host": host})
        assert response.status_code == 400, host
        assert "evil" not in response.get_data(as_text=True)  # the bad host is not echoed
    # A forged X-Forwarded-Host is ignored without trusted proxies.
    forged = client.get("/login", headers={"Host": "quiz.example", "X-Forwarded-Host": "evil"})
    assert forged.status_code == 200 and "evil" not in forged.get_data(as_text=True)


REDIRECT_TRICKS = [
    "//evil.example",
    "//evil.example/%2F..",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "https:evil.example",
    "http:/evil.example",
    "//evil.example@quiz.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "%2f%2fevil.example",
    "/%2F/evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "\r\n//evil.example",
    " //evil.example",
    "/\x00/evil.example",
    "/a\r\nSet-Cookie: x=1",
    "evil.example",
]


def _where_a_browser_goes(location: str) -> tuple[str, str]:
    """(scheme, host) a browser would follow: it drops tabs and newlines and reads \\ as /."""
    cleaned = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip()
    parts = urlsplit(cleaned)
    return parts.scheme, parts.netloc


@pytest.mark.parametrize("target", REDIRECT_TRICKS, ids=range(len(REDIRECT_TRICKS)))
def test_next_never_leaves_the_site(client, factory, target):
    user = factory.user(Role.EDUCATOR)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?" + urlencode({"next": target}),
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    if "\x00" in target:  # a NUL anywhere refuses the whole request (400): nowhere to go
        assert response.status_code == 400 and "Location" not in response.headers
        return
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\"))
    assert not re.search(r"[\x00-\x1f\\]", location), location
    assert _where_a_browser_goes(location) == ("", ""), location
    assert "Set-Cookie: x" not in str(response.headers)


def test_next_keeps_a_real_path_with_its_query(client, factory):
    user = factory.user(Role.EDUCATOR)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?" + urlencode({"next": "/author/?page=2"}),
        data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/author/?page=2"
