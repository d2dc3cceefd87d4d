"""The academy's audit log: who did what, filtered by action, on a page and as CSV."""

from __future__ import annotations

from flask import render_template, request

from quizapp.models.base import now_utc
from quizapp.permissions import Action, requires
from quizapp.services.people import auditlog
from quizapp.web.academy.common import bp, current_academy
from quizapp.web.downloads import csv_response
from quizapp.web.pagination import paginate_query


def _audit_action() -> str | None:
    return (request.args.get("action") or "").strip()[:60] or None


@bp.route("/audit")
@requires(Action.MANAGE_ACADEMY)
def audit():
    """Who did what in the academy, newest first, 50 a page, filtered by action."""
    academy = current_academy()
    action = _audit_action()
    entries = paginate_query(
        auditlog.entries_query(academy.id, action), rows=True, per_page=50, anchor="log"
    )
    return render_template(
        "academy/audit.html",
        academy=academy,
        entries=entries,
        actions=auditlog.actions(academy.id),
        action=action,
        actor_label=auditlog.actor_label,
    )


@bp.route("/audit.csv")
@requires(Action.MANAGE_ACADEMY)
def audit_csv():
    academy = current_academy()
    action = _audit_action()
    suffix = f"-{action}" if action else ""
    stamp = now_utc().strftime("%Y%m%d")
    rows = auditlog.csv_rows(academy.id, action)
    return csv_response(f"{academy.slug}-audit{suffix}-{stamp}.csv", auditlog.CSV_HEADER, rows)
