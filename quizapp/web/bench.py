"""Benchmark helpers, present only when QUIZAPP_BENCH_ROUTES=1 (bench/load.py sets it).

`/bench/hello` is the bare-Flask baseline (B0) the load test compares every page against, and
every response carries X-Query-Count: the SQL statements the request ran, counted with a
SQLAlchemy event listener. Without the variable neither the route nor the header exists.
"""

from __future__ import annotations

import os

from flask import Flask, g, has_app_context, jsonify
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

    app.add_url_rule("/bench/hello", "bench_hello", hello)

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany) -> None:
        if has_app_context():
            g.bench_queries = g.get("bench_queries", 0) + 1

    @app.after_request
    def _query_count_header(response):
        response.headers["X-Query-Count"] = str(g.get("bench_queries", 0))
        return response
