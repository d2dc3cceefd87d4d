"""The practice portfolio: the trainee's logbook, the mentor's queue and sign-off, and the
academy admin's mentor profiles and assignments.

Everything is looked up inside the user's current academy. A trainee sees their own entries, a
mentor those of the trainees assigned to them, an academy admin all of the academy's; anyone
else (another academy's mentors and admins included) gets 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from quizapp.domain import logbook
from quizapp.domain.face import FILLER_IDS, GRADES, PRODUCTS, TOXIN_IDS, ZONE_IDS, ZONES
from quizapp.domain.numbers import parse_int
from quizapp.domain.terms import BAND_LABELS, VERDICT_LABELS, Side
from quizapp.extensions import db
from quizapp.models import LogbookEntry, Role
from quizapp.models.base import now_utc
from quizapp.permissions import Action, can, current_membership, requires
from quizapp.services.academy import certification
from quizapp.services.portfolio import practice
from quizapp.web.forms import EmptyForm
from quizapp.web.inputs import whole_number

bp = Blueprint("portfolio", __name__, url_prefix="/portfolio")

ZONE_ROW_KEYS = ("zone", "grade", "product", "amount", "side", "technique")
STATUS_LABELS = {
    "draft": "Draft",
    "submitted": "With mentor",
    "changes_requested": "Changes requested",
    "signed": "Signed",
}


def _sc(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


YES_NO = _sc([("yes", "Yes"), ("no", "No")])


class EntryForm(FlaskForm):
    """The entry's single fields. Zone rows are read from the posted form (`zone-0`, ...), like
    the case plan builder. The domain (`logbook.validate_entry`) checks everything; these fields
    only render and carry CSRF, so their own choice checks are off."""

    treated_on = StringField("Date of treatment", render_kw={"type": "date"})
    modality = SelectField(
        "Modality", choices=_sc(logbook.MODALITIES.items()), validate_choice=False
    )
    role = SelectField("Your role", choices=_sc(logbook.ROLES.items()), validate_choice=False)
    age_band = SelectField(
        "Patient's age band",
        choices=_sc((b, b) for b in logbook.AGE_BANDS),
        validate_choice=False,
    )
    sex = SelectField("Patient's sex", choices=_sc(logbook.SEXES.items()), validate_choice=False)
    fitzpatrick = SelectField(
        "Fitzpatrick skin type",
        choices=_sc((t, t) for t in logbook.FITZPATRICK_TYPES),
        validate_choice=False,
    )
    consultation_done = RadioField(
        "Consultation and consent recorded", choices=YES_NO, validate_choice=False
    )
    consent_form_version = StringField(
        "Consent form version", description="As printed on the form, e.g. v3.2 (2026-01)."
    )
    contraindications_screened = RadioField(
        "Contraindications screened", choices=YES_NO, validate_choice=False
    )
    review_outcome = TextAreaField("Two-week review outcome")
    complications = TextAreaField("Complications", description="None, or what happened.")
    reflection_went_well = TextAreaField("Reflection: what went well")
    reflection_change = TextAreaField("Reflection: what you would change")


def _person_id(value) -> int | None:
    """A person's id from a select whose blank first choice means "nobody chosen yet"."""
    return None if value in ("", None) else whole_number(value)


class MentorProfileForm(FlaskForm):
    user_id = SelectField(
        "Member", coerce=_person_id, validate_choice=False, validators=[InputRequired()]
    )
    registration_body = SelectField(
        "Registration body", choices=_sc((b, b) for b in logbook.REGISTRATION_BODIES)
    )
    registration_number = StringField("Registration number")
    prescriber = BooleanField("Independent prescriber")
    toxin_years = IntegerField(
        "Years treating with toxin", default=0, validators=[NumberRange(0, 60)]
    )
    filler_years = IntegerField(
        "Years treating with filler", default=0, validators=[NumberRange(0, 60)]
    )


class AssignmentForm(FlaskForm):
    mentor_user_id = SelectField(
        "Mentor", coerce=_person_id, validate_choice=False, validators=[InputRequired()]
    )
    trainee_user_id = SelectField(
        "Trainee", coerce=_person_id, validate_choice=False, validators=[InputRequired()]
    )


def _membership():
    membership = current_membership(current_user)
    if membership is None:
        abort(404)
    return membership


def _is_admin(academy_id: int) -> bool:
    return can(current_user, Action.MANAGE_ACADEMY, academy_id)


def _entry(entry_id: int) -> LogbookEntry:
    membership = _membership()
    entry = practice.visible_entry(
        entry_id, current_user.id, membership.academy_id, _is_admin(membership.academy_id)
    )
    if entry is None:
        abort(404)
    return entry


def _own_entry(entry_id: int) -> LogbookEntry:
    entry = _entry(entry_id)
    if entry.trainee_user_id != current_user.id:
        abort(404)
    return entry


# --------------------------------------------------------------------------------------------
# The trainee's logbook
# --------------------------------------------------------------------------------------------


@bp.route("/")
@requires(Action.LEARN)
def index():
    membership = _membership()
    academy_id = membership.academy_id
    entries = practice.trainee_entries(academy_id, current_user.id)
    standings = certification.standings(current_user.id, academy_id, now_utc())
    return render_template(
        "portfolio/index.html",
        entries=entries,
        counts=practice.signed_counts(academy_id, current_user.id),
        standings=standings,
        mentors=practice.mentors_of(academy_id, current_user.id),
        is_mentor=practice.mentor_profile(academy_id, current_user.id) is not None,
        status_labels=STATUS_LABELS,
        band_labels=BAND_LABELS,
        roles=logbook.ROLES,
    )


def rows_from_form(form) -> list[dict[str, str]]:
    """Zone rows as posted; blank rows dropped, the row asked to be removed left out."""
    rows = []
    remove = parse_int(form.get("remove"))
    for index in range(logbook.MAX_ITEMS + 1):
        if f"zone-{index}" not in form or index == remove:
            continue
        row = {k: form.get(f"{k}-{index}", "").strip() for k in ZONE_ROW_KEYS}
        if any(row[k] for k in ("zone", "product", "amount", "grade")):
            rows.append(row)
    return rows


def _raw_from_form(form: EntryForm, rows: list[dict[str, str]]) -> dict:
    raw = {
        name: (getattr(form, name).data or "")
        for name in logbook.ENTRY_FIELDS
        if name != "zones" and hasattr(form, name)
    }
    raw["zones"] = rows
    return raw


def _row_errors(errors: dict[str, str]) -> dict[int, dict[str, str]]:
    out: dict[int, dict[str, str]] = {}
    for key, message in errors.items():
        parts = key.split("-")
        if parts[0] == "zones" and len(parts) >= 2 and parts[1].isdigit():
            out.setdefault(int(parts[1]), {})[parts[2] if len(parts) > 2 else "row"] = message
    return out


def _entry_form_page(form: EntryForm, rows: list[dict], errors: dict[str, str], **context):
    for name, message in errors.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [message]
    shown = list(rows) + [{}]
    return render_template(
        "portfolio/form.html",
        form=form,
        rows=shown,
        row_errors=_row_errors(errors),
        general_errors=[
            m
            for k, m in errors.items()
            if k == "zones" or (not k.startswith("zones-") and getattr(form, k, None) is None)
        ],
        zones=[(z, ZONES[z].label) for z in ZONE_IDS],
        toxins=[(p, f"{PRODUCTS[p].label} ({PRODUCTS[p].unit})") for p in TOXIN_IDS],
        fillers=[(p, f"{PRODUCTS[p].label} ({PRODUCTS[p].unit})") for p in FILLER_IDS],
        sides=[s.value for s in Side],
        grades=GRADES,
        **context,
    )


def _handle_entry_form(entry: LogbookEntry | None, supersedes: LogbookEntry | None):
    membership = _membership()
    if request.method == "POST":
        form = EntryForm()
        if not form.validate_on_submit():
            abort(400)
        rows = rows_from_form(request.form)
        if request.form.get("go") != "save":
            # "Add a row" or "Remove": show the form again with the rows as typed.
            extra = [{}] if request.form.get("go") == "add" else []
            return _entry_form_page(form, rows + extra, {}, entry=entry, supersedes=supersedes)
        raw = _raw_from_form(form, rows)
        try:
            if entry is None:
                entry = practice.create_entry(
                    membership.academy_id,
                    current_user.id,
                    raw,
                    now_utc().date(),
                    supersedes=supersedes,
                )
            else:
                practice.update_entry(entry, raw, now_utc().date())
        except practice.EntryInvalid as invalid:
            db.session.rollback()
            return _entry_form_page(
                form, rows, invalid.errors, entry=entry, supersedes=supersedes
            ), 422
        except practice.PortfolioError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(url_for("portfolio.index"))
        db.session.commit()
        flash("Entry saved as a draft. Submit it to your mentor when it is complete.", "success")
        return redirect(url_for("portfolio.entry", entry_id=entry.id))
    source = entry or supersedes
    if source is not None:
        raw = practice.entry_raw(source)
        data = {k: v for k, v in raw.items() if k != "zones"}
        data["treated_on"] = source.treated_on.isoformat()
        for key in ("consultation_done", "contraindications_screened"):
            data[key] = "yes" if raw[key] else "no"
        form = EntryForm(data=data)
        rows = [
            {k: ("" if z.get(k) is None else str(z.get(k))) for k in ZONE_ROW_KEYS}
            for z in raw["zones"]
        ]
    else:
        form = EntryForm(data={"consultation_done": "yes", "contraindications_screened": "yes"})
        rows = []
    return _entry_form_page(form, rows, {}, entry=entry, supersedes=supersedes)


@bp.route("/new", methods=["GET", "POST"])
@requires(Action.LEARN)
def new():
    supersedes = None
    wanted = request.args.get("supersedes", "")
    if wanted:
        entry_id = parse_int(wanted)
        if entry_id is None:
            abort(404)
        supersedes = _own_entry(entry_id)
        if not supersedes.locked:
            abort(404)
    return _handle_entry_form(None, supersedes)


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@requires(Action.LEARN)
def edit(entry_id: int):
    entry = _own_entry(entry_id)
    if not entry.editable:
        flash(
            "A signed entry is locked: record a new entry that supersedes it."
            if entry.locked
            else "This entry is with your mentor; it can change once they send it back.",
            "error",
        )
        return redirect(url_for("portfolio.entry", entry_id=entry.id))
    return _handle_entry_form(entry, entry.supersedes)


@bp.route("/entries/<int:entry_id>")
@requires(Action.LEARN)
def entry(entry_id: int):
    entry = _entry(entry_id)
    membership = _membership()
    result = practice.entry_score(entry)
    facts = practice.entry_facts(entry)
    mine = entry.trainee_user_id == current_user.id
    return render_template(
        "portfolio/entry.html",
        entry=entry,
        facts=facts,
        result=result,
        plan=result.plan.to_dict() if result and result.plan else None,
        problems=logbook.submission_problems(facts) if facts and mine else [],
        mine=mine,
        mentors=practice.mentors_of(membership.academy_id, entry.trainee_user_id) if mine else [],
        may_review=practice.may_review(entry, current_user.id),
        superseded_by=db.session.scalar(
            db.select(LogbookEntry.id).where(LogbookEntry.supersedes_id == entry.id)
        ),
        form=EmptyForm(),
        status_labels=STATUS_LABELS,
        band_labels=BAND_LABELS,
        verdict_labels=VERDICT_LABELS,
        roles=logbook.ROLES,
        modalities=logbook.MODALITIES,
        sexes=logbook.SEXES,
        grades=GRADES,
    )


@bp.route("/entries/<int:entry_id>/submit", methods=["POST"])
@requires(Action.LEARN)
def submit(entry_id: int):
    entry = _own_entry(entry_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    mentor = parse_int(request.form.get("mentor_user_id"))
    try:
        practice.submit_entry(entry, -1 if mentor is None else mentor, current_user.id)
    except practice.PortfolioError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Sent to your mentor for review.", "success")
    return redirect(url_for("portfolio.entry", entry_id=entry.id))


# --------------------------------------------------------------------------------------------
# The mentor's side
# --------------------------------------------------------------------------------------------


@bp.route("/mentor")
@requires(Action.LEARN)
def mentor():
    membership = _membership()
    if practice.mentor_profile(membership.academy_id, current_user.id) is None:
        abort(404)
    return render_template(
        "portfolio/mentor.html",
        entries=practice.mentor_queue(membership.academy_id, current_user.id),
        status_labels=STATUS_LABELS,
        band_labels=BAND_LABELS,
        roles=logbook.ROLES,
    )


@bp.route("/entries/<int:entry_id>/review", methods=["POST"])
@requires(Action.LEARN)
def review(entry_id: int):
    entry = _entry(entry_id)
    if not practice.may_review(entry, current_user.id):
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    comment = request.form.get("comment", "")
    try:
        if request.form.get("decision") == "sign":
            now = now_utc()
            practice.sign_entry(entry, current_user.id, now, comment)
            certification.issue_earned(entry.trainee_user_id, entry.academy_id, now)
            message = "Entry signed. It is now locked."
        else:
            practice.request_changes(entry, current_user.id, comment)
            message = "Sent back to the trainee with your comment."
    except practice.PortfolioError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for("portfolio.entry", entry_id=entry.id))


# --------------------------------------------------------------------------------------------
# The academy admin's side
# --------------------------------------------------------------------------------------------


def _admin_forms(academy_id: int):
    people = practice.academy_people(academy_id)
    profiles = practice.mentor_profiles(academy_id)
    profile_form = MentorProfileForm(prefix="profile")
    # A blank first choice: nobody is made a mentor, or assigned, by a preselected name.
    profile_form.user_id.choices = [
        ("", "Choose a member"),
        *((u.id, f"{u.display_name} ({role.value})") for u, role in people),
    ]
    assignment_form = AssignmentForm(prefix="assign")
    assignment_form.mentor_user_id.choices = _sc(
        [("", "Choose a mentor"), *((p.user_id, p.user.display_name) for p in profiles)]
    )
    assignment_form.trainee_user_id.choices = _sc(
        [
            ("", "Choose a trainee"),
            *((u.id, u.display_name) for u, role in people if role == Role.TRAINEE),
        ]
    )
    return people, profiles, profile_form, assignment_form


@bp.route("/admin", methods=["GET"])
@requires(Action.MANAGE_ACADEMY)
def admin():
    academy_id = _membership().academy_id
    people, profiles, profile_form, assignment_form = _admin_forms(academy_id)
    return render_template(
        "portfolio/admin.html",
        profiles=profiles,
        assignments=practice.assignments(academy_id),
        profile_form=profile_form,
        assignment_form=assignment_form,
        form=EmptyForm(),
        entries=practice.academy_entries(academy_id),
        status_labels=STATUS_LABELS,
        band_labels=BAND_LABELS,
        roles=logbook.ROLES,
    )


@bp.route("/admin/mentors", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def admin_mentor():
    academy_id = _membership().academy_id
    _, _, form, _ = _admin_forms(academy_id)
    if not form.validate_on_submit():
        flash("Check the mentor's details: " + "; ".join(_errors(form)), "error")
        return redirect(url_for("portfolio.admin"))
    try:
        practice.save_mentor_profile(
            academy_id,
            form.user_id.data,
            registration_body=form.registration_body.data,
            registration_number=form.registration_number.data or "",
            prescriber=form.prescriber.data,
            toxin_years=form.toxin_years.data or 0,
            filler_years=form.filler_years.data or 0,
            actor_id=current_user.id,
        )
    except practice.PortfolioError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Mentor profile saved.", "success")
    return redirect(url_for("portfolio.admin"))


@bp.route("/admin/assignments", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def admin_assign():
    academy_id = _membership().academy_id
    _, _, _, form = _admin_forms(academy_id)
    if not form.validate_on_submit():
        flash("Choose a mentor and a trainee.", "error")
        return redirect(url_for("portfolio.admin"))
    try:
        practice.assign(
            academy_id, form.mentor_user_id.data, form.trainee_user_id.data, current_user.id
        )
    except practice.PortfolioError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Mentor assigned.", "success")
    return redirect(url_for("portfolio.admin"))


@bp.route("/admin/assignments/<int:assignment_id>/delete", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def admin_unassign(assignment_id: int):
    academy_id = _membership().academy_id
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not practice.unassign(academy_id, assignment_id, current_user.id):
        abort(404)
    db.session.commit()
    flash("Assignment removed.", "success")
    return redirect(url_for("portfolio.admin"))


def _errors(form: FlaskForm) -> list[str]:
    return [
        f"{getattr(form, name).label.text}: {' '.join(msgs)}" for name, msgs in form.errors.items()
    ]
