"""A trainee's own certificates: the list with what each programme still asks, each certificate's
page, its PDF and its Open Badges credential. Another person's certificate does not exist here
(404); anyone may check one on the public verification page instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from quizapp.domain.certification import Rules, recertification_text
from quizapp.extensions import db
from quizapp.models import Certificate
from quizapp.models.base import now_utc
from quizapp.permissions import current_membership, signed_in
from quizapp.services.academy import certification, signing
from quizapp.services.infra import pdfcert
from quizapp.web import verify
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_list

bp = Blueprint("certificates", __name__, url_prefix="/certificates")


def announce(certificates: Iterable[Certificate]) -> None:
    """Tell the trainee about the certificates a submission has just earned (the quiz and case
    players show this on the next page)."""
    for certificate in certificates:
        flash(
            f"Certificate earned: {certificate.programme_name}. "
            "Find it under My certificates (/certificates/).",
            "success",
        )


@bp.route("/")
@signed_in
def index():
    membership = current_membership(current_user)
    now = now_utc()
    standings = (
        certification.standings(current_user.id, membership.academy_id, now) if membership else []
    )
    return render_template(
        "certificates/index.html",
        certificates=paginate_list(certification.holder_certificates(current_user.id)),
        standings=standings,
        now=now,
        form=EmptyForm(),
    )


@bp.route("/check", methods=["POST"])
@signed_in
def check():
    """Ask again now (after expiry, recertification is checked on the next submission or here)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    membership = current_membership(current_user)
    issued = (
        certification.issue_earned(current_user.id, membership.academy_id, now_utc())
        if membership
        else []
    )
    db.session.commit()
    if issued:
        names = ", ".join(c.programme_name for c in issued)
        flash(f"Certificate earned: {names}.", "success")
    else:
        flash("Nothing new yet: the list shows what each programme still asks.", "info")
    return redirect(url_for("certificates.index"))


def _own(code: str) -> Certificate:
    certificate = certification.certificate_by_code(code)
    if certificate is None or certificate.user_id != current_user.id:
        abort(404)
    return certificate


@bp.route("/<code>")
@signed_in
def show(code: str):
    certificate = _own(code)
    now = now_utc()
    return render_template(
        "certificates/show.html",
        certificate=certificate,
        status=certificate.status(now),
        verify_url=url_for("verify.certificate", code=certificate.code, _external=True),
        recertification=recertification_text(Rules.of(certificate.programme)),
        now=now,
    )


@bp.route("/<code>/certificate.pdf")
@signed_in
def pdf(code: str):
    certificate = _own(code)
    if certificate.revoked_at is not None:
        abort(404)
    academy = certificate.programme.academy
    body = pdfcert.render(
        certificate,
        url_for("verify.certificate", code=certificate.code, _external=True),
        logo=academy.certificate_logo,
        signatory_name=academy.signatory_name,
        signatory_title=academy.signatory_title,
    )
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.code}.pdf"'
    )
    return response


@bp.route("/<code>/badge.json")
@signed_in
def badge(code: str):
    certificate = _own(code)
    if certificate.revoked_at is not None:
        abort(404)
    document = verify.credential_document(certificate, current_user.email)
    response = Response(json.dumps(document, indent=2), mimetype="application/ld+json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="open-badge-{certificate.code}.json"'
    )
    return response


@bp.route("/<code>/badge.jwt")
@signed_in
def signed_badge(code: str):
    """The same credential secured with the academy's signature (VC-JOSE), for wallets and
    anyone who must check it without asking this site."""
    certificate = _own(code)
    if certificate.revoked_at is not None:
        abort(404)
    token = verify.signed_credential(certificate, current_user.email)
    db.session.commit()  # the academy's first key, if this made it
    response = Response(token, mimetype=signing.MEDIA_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="open-badge-{certificate.code}.jwt"'
    )
    return response
