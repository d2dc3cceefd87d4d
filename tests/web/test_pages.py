"""Public pages, error pages and the headers every response carries."""

from __future__ import annotations


def test_home_page_explains_the_app_and_disclaims_advice(client):
    html = client.get("/").get_data(as_text=True)
    assert "Plan treatments that look natural." in html
    assert "not clinical advice" in html
    assert 'href="#main"' in html  # skip link


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "There is nothing at this address" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "onclick=" not in html


def test_session_cookie_is_httponly_and_lax(client, factory):
    from tests.conftest import login

    user = factory.user()
    response = login(client, user.email)
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_unreachable_database_gives_a_clean_503():
    """No stack trace and a clear page when PostgreSQL is down (here: nothing listens on port 9)."""
    from quizapp import create_app
    from tests.conftest import csrf_from

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2",
            "SECRET_KEY": "x",
        }
    )
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"email": "a@example.com", "password": "whatever-pw", "csrf_token": token}
    )
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Temporarily unavailable" in body and "Traceback" not in body
