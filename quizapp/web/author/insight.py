"""Insight, Module insight, Case insight and Common mistakes, and their tables as CSV (the tables
come from services/authoring/insight_tables.py; these views only make the downloads)."""

from __future__ import annotations

from flask import abort, render_template, request

from quizapp.domain.terms import BAND_LABELS
from quizapp.permissions import Action, requires
from quizapp.services.authoring import insight, insight_tables, modules, records
from quizapp.web.author.common import bp, need_academy, visible_or_404
from quizapp.web.downloads import csv_response
from quizapp.web.pagination import paginate_list


@bp.route("/insight/")
@requires(Action.AUTHOR)
def insight_index():
    academy_id = need_academy()
    return render_template(
        "author/insight.html",
        modules=paginate_list(insight.module_activity(academy_id), anchor="modules"),
        cases=paginate_list(insight.case_activity(academy_id), param="cases_page", anchor="cases"),
    )


@bp.route("/insight/modules/<int:module_id>")
@requires(Action.AUTHOR)
def insight_module(module_id: int):
    academy_id = need_academy()
    record = visible_or_404("module", module_id)
    versions = insight.module_versions_with_results(academy_id, record.id)
    wanted = request.args.get("version", type=int)
    chosen = next((v for v in versions if v.number == wanted), None)
    if chosen is None:
        chosen = next((v for v in versions if v.results), versions[0] if versions else None)
    if chosen is None:
        abort(404)
    module = modules.module_of(records.version_of(record, chosen.number))
    rows = insight_tables.question_rows(
        module.questions if module else (), insight.question_stats(academy_id, chosen.id)
    )
    table = request.args.get("csv")
    if table in insight_tables.MODULE_TABLES:
        return csv_response(
            f"{record.slug}-v{chosen.number}-{table}", *insight_tables.module_table(rows, table)
        )
    return render_template(
        "author/insight_module.html",
        record=record,
        versions=versions,
        chosen=chosen,
        rows=rows,
        few=insight.FEW_ANSWERS,
    )


@bp.route("/insight/cases/<int:case_id>")
@requires(Action.AUTHOR)
def insight_case(case_id: int):
    academy_id = need_academy()
    record = visible_or_404("case", case_id)
    number = request.args.get("version", type=int)
    version = records.version_of(record, number) if number else None
    if number and version is None:
        abort(404)
    data = insight.case_insight(academy_id, record.id, version.id if version else None)
    table = request.args.get("csv")
    if table in insight_tables.CASE_TABLES:
        name = record.slug + (f"-v{number}" if number else "")
        suffix = "red-flags" if table == "flags" else table
        return csv_response(f"{name}-{suffix}", *insight_tables.case_table(data, table))
    return render_template(
        "author/insight_case.html",
        record=record,
        data=data,
        number=number,
        versions=[v.number for v in reversed(record.versions)],
        band_labels=BAND_LABELS,
    )


@bp.route("/insight/mistakes")
@requires(Action.AUTHOR)
def mistakes():
    academy_id = need_academy()
    data = insight.common_mistakes(academy_id)
    table = request.args.get("csv")
    if table in insight_tables.MISTAKES_TABLES:
        return csv_response(
            insight_tables.MISTAKES_FILES[table], *insight_tables.mistakes_table(data, table)
        )
    return render_template(
        "author/mistakes.html",
        data=data,
        band_labels=BAND_LABELS,
        questions=paginate_list(data.questions, per_page=20, anchor="questions"),
        overdone=paginate_list(data.cases, param="cases_page", per_page=20, anchor="overdone"),
    )
