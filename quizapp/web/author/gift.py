"""Moodle GIFT import into a module draft, and a module version as GIFT."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, request
from flask_login import current_user

from quizapp.extensions import db
from quizapp.permissions import Action, requires
from quizapp.services.authoring import gift
from quizapp.web.author.common import bp, export_version_or_404, owned_or_404, visible_or_404
from quizapp.web.author.forms import GiftForm, keys_of, text_of


@bp.route("/modules/<int:module_id>/gift", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def gift_import(module_id: int):
    record = owned_or_404("module", module_id)
    form = GiftForm()
    outcome = None
    text = ""
    source = "the pasted text"
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = form.file.data
        if upload is not None and getattr(upload, "filename", ""):
            source = upload.filename
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                flash("The file is not UTF-8 text; save it as UTF-8 and try again.", "error")
                return render_template(
                    "author/gift.html", form=form, record=record, outcome=None, text=""
                ), 422
        else:
            text = (form.text.data or "").replace("\r\n", "\n")
        outcome = gift.import_gift(
            record,
            current_user,
            text,
            default_topic=text_of(form.default_topic.data),
            default_references=keys_of(form.default_references.data or ""),
        )
        if outcome.imported:
            db.session.commit()
            skipped = outcome.count("skipped")
            flash(
                f"Imported {outcome.imported} question(s) into the draft"
                + (f"; {skipped} skipped, as the report says." if skipped else "."),
                "success",
            )
        else:
            db.session.rollback()
        form.text.data = text
    return (
        render_template(
            "author/gift.html", form=form, record=record, outcome=outcome, text=text, source=source
        ),
        422 if outcome is not None and not outcome.imported else 200,
    )


@bp.route("/modules/<int:module_id>/gift.txt")
@requires(Action.AUTHOR)
def gift_export(module_id: int):
    record = visible_or_404("module", module_id)
    version = export_version_or_404(record)
    text, skipped = gift.gift_for(version, f"{record.title} (v{version.number})")
    return Response(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{record.slug}-v{version.number}.gift.txt"'
            ),
            "X-Quizapp-Skipped": ",".join(qid for qid, _ in skipped),
        },
    )
