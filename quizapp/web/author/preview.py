"""Case preview and Question preview: exactly what a trainee sees, with nothing recorded.

The case preview runs the trainee's player (web/player.py) on an attempt kept in the session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for

from quizapp.domain import quiz
from quizapp.domain.case import Case
from quizapp.domain.scoring import score_case_attempt
from quizapp.models import AttemptStatus, CaseStep, CaseVersion
from quizapp.permissions import Action, requires
from quizapp.services.authoring import cases, modules, records
from quizapp.services.learning import casestudy
from quizapp.web import answers, player
from quizapp.web.author.common import bp, check_csrf, visible_or_404
from quizapp.web.forms import EmptyForm

PREVIEW_KEY = "author_preview"


@dataclass
class PreviewAttempt(player.HeldInMemory):
    """The preview's attempt (a `player.PlayableAttempt`): it lives in the session, so a preview
    writes nothing to the database."""

    version_id: int
    step: str = CaseStep.PATIENT.value
    grades: dict = field(default_factory=dict)
    red_flags: list = field(default_factory=list)
    disposition: str | None = None
    plan_items: list = field(default_factory=list)
    submitted: bool = False
    result: dict | None = None
    id: int = 0

    @property
    def status(self) -> AttemptStatus:
        return AttemptStatus.SUBMITTED if self.submitted else AttemptStatus.IN_PROGRESS

    def state(self) -> dict[str, Any]:
        return {
            "version_id": self.version_id,
            "step": self.step,
            "grades": self.grades,
            "red_flags": self.red_flags,
            "disposition": self.disposition,
            "plan_items": self.plan_items,
            "submitted": self.submitted,
        }


def _preview_state(version_id: int) -> PreviewAttempt:
    saved = session.get(PREVIEW_KEY) or {}
    if not isinstance(saved, dict) or saved.get("version_id") != version_id:
        return PreviewAttempt(version_id)
    try:
        return PreviewAttempt(**saved)
    except TypeError:  # a preview saved by an older release: start again
        return PreviewAttempt(version_id)


@dataclass
class PreviewPlay:
    """A preview in the player (a `player.Play`): each step is kept in the session, a plan is
    scored without a record. The templates reach its links as `preview`."""

    attempt: PreviewAttempt
    version: CaseVersion
    case_id: int
    number: int

    @property
    def case(self) -> Case:
        return cases.case_of(self.version)

    def url(self, step: str) -> str:
        return url_for("author.case_preview", case_id=self.case_id, number=self.number, step=step)

    @property
    def back_url(self) -> str:
        return url_for("author.case_view", case_id=self.case_id)

    @property
    def restart_url(self) -> str:
        return url_for("author.case_preview_start", case_id=self.case_id, number=self.number)

    def submit(self) -> None:
        if casestudy.plan_problems(self.attempt):
            raise casestudy.StepRefused(player.PLAN_NOT_READY)
        self.attempt.submitted = True
        self.attempt.step = CaseStep.RESULT.value

    def keep(self) -> None:
        session[PREVIEW_KEY] = self.attempt.state()

    def refused(self) -> None:
        self.keep()  # like the trainee's, plan rows typed before a refused submission stay

    def page_context(self) -> dict[str, Any]:
        attempt = self.attempt
        if attempt.submitted:
            plan = casestudy.build_plan(attempt)
            attempt.result = score_case_attempt(
                self.case, attempt.grades, attempt.red_flags, plan.disposition, plan
            ).to_dict()
        return {"preview": self, "preview_version": self.version}


def _version_or_404(case_id: int, number: int) -> CaseVersion:
    version = records.version_of(visible_or_404("case", case_id), number)
    if version is None:
        abort(404)
    return version


@bp.route("/cases/<int:case_id>/v<int:number>/preview", methods=["POST"])
@requires(Action.AUTHOR)
def case_preview_start(case_id: int, number: int):
    version = _version_or_404(case_id, number)
    check_csrf()
    session[PREVIEW_KEY] = PreviewAttempt(version.id).state()
    return redirect(url_for("author.case_preview", case_id=case_id, number=number, step="patient"))


@bp.route("/cases/<int:case_id>/v<int:number>/preview/<step>", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_preview(case_id: int, number: int, step: str):
    version = _version_or_404(case_id, number)
    run = PreviewPlay(_preview_state(version.id), version, case_id, number)
    return player.play(run, step)


PREVIEW_SEED = "preview"


@bp.route("/modules/<int:module_id>/v<int:number>/preview/<int:position>", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def question_preview(module_id: int, number: int, position: int):
    """A question as the trainee sees it; answering shows its marking. Nothing is recorded."""
    record = visible_or_404("module", module_id)
    version = records.version_of(record, number)
    if version is None:
        abort(404)
    module = modules.module_of(version)
    if module is None or not 1 <= position <= len(module.questions):
        abort(404)
    question = module.questions[position - 1]
    form = EmptyForm()
    graded = None
    saved: Any = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        response = answers.response_from_form(question, PREVIEW_SEED, module.shuffle, request.form)
        graded = quiz.grade(question, response)
        saved = answers.displayed_answer(question, PREVIEW_SEED, module.shuffle, response)
    public = quiz.question_public_view(question, PREVIEW_SEED, shuffle=module.shuffle)
    return render_template(
        "author/preview_question.html",
        record=record,
        version=version,
        module=module,
        question=public,
        full=question,
        number=position,
        graded=graded,
        saved=saved,
        form=form,
    )
