"""The case player: one set of steps (patient, assessment, candidacy, plan, result) for the
trainee's attempt and the educator's preview.

The player decides which step may open, applies a step's form through the step functions of
services/learning/casestudy.py and renders the step's page. What differs between the trainee and
the preview (where a step lives, how a plan is scored, how a change is kept) is a `Play`.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask import abort, flash, redirect, render_template, request
from werkzeug.datastructures import MultiDict

from quizapp.domain.case import Case
from quizapp.domain.face import ENZYME_IDS, FILLER_IDS, GRADES, PRODUCTS, TOXIN_IDS, ZONE_IDS, ZONES
from quizapp.domain.numbers import parse_int
from quizapp.domain.plan import MAX_ITEMS, PLAN_ROW_KEYS, running_totals
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.terms import (
    BAND_LABELS,
    DISPOSITION_LABELS,
    VERDICT_LABELS,
    Depth,
    Disposition,
    Side,
)
from quizapp.models import AttemptStatus, CaseStep
from quizapp.services.learning import casestudy
from quizapp.web.forms import EmptyForm
from quizapp.web.plandata import default_side

#: Said when a plan is submitted with rows that cannot be scored (they are kept, with the list).
PLAN_NOT_READY = "The plan has problems to fix before it can be scored."


class PlayableAttempt(Protocol):
    """An attempt the player can drive: what the step functions read and change. A CaseAttempt
    is one; so is the preview's attempt, which lives in the session."""

    id: int
    step: str
    grades: dict[str, Any] | None
    red_flags: list[str] | None
    disposition: str | None
    plan_items: list[dict[str, str]] | None

    @property
    def status(self) -> AttemptStatus: ...

    def change(self, reach: CaseStep | None = None, **answers: Any) -> None:
        """Write a step's answers and reach a later step (refused once submitted)."""


class HeldInMemory:
    """`change` for an attempt kept outside the database (the preview's lives in the session):
    the step functions' write changes the object itself."""

    step: str

    def change(self, reach: CaseStep | None = None, **answers: Any) -> None:
        for key, value in answers.items():
            setattr(self, key, value)
        if reach is not None and casestudy.step_index(reach.value) > casestudy.step_index(
            self.step
        ):
            self.step = reach.value


class Play(Protocol):
    """One attempt being played: where its steps are, how its plan is scored, and what happens
    to a step's changes once the step is done (`keep`) or refused (`refused`)."""

    attempt: PlayableAttempt

    @property
    def case(self) -> Case: ...

    def url(self, step: str) -> str:
        """The page of `step` of this attempt."""
        ...

    def submit(self) -> None:
        """Score the plan and close the attempt; StepRefused when it cannot be scored."""
        ...

    def keep(self) -> None: ...

    def refused(self) -> None: ...

    def page_context(self) -> dict[str, Any]:
        """Template variables of its own, asked for only when a step's page is shown."""
        ...


def play(run: Play, step: str):
    """The response to a GET or POST of one step of `run`."""
    try:
        current = CaseStep(step)
    except ValueError:
        abort(404)
    attempt = run.attempt
    if not casestudy.may_open(attempt, current):
        submitted = attempt.status is AttemptStatus.SUBMITTED
        return redirect(run.url(CaseStep.RESULT.value if submitted else attempt.step))
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            next_step = take_step(run, current, request.form)
        except casestudy.StepRefused as refusal:
            run.refused()
            flash(str(refusal), "error")
            return redirect(run.url(current.value))
        run.keep()
        return redirect(run.url(next_step))
    return render_template(f"cases/{current.value}.html", **step_context(run, current, form))


def take_step(run: Play, current: CaseStep, form: MultiDict) -> str:
    """Apply the step's form to the attempt; the step to go to next."""
    attempt = run.attempt
    if current is CaseStep.PATIENT:
        casestudy.finish_reading(attempt)
        return CaseStep.ASSESSMENT.value
    if current is CaseStep.ASSESSMENT:
        casestudy.save_assessment(attempt, grades_from_form(form))
        return CaseStep.CANDIDACY.value
    if current is CaseStep.CANDIDACY:
        casestudy.save_candidacy(attempt, form.getlist("flag"), form.get("disposition"))
        return CaseStep.PLAN.value
    if current is CaseStep.PLAN:
        submitting = form.get("go") == "submit"
        casestudy.save_plan_rows(attempt, rows_from_form(form), submitting=submitting)
        if not submitting:
            return CaseStep.PLAN.value
        run.submit()
        return CaseStep.RESULT.value
    raise casestudy.StepRefused("This step cannot be changed.")


def step_context(run: Play, current: CaseStep, form: EmptyForm) -> dict[str, Any]:
    attempt = run.attempt
    context = {
        "attempt": attempt,
        "case": run.case,
        "form": form,
        "step": current,
        "steps": casestudy.STEPS,
        "open_steps": {s for s in casestudy.STEPS if casestudy.may_open(attempt, s)},
        "grades_scale": GRADES,
        "dispositions": DISPOSITION_LABELS,
        "band_labels": BAND_LABELS,
        "verdict_labels": VERDICT_LABELS,
        **run.page_context(),
    }
    if current is CaseStep.CANDIDACY:
        context["red_flags"] = sorted(RED_FLAGS.values(), key=lambda f: f.label)
    if current is CaseStep.PLAN:
        context.update(plan_context(attempt))
    if current is CaseStep.RESULT:
        context["red_flag_labels"] = {k: v.label for k, v in RED_FLAGS.items()}
    return context


def grades_from_form(form: MultiDict) -> dict[str, dict[str, int | None]]:
    grades: dict[str, dict[str, int | None]] = {}
    for zone in ZONE_IDS:
        pair = {}
        for kind in ("rest", "moving"):
            raw = form.get(f"{kind}-{zone}", "")
            pair[kind] = parse_int(raw)  # "²" or 5,000 digits: no grade, never a crash
        grades[zone] = pair
    return grades


def rows_from_form(form: MultiDict) -> list[dict[str, str]]:
    """The plan rows posted (the page shows the saved rows and blank ones under them)."""
    rows = []
    for index in range(MAX_ITEMS + casestudy.EMPTY_ROWS_SHOWN):
        if f"zone-{index}" not in form:
            continue
        row = {k: form.get(f"{k}-{index}", "") for k in PLAN_ROW_KEYS}
        if not row["side"] and row["zone"]:
            row["side"] = default_side(row["zone"])  # "by zone": both sides of a paired zone
        rows.append(row)
    remove = parse_int(form.get("remove", ""))
    if remove is not None and remove < len(rows):
        rows.pop(remove)
    return rows


def plan_context(attempt: PlayableAttempt) -> dict[str, Any]:
    rows: list[dict[str, str]] = list(attempt.plan_items or [])
    rows.extend({} for _ in range(casestudy.EMPTY_ROWS_SHOWN))
    return {
        "rows": rows,
        "zones": [(z, ZONES[z].label) for z in ZONE_IDS],
        "toxins": [(p, PRODUCTS[p].label) for p in TOXIN_IDS],
        "fillers": [(p, PRODUCTS[p].label) for p in FILLER_IDS],
        "enzymes": [(p, PRODUCTS[p].label) for p in ENZYME_IDS],
        "sides": [s.value for s in Side],
        "depths": [d.value for d in Depth],
        "problems": casestudy.plan_problems(attempt) if attempt.plan_items else [],
        "totals": running_totals(attempt.plan_items or []),
        "treats": Disposition(attempt.disposition or "treat").treats,
    }
