"""An academy's credentials settings, for its admins: the signing keys that its certificates'
credentials are signed with (rotate the key in use), and how its certificates look."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, ValidationError

from quizapp.extensions import db
from quizapp.models.base import now_utc
from quizapp.permissions import Action, requires
from quizapp.services.academy import branding, signing
from quizapp.web.academy.common import bp, current_academy, require_post_token
from quizapp.web.forms import EmptyForm


class CertificateLookForm(FlaskForm):
    signatory_name = StringField("Signatory's name", validators=[Length(max=120)])
    signatory_title = StringField("Signatory's title", validators=[Length(max=120)])
    logo = FileField("Logo (PNG or JPEG, at most 512 KB)")
    remove_logo = BooleanField("Remove the logo")

    def validate_logo(self, field) -> None:
        if field.data:
            problem = branding.logo_refusal(field.data.read())
            field.data.seek(0)
            if problem:
                raise ValidationError(problem)


@bp.route("/credentials/", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def credentials():
    """The signing keys, and the certificates' logo and signatory (set here, shown on every
    certificate PDF the academy's holders download from now on)."""
    academy = current_academy()
    look = CertificateLookForm(obj=academy)
    if look.validate_on_submit():
        branding.set_look(
            academy,
            current_user.id,
            signatory_name=look.signatory_name.data,
            signatory_title=look.signatory_title.data,
            logo=look.logo.data.read() if look.logo.data else None,
            remove_logo=look.remove_logo.data,
        )
        db.session.commit()
        flash("Certificates will show this logo and signatory.", "success")
        return redirect(url_for("academy.credentials"))
    return render_template(
        "academy/credentials.html",
        academy=academy,
        look=look,
        has_logo=academy.certificate_logo is not None,
        keys=list(reversed(signing.published_keys(academy.id))),
        issuer_url=url_for("verify.issuer", slug=academy.slug, _external=True),
        form=EmptyForm(),
    )


@bp.route("/credentials/rotate-key", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def rotate_key():
    """Retire the signing key in use and make a new one. Credentials signed before still
    verify: the issuer profile keeps publishing the retired key."""
    academy = current_academy()
    require_post_token()
    key = branding.rotate_key(academy, current_user.id, now_utc())
    db.session.commit()
    flash(f"New signing key {key.key_id} in use; earlier keys stay published.", "success")
    return redirect(url_for("academy.credentials"))
