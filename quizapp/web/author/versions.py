"""Publish, retire, discard, clone and History, for cases and modules alike."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.extensions import db
from quizapp.permissions import Action, requires
from quizapp.services.authoring import lifecycle, records
from quizapp.web.author.common import (
    bp,
    check_csrf,
    item_url,
    need_academy,
    owned_or_404,
    segment_kind,
    visible_or_404,
)
from quizapp.web.pagination import paginate_list


@bp.route("/<segment>/<int:record_id>/publish", methods=["POST"])
@requires(Action.AUTHOR)
def publish(segment: str, record_id: int):
    record = owned_or_404(segment_kind(segment), record_id)
    check_csrf()
    try:
        version = lifecycle.publish(record, current_user)
    except records.AuthoringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Version {version.number} is published: trainees see it now.", "success")
    return redirect(item_url(record))


@bp.route("/<segment>/<int:record_id>/retire", methods=["POST"])
@requires(Action.AUTHOR)
def retire(segment: str, record_id: int):
    record = owned_or_404(segment_kind(segment), record_id)
    check_csrf()
    try:
        lifecycle.retire(record, current_user)
    except records.AuthoringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Retired: trainees no longer see it. Past attempts keep their scores.", "success")
    return redirect(item_url(record))


@bp.route("/<segment>/<int:record_id>/discard", methods=["POST"])
@requires(Action.AUTHOR)
def discard(segment: str, record_id: int):
    record = owned_or_404(segment_kind(segment), record_id)
    check_csrf()
    try:
        gone = lifecycle.discard_draft(record, current_user)
    except records.AuthoringError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(item_url(record))
    db.session.commit()
    flash("The draft was discarded.", "success")
    return redirect(url_for("author.index") if gone else item_url(record))


@bp.route("/<segment>/<int:record_id>/clone", methods=["POST"])
@requires(Action.AUTHOR)
def clone(segment: str, record_id: int):
    kind = segment_kind(segment)
    record = visible_or_404(kind, record_id)
    academy_id = need_academy()
    check_csrf()
    try:
        copy = lifecycle.clone(record, academy_id, current_user, request.form.get("title"))
    except (records.AuthoringError, records.ContentInvalid) as error:
        db.session.rollback()
        flash(
            str(error) if isinstance(error, records.AuthoringError) else "It cannot be cloned.",
            "error",
        )
        return redirect(item_url(record))
    db.session.commit()
    flash(f"Cloned into your academy as {copy.slug} (a draft). Adapt it, then publish.", "success")
    return redirect(item_url(copy))


@bp.route("/<segment>/<int:record_id>/history")
@requires(Action.AUTHOR)
def history(segment: str, record_id: int):
    kind = segment_kind(segment)
    record = visible_or_404(kind, record_id)
    versions, entries = lifecycle.history(record)
    numbers = [v.number for v in versions]
    new = request.args.get("to", type=int) or (numbers[0] if numbers else None)
    old = request.args.get("from", type=int)
    if old is None and new is not None:
        old = max((n for n in numbers if n < new), default=None)
    diff = None
    if old is not None and new is not None:
        a, b = records.version_of(record, old), records.version_of(record, new)
        if a is None or b is None:
            abort(404)
        diff = lifecycle.diff_lines(a.source_text, b.source_text)
    return render_template(
        "author/history.html",
        record=record,
        kind=kind,
        segment=segment,
        versions=versions,
        version_page=paginate_list(versions, param="versions_page", anchor="versions"),
        entries=paginate_list(entries, anchor="actions"),
        diff=diff,
        old=old,
        new=new,
    )
