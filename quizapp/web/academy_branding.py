"""An academy's credentials settings, for its admins: the signing keys that its certificates'
credentials are signed with (rotate the key in use), and how its certificates look."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField
from wtforms.validators import Length, ValidationError

from quizapp.extensions import db
from quizapp.models import Academy
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_membership, requires
from quizapp.services.academy import signing
from quizapp.services.people import members
from quizapp.web.forms import EmptyForm

bp = Blueprint("branding", __name__, url_prefix="/academy/credentials")

LOGO_MAX_BYTES = 512 * 1024
LOGO_FORMATS = {"PNG", "JPEG"}


def logo_refusal(data: bytes) -> str | None:
    """Why `data` cannot be a certificate logo, or None: a PNG or JPEG image Pillow can read,
    at most 512 KB and 4000 pixels a side (it is drawn at about 80 x 26 mm)."""
    from PIL import Image, UnidentifiedImageError  # comes with fpdf2

    if len(data) > LOGO_MAX_BYTES:
        return "The logo may be at most 512 KB."
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, size = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return "The logo must be a PNG or JPEG image."
    if kind not in LOGO_FORMATS:
        return "The logo must be a PNG or JPEG image."
    if max(size) > 4000 or min(size) < 16:
        return "The logo must be between 16 and 4000 pixels on each side."
    return None


class CertificateLookForm(FlaskForm):
    signatory_name = StringField("Signatory's name", validators=[Length(max=120)])
    signatory_title = StringField("Signatory's title", validators=[Length(max=120)])
    logo = FileField("Logo (PNG or JPEG, at most 512 KB)")
    remove_logo = BooleanField("Remove the logo")

    def validate_logo(self, field) -> None:
        if field.data:
            problem = logo_refusal(field.data.read())
            field.data.seek(0)
            if problem:
                raise ValidationError(problem)


def _academy() -> Academy:
    membership = current_membership(current_user)
    if membership is None:
        abort(make_response(render_template("academy/none.html"), 200))
    return membership.academy


@bp.route("/", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def page():
    """The signing keys, and the certificates' logo and signatory (set here, shown on every
    certificate PDF the academy's holders download from now on)."""
    academy = _academy()
    look = CertificateLookForm(obj=academy)
    if look.validate_on_submit():
        academy.signatory_name = look.signatory_name.data.strip()
        academy.signatory_title = look.signatory_title.data.strip()
        if look.remove_logo.data:
            academy.certificate_logo = None
        elif look.logo.data:
            academy.certificate_logo = look.logo.data.read()
        members.audit(
            academy.id,
            current_user.id,
            "credentials.look_changed",
            "certificates",
            {"signatory": academy.signatory_name, "logo": academy.certificate_logo is not None},
        )
        db.session.commit()
        flash("Certificates will show this logo and signatory.", "success")
        return redirect(url_for("branding.page"))
    return render_template(
        "academy/credentials.html",
        academy=academy,
        look=look,
        has_logo=academy.certificate_logo is not None,
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
