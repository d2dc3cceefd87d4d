"""Case preview and Question preview: exactly what a trainee sees, with nothing recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from quizapp.domain import quiz
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring import score_case_attempt
from quizapp.domain.terms import (
    BAND_LABELS,
    DISPOSITION_LABELS,
    VERDICT_LABELS,
)
from quizapp.models import AttemptStatus, CaseStep
from quizapp.permissions import Action, requires
from quizapp.services.authoring import (
    cases,
    modules,
    records,
)
from quizapp.services.learning import casestudy
from quizapp.web import answers, player
from quizapp.web.author import (
    bp,
    check_csrf,
    visible_or_404,
)
from quizapp.web.forms import EmptyForm

PREVIEW_KEY = "author_preview"


@dataclass
class PreviewAttempt:
    """Stands in for a CaseAttempt in the player's templates and step functions; it lives in
    the session, so a preview writes nothing to the database."""

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


@dataclass(frozen=True)
class PreviewLinks:
    """What the player's templates need to link within the preview instead of an attempt."""

    case_id: int
    number: int

    def url(self, step: str) -> str:
        return url_for("author.case_preview", case_id=self.case_id, number=self.number, step=step)

    @property
    def back_url(self) -> str:
        return url_for("author.case_view", case_id=self.case_id)

    @property
    def restart_url(self) -> str:
        return url_for("author.case_preview_start", case_id=self.case_id, number=self.number)


def _preview_state(version_id: int) -> PreviewAttempt:
    saved = session.get(PREVIEW_KEY) or {}
    if not isinstance(saved, dict) or saved.get("version_id") != version_id:
        return PreviewAttempt(version_id)
    try:
        return PreviewAttempt(**saved)
    except TypeError:  # a preview saved by an older release: start again
        return PreviewAttempt(version_id)


@bp.route("/cases/<int:case_id>/v<int:number>/preview", methods=["POST"])
@requires(Action.AUTHOR)
def case_preview_start(case_id: int, number: int):
    record = visible_or_404("case", case_id)
    version = records.version_of(record, number)
    if version is None:
        abort(404)
    check_csrf()
    session[PREVIEW_KEY] = PreviewAttempt(version.id).state()
    return redirect(url_for("author.case_preview", case_id=case_id, number=number, step="patient"))


@bp.route("/cases/<int:case_id>/v<int:number>/preview/<step>", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_preview(case_id: int, number: int, step: str):
    record = visible_or_404("case", case_id)
    version = records.version_of(record, number)
    if version is None:
        abort(404)
    try:
        current = CaseStep(step)
    except ValueError:
        abort(404)
    attempt = _preview_state(version.id)
    links = PreviewLinks(case_id, number)
    if not casestudy.may_open(attempt, current):
        target = "result" if attempt.submitted else attempt.step
        return redirect(links.url(target))
    case = cases.case_of(version)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            next_step = _preview_post(attempt, current, case)
        except casestudy.StepRefused as refusal:
            flash(str(refusal), "error")
            next_step = current.value
        session[PREVIEW_KEY] = attempt.state()
        return redirect(links.url(next_step))
    if attempt.submitted:
        attempt.result = _preview_score(attempt, case).to_dict()
    context = {
        "attempt": attempt,
        "case": case,
        "form": form,
        "step": current,
        "steps": casestudy.STEPS,
        "open_steps": {s for s in casestudy.STEPS if casestudy.may_open(attempt, s)},
        "grades_scale": player.GRADES,
        "dispositions": DISPOSITION_LABELS,
        "band_labels": BAND_LABELS,
        "verdict_labels": VERDICT_LABELS,
        "preview": links,
        "preview_version": version,
    }
    if current is CaseStep.CANDIDACY:
        context["red_flags"] = sorted(RED_FLAGS.values(), key=lambda f: f.label)
    if current is CaseStep.PLAN:
        context.update(player.plan_context(attempt))
    if current is CaseStep.RESULT:
        context["red_flag_labels"] = {k: v.label for k, v in RED_FLAGS.items()}
    return render_template(f"cases/{current.value}.html", **context)


def _preview_score(attempt: PreviewAttempt, case):
    plan = casestudy.build_plan(attempt)
    return score_case_attempt(
        case, attempt.grades or {}, attempt.red_flags or [], plan.disposition, plan
    )


def _preview_post(attempt: PreviewAttempt, current: CaseStep, case) -> str:
    """The trainee player's step functions, applied to the preview; scoring without a record."""
    if current is CaseStep.PATIENT:
        casestudy.finish_reading(attempt)
        return CaseStep.ASSESSMENT.value
    if current is CaseStep.ASSESSMENT:
        casestudy.save_assessment(attempt, player.grades_from_form(request.form))
        return CaseStep.CANDIDACY.value
    if current is CaseStep.CANDIDACY:
        casestudy.save_candidacy(
            attempt, request.form.getlist("flag"), request.form.get("disposition")
        )
        return CaseStep.PLAN.value
    if current is CaseStep.PLAN:
        casestudy.save_plan_rows(attempt, player.rows_from_form(request.form))
        if request.form.get("go") != "submit":
            return CaseStep.PLAN.value
        if casestudy.plan_problems(attempt):
            raise casestudy.StepRefused("The plan has problems to fix before it can be scored.")
        _preview_score(attempt, case)
        attempt.submitted = True
        attempt.step = CaseStep.RESULT.value
        return CaseStep.RESULT.value
    raise casestudy.StepRefused("This step cannot be changed.")


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
