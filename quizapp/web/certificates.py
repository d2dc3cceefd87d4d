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
from quizapp.services.academy import badges, certification
from quizapp.services.infra import pdfcert
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


def _criteria(certificate: Certificate) -> tuple[str, str]:
    """The achievement's description and criteria in words, from the programme as it is now."""
    programme = certificate.programme
    rules = Rules.of(programme)
    parts = []
    if rules.required_modules:
        parts.append(f"passed {len(rules.required_modules)} required module(s)")
    if rules.min_good_cases:
        parts.append(
            f"planned {rules.min_good_cases} different virtual-patient case(s) in the "
            "conservative or natural band"
        )
    if rules.no_unsafe_in_last:
        parts.append(f"made no unsafe plan in their last {rules.no_unsafe_in_last} case(s)")
    criteria = "The holder " + "; ".join(parts) + "." if parts else programme.name
    description = programme.description or (
        f"{programme.name}: a certification programme of {certificate.academy_name} in "
        "planning natural-looking aesthetic treatments."
    )
    return description, criteria


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
    body = pdfcert.render(
        certificate, url_for("verify.certificate", code=certificate.code, _external=True)
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
    description, criteria = _criteria(certificate)
    slug = certificate.programme.academy.slug
    document = badges.credential(
        certificate,
        credential_id=url_for("verify.certificate", code=certificate.code, _external=True),
        issuer_id=url_for("verify.issuer", slug=slug, _external=True),
        issuer_url=url_for("verify.index", _external=True),
        criteria=criteria,
        description=description,
        email=current_user.email,
    )
    response = Response(json.dumps(document, indent=2), mimetype="application/ld+json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="open-badge-{certificate.code}.json"'
    )
    return response
