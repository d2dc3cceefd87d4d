"""The case-study player: patient, assessment, candidacy, plan, result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.domain.face import (
    FACIAL_UNITS,
    FILLER_IDS,
    GRADES,
    PRODUCTS,
    TOXIN_IDS,
    ZONE_IDS,
    ZONES,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.terms import (
    BAND_LABELS,
    DISPOSITION_LABELS,
    VERDICT_LABELS,
    Depth,
    Disposition,
    Side,
)
from quizapp.extensions import db
from quizapp.formats.plans import PlanFileError
from quizapp.models import AttemptStatus, CaseStep
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.learning import casestudy
from quizapp.web.certificates import issue_and_announce
from quizapp.web.forms import EmptyForm
from quizapp.web.plandata import default_side

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


def _own_attempt(attempt_id: int):
    attempt = casestudy.attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def grades_from_form(form) -> dict[str, dict[str, int | None]]:
    grades: dict[str, dict[str, int | None]] = {}
    for zone in ZONE_IDS:
        pair = {}
        for kind in ("rest", "moving"):
            raw = form.get(f"{kind}-{zone}", "")
            pair[kind] = int(raw) if raw.isdigit() else None
        grades[zone] = pair
    return grades


PLAN_FIELDS = ("zone", "product", "amount", "side", "depth")


def rows_from_form(form) -> list[dict[str, str]]:
    rows = []
    for index in range(41):
        if f"zone-{index}" not in form:
            continue
        row = {k: form.get(f"{k}-{index}", "") for k in PLAN_FIELDS}
        if not row["side"] and row["zone"]:
            row["side"] = default_side(row["zone"])  # "by zone": both sides of a paired zone
        rows.append(row)
    remove = form.get("remove", "")
    if remove.isdigit() and int(remove) < len(rows):
        rows.pop(int(remove))
    return rows


@bp.route("/attempts/<int:attempt_id>/<step>", methods=["GET", "POST"])
@requires(Action.LEARN)
def step(attempt_id: int, step: str):
    attempt = _own_attempt(attempt_id)
    try:
        current = CaseStep(step)
    except ValueError:
        abort(404)
    if not casestudy.may_open(attempt, current):
        target = "result" if attempt.status is AttemptStatus.SUBMITTED else attempt.step
        return redirect(url_for("cases.step", attempt_id=attempt.id, step=target))
    case = casestudy.case_content(attempt.case_version)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            next_step = _handle_post(attempt, current)
        except casestudy.StepRefused as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return redirect(url_for("cases.step", attempt_id=attempt.id, step=step))
        db.session.commit()  # expires `attempt`: the redirect uses the URL's id, not a reload
        return redirect(url_for("cases.step", attempt_id=attempt_id, step=next_step))
    context = {
        "attempt": attempt,
        "case": case,
        "form": form,
        "step": current,
        "steps": casestudy.STEPS,
        "open_steps": {s for s in casestudy.STEPS if casestudy.may_open(attempt, s)},
        "grades_scale": GRADES,
        "dispositions": DISPOSITION_LABELS,
        "band_labels": BAND_LABELS,
        "verdict_labels": VERDICT_LABELS,
    }
    if current is CaseStep.CANDIDACY:
        context["red_flags"] = sorted(RED_FLAGS.values(), key=lambda f: f.label)
    if current is CaseStep.PLAN:
        context.update(plan_context(attempt))
    if current is CaseStep.RESULT:
        context["red_flag_labels"] = {k: v.label for k, v in RED_FLAGS.items()}
    return render_template(f"cases/{current.value}.html", **context)


def _handle_post(attempt, current: CaseStep) -> str:
    if current is CaseStep.PATIENT:
        casestudy.finish_reading(attempt)
        return CaseStep.ASSESSMENT.value
    if current is CaseStep.ASSESSMENT:
        casestudy.save_assessment(attempt, grades_from_form(request.form))
        return CaseStep.CANDIDACY.value
    if current is CaseStep.CANDIDACY:
        casestudy.save_candidacy(
            attempt, request.form.getlist("flag"), request.form.get("disposition")
        )
        return CaseStep.PLAN.value
    if current is CaseStep.PLAN:
        casestudy.save_plan_rows(attempt, rows_from_form(request.form))
        if request.form.get("go") != "submit":
            return CaseStep.PLAN.value
        try:
            casestudy.submit(attempt, now_utc())
        except PlanFileError:
            db.session.commit()  # keep the rows as typed; the page lists what to fix
            raise casestudy.StepRefused("The plan has problems to fix before it can be scored.")
        issue_and_announce(attempt.user_id, attempt.academy_id, now_utc())
        return CaseStep.RESULT.value
    raise casestudy.StepRefused("This step cannot be changed.")


def plan_context(attempt) -> dict:
    rows = list(attempt.plan_items or [])
    rows.extend({} for _ in range(casestudy.EMPTY_ROWS_SHOWN))
    totals = _running_totals(attempt.plan_items or [])
    return {
        "rows": rows,
        "zones": [(z, ZONES[z].label) for z in ZONE_IDS],
        "toxins": [(p, PRODUCTS[p].label) for p in TOXIN_IDS],
        "fillers": [(p, PRODUCTS[p].label) for p in FILLER_IDS],
        "sides": [s.value for s in Side],
        "depths": [d.value for d in Depth],
        "problems": casestudy.plan_problems(attempt) if attempt.plan_items else [],
        "totals": totals,
        "treats": Disposition(attempt.disposition or "treat").treats,
    }


def _running_totals(rows: list[dict]) -> dict:
    """Units of toxin per product, mL of filler and facial units, as typed (before scoring)."""
    units: dict[str, float] = {}
    millilitres = 0.0
    facial_units: set[str] = set()
    for row in rows:
        try:
            amount = float(row.get("amount", "").replace(",", "."))
        except ValueError:
            continue
        product = PRODUCTS.get(row.get("product", ""))
        zone = ZONES.get(row.get("zone", ""))
        if product is None or zone is None:
            continue
        sides = 2 if row.get("side") == "both" else 1
        if product.is_toxin:
            units[product.label] = units.get(product.label, 0.0) + amount * sides
        else:
            millilitres += amount * sides
        facial_units.add(FACIAL_UNITS.get(zone.unit, zone.unit))
    return {"units": units, "ml": millilitres, "facial_units": sorted(facial_units)}
