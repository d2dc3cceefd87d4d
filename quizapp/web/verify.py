"""Public certificate verification: anyone with a code can check a certificate, without login.

The page shows only the holder's name, the programme, the academy, the dates, the status
(valid, expired or revoked, by the server's clock) and whether the signed credential checks out
against the key the academy publishes: no email, no scores, no revocation reason. A credential's
id is its page here; JSON-LD clients get the credential, JOSE clients the signed one. Each
academy publishes its issuer profile (with its keys) and its revocation list. Lookups are
rate-limited so codes cannot be tried in bulk (they are unguessable anyway).
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
from quizapp.models import Academy, Certificate, User
from quizapp.models.base import now_utc
from quizapp.permissions import public
from quizapp.services.academy import badges, certification, signing
from quizapp.services.people import privacy
from quizapp.web.forms import EmptyForm

bp = Blueprint("verify", __name__, url_prefix="/verify")

LOOKUP_LIMIT = "60 per minute"
# What a client asks for at a credential's id; browsers get the page.
_JSON_LD = ("application/ld+json", "application/vc+ld+json", "application/json")
_JOSE = (signing.MEDIA_TYPE, "application/jwt")
_PROFILE_CONTEXT = [*badges.CONTEXT, "https://w3id.org/security/multikey/v1"]


def _issuer_id(academy: Academy) -> str:
    return url_for("verify.issuer", slug=academy.slug, _external=True)


def _status_list_url(academy: Academy) -> str:
    return url_for("verify.status_list", slug=academy.slug, _external=True)


def credential_document(certificate: Certificate, email: str | None) -> dict:
    """The OpenBadgeCredential of `certificate`, with the public URLs of this site."""
    description, criteria = badges.criteria(certificate)
    academy = certificate.programme.academy
    return badges.credential(
        certificate,
        credential_id=url_for("verify.certificate", code=certificate.code, _external=True),
        issuer_id=_issuer_id(academy),
        issuer_url=url_for("verify.index", _external=True),
        criteria=criteria,
        description=description,
        email=email,
        status_list=_status_list_url(academy),
    )


def signed_credential(certificate: Certificate, email: str | None) -> str:
    """The credential secured with the academy's key in use (made on first need: the caller
    commits)."""
    academy = certificate.programme.academy
    key = signing.current_key(academy.id, now_utc())
    return signing.sign(credential_document(certificate, email), key, _issuer_id(academy))


def _methods(academy: Academy) -> dict[str, str]:
    issuer_id = _issuer_id(academy)
    return {f"{issuer_id}#{k.key_id}": k.public_key for k in signing.published_keys(academy.id)}


def check_proof(token: str, academy: Academy) -> str:
    """The verification method that signed `token`, checked against the academy's published
    keys; raises signing.ProofError when it does not check out."""
    return signing.verify(token, _methods(academy))[1]


def _preferred() -> str | None:
    return request.accept_mimetypes.best_match(("text/html", *_JSON_LD, *_JOSE))


def _no_store(body, status: int = 200):
    """Verification answers change (revocation, expiry) and name a person: never cache or index."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Vary"] = "Accept"  # a credential's id answers HTML, JSON-LD or a JWS
    return response


@bp.route("/")
@public
@limiter.limit(LOOKUP_LIMIT)
def index():
    code = (request.args.get("code") or "").strip()
    if code:
        return redirect(url_for("verify.certificate", code=code))
    return _no_store(render_template("verify/index.html", form=EmptyForm()))


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
    email = holder.email if holder is not None and status != "holder_deleted" else None
    wanted = _preferred()
    if wanted in _JSON_LD or wanted in _JOSE:
        return _credential_response(found, email, status, jose=wanted in _JOSE)
    proof = None
    if status in ("valid", "expired"):
        # The credential this id serves, checked against the key the issuer profile publishes.
        token = signed_credential(found, email)
        db.session.commit()  # the academy's first key, if this made it
        try:
            proof = {"ok": True, "method": check_proof(token, found.programme.academy)}
        except signing.ProofError as error:
            proof = {"ok": False, "reason": str(error)}
    page = render_template(
        "verify/certificate.html", certificate=found, status=status, checked=now, proof=proof
    )
    return _no_store(page)


def _credential_response(found: Certificate, email: str | None, status: str, *, jose: bool):
    """The credential at its id; a revoked one, or one whose holder has gone, is no longer
    served (410) and says why."""
    if status in ("revoked", "holder_deleted"):
        response = jsonify({"id": request.base_url, "status": status})
        response.status_code = 410
    elif jose:
        response = make_response(signed_credential(found, email))
        response.mimetype = signing.MEDIA_TYPE
        db.session.commit()
    else:
        response = jsonify(credential_document(found, email))
    if not jose or response.status_code == 410:
        response.mimetype = "application/ld+json"
    return _no_store(response, response.status_code)


@bp.route("/check", methods=["POST"])
@public
@limiter.limit(LOOKUP_LIMIT)
def check():
    """Check a signed credential someone was given (pasted as text): its signature against the
    issuer's published keys, then the certificate's status today."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    token = (request.form.get("credential") or "").strip()[:20_000]
    outcome: dict = {}
    try:
        payload = signing.verify(token, _published_methods(token))[0]
        code = str(payload.get("id", "")).rstrip("/").rsplit("/", 1)[-1]
        found = certification.certificate_by_code(code)
        if found is None:
            raise signing.ProofError("The signature holds, but no such certificate exists here.")
        holder = db.session.get(User, found.user_id) if found.user_id is not None else None
        status = "holder_deleted" if privacy.is_deleted(holder) else found.status(now_utc())
        outcome = {"ok": True, "status": status, "certificate": found}
    except signing.ProofError as error:
        outcome = {"ok": False, "reason": str(error)}
    page = render_template("verify/index.html", form=EmptyForm(), outcome=outcome)
    return _no_store(page, 200 if outcome["ok"] else 422)


def _published_methods(token: str) -> dict[str, str]:
    """The published keys of the academy whose issuer profile the token's key id names (none
    when it names no issuer of this site)."""
    issuer_id = signing.named_issuer(token) or ""
    slug = issuer_id.rstrip("/").rsplit("/", 1)[-1]
    academy = db.session.scalar(select(Academy).where(Academy.slug == slug))
    if academy is None or _issuer_id(academy) != issuer_id:
        return {}
    return _methods(academy)


def _academy(slug: str) -> Academy:
    academy = db.session.scalar(select(Academy).where(Academy.slug == slug))
    if academy is None:
        abort(404)
    return academy


@bp.route("/issuers/<slug>")
@public
@limiter.limit(LOOKUP_LIMIT)
def issuer(slug: str):
    """The academy's Open Badges issuer Profile, which credentials point to, with the public
    keys (Multikey verification methods) that check their signatures."""
    academy = _academy(slug)
    issuer_id = _issuer_id(academy)
    methods = [
        signing.verification_method(k, issuer_id) for k in signing.published_keys(academy.id)
    ]
    profile = {
        "@context": _PROFILE_CONTEXT,
        "id": issuer_id,
        "type": ["Profile"],
        "name": academy.name,
        "url": url_for("verify.index", _external=True),
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
    response = jsonify(profile)
    response.mimetype = "application/ld+json"
    return response


@bp.route("/issuers/<slug>/status/revocation")
@public
@limiter.limit(LOOKUP_LIMIT)
def status_list(slug: str):
    """The academy's revocation list (Bitstring Status List), signed like its credentials;
    JSON-LD clients may ask for it unsigned."""
    academy = _academy(slug)
    document = badges.status_list_credential(
        _status_list_url(academy),
        _issuer_id(academy),
        academy.name,
        badges.revoked_indexes(academy.id),
        now_utc(),
    )
    if _preferred() in _JSON_LD:
        response = jsonify(document)
        response.mimetype = "application/ld+json"
        return _no_store(response)
    key = signing.current_key(academy.id, now_utc())
    token = signing.sign(document, key, _issuer_id(academy))
    db.session.commit()
    response = make_response(token)
    response.mimetype = signing.MEDIA_TYPE
    return _no_store(response)
