"""What a signed-in page costs before it does anything: CPU a request, in-process.

Issue 21 sets B1 (dashboard + module page) at 0.5 x L0 and B2 (answer + plan) at 0.4 x L0, where
L0 is an anonymous page through the base layout with no SQL. This script measures, in one process
with no HTTP server and no load generator in the way, the CPU a request of:

- B0 and L0 (`/bench/hello`, `/bench/page` anonymous);
- a **reference signed-in page on the bare stack**: a separate, minimal Flask app with
  Flask-Login, Flask-SQLAlchemy and Flask-WTF's CSRF token, whose user loader reads one row of the
  same `users` table by primary key and whose template is a small layout with a logout form. It
  shares nothing with quizapp but the database: it is what any signed-in page costs on the stack
  the project is fixed to;
- L0 signed in (quizapp's own floor: user loader with memberships and the content token, the
  signed-in layout) and the B1 pages, for one learner;
- B3's pages in a fresh app, as a worker meets them: the first request of each, then the median
  of the next five, with templates compiled on first use and compiled at boot (wsgi.py).

Each figure is the median of `--repeats` timings of `--requests` calls of the WSGI app
(`time.process_time`, this process only: on PostgreSQL the server's backend CPU is not in it).

    .venv/bin/python bench/floor.py --database-url sqlite:////tmp/bench.sqlite3
    .venv/bin/python bench/floor.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database must have been filled by `bench/seed.py` (its learners and password).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, render_template  # noqa: E402
from flask_login import LoginManager, UserMixin, login_required, login_user  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from flask_wtf.csrf import CSRFProtect  # noqa: E402
from jinja2 import DictLoader  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from bench.load import MODULE  # noqa: E402
from bench.loadkit import TOKEN_RE  # noqa: E402
from bench.seed import ADMIN, LEARNER_PASSWORD, learner_email  # noqa: E402

B3_PAGES = ("/academy/reports", "/author/insight/mistakes")  # load.py's B3

REFERENCE_LAYOUT = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title></head><body><header><nav><a href="/">Home</a>
{% if current_user.is_authenticated %}<span>{{ current_user.email }}</span>
<form method="post" action="/logout"><input type="hidden" name="csrf_token"
value="{{ csrf_token() }}"><button>Sign out</button></form>{% endif %}</nav></header>
<main><h1>{{ title }}</h1><p>A short body and no query of its own.</p></main>
<footer>For education, not clinical advice.</footer></body></html>"""


def reference_app(database_url: str) -> Flask:
    """The bare stack: one primary-key read of the user, a CSRF token, a small layout."""

    class Base(DeclarativeBase):
        pass

    db = SQLAlchemy(model_class=Base)

    class Person(UserMixin, db.Model):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]

    app = Flask("reference")
    app.jinja_loader = DictLoader({"page.html": REFERENCE_LAYOUT})  # compiled once, as files are
    app.config.update(SECRET_KEY="floor", SQLALCHEMY_DATABASE_URI=database_url)  # noqa: S106
    db.init_app(app)
    CSRFProtect(app)
    logins = LoginManager(app)
    logins.user_loader(lambda user_id: db.session.get(Person, int(user_id)))

    @app.get("/page")
    def page():
        return render_template("page.html", title="Reference page")

    @app.get("/signed-in")
    @login_required
    def signed_in():
        return render_template("page.html", title="Reference page")

    @app.get("/sign-in/<int:user_id>")
    def sign_in(user_id: int):
        login_user(db.session.get(Person, user_id))
        return "signed in"

    return app


def caller(app: Flask, path: str, environ_base: dict, cookies) -> Callable[[], None]:
    environ = EnvironBuilder(path=path, environ_base=environ_base).get_environ()
    cookies._add_cookies_to_wsgi(environ)

    def call() -> None:
        statuses = []
        body = b"".join(app.wsgi_app(dict(environ), lambda status, *_: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{path}: {statuses[0]} {body[:200]!r}")

    return call


def cpu_ms(call: Callable[[], None], requests: int, repeats: int) -> float:
    for _ in range(min(200, requests)):
        call()
    timings = []
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(requests):
            call()
        timings.append((time.process_time() - started) / requests * 1000)
    return statistics.median(timings)


def signed_in_quizapp_client(app: Flask):
    """The first seeded learner who reaches the dashboard (some memberships are deactivated)."""
    for n in range(1, 50):
        client = app.test_client()
        email = learner_email(n)
        sign_in(client, email, LEARNER_PASSWORD)
        if client.get("/learn/").status_code == 200:
            return client, email
    raise SystemExit("no seeded learner could sign in: fill the database with bench/seed.py")


def sign_in(client, email: str, password: str) -> None:
    form = client.get("/login").get_data(as_text=True)
    token = TOKEN_RE.search(form).group(1)
    client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def first_requests(database_url: str, compiled_at_boot: bool) -> list[tuple[str, float, float]]:
    """B3's pages in a new app (its own engine, statement cache and template cache, as a fresh
    worker has): (path, first request ms, median of the next five ms), CPU. main() runs it in a
    new interpreter, so that nothing an earlier app imported or configured is warm."""
    from quizapp import create_app
    from quizapp.web.templating import compile_all_templates

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "floor", "MIGRATIONS": False}
    )
    if compiled_at_boot:
        compile_all_templates(app)
    client = app.test_client()
    email, _name, password = ADMIN
    sign_in(client, email, password)
    figures = []
    for path in B3_PAGES:
        timings = []
        for _ in range(6):
            started = time.process_time()
            response = client.get(path)
            timings.append((time.process_time() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{path}: {response.status_code} for the seeded admin")
        figures.append((path, timings[0], statistics.median(timings[1:])))
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    os.environ["QUIZAPP_BENCH_ROUTES"] = "1"
    from quizapp import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SECRET_KEY": "floor",
            "RATELIMIT_ENABLED": False,
        }
    )
    client, email = signed_in_quizapp_client(app)
    anonymous = app.test_client()
    reference = reference_app(args.database_url)
    reference_client = reference.test_client()
    with app.app_context():
        from sqlalchemy import select

        from quizapp.extensions import db
        from quizapp.models import User

        user_id = db.session.scalar(select(User.id).where(User.email == email))
    reference_client.get(f"/sign-in/{user_id}")

    def measure(label: str, target: Flask, path: str, who) -> float:
        figure = cpu_ms(caller(target, path, who.environ_base, who), args.requests, args.repeats)
        rows.append((label, path, figure))
        return figure

    rows: list[tuple[str, str, float]] = []
    measure("B0 hello", app, "/bench/hello", anonymous)
    l0 = measure("L0 page, anonymous", app, "/bench/page", anonymous)
    reference_anonymous = measure(
        "reference page, anonymous", reference, "/page", reference.test_client()
    )
    measure("reference page, signed in", reference, "/signed-in", reference_client)
    measure("L0 signed in", app, "/bench/page", client)
    measure("B1 dashboard", app, "/learn/", client)
    measure("B1 module page", app, f"/learn/modules/{MODULE}", client)

    dialect = args.database_url.split(":", 1)[0]
    runs = f"median of {args.repeats} x {args.requests}"
    print(f"in-process CPU a request, {dialect}, {email}; {runs}")
    print(f"{'request':30} {'path':34} {'ms':>7} {'x L0 (by CPU)':>14}")
    for label, path, figure in rows:
        base = reference_anonymous if label.startswith("reference") else l0
        print(f"{label:30} {path:34} {figure:7.3f} {base / figure:14.2f}")
    print(
        f"B1 budget at 0.5 x L0: {l0 / 0.5:.2f} ms a request; B2 budget at 0.4 x L0: "
        f"{l0 / 0.4:.2f} ms (this process's CPU; the HTTP server's share comes on top of both)"
    )
    print("B3 in a fresh process, CPU ms: first request / median of the next five")
    for compiled in (False, True):
        when = "templates compiled at boot" if compiled else "templates compiled on first use"
        with multiprocessing.get_context("spawn").Pool(1) as fresh:
            figures = fresh.apply(first_requests, (args.database_url, compiled))
        shown = "; ".join(f"{path} {first:.0f} / {later:.0f}" for path, first, later in figures)
        print(f"  {when:33} {shown}")


if __name__ == "__main__":
    main()
