"""The trainee's case studies: the list, starting one, and the player on their own attempt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.domain.case import Case
from quizapp.domain.terms import BAND_LABELS
from quizapp.extensions import db
from quizapp.formats.plans import PlanFileError
from quizapp.models import CaseAttempt
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.learning import casestudy
from quizapp.web import player
from quizapp.web.certificates import announce
from quizapp.web.forms import EmptyForm

bp = Blueprint("cases", __name__, url_prefix="/learn/cases")


@bp.route("/")
@requires(Action.LEARN)
def index():
    progress = casestudy.case_progress(current_user.id, current_academy_id())
    return render_template(
        "cases/index.html", progress=progress, band_labels=BAND_LABELS, form=EmptyForm()
    )


@bp.route("/<slug>/start", methods=["POST"])
@requires(Action.LEARN)
def start(slug: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    academy_id = current_academy_id()
    listed = casestudy.find_listed(slug, academy_id)
    if listed is None or academy_id is None:
        abort(404)
    attempt = casestudy.start_or_resume(current_user.id, academy_id, listed, now_utc())
    db.session.commit()
    return redirect(url_for("cases.step", attempt_id=attempt.id, step=attempt.step))


def _own_attempt(attempt_id: int) -> CaseAttempt:
    attempt = casestudy.attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


@dataclass
class TraineePlay:
    """The trainee's own attempt in the player: every step is committed; a refused one is
    rolled back."""

    attempt: CaseAttempt
    attempt_id: int  # redirects after a commit use it, not the expired attempt

    @property
    def case(self) -> Case:
        return casestudy.attempt_case(self.attempt)

    def url(self, step: str) -> str:
        return url_for("cases.step", attempt_id=self.attempt_id, step=step)

    def submit(self) -> None:
        try:
            submitted = casestudy.submit(
                self.attempt, now_utc(), request.form.get("submission_token")
            )
        except PlanFileError:
            db.session.commit()  # keep the rows as typed; the page lists what to fix
            raise casestudy.StepRefused(player.PLAN_NOT_READY) from None
        if submitted is not None:
            announce(submitted.certificates)

    def keep(self) -> None:
        db.session.commit()

    def refused(self) -> None:
        db.session.rollback()

    def page_context(self) -> dict[str, Any]:
        return {}


@bp.route("/attempts/<int:attempt_id>/<step>", methods=["GET", "POST"])
@requires(Action.LEARN)
def step(attempt_id: int, step: str):
    return player.play(TraineePlay(_own_attempt(attempt_id), attempt_id), step)
