"""The YAML editor, for cases, modules and drills alike."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request
from flask_login import current_user

from quizapp.extensions import db
from quizapp.permissions import Action, requires
from quizapp.services.authoring import cases, drills, modules, records
from quizapp.web.author.common import bp, flash_saved, item_url, owned_or_404
from quizapp.web.author.forms import YamlForm


@bp.route("/cases/<int:case_id>/yaml", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_yaml(case_id: int):
    record = owned_or_404("case", case_id)
    return yaml_editor(record)


@bp.route("/modules/<int:module_id>/yaml", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_yaml(module_id: int):
    record = owned_or_404("module", module_id)
    return yaml_editor(record)


def yaml_editor(record):
    kind = records.kind_of(record)
    form = YamlForm()
    issues: list[Any] = []
    if request.method == "GET":
        form.text.data = records.latest(record).source_text
    else:
        if not form.validate_on_submit():
            abort(400)
        text = (form.text.data or "").replace("\r\n", "\n")
        try:
            if kind == "case":
                version, changed = cases.save_case(record, current_user, text, "yaml")
            elif kind == "drill":
                version, changed = drills.save_drill(record, current_user, text, "yaml")
            else:
                version, changed = modules.save_module(record, current_user, text, "yaml")
        except records.ContentInvalid as error:
            db.session.rollback()
            issues = error.issues
        else:
            db.session.commit()
            flash_saved(version, changed)
            return redirect(item_url(record))
    return (
        render_template("author/yaml.html", form=form, record=record, kind=kind, issues=issues),
        422 if issues else 200,
    )
