"""Case, Case editor, Upload a case and the YAML export of a case version."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.terms import BAND_LABELS, VERDICT_LABELS
from quizapp.extensions import db
from quizapp.formats.cases import case_to_dict
from quizapp.permissions import Action, requires
from quizapp.services.authoring import cases, content, records
from quizapp.web.author.case_form import (
    NEW_CASE,
    case_data,
    case_form_data,
    pad_case_form,
    place_case_issues,
)
from quizapp.web.author.common import (
    bp,
    flash_saved,
    need_academy,
    owned_or_404,
    visible_or_404,
    yaml_download,
)
from quizapp.web.author.forms import CaseForm, OwnIssue, Problems, UploadForm
from quizapp.web.forms import EmptyForm


@bp.route("/cases/<int:case_id>")
@requires(Action.AUTHOR)
def case_view(case_id: int):
    record = visible_or_404("case", case_id)
    current = records.latest(record)
    case = cases.case_of(current)
    warnings = [str(w.message) for w in content.candidate_plan_issues("", case)]
    return render_template(
        "author/case.html",
        record=record,
        current=current,
        published=record.latest_published(),
        case=case,
        own=record.academy_id is not None,
        warnings=warnings,
        form=EmptyForm(),
        verdict_labels=VERDICT_LABELS,
        band_labels=BAND_LABELS,
    )


def _render_case_form(form, record, problems: Problems | None, status: int = 200):
    return (
        render_template(
            "author/case_form.html",
            form=form,
            record=record,
            problems=problems or Problems(),
            flags=list(RED_FLAGS.values()),
        ),
        status,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_new():
    academy_id = need_academy()
    if request.method == "GET":
        form = CaseForm(formdata=None, data=NEW_CASE)
        pad_case_form(form)
        return _render_case_form(form, None, None)
    return _save_case_form(None, academy_id)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_edit(case_id: int):
    record = owned_or_404("case", case_id)
    if request.method == "GET":
        case = cases.case_of(records.latest(record))
        form = CaseForm(formdata=None, data=case_form_data(case_to_dict(case)))
        pad_case_form(form)
        return _render_case_form(form, record, None)
    return _save_case_form(record, record.academy_id)


def _save_case_form(record, academy_id: int):
    form = CaseForm()
    if record is not None:
        form.id.data = record.slug  # the id of a saved case never changes
    if not form.validate_on_submit():
        abort(400)
    more = request.form.get("more")
    if more:
        pad_case_form(form, more)
        return _render_case_form(form, record, None)
    data, fmap, own = case_data(form)
    issues = list(own)
    if not issues:
        try:
            record, version, changed = cases.save_case_from_data(
                record, academy_id, current_user, data
            )
        except records.ContentInvalid as error:
            db.session.rollback()
            issues = error.issues
        else:
            db.session.commit()
            flash_saved(version, changed)
            return redirect(url_for("author.case_view", case_id=record.id))
    pad_case_form(form)
    return _render_case_form(form, record, place_case_issues(issues, fmap), 422)


@bp.route("/cases/upload", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_upload():
    academy_id = need_academy()
    form = UploadForm()
    issues: list[Any] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = form.file.data
        if upload is not None and getattr(upload, "filename", ""):
            raw, name = upload.read(), upload.filename
        else:
            raw, name = (form.text.data or "").replace("\r\n", "\n").encode("utf-8"), "pasted.yaml"
        if not raw.strip():
            issues = [OwnIssue("", "choose a file or paste a case")]
        else:
            try:
                record, created = cases.upload_case(academy_id, current_user, raw, name)
            except records.ContentInvalid as error:
                db.session.rollback()
                issues = error.issues
            else:
                version = records.latest(record)
                message = (
                    f"Imported {record.slug} as a new case (draft version {version.number})."
                    if created
                    else f"Saved {record.slug} as draft version {version.number}."
                )
                target = url_for("author.case_view", case_id=record.id)
                # The answer is ready before the commit: no read after it can fail a saved upload.
                db.session.commit()
                flash(message, "success")
                return redirect(target)
    return (
        render_template("author/upload.html", form=form, issues=issues),
        422 if issues else 200,
    )


@bp.route("/cases/<int:case_id>/export")
@requires(Action.AUTHOR)
def case_export(case_id: int):
    return yaml_download(visible_or_404("case", case_id))
