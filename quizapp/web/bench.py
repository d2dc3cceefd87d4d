"""Benchmark helpers, present only when QUIZAPP_BENCH_ROUTES=1 (bench/load.py sets it).

`/bench/hello` is the bare-Flask baseline (B0). `/bench/page` (L0) renders a template that
extends the app's base layout and runs no SQL for an anonymous visitor (a signed-in one costs
the user loader's one statement): the ceiling for a server-rendered page on this stack. Every
response carries X-Query-Count: the SQL statements the request ran, counted with a SQLAlchemy
event listener, and X-Bench-Pid, the worker process that answered (so the load test can time
each worker's first request). Without the variable neither the routes nor the headers exist.
"""

from __future__ import annotations

import os

from flask import Flask, g, has_app_context, jsonify, render_template
from sqlalchemy import event

from quizapp.permissions import public

ENV_VAR = "QUIZAPP_BENCH_ROUTES"


def enabled(app: Flask) -> bool:
    return bool(app.config.get("BENCH_ROUTES")) or os.environ.get(ENV_VAR) == "1"


def register_bench(app: Flask) -> None:
    from quizapp.extensions import db

    @public
    def hello():
        return jsonify(hello="world")

    @public
    def page():
        return render_template("bench/page.html")

    app.add_url_rule("/bench/hello", "bench_hello", hello)
    app.add_url_rule("/bench/page", "bench_page", page)

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany) -> None:
        if has_app_context():
            g.bench_queries = g.get("bench_queries", 0) + 1

    @app.after_request
    def _query_count_header(response):
        response.headers["X-Query-Count"] = str(g.get("bench_queries", 0))
        response.headers["X-Bench-Pid"] = str(os.getpid())  # which worker answered
        return response
