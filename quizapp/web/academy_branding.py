"""An academy's credentials settings, for its admins: the signing keys that its certificates'
credentials are signed with (rotate the key in use), and how its certificates look."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from quizapp.extensions import db
from quizapp.models import Academy
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_membership, requires
from quizapp.services.academy import signing
from quizapp.services.people import members
from quizapp.web.forms import EmptyForm

bp = Blueprint("branding", __name__, url_prefix="/academy/credentials")


def _academy() -> Academy:
    membership = current_membership(current_user)
    if membership is None:
        abort(make_response(render_template("academy/none.html"), 200))
    return membership.academy


@bp.route("/")
@requires(Action.MANAGE_ACADEMY)
def page():
    academy = _academy()
    return render_template(
        "academy/credentials.html",
        academy=academy,
        keys=list(reversed(signing.published_keys(academy.id))),
        issuer_url=url_for("verify.issuer", slug=academy.slug, _external=True),
        form=EmptyForm(),
    )


@bp.route("/rotate-key", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def rotate_key():
    """Retire the signing key in use and make a new one. Credentials signed before still
    verify: the issuer profile keeps publishing the retired key."""
    academy = _academy()
    if not EmptyForm().validate_on_submit():
        abort(400)
    key = signing.rotate(academy.id, now_utc())
    members.audit(academy.id, current_user.id, "credentials.key_rotated", key.key_id, {})
    db.session.commit()
    flash(f"New signing key {key.key_id} in use; earlier keys stay published.", "success")
    return redirect(url_for("branding.page"))
