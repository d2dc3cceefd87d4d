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


# What a JSON-LD client asks for at a credential's id; browsers get the page.
_CREDENTIAL_TYPES = ("application/ld+json", "application/vc+ld+json", "application/json")


def credential_document(certificate, email: str | None) -> dict:
    """The OpenBadgeCredential of `certificate`, with the public URLs of this site."""
    description, criteria = badges.criteria(certificate)
    return badges.credential(
        certificate,
        credential_id=url_for("verify.certificate", code=certificate.code, _external=True),
        issuer_id=url_for("verify.issuer", slug=certificate.programme.academy.slug, _external=True),
        issuer_url=url_for("verify.index", _external=True),
        criteria=criteria,
        description=description,
        email=email,
    )


def _wants_credential() -> bool:
    best = request.accept_mimetypes.best_match(("text/html", *_CREDENTIAL_TYPES))
    return best in _CREDENTIAL_TYPES


def _no_store(body, status: int = 200):
    """Verification answers change (revocation, expiry) and name a person: never cache or index."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Vary"] = "Accept"  # a credential's id answers HTML or JSON-LD
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
    if _wants_credential():
        return _credential_response(found, holder, status)
    page = render_template("verify/certificate.html", certificate=found, status=status, checked=now)
    return _no_store(page)


def _credential_response(found, holder, status: str):
    """The credential at its id, for JSON-LD clients; a revoked one, or one whose holder has
    gone, is no longer served (410) and says why."""
    if status in ("revoked", "holder_deleted"):
        response = jsonify({"id": request.base_url, "status": status})
        response.status_code = 410
    else:
        response = jsonify(credential_document(found, holder.email if holder else None))
    response.mimetype = "application/ld+json"
    return _no_store(response, response.status_code)


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
