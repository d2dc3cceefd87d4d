"""Complication drills for trainees: the list, the drill on the server's clock, the result.

Every action is a plain form POST (one small form per action, its dose choices inside it), so a
drill plays by keyboard and without JavaScript; the elapsed time shown is the server's.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.domain.drills import OUTCOME_LABELS, VERDICT_LABELS
from quizapp.domain.sources import SOURCES
from quizapp.extensions import db
from quizapp.models import AttemptStatus, DrillAttempt
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.learning import drills
from quizapp.web.forms import EmptyForm

bp = Blueprint("drills", __name__, url_prefix="/learn/drills")


@bp.route("/")
@requires(Action.LEARN)
def index():
    progress = drills.drill_progress(current_user.id, current_academy_id())
    return render_template(
        "drills/index.html", progress=progress, outcome_labels=OUTCOME_LABELS, form=EmptyForm()
    )


@bp.route("/<slug>/start", methods=["POST"])
@requires(Action.LEARN)
def start(slug: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    academy_id = current_academy_id()
    listed = next(iter(drills.drill_listing(academy_id, [slug])), None)
    if listed is None or academy_id is None:
        abort(404)
    attempt = drills.start_or_resume(current_user.id, academy_id, listed, now_utc())
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for("drills.play", attempt_id=attempt_id))


def _own_attempt(attempt_id: int) -> DrillAttempt:
    attempt = drills.attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@bp.route("/attempts/<int:attempt_id>")
@requires(Action.LEARN)
def play(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for("drills.result", attempt_id=attempt_id))
    drill = drills.drill_content(attempt.drill_version)
    taken = drills.taken_actions(attempt)
    return render_template(
        "drills/play.html",
        attempt=attempt,
        drill=drill,
        taken=taken,
        stages=drill.stages_seen(t.action for t in taken),
        elapsed=drills.elapsed_seconds(attempt, now_utc()),
        form=EmptyForm(),
    )


@bp.route("/attempts/<int:attempt_id>/act", methods=["POST"])
@requires(Action.LEARN)
def act(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    dose = {
        key.removeprefix("dose-"): value
        for key, value in request.form.items()
        if key.startswith("dose-")
    }
    try:
        drills.take_action(attempt, request.form.get("action", ""), dose, now_utc())
    except drills.DrillRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        db.session.commit()
    return redirect(url_for("drills.play", attempt_id=attempt_id) + "#taken")


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@requires(Action.LEARN)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    drills.submit(attempt, now_utc())
    db.session.commit()
    return redirect(url_for("drills.result", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/result")
@requires(Action.LEARN)
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status is not AttemptStatus.SUBMITTED:
        return redirect(url_for("drills.play", attempt_id=attempt_id))
    drill = drills.drill_content(attempt.drill_version)
    return render_template(
        "drills/result.html",
        attempt=attempt,
        drill=drill,
        result=attempt.result or {},
        outcome_labels=OUTCOME_LABELS,
        verdict_labels=VERDICT_LABELS,
        sources=SOURCES,
    )
