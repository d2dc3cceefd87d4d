"""Blueprints by audience, plus what every page shares: headers, errors, template helpers."""

from __future__ import annotations

from flask import Flask, render_template, request, session
from werkzeug.exceptions import HTTPException

# No inline script or style anywhere: the policy can stay strict.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Please go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing at this address. It may have moved or been removed."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: ("Too large", "The upload is larger than this site accepts."),
    429: (
        "Too many attempts",
        "Too many attempts in a short time. Please wait a few minutes and try again.",
    ),
    500: ("Something went wrong", "An unexpected error occurred. Nothing you sent was half-saved."),
    503: ("Temporarily unavailable", "The service is briefly unavailable. Please try again soon."),
}


def register_blueprints(app: Flask) -> None:
    from quizapp.web import academy, auth, author, casestudy, certificates, learn, main, verify

    for module in (main, auth, learn, casestudy, author, academy, verify, certificates):
        app.register_blueprint(module.bp)

    from quizapp.web import account

    app.register_blueprint(account.bp)

    from quizapp.web import cpd

    app.register_blueprint(cpd.bp)

    from quizapp.web import portfolio

    app.register_blueprint(portfolio.bp)

    from quizapp.web.templating import register_template_helpers

    register_template_helpers(app)
    app.after_request(_security_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    # Registered after Flask-SQLAlchemy's, so it runs first (teardowns run in reverse order).
    app.teardown_appcontext(_release_database_session)


def _release_database_session(_error) -> None:
    """End the request's session even if the database died after the answer was ready: the
    answer stands (it was complete), and the dead connection is dropped, not turned into a 500."""
    from sqlalchemy.exc import DBAPIError

    from quizapp.extensions import db

    for _ in range(2):  # a failed close invalidates the connection; the second close succeeds
        try:
            db.session.remove()
            return
        except DBAPIError as error:
            from flask import current_app

            current_app.logger.warning("Database connection lost at teardown: %s", error.orig)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if session.get("_user_id"):
        # Pages of a signed-in user are private to them. (The session, not current_user: this
        # runs on error pages too, and must not need the database when the database is down.)
        headers.setdefault("Cache-Control", "no-store")
    return response


def _http_error(error: HTTPException):
    from flask.globals import request_ctx

    code = error.code or 500
    title, text = ERROR_TEXT.get(code, (error.name, error.description))
    if request_ctx.url_adapter is None:
        # No URL can be built (an untrusted Host header): a plain answer, not a 500 from the
        # page template's links.
        return f"{title}. {text}", code, {"Content-Type": "text/plain; charset=utf-8"}
    if code == 400 and error.description and "CSRF" in error.description:
        text = "Your form expired or was sent twice. Please reload the page and try again."
    if code == 413:
        from flask import current_app

        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if limit:
            text = f"The upload is larger than this site accepts ({limit // 1024} KB at most)."
    return _error_page(code, title, text), code


_PLAIN_ERROR = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
    '<link rel="stylesheet" href="/static/app.css"></head><body><main class="wrap">'
    '<h1>{title}</h1><p>{text}</p><p><a href="/">Home</a></p></main></body></html>'
)


def _error_page(code: int, title: str, text: str) -> str:
    """The error page; if even that fails (the database is gone and the navigation needs the
    user's roles), a plain page that needs nothing but its text."""
    try:
        return render_template("errors/error.html", code=code, title=title, text=text)
    except Exception:  # noqa: BLE001 - the last resort must not raise
        from markupsafe import escape

        from quizapp.extensions import db

        db.session.rollback()
        return _PLAIN_ERROR.format(title=escape(title), text=escape(text))


def _unexpected_error(error: Exception):
    from quizapp.extensions import db

    db.session.rollback()
    from flask import current_app
    from sqlalchemy.exc import DBAPIError

    if isinstance(error, DBAPIError) and _storage_full(error):
        # Disk (or the database's size limit) full: the rollback above kept the database whole;
        # an operator has to make room, so this is logged as an error.
        current_app.logger.error("Database storage full: %s", error.orig)
        return _error_page(503, *STORAGE_FULL_TEXT), 503, {"Retry-After": "60"}
    if isinstance(error, DBAPIError) and _database_unavailable(error):
        # The database went away (restart, failover): say so plainly; the pool reconnects on
        # the next request (pool_pre_ping), and the rollback above left nothing half-written.
        current_app.logger.warning("Database unavailable: %s", error.orig)
        title, text = ERROR_TEXT[503]
        return _error_page(503, title, text), 503, {"Retry-After": "5"}
    if current_app.config.get("PROPAGATE_EXCEPTIONS"):
        raise error
    current_app.logger.exception("Unhandled error")
    title, text = ERROR_TEXT[500]
    return _error_page(500, title, text), 500


STORAGE_FULL_TEXT = (
    "Storage full",
    "The site cannot store anything new just now. Nothing you sent was saved (or half-saved); "
    "please try again later.",
)


def _storage_full(error) -> bool:
    """SQLite's "database or disk is full" (SQLITE_FULL); PostgreSQL's disk_full (53100)."""
    return "database or disk is full" in str(error.orig).lower() or (
        getattr(error.orig, "sqlstate", None) == "53100"
    )


_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")


def _database_unavailable(error) -> bool:
    """True when the database cannot be reached or is busy, as opposed to a bug in a query."""
    import sqlite3

    import psycopg

    if error.connection_invalidated or isinstance(error.orig, psycopg.OperationalError):
        return True
    message = str(error.orig).lower()
    return isinstance(error.orig, sqlite3.OperationalError) and message.startswith(
        _SQLITE_UNAVAILABLE
    )
