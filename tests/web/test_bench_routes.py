"""The benchmark routes (quizapp/web/bench.py, bench/load.py): absent unless asked for; with them,
L0's page extends the base layout and runs no SQL for an anonymous visitor, and X-Query-Count
counts what a request runs (one statement, the user loader, for a signed-in visitor)."""

from __future__ import annotations

import pytest

from quizapp import create_app
from quizapp.models import Role
from tests.appkit import IsolatedClient
from tests.conftest import login


@pytest.fixture()
def bench_client(app, db, database_url):
    """A second app on the suite's database with BENCH_ROUTES on (the suite's app has them off)."""
    bench_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "BENCH_ROUTES": True,
            "MIGRATIONS": False,
        }
    )
    bench_app.test_client_class = IsolatedClient
    yield bench_app.test_client()
    from quizapp.extensions import db as _db

    with bench_app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_bench_routes_are_absent_by_default(client):
    assert client.get("/bench/hello").status_code == 404
    assert client.get("/bench/page").status_code == 404
    headers = client.get("/login").headers
    assert "X-Query-Count" not in headers and "X-Bench-Pid" not in headers


def test_l0_page_extends_the_base_layout_without_a_query(bench_client):
    hello = bench_client.get("/bench/hello")
    assert hello.status_code == 200
    assert hello.headers["X-Query-Count"] == "0"

    page = bench_client.get("/bench/page")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Skip to content" in html and "site-footer" in html  # base.html
    assert "Benchmark page" in html
    assert page.headers["X-Query-Count"] == "0"


def test_query_count_header_counts_the_user_loader(bench_client, factory):
    user = factory.user(Role.TRAINEE, email="l0@example.com")
    assert login(bench_client, user.email).status_code == 302
    page = bench_client.get("/bench/page")
    assert page.status_code == 200
    assert "Log out" in page.get_data(as_text=True)  # the signed-in branch of the layout
    assert page.headers["X-Query-Count"] == "1"


def test_load_percentiles_are_nearest_rank():
    from bench.load import percentile

    values = [0.5, 0.1, 0.4, 0.2, 0.3] * 20  # 100 values, 20 of each
    assert percentile(values, 50) == 0.3
    assert percentile(values, 95) == 0.5
    assert percentile(values, 20) == 0.1
    assert percentile(values, 21) == 0.2
    assert percentile([], 99) != percentile([], 99)  # nan


def test_floor_reference_app_reads_the_user_and_signs_its_layout(db, database_url, factory):
    """bench/floor.py's bare-stack page: anonymous it shows no user; signed in it has loaded the
    user from the app's own `users` table and carries a CSRF token, as a real signed-in page."""
    from bench.floor import reference_app

    user = factory.user(Role.TRAINEE, email="floor@example.com")
    db.session.commit()
    reference = reference_app(database_url)
    anonymous = reference.test_client()
    page = anonymous.get("/page").get_data(as_text=True)
    assert "floor@example.com" not in page and "csrf_token" not in page
    assert anonymous.get("/signed-in").status_code == 401  # no login view: refused outright

    signed_in = reference.test_client()
    assert signed_in.get(f"/sign-in/{user.id}").status_code == 200
    page = signed_in.get("/signed-in")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "floor@example.com" in html and 'name="csrf_token"' in html
    with reference.app_context():
        reference.extensions["sqlalchemy"].engine.dispose()
