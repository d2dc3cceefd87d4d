"""WSGI entry point: `gunicorn wsgi:app` (and FLASK_APP for the `flask` command)."""

import click

from quizapp import create_app

# Loaded by the `flask` command (a click context is active) it needs `flask db`; loaded by
# gunicorn it does not, and leaving Alembic out keeps every worker ~17 MB smaller.
app = create_app({"MIGRATIONS": click.get_current_context(silent=True) is not None})
