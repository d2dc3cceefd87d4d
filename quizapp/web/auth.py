"""Sign-in, sign-out, sign-up by invitation, password change, joining another academy."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from quizapp.extensions import db, limiter
from quizapp.permissions import public, signed_in
from quizapp.services.people import accounts
from quizapp.web.forms import EmptyForm

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


class SignupForm(FlaskForm):
    code = StringField("Invitation code", validators=[DataRequired(), Length(max=64)])
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
        description=f"At least {accounts.MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "Passwords differ.")]
    )
    submit = SubmitField("Create account")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD_LENGTH, max=200)],
    )
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("new", "Passwords differ.")]
    )
    submit = SubmitField("Change password")


class JoinForm(FlaskForm):
    code = StringField("Invitation code", validators=[DataRequired(), Length(max=64)])
    submit = SubmitField("Join academy")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None  # control characters: header injection, or a browser would drop them
    target = target.replace("\\", "/").strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _account_key() -> str:
    """Rate-limit key for the account being tried, so one account cannot be brute-forced."""
    return "login:" + accounts.normalise_email(request.form.get("email", ""))[:254]


def _failed(response) -> bool:
    return response.status_code != 302


def _ip_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _account_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ACCOUNT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            # One message whether the email or the password was wrong: no account enumeration.
            flash("Email or password is not correct.", "error")
        else:
            next_url = safe_next(request.args.get("next"))
            session.clear()  # a fresh session at login (no fixation)
            login_user(user)
            db.session.commit()
            return redirect(next_url or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    form = EmptyForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        # A copy of this session's cookie must not outlive the logout.
        accounts.end_all_sessions(current_user._get_current_object())
        db.session.commit()
        logout_user()
        session.clear()
        flash("You have logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/signup", methods=["GET", "POST"])
@public
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("auth.join"))
    form = SignupForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        try:
            user = accounts.register(
                form.code.data, form.email.data, form.display_name.data, form.password.data
            )
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash(f"Welcome, {user.display_name}. Your account is ready.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/signup.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@signed_in
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            # Re-issue this session's login with the new version; all others are now void.
            login_user(current_user._get_current_object())
            flash("Your password has been changed. Other sessions have been logged out.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/password.html", form=form)


def _joiner_key() -> str:
    return f"join:{current_user.get_id()}"


@bp.route("/account/join", methods=["GET", "POST"])
@signed_in
@limiter.limit(_ip_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_joiner_key, deduct_when=_failed)
def join():
    form = JoinForm(code=request.args.get("code", ""))
    if form.validate_on_submit():
        invitation = accounts.find_invitation(form.code.data)
        try:
            if invitation is None:
                raise accounts.AccountError("That invitation code is not valid.")
            membership = accounts.accept_invitation(invitation, current_user)
        except accounts.AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            session["academy_id"] = membership.academy_id
            flash(f"You have joined {membership.academy.name}.", "success")
            return redirect(url_for("main.home"))
    return render_template("auth/join.html", form=form)


@bp.route("/account/academy", methods=["POST"])
@signed_in
def switch_academy():
    """Choose which of the user's academies the pages work in."""
    form = EmptyForm()
    academy_id = request.form.get("academy_id", type=int)
    if form.validate_on_submit() and any(
        m.academy_id == academy_id and m.active for m in current_user.memberships
    ):
        session["academy_id"] = academy_id
    return redirect(url_for("main.home"))
