"""Module and Module settings, and a module with its cases as a zip (export and import)."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from quizapp.extensions import db
from quizapp.models.content import Status
from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.authoring import modules, records, zips
from quizapp.web.author.common import (
    bp,
    export_version_or_404,
    flash_saved,
    need_academy,
    owned_or_404,
    visible_or_404,
)
from quizapp.web.author.forms import (
    MODULE_FIELDS,
    QUESTION_TYPE_LABELS,
    ModuleForm,
    ModuleZipForm,
    OwnIssue,
    Problems,
    keys_of,
    number_of,
    place,
    shown,
    text_of,
)
from quizapp.web.forms import EmptyForm


def _module_choices(form: ModuleForm, academy_id: int | None, own_slug: str | None) -> None:
    module_rows = records.content_rows("module", academy_id)
    case_rows = records.content_rows("case", academy_id)
    form.prerequisites.choices = [
        SelectChoice(m.slug, f"{m.title} ({m.slug})") for m in module_rows if m.slug != own_slug
    ]
    form.cases.choices = [SelectChoice(c.slug, f"{c.title} ({c.slug})") for c in case_rows]


def module_form_data(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": shown(data.get("id")),
        "title": shown(data.get("title")),
        "order": shown(data.get("order")),
        "summary": shown(data.get("summary")),
        "prerequisites": list(data.get("prerequisites") or []),
        "pass_mark": shown(data.get("pass_mark")),
        "max_attempts": shown(data.get("max_attempts")),
        "grading": data.get("grading") or "highest",
        "time_limit_minutes": shown(data.get("time_limit_minutes")),
        "shuffle": bool(data.get("shuffle", True)),
        "cases": list(data.get("cases") or []),
        "references": " ".join(data.get("references") or []),
    }


def module_settings(form: ModuleForm, base: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """Module data with the settings from the form (questions kept), and the field map."""
    data = {
        "id": text_of(form.id.data),
        "title": text_of(form.title.data),
        "order": number_of(text_of(form.order.data)),
        "summary": text_of(form.summary.data),
        "prerequisites": list(form.prerequisites.data or []),
        "pass_mark": number_of(text_of(form.pass_mark.data)),
        "max_attempts": number_of(text_of(form.max_attempts.data)),
        "grading": form.grading.data or "highest",
        "time_limit_minutes": number_of(text_of(form.time_limit_minutes.data)),
        "shuffle": bool(form.shuffle.data),
        "cases": list(form.cases.data or []),
        # Kept from the file (set in the YAML editor): the estimated study time for CPD.
        **({"cpd_hours": base["cpd_hours"]} if base.get("cpd_hours") is not None else {}),
        "references": keys_of(form.references.data or ""),
        "questions": modules.questions_of(base),
    }
    fmap = {name: getattr(form, name).id for name in MODULE_FIELDS}
    return data, fmap


@bp.route("/modules/new", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_new():
    academy_id = need_academy()
    form = (
        ModuleForm()
        if request.method == "POST"
        else ModuleForm(
            formdata=None, data={"grading": "highest", "shuffle": True, "pass_mark": "70"}
        )
    )
    _module_choices(form, academy_id, None)
    problems = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        data, fmap = module_settings(form, {"questions": []})
        try:
            record = modules.create_module(academy_id, current_user, data)
        except records.ContentInvalid as error:
            db.session.rollback()
            problems = place(error.issues, fmap)
        else:
            db.session.commit()
            flash("Module created as a draft. Add its questions next.", "success")
            return redirect(url_for("author.module_view", module_id=record.id))
    return (
        render_template(
            "author/module_form.html", form=form, record=None, problems=problems or Problems()
        ),
        422 if problems else 200,
    )


@bp.route("/modules/<int:module_id>/settings", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_settings_edit(module_id: int):
    record = owned_or_404("module", module_id)
    base = modules.module_data(records.latest(record))
    if request.method == "POST":
        form = ModuleForm()
        form.id.data = record.slug
    else:
        form = ModuleForm(formdata=None, data=module_form_data(base))
    _module_choices(form, record.academy_id, record.slug)
    problems = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        data, fmap = module_settings(form, base)
        try:
            version, changed = modules.save_module_data(record, current_user, data)
        except records.ContentInvalid as error:
            db.session.rollback()
            problems = place(error.issues, fmap)
        else:
            db.session.commit()
            flash_saved(version, changed)
            return redirect(url_for("author.module_view", module_id=record.id))
    return (
        render_template(
            "author/module_form.html", form=form, record=record, problems=problems or Problems()
        ),
        422 if problems else 200,
    )


@bp.route("/modules/<int:module_id>")
@requires(Action.AUTHOR)
def module_view(module_id: int):
    record = visible_or_404("module", module_id)
    current = records.latest(record)
    data = modules.module_data(current)
    problems = (
        modules.module_publish_problems(record, current) if current.status is Status.DRAFT else []
    )
    academy_id = record.academy_id or current_academy_id()
    return render_template(
        "author/module.html",
        record=record,
        current=current,
        published=record.latest_published(),
        data=data,
        # Settings name modules and cases by title (their ids alone say little).
        module_titles={m.slug: m.title for m in records.content_rows("module", academy_id)},
        case_titles={c.slug: c.title for c in records.content_rows("case", academy_id)},
        questions=modules.questions_of(data),
        own=record.academy_id is not None,
        publish_problems=problems,
        type_labels=QUESTION_TYPE_LABELS,
        form=EmptyForm(),
    )


@bp.route("/modules/<int:module_id>/export.zip")
@requires(Action.AUTHOR)
def module_export(module_id: int):
    record = visible_or_404("module", module_id)
    version = export_version_or_404(record)
    payload = zips.module_zip(record, version, current_academy_id())
    return Response(
        payload,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{record.slug}-v{version.number}.zip"'
        },
    )


@bp.route("/modules/import", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_import():
    """Import a module with its cases from a zip: checked like uploads, all or nothing."""
    academy_id = need_academy()
    form = ModuleZipForm()
    issues: list[Any] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = form.file.data
        raw = upload.read() if upload is not None and getattr(upload, "filename", "") else b""
        if not raw:
            issues = [OwnIssue("", "choose a module zip file")]
        else:
            try:
                done = zips.import_module_zip(academy_id, current_user, raw, upload.filename)
            except records.ContentInvalid as error:
                db.session.rollback()
                issues = error.issues
            else:
                own_cases = len(done.cases_created) + len(done.cases_updated)
                bank = len(done.cases_from_bank)
                message = (
                    f"{'Imported' if done.created else 'Updated'} module {done.record.slug} as a "
                    f"draft, with {own_cases} case(s) of your own"
                    + (f" and {bank} from the bank." if bank else ".")
                )
                target = url_for("author.module_view", module_id=done.record.id)
                db.session.commit()  # the answer is ready: no read after the commit can fail it
                flash(message, "success")
                return redirect(target)
    return (
        render_template(
            "author/module_import.html",
            form=form,
            issues=issues,
            max_entries=zips.ZIP_MAX_ENTRIES,
            max_file_kib=zips.ZIP_MAX_FILE_BYTES // 1024,
        ),
        422 if issues else 200,
    )
