"""Drill, New drill (a YAML editor), Drill preview and the YAML export of a drill version.

Drills are written as YAML (docs/drills.md), like a case in the YAML editor: the text is kept as
written once it passes the checks of `flask cases validate`, and problems are listed with their
line and field. Publishing, retiring, discarding, cloning and History are the shared lifecycle
pages (versions.py), under /author/drills/<id>/...
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.extensions import db
from quizapp.permissions import Action, requires
from quizapp.services.authoring import drills, records
from quizapp.web.author.common import (
    bp,
    flash_saved,
    need_academy,
    owned_or_404,
    visible_or_404,
    yaml_download,
)
from quizapp.web.author.forms import YamlForm
from quizapp.web.forms import EmptyForm


@bp.route("/drills/<int:drill_id>")
@requires(Action.AUTHOR)
def drill_view(drill_id: int):
    record = visible_or_404("drill", drill_id)
    current = records.latest(record)
    number = request.args.get("version", type=int)
    shown = records.version_of(record, number) if number else current
    if shown is None:
        abort(404)
    return render_template(
        "author/drill.html",
        record=record,
        current=current,
        shown=shown,
        published=record.latest_published(),
        drill=drills.drill_of(shown),
        own=record.academy_id is not None,
        form=EmptyForm(),
    )


@bp.route("/drills/new", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def drill_new():
    academy_id = need_academy()
    form = YamlForm()
    issues: list[Any] = []
    if request.method == "GET":
        form.text.data = drills.NEW_DRILL
    else:
        if not form.validate_on_submit():
            abort(400)
        text = (form.text.data or "").replace("\r\n", "\n")
        try:
            record = drills.create_drill(academy_id, current_user, text, "drill")
        except records.ContentInvalid as error:
            db.session.rollback()
            issues = error.issues
        else:
            target = url_for("author.drill_view", drill_id=record.id)
            db.session.commit()
            flash_saved(records.latest(record), True)
            return redirect(target)
    return (
        render_template("author/drill_new.html", form=form, issues=issues),
        422 if issues else 200,
    )


@bp.route("/drills/<int:drill_id>/yaml", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def drill_yaml(drill_id: int):
    from quizapp.web.author.yaml_editor import yaml_editor

    return yaml_editor(owned_or_404("drill", drill_id))


@bp.route("/drills/<int:drill_id>/export")
@requires(Action.AUTHOR)
def drill_export(drill_id: int):
    return yaml_download(visible_or_404("drill", drill_id))
