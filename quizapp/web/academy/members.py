"""The academy overview, its members and invitations: roles, deactivating and reactivating,
single and bulk invitations (CSV in, CSV out), a learner's xAPI statements.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from quizapp.extensions import db
from quizapp.models import Role
from quizapp.models.base import now_utc
from quizapp.permissions import Action, requires
from quizapp.services.academy import certification, reports
from quizapp.services.infra import xapi
from quizapp.services.people import members
from quizapp.web.academy.common import back, bp, current_academy, require_post_token
from quizapp.web.downloads import csv_response, json_download
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_query


class InvitationForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    email = EmailField(
        "Email (optional)",
        validators=[Optional(), Length(max=254)],
        description="With an address, only that person can use the invitation, once. "
        "Leave empty for a link anyone you send it to can use.",
    )
    days = IntegerField("Valid for (days)", default=14, validators=[NumberRange(1, 365)])
    max_uses = IntegerField(
        "Uses (link only)", default=1, validators=[Optional(), NumberRange(1, 1000)]
    )
    submit = SubmitField("Create invitation")


class BulkInvitationForm(FlaskForm):
    file = FileField(
        "Invitation file (CSV)",
        validators=[FileRequired("Choose a CSV file.")],
        description="One row per person under a header row: " + members.CSV_HEADER_HELP + ".",
    )
    submit = SubmitField("Check and invite")


@bp.route("/")
@requires(Action.MANAGE_ACADEMY)
def index():
    academy = current_academy()
    now = now_utc()
    active_members, inactive_members = members.member_counts(academy.id)
    summary = reports.certificates(reports.Scope(academy.id), now)
    return render_template(
        "academy/index.html",
        academy=academy,
        active_members=active_members,
        inactive_members=inactive_members,
        invitations=len(members.open_invitations(academy.id, now)),
        cohorts=members.academy_cohorts(academy.id),
        programmes=certification.academy_programmes(academy.id),
        certificates=summary,
    )


@bp.route("/members", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def members_page():
    academy = current_academy()
    now = now_utc()
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invitation = members.invite(
                academy,
                Role(form.role.data),
                email=form.email.data or None,
                valid_days=form.days.data,
                max_uses=form.max_uses.data,
                actor=current_user,
                now=now,
            )
        except members.MemberError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            link = url_for("auth.signup", code=invitation.code, _external=True)
            who = f"for {invitation.email}" if invitation.email else "as a link"
            flash(f"Invitation created {who}. Send this link: {link}", "success")
            return back("academy.members_page")
    return render_template(
        "academy/members.html",
        academy=academy,
        members=paginate_query(members.academy_members_query(academy.id), anchor="people"),
        active_members=members.member_counts(academy.id)[0],
        invitations=paginate_query(
            members.open_invitations_query(academy.id, now),
            param="invitations_page",
            anchor="invitations",
        ),
        form=form,
        action_form=EmptyForm(),
        now=now,
    )


@bp.route("/members/<int:membership_id>/<any(deactivate, reactivate):change>", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def member_active(membership_id: int, change: str):
    academy = current_academy()
    require_post_token()
    membership = members.membership_in(academy.id, membership_id)
    if membership is None:
        abort(404)
    try:
        members.set_member_active(membership, change == "reactivate", current_user)
    except members.MemberError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        verb = "reactivated" if change == "reactivate" else "deactivated; their history is kept"
        flash(f"{membership.user.display_name} {verb}.", "success")
    return back("academy.members_page")


@bp.route("/members/<int:user_id>/xapi.json")
@requires(Action.MANAGE_ACADEMY)
def learner_xapi(user_id: int):
    academy = current_academy()
    if not any(m.user_id == user_id for m in members.academy_members(academy.id)):
        abort(404)
    statements = xapi.learner_statements(academy.id, user_id, request.url_root)
    return json_download(statements, f"{academy.slug}-learner-{user_id}-xapi.json")


@bp.route("/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def withdraw_invitation(invitation_id: int):
    academy = current_academy()
    require_post_token()
    try:
        members.withdraw_invitation(academy.id, invitation_id, current_user.id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash("Invitation withdrawn: its link no longer works.", "success")
    return back("academy.members_page")


@bp.route("/invitations/import", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def import_invitations():
    academy = current_academy()
    form = BulkInvitationForm()
    errors: list[members.RowError] = []
    created = []
    if form.validate_on_submit():
        raw = form.file.data.read(members.MAX_CSV_ROWS * 400 + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors = [members.RowError(0, "", "Save the file as CSV in UTF-8 and try again.")]
        else:
            try:
                created = members.bulk_invite(academy, text, current_user, now_utc())
            except members.BulkInvitationError as error:
                db.session.rollback()
                errors = error.errors
            else:
                db.session.commit()
                flash(f"{len(created)} invitations created.", "success")
    status = 422 if errors else 200
    return (
        render_template(
            "academy/import.html",
            academy=academy,
            form=form,
            errors=errors,
            created=created,
            help=members.CSV_HEADER_HELP,
        ),
        status,
    )


@bp.route("/invitations.csv")
@requires(Action.MANAGE_ACADEMY)
def invitations_csv():
    academy = current_academy()
    rows = [
        [
            inv.email or "",
            inv.role.value,
            url_for("auth.signup", code=inv.code, _external=True),
            inv.expires_at,
            inv.uses,
            inv.max_uses,
        ]
        for inv in members.open_invitations(academy.id, now_utc(), limit=10_000)
    ]
    header = ["email", "role", "link", "expires", "used", "uses allowed"]
    return csv_response(f"{academy.slug}-invitations.csv", header, rows)
