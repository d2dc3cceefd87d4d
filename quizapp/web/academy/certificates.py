"""The academy's certificates: the list, one certificate, and revoking it with a reason."""

from __future__ import annotations

from flask import abort, flash, render_template
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from quizapp.extensions import db
from quizapp.models.base import now_utc
from quizapp.permissions import Action, requires
from quizapp.services.academy import certification
from quizapp.web.academy.common import back, bp, current_academy
from quizapp.web.pagination import paginate_query


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason for revoking",
        validators=[
            DataRequired(),
            Length(min=5, max=2000, message="Give the reason in 5 to 2000 characters."),
        ],
        description="Kept in the audit log and shown to the holder. The public verification "
        "page only says the certificate was revoked.",
    )
    submit = SubmitField("Revoke certificate")


@bp.route("/certificates")
@requires(Action.MANAGE_ACADEMY)
def certificates():
    academy = current_academy()
    return render_template(
        "academy/certificates.html",
        academy=academy,
        certificates=paginate_query(certification.academy_certificates_query(academy.id)),
        now=now_utc(),
    )


@bp.route("/certificates/<int:certificate_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def certificate(certificate_id: int):
    academy = current_academy()
    certificate = certification.certificate_in(academy.id, certificate_id)
    if certificate is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            certification.revoke(certificate, form.reason.data, current_user.id, now_utc())
        except certification.ProgrammeError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash("Certificate revoked. Its verification page now says so.", "success")
            return back("academy.certificate", certificate_id=certificate.id)
    return render_template(
        "academy/certificate.html",
        academy=academy,
        certificate=certificate,
        form=form,
        now=now_utc(),
    )
