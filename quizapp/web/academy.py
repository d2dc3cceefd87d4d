"""The academy admin's pages: members and invitations."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import EmailField, IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from quizapp.extensions import db
from quizapp.models import Invitation, Membership, Role
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_membership, requires
from quizapp.services import accounts

bp = Blueprint("academy", __name__, url_prefix="/academy")


class InvitationForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    email = EmailField(
        "Email (optional)",
        validators=[Optional()],
        description="Leave empty for a code anyone in your academy can use.",
    )
    days = IntegerField("Valid for (days)", default=14, validators=[NumberRange(1, 365)])
    max_uses = IntegerField("Uses", default=1, validators=[Optional(), NumberRange(1, 1000)])
    submit = SubmitField("Create invitation")


@bp.route("/", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def index():
    membership = current_membership(current_user)
    if membership is None:  # a site admin with no academy of their own
        return render_template("academy/none.html")
    academy = membership.academy
    form = InvitationForm()
    if form.validate_on_submit():
        invitation = accounts.create_invitation(
            academy,
            Role(form.role.data),
            email=form.email.data or None,
            valid_for=timedelta(days=form.days.data),
            max_uses=form.max_uses.data,
            created_by=current_user,
        )
        db.session.commit()
        flash(f"Invitation created: {invitation.code}", "success")
        return redirect(url_for("academy.index"))
    members = db.session.scalars(
        select(Membership)
        .where(Membership.academy_id == academy.id)
        .options(selectinload(Membership.user))
        .order_by(Membership.role, Membership.id)
    ).all()
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.academy_id == academy.id, Invitation.revoked.is_(False))
        .order_by(Invitation.created_at.desc())
        .limit(50)
    ).all()
    return render_template(
        "academy/index.html",
        academy=academy,
        members=members,
        invitations=invitations,
        form=form,
        now=now_utc(),
    )
