"""Site administration: the academies of this installation (site admins only).

A site admin creates an academy with a name and a slug and invites its first admin by link, as
academy admins invite their members; renames it; deactivates or reactivates it. Nothing here
reads an academy's members or content.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from quizapp.extensions import db
from quizapp.models import Academy
from quizapp.permissions import Action, requires
from quizapp.services.academy import academies
from quizapp.web.forms import EmptyForm

bp = Blueprint("sites", __name__, url_prefix="/sites")


class AcademyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=academies.MAX_NAME)])
    slug = StringField(
        "Slug",
        validators=[DataRequired(), Length(max=academies.MAX_SLUG)],
        description="Lowercase letters, digits and hyphens; it appears in verification links "
        "and cannot change later.",
    )
    admin_email = EmailField(
        "First admin's email (optional)",
        validators=[Optional(), Length(max=254)],
        description="Binds the invitation to this address; leave empty for a single-use link.",
    )
    submit = SubmitField("Create academy")


class RenameForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=academies.MAX_NAME)])
    submit = SubmitField("Rename")


class InviteAdminForm(FlaskForm):
    email = EmailField("Email (optional)", validators=[Optional(), Length(max=254)])
    submit = SubmitField("Invite an admin")


def _academy(academy_id: int) -> Academy:
    academy = db.session.get(Academy, academy_id)
    if academy is None:
        abort(404)
    return academy


@bp.route("/academies", methods=["GET", "POST"])
@requires(Action.MANAGE_SITE)
def index():
    form = AcademyForm()
    if form.validate_on_submit():
        try:
            academy = academies.create(form.name.data, form.slug.data, current_user)
            academies.invite_admin(academy, current_user, email=form.admin_email.data)
        except academies.AcademyError as error:
            db.session.rollback()
            form.slug.errors = [str(error)]
        else:
            db.session.commit()
            flash(f"{academy.name} is created. Send its first admin the link below.", "success")
            return redirect(url_for("sites.academy", academy_id=academy.id))
    return render_template("sites/index.html", form=form, rows=academies.listing())


@bp.route("/academies/<int:academy_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_SITE)
def academy(academy_id: int):
    academy = _academy(academy_id)
    form = RenameForm(obj=academy)
    if form.validate_on_submit():
        try:
            academies.rename(academy, form.name.data, current_user)
        except academies.AcademyError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash("Renamed.", "success")
            return redirect(url_for("sites.academy", academy_id=academy_id))
    return render_template(
        "sites/academy.html",
        academy=academy,
        form=form,
        invite_form=InviteAdminForm(formdata=None),
        action_form=EmptyForm(),
        invitations=academies.open_admin_invitations(academy),
    )


@bp.route("/academies/<int:academy_id>/invite", methods=["POST"])
@requires(Action.MANAGE_SITE)
def invite_admin(academy_id: int):
    academy = _academy(academy_id)
    form = InviteAdminForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        academies.invite_admin(academy, current_user, email=form.email.data)
    except academies.AcademyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Invitation created: send its link to the new admin.", "success")
    return redirect(url_for("sites.academy", academy_id=academy_id))


@bp.route("/academies/<int:academy_id>/<any(deactivate, reactivate):change>", methods=["POST"])
@requires(Action.MANAGE_SITE)
def set_active(academy_id: int, change: str):
    academy = _academy(academy_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    academies.set_active(academy, change == "reactivate", current_user)
    db.session.commit()
    flash(f"{academy.name} is {change}d.", "success")
    return redirect(url_for("sites.academy", academy_id=academy_id))
