"""The academy's reports (educators may read them): the page with its charts, and each table as
CSV.
"""

from __future__ import annotations

from flask import abort, render_template, request
from flask_login import current_user

from quizapp.domain.terms import BAND_LABELS
from quizapp.models import Academy
from quizapp.models.base import now_utc
from quizapp.permissions import Action, can, requires
from quizapp.services.academy import reports
from quizapp.services.people import members
from quizapp.services.portfolio import practice
from quizapp.web.academy.common import bp, current_academy
from quizapp.web.downloads import csv_stream
from quizapp.web.pagination import PER_PAGE, counted_page, page_number


def _report(pages: reports.Pages | None = None) -> tuple[Academy, reports.AcademyReport, list]:
    academy = current_academy()
    cohort_id = request.args.get("cohort", type=int)
    if cohort_id is not None and members.cohort_in(academy.id, cohort_id) is None:
        abort(404)
    inactive = request.args.get("inactive", type=int) or reports.DEFAULT_INACTIVE_DAYS
    inactive = min(max(inactive, 1), 365)
    report = reports.build(reports.Scope(academy.id, cohort_id), now_utc(), inactive, pages)
    return academy, report, members.academy_cohorts(academy.id)


@bp.route("/reports")
@requires(Action.AUTHOR)
def reports_page():
    pages = reports.Pages(page_number("learners_page"), page_number("risk_page"), PER_PAGE)
    academy, report, cohorts = _report(pages)
    return render_template(
        "academy/reports.html",
        academy=academy,
        report=report,
        cohorts=cohorts,
        at_risk=counted_page(
            report.at_risk, report.at_risk_count, pages.at_risk, param="risk_page", anchor="at-risk"
        ),
        learners=counted_page(
            report.learners,
            report.learner_count,
            pages.learners,
            param="learners_page",
            anchor="learners",
        ),
        funnel_chart=reports.funnel_chart(report.funnel),
        band_chart=reports.band_chart(report.bands),
        expiry_chart=reports.expiry_chart(report.certificates),
        band_labels=BAND_LABELS,
        band_order=reports.BAND_ORDER,
        windows=reports.EXPIRY_WINDOWS,
        average_band_label=reports.average_band_label,
        manage=can(current_user, Action.MANAGE_ACADEMY),
        logbook=practice.academy_logbook_report(academy.id),
    )


@bp.route("/reports/<any(funnel, bands, learners, certificates, expiring):name>.csv")
@requires(Action.AUTHOR)
def report_csv(name: str):
    academy, report, _ = _report()
    header, rows = reports.table(report, name)
    suffix = f"-cohort-{report.scope.cohort_id}" if report.scope.cohort_id else ""
    stamp = report.generated_at.strftime("%Y%m%d")
    return csv_stream(f"{academy.slug}{suffix}-{name}-{stamp}.csv", header, rows)
