"""Cohorts: create, add and remove members, assign programmes, and the cohort's xAPI statements
(downloaded, or sent to the academy's learning record store).
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from quizapp.extensions import db
from quizapp.models import Academy
from quizapp.permissions import Action, requires
from quizapp.services.academy import certification
from quizapp.services.infra import xapi
from quizapp.services.people import auditlog, members
from quizapp.web.academy.common import (
    MultiCheckboxField,
    back,
    bp,
    current_academy,
    require_post_token,
)
from quizapp.web.downloads import json_download
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_list, paginate_query


class CohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    start_date = DateField("Start date", validators=[DataRequired()], default=date.today)
    submit = SubmitField("Save cohort")


class CohortMembersForm(FlaskForm):
    users = SelectMultipleField("Members", coerce=int, validators=[DataRequired()])
    role = SelectField(
        "As", choices=[SelectChoice("trainee", "Trainees"), SelectChoice("educator", "Educators")]
    )
    submit = SubmitField("Add to cohort")


class CohortProgrammesForm(FlaskForm):
    programmes = MultiCheckboxField("Programmes", coerce=int)
    submit = SubmitField("Save programmes")


@bp.route("/cohorts", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def cohorts():
    academy = current_academy()
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = members.save_cohort(
                academy.id, None, form.name.data, form.start_date.data, current_user.id
            )
        except members.MemberError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Cohort {cohort.name} created. Add its members and programmes.", "success")
            return back("academy.cohort", cohort_id=cohort.id)
    return render_template(
        "academy/cohorts.html",
        academy=academy,
        cohorts=paginate_query(members.academy_cohorts_query(academy.id), rows=True),
        form=form,
    )


def _cohort(academy: Academy, cohort_id: int):
    cohort = members.cohort_in(academy.id, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _cohort_forms(academy: Academy, cohort, current: list, *, bind_programmes: bool = False):
    in_cohort = {m.user_id for m in current}
    candidates = [
        m for m in members.academy_members(academy.id) if m.active and m.user_id not in in_cohort
    ]
    add_form = CohortMembersForm(prefix="add")
    add_form.users.choices = [
        (m.user_id, f"{m.user.display_name} ({m.role.value})") for m in candidates
    ]
    programmes = certification.academy_programmes(academy.id)
    programme_form = CohortProgrammesForm(
        prefix="prog",
        programmes=[p.id for p in cohort.programmes],
        formdata=request.form if bind_programmes else None,
    )
    programme_form.programmes.choices = [
        (p.id, p.name + ("" if p.active else " (inactive)")) for p in programmes
    ]
    return add_form, programme_form, candidates


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort(cohort_id: int):
    academy = current_academy()
    cohort = _cohort(academy, cohort_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        try:
            members.save_cohort(
                academy.id, cohort, form.name.data, form.start_date.data, current_user.id
            )
        except members.MemberError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash("Cohort saved.", "success")
            return back("academy.cohort", cohort_id=cohort.id)
    current = members.cohort_members(cohort)
    add_form, programme_form, _ = _cohort_forms(academy, cohort, current)
    return render_template(
        "academy/cohort.html",
        academy=academy,
        cohort=cohort,
        form=form,
        members=paginate_list(current, anchor="members"),
        add_form=add_form,
        programme_form=programme_form,
        action_form=EmptyForm(),
        lrs=_lrs_configured(),
    )


@bp.route("/cohorts/<int:cohort_id>/members", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_add(cohort_id: int):
    academy = current_academy()
    cohort = _cohort(academy, cohort_id)
    add_form, _, _ = _cohort_forms(academy, cohort, members.cohort_members(cohort))
    if not add_form.validate_on_submit():
        flash("Choose the members to add.", "error")
        return back("academy.cohort", cohort_id=cohort.id)
    try:
        added = members.add_to_cohort(
            cohort, add_form.users.data, add_form.role.data, current_user.id
        )
    except members.MemberError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{added} added to {cohort.name}.", "success")
    return back("academy.cohort", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/remove", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_remove(cohort_id: int, member_id: int):
    academy = current_academy()
    cohort = _cohort(academy, cohort_id)
    require_post_token()
    try:
        members.remove_from_cohort(cohort, member_id, current_user.id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash("Removed from the cohort. Their attempts and certificates are kept.", "success")
    return back("academy.cohort", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/programmes", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_programmes(cohort_id: int):
    academy = current_academy()
    cohort = _cohort(academy, cohort_id)
    _, programme_form, _ = _cohort_forms(academy, cohort, [], bind_programmes=True)
    if not programme_form.validate_on_submit():
        abort(400)
    try:
        members.set_cohort_programmes(cohort, programme_form.programmes.data, current_user.id)
    except members.MemberError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Programmes saved.", "success")
    return back("academy.cohort", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/xapi.json")
@requires(Action.MANAGE_ACADEMY)
def cohort_xapi(cohort_id: int):
    academy = current_academy()
    cohort = _cohort(academy, cohort_id)
    statements = xapi.cohort_statements(cohort, request.url_root)
    return json_download(statements, f"{academy.slug}-cohort-{cohort.id}-xapi.json")


@bp.route("/cohorts/<int:cohort_id>/xapi/send", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_xapi_send(cohort_id: int):
    academy = current_academy()
    cohort = _cohort(academy, cohort_id)
    require_post_token()
    try:
        settings = xapi.lrs_settings()
        if settings is None:
            raise xapi.XapiError("No learning record store is configured (XAPI_LRS_URL).")
        sent = xapi.send(xapi.cohort_statements(cohort, request.url_root), settings)
    except xapi.XapiError as error:
        flash(str(error), "error")
    else:
        auditlog.audit(academy.id, current_user.id, "xapi.sent", f"cohort {cohort.id}", {"n": sent})
        db.session.commit()
        flash(f"{sent} statements sent to the learning record store.", "success")
    return back("academy.cohort", cohort_id=cohort.id)


def _lrs_configured() -> bool:
    try:
        return xapi.lrs_settings() is not None
    except xapi.XapiError:
        return False
