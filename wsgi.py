"""WSGI entry point: `gunicorn wsgi:app` (and FLASK_APP for the `flask` command)."""

import click

from quizapp import create_app
from quizapp.web.templating import compile_all_templates

# Loaded by the `flask` command (a click context is active) it needs `flask db`; loaded by
# gunicorn it does not, and leaving Alembic out keeps every worker ~17 MB smaller.
_BY_FLASK_COMMAND = click.get_current_context(silent=True) is not None
app = create_app({"MIGRATIONS": _BY_FLASK_COMMAND})
if not _BY_FLASK_COMMAND:
    # A worker compiles every template as it boots, not on its first requests.
    compile_all_templates(app)
