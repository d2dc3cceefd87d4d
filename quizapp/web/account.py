"""One's own account: the page that links password, data export and deletion; the export
download; deleting the account; and an admin deleting (anonymising) a trainee's account.

Deletion asks for the password again and a typed confirmation. An academy admin may delete a
trainee of their academy (another academy's people answer 404); a site admin anyone.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, ValidationError

from quizapp.extensions import db, limiter
from quizapp.models import User
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_membership, requires, signed_in
from quizapp.services.people import auditlog, privacy

bp = Blueprint("account", __name__, url_prefix="/account")

# Deleting asks for a password: limit guesses like the login form does.
DELETE_LIMIT = "10 per hour"


class DeleteForm(FlaskForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=200)])
    confirm = StringField(
        f"Type {privacy.CONFIRMATION_WORD} to confirm",
        validators=[DataRequired(), Length(max=20)],
    )
    submit = SubmitField("Delete account")

    def validate_confirm(self, field) -> None:
        if field.data.strip() != privacy.CONFIRMATION_WORD:
            raise ValidationError(f"Type {privacy.CONFIRMATION_WORD} in capitals to confirm.")


@bp.route("/")
@signed_in
def index():
    return render_template("account/index.html")


@bp.route("/export.zip")
@signed_in
def export():
    """All of the user's data as one zip (JSON and CSV)."""
    now = now_utc()
    payload = privacy.export_zip(current_user, now)
    auditlog.audit(None, current_user.id, "account.exported", f"user {current_user.id}")
    db.session.commit()
    response = Response(payload, mimetype="application/zip")
    stamp = now.strftime("%Y%m%d")
    response.headers["Content-Disposition"] = f'attachment; filename="quizapp-my-data-{stamp}.zip"'
    return response


@bp.route("/delete", methods=["GET", "POST"])
@signed_in
@limiter.limit(DELETE_LIMIT, methods=["POST"])
def delete():
    form = DeleteForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not privacy.check_password(user, form.password.data):
            form.password.errors = [*form.password.errors, "Your password is not correct."]
        else:
            try:
                privacy.delete_account(user, user, now_utc(), by="self")
            except privacy.DeletionError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                logout_user()
                session.clear()
                flash(
                    "Your account has been deleted. Your results stay in your academy's "
                    "figures without your name.",
                    "info",
                )
                return redirect(url_for("auth.login"))
    return render_template("account/delete.html", form=form, target=None), (
        422 if form.errors else 200
    )


def _target(user_id: int) -> User:
    """The account an admin may delete, or 404 (another academy's people do not exist here)."""
    target = db.session.get(User, user_id)
    membership = current_membership(current_user)
    academy_id = membership.academy_id if membership else None
    if target is None or not privacy.may_delete(current_user, target, academy_id):
        abort(404)
    return target


@bp.route("/users/<int:user_id>/delete", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
@limiter.limit(DELETE_LIMIT, methods=["POST"])
def delete_member(user_id: int):
    target = _target(user_id)
    form = DeleteForm()
    form.password.label.text = "Your own password"
    form.submit.label.text = "Delete this account"
    membership = current_membership(current_user)
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        by = "site_admin" if actor.is_site_admin else "academy_admin"
        if not privacy.check_password(actor, form.password.data):
            form.password.errors = [*form.password.errors, "Your password is not correct."]
        elif (
            by == "academy_admin"
            and membership is not None
            and privacy.elsewhere(target, membership.academy_id)
        ):
            flash(
                "This person also belongs to another academy; only a site admin can delete "
                "their account.",
                "error",
            )
        else:
            try:
                privacy.delete_account(target, actor, now_utc(), by=by)
            except privacy.DeletionError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(f"Account {target.id} deleted; its history stays, anonymised.", "success")
                if membership is not None:
                    return redirect(url_for("academy.members_page"))
                return redirect(url_for("account.index"))
    return render_template("account/delete.html", form=form, target=target), (
        422 if form.errors else 200
    )
