"""The CPD ledger: a person's own activities, summaries against a regulator's rules, a CPD
certificate per completed module, the ledger as CSV and the audit-ready portfolio export.

Everything here is the signed-in person's own; another person's activity does not exist (404).
An academy admin may export the portfolio of a member of their own academy, no other.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from quizapp.domain import cpd as rules
from quizapp.extensions import db
from quizapp.models import Academy, User
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_membership, requires, signed_in
from quizapp.services.portfolio import bundle, cpd
from quizapp.web.downloads import csv_response
from quizapp.web.forms import EmptyForm

bp = Blueprint("cpd", __name__, url_prefix="/cpd")


@bp.context_processor
def _helpers() -> dict:
    return {"hours": lambda value: rules.format_hours(Decimal(value)), "day": rules.format_day}


class ActivityForm(FlaskForm):
    done_on = DateField("Date", validators=[InputRequired("Give the date of the activity.")])
    topic = StringField(
        "Topic",
        validators=[InputRequired("Give the topic of the activity."), Length(max=cpd.TOPIC_MAX)],
    )
    method = SelectField(
        "Method", choices=[SelectChoice(key, label) for key, label in rules.METHODS.items()]
    )
    hours = DecimalField(
        "Hours",
        places=2,
        validators=[InputRequired("Give the hours as a number, such as 1.5.")],
        description="More than 0 and at most 24 for one activity.",
    )
    participatory_hours = DecimalField(
        "Of which participatory",
        places=2,
        default=0,
        validators=[Optional()],
        description="Hours spent learning with other people (the NMC asks for at least 20).",
    )
    verifiable = BooleanField(
        # Unticked until the person says so: a claim of evidence is theirs to make.
        "Verifiable (you hold documentary evidence from the provider)",
        default=False,
    )
    evidence = TextAreaField(
        "Evidence",
        validators=[Optional(), Length(max=cpd.EVIDENCE_MAX)],
        description="What shows you did it: a certificate, notes, a link. No uploads.",
    )
    submit = SubmitField("Save activity")


class SummaryForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form: it changes nothing

    scheme = SelectField(
        "Regulator",
        choices=[SelectChoice(s.key, s.title) for s in rules.SCHEMES.values()],
        default="nmc",
    )
    cycle_end = DateField(
        "Cycle end or renewal date",
        validators=[InputRequired("Give your renewal or cycle end date.")],
    )


def _input(form: ActivityForm) -> cpd.ActivityInput:
    return cpd.ActivityInput(
        done_on=form.done_on.data,
        topic=form.topic.data or "",
        method=form.method.data,
        hours=form.hours.data,
        participatory_hours=form.participatory_hours.data,
        verifiable=form.verifiable.data,
        evidence=form.evidence.data or "",
    )


def _show_errors(form: ActivityForm, error: cpd.CpdError) -> None:
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*field.errors, message]


def _own(activity_id: int):
    activity = cpd.activity_for(current_user.id, activity_id)
    if activity is None:
        abort(404)
    return activity


def _ledger_page(form: ActivityForm, status: int = 200):
    activities = cpd.ledger(current_user.id)
    return (
        render_template(
            "cpd/index.html",
            activities=activities,
            totals=cpd.totals(activities),
            form=form,
            delete_form=EmptyForm(),
            methods=rules.METHODS,
            today=now_utc().date(),
        ),
        status,
    )


@bp.route("/")
@signed_in
def index():
    return _ledger_page(ActivityForm(formdata=None, done_on=now_utc().date()))


@bp.route("/add", methods=["POST"])
@signed_in
def add():
    form = ActivityForm()
    if form.validate_on_submit():
        membership = current_membership(current_user)
        try:
            cpd.add_activity(
                current_user.id,
                membership.academy_id if membership else None,
                _input(form),
                now_utc().date(),
            )
        except cpd.CpdError as error:
            _show_errors(form, error)
        else:
            db.session.commit()
            flash("Activity added to your CPD ledger.", "success")
            return redirect(url_for("cpd.index"))
    return _ledger_page(form, 400)


@bp.route("/<int:activity_id>/edit", methods=["GET", "POST"])
@signed_in
def edit(activity_id: int):
    activity = _own(activity_id)
    if activity.source != cpd.MANUAL:
        flash("Entries for completed modules are kept as recorded and cannot change.", "info")
        return redirect(url_for("cpd.index"))
    form = ActivityForm(obj=activity)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                cpd.update_activity(activity, _input(form), now_utc().date())
            except cpd.CpdError as error:
                _show_errors(form, error)
            else:
                db.session.commit()
                flash("Activity saved.", "success")
                return redirect(url_for("cpd.index"))
        status = 400
    return render_template("cpd/edit.html", activity=activity, form=form), status


@bp.route("/<int:activity_id>/delete", methods=["POST"])
@signed_in
def delete(activity_id: int):
    activity = _own(activity_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        cpd.delete_activity(activity)
    except cpd.CpdError as error:
        flash(" ".join(error.errors.values()), "error")
    else:
        db.session.commit()
        flash("Activity deleted.", "success")
    return redirect(url_for("cpd.index"))


@bp.route("/summary")
@signed_in
def summary():
    form = SummaryForm(request.args)
    result = None
    today = now_utc().date()
    if request.args and form.validate():
        result = cpd.summary(current_user.id, form.scheme.data, form.cycle_end.data, today)
    return render_template(
        "cpd/summary.html", form=form, result=result, schemes=rules.SCHEMES, today=today
    )


@bp.route("/ledger.csv")
@signed_in
def ledger_csv():
    header, rows = bundle.cpd_table(cpd.ledger(current_user.id))
    return csv_response(f"cpd-ledger-{now_utc().date().isoformat()}", header, rows)


@bp.route("/<int:activity_id>/certificate.pdf")
@signed_in
def certificate(activity_id: int):
    activity = _own(activity_id)
    if activity.source != cpd.MODULE:
        abort(404)
    academy = db.session.get(Academy, activity.academy_id) if activity.academy_id else None
    body = cpd.certificate_pdf(activity, current_user, academy)
    name = bundle.safe_name(f"cpd-certificate-{activity.module_slug or activity.id}")
    return send_file(
        bundle.buffer(body),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"{name}-{activity.done_on.isoformat()}.pdf",
    )


def _zip_download(user: User, academy_id: int | None):
    name, body = bundle.build(user, academy_id, now_utc())
    response = send_file(bundle.buffer(body), mimetype="application/zip")
    # Quoted, like the CSV downloads: some clients drop an unquoted name and save without ".zip".
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/export")
@signed_in
def export():
    """The person's whole portfolio as one zip, for an audit or an appraisal."""
    return _zip_download(current_user, None)


@bp.route("/trainees")
@requires(Action.MANAGE_ACADEMY)
def trainees():
    membership = current_membership(current_user)
    if membership is None:
        abort(404)
    return render_template(
        "cpd/trainees.html",
        academy=membership.academy,
        members=bundle.academy_people(membership.academy_id),
    )


@bp.route("/trainees/<int:user_id>/export")
@requires(Action.MANAGE_ACADEMY)
def trainee_export(user_id: int):
    """An academy admin's copy of one member's portfolio, limited to their academy's records."""
    membership = current_membership(current_user)
    person = bundle.member_of(membership.academy_id, user_id) if membership else None
    if person is None:
        abort(404)
    return _zip_download(person, membership.academy_id)
