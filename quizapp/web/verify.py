"""Public certificate verification: anyone with a code can check a certificate, without login.

The page shows only the holder's name, the programme, the academy, the dates and the status
(valid, expired or revoked, by the server's clock): no email, no scores, no revocation reason.
Lookups are rate-limited so codes cannot be tried in bulk (they are unguessable anyway).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select

from quizapp.extensions import db, limiter
from quizapp.models import Academy, User
from quizapp.models.base import now_utc
from quizapp.permissions import public
from quizapp.services.academy import badges, certification
from quizapp.services.people import privacy

bp = Blueprint("verify", __name__, url_prefix="/verify")

LOOKUP_LIMIT = "60 per minute"


def _no_store(body, status: int = 200):
    """Verification answers change (revocation, expiry) and name a person: never cache or index."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/")
@public
@limiter.limit(LOOKUP_LIMIT)
def index():
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("verify.certificate", code=code))
    return _no_store(render_template("verify/index.html"))


@bp.route("/<code>")
@public
@limiter.limit(LOOKUP_LIMIT)
def certificate(code: str):
    found = certification.certificate_by_code(code)
    if found is None:
        return _no_store(render_template("verify/unknown.html", code=code[:64]), 404)
    now = now_utc()
    # A holder who deleted their account: no name, and the certificate no longer vouches for
    # anyone (services/people/privacy.py).
    holder = db.session.get(User, found.user_id) if found.user_id is not None else None
    status = "holder_deleted" if privacy.is_deleted(holder) else found.status(now)
    page = render_template("verify/certificate.html", certificate=found, status=status, checked=now)
    return _no_store(page)


@bp.route("/issuers/<slug>")
@public
@limiter.limit(LOOKUP_LIMIT)
def issuer(slug: str):
    """The academy's Open Badges issuer Profile, which credentials point to."""
    academy = db.session.scalar(select(Academy).where(Academy.slug == slug))
    if academy is None:
        abort(404)
    profile = {
        "@context": badges.CONTEXT,
        "id": url_for("verify.issuer", slug=academy.slug, _external=True),
        "type": ["Profile"],
        "name": academy.name,
        "url": url_for("verify.index", _external=True),
    }
    response = jsonify(profile)
    response.mimetype = "application/ld+json"
    return response
