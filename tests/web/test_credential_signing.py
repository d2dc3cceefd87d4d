"""Signed Open Badges credentials: each academy's Ed25519 key (kept encrypted, rotatable,
published as a Multikey in the issuer profile), VC-JOSE signatures checked by an independent
library (PyJWT), the verification page's check, and the revocation list (Bitstring Status List)."""

from __future__ import annotations

import base64
import gzip
import json

import jsonschema
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from quizapp.models import AcademyKey
from quizapp.models.base import now_utc
from quizapp.services.academy import certification, signing
from tests.conftest import csrf_from, login
from tests.data import academykit as kit
from tests.web.test_certificates import SCHEMA, _format_checker

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _multikey_to_public(multibase: str) -> Ed25519PublicKey:
    """The test's own reading of a Multikey (multibase base58btc of 0xed01 + the raw key), kept
    apart from the app's so the two cannot share a mistake."""
    assert multibase[0] == "z"
    number = 0
    for char in multibase[1:]:
        number = number * 58 + _BASE58.index(char)
    decoded = number.to_bytes(34, "big")
    assert decoded[:2] == b"\xed\x01"
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


@pytest.fixture()
def issued(tmp_path, factory, db):
    return kit.certified(tmp_path, factory, "Łukasz Żółkiewski")


def _signed(client, trainee, certificate) -> str:
    login(client, trainee.email)
    response = client.get(f"/certificates/{certificate.code}/badge.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    return response.get_data(as_text=True)


def _published(client, slug="northbridge") -> dict[str, str]:
    profile = json.loads(client.get(f"/verify/issuers/{slug}").data)
    assert profile["assertionMethod"] == [m["id"] for m in profile["verificationMethod"]]
    assert {m["type"] for m in profile["verificationMethod"]} == {"Multikey"}
    return {m["id"]: m["publicKeyMultibase"] for m in profile["verificationMethod"]}


def _decode(token: str, methods: dict[str, str]) -> dict:
    """Verify with PyJWT and the key the issuer profile publishes: an independent path."""
    kid = jwt.get_unverified_header(token)["kid"]
    return jwt.decode(token, _multikey_to_public(methods[kid]), algorithms=["EdDSA"])


def test_multikey_and_signatures_match_the_specifications_vectors():
    # did:key test vector: the Ed25519 key of a seed of 32 zero bytes.
    zero = Ed25519PrivateKey.from_private_bytes(bytes(32))
    assert signing.multikey(zero.public_key()) == (
        "z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
    )
    # RFC 8037, appendix A.4: Ed25519 JWS of "Example of Ed25519 signing".
    rfc = Ed25519PrivateKey.from_private_bytes(
        base64.urlsafe_b64decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=")
    )
    signing_input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
    assert signing.b64url(rfc.sign(signing_input.encode())) == (
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
    )
    assert signing.public_key(signing.multikey(rfc.public_key())).public_bytes_raw() == (
        rfc.public_key().public_bytes_raw()
    )


def test_the_signed_credential_verifies_with_an_independent_library(client, issued):
    academy, _, trainee, certificate = issued
    token = _signed(client, trainee, certificate)
    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA" and header["typ"] == "vc+jwt"
    assert header["kid"].startswith("http://localhost/verify/issuers/northbridge#key-")
    credential = _decode(token, _published(client))
    jsonschema.validate(
        credential, SCHEMA, cls=jsonschema.Draft201909Validator, format_checker=_format_checker()
    )
    assert credential["credentialSubject"]["achievement"]["name"] == "Safe toxin practice"
    assert credential["issuer"]["id"] == header["kid"].split("#")[0]
    # The same credential is served at its id to JOSE clients.
    served = client.get(f"/verify/{certificate.code}", headers={"Accept": "application/vc+jwt"})
    assert served.mimetype == "application/vc+jwt"
    assert _decode(served.get_data(as_text=True), _published(client)) == credential


def test_a_tampered_credential_fails(client, issued):
    _, _, trainee, certificate = issued
    token = _signed(client, trainee, certificate)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["validUntil"] = "2099-01-01T00:00:00Z"
    forged = ".".join((header, signing.b64url(json.dumps(claims).encode()), signature))
    with pytest.raises(jwt.InvalidSignatureError):
        _decode(forged, _published(client))
    page = client.get("/verify/")
    response = client.post(
        "/verify/check",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "credential": forged},
    )
    assert response.status_code == 422
    assert "the credential was altered" in response.get_data(as_text=True)
    response = client.post(
        "/verify/check",
        data={"csrf_token": csrf_from(page.get_data(as_text=True)), "credential": token},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Signature valid" in html
    assert "Łukasz Żółkiewski" in html


def test_the_verification_page_checks_the_signature(client, issued):
    _, _, _, certificate = issued
    html = client.get(f"/verify/{certificate.code}").get_data(as_text=True)
    assert "Digital signature checked" in html
    assert "key-" in html


def test_keys_are_sealed_at_rest_and_bound_to_their_row(app, client, issued, db):
    academy, _, trainee, certificate = issued
    _signed(client, trainee, certificate)
    (key,) = db.session.query(AcademyKey).filter_by(academy_id=academy.id).all()
    private = signing._unseal(key)
    raw = private.private_bytes_raw()
    assert raw not in base64.urlsafe_b64decode(key.private_key_sealed + "==")
    assert signing.multikey(private.public_key()) == key.public_key
    # Another server secret cannot open it ...
    with app.test_request_context():
        app.config["CREDENTIAL_KEY_SECRET"] = "a different secret"
        try:
            with pytest.raises(signing.ProofError, match="cannot be opened"):
                signing._unseal(key)
        finally:
            del app.config["CREDENTIAL_KEY_SECRET"]
    # ... nor does the sealed key work for another key id (associated data).
    moved = AcademyKey(
        academy_id=academy.id,
        key_id="key-other",
        public_key=key.public_key,
        private_key_sealed=key.private_key_sealed,
    )
    with pytest.raises(signing.ProofError):
        signing._unseal(moved)


def test_rotating_keeps_old_credentials_verifiable(app, client, issued):
    academy, admin, trainee, certificate = issued
    before = _signed(client, trainee, certificate)
    admin_client = app.test_client()
    login(admin_client, admin.email)
    page = admin_client.get("/academy/credentials/")
    assert page.status_code == 200
    response = admin_client.post(
        "/academy/credentials/rotate-key",
        data={"csrf_token": csrf_from(page.get_data(as_text=True))},
        follow_redirects=True,
    )
    assert "New signing key" in response.get_data(as_text=True)
    after = client.get(f"/certificates/{certificate.code}/badge.jwt").get_data(as_text=True)
    methods = _published(client)
    assert len(methods) == 2
    assert jwt.get_unverified_header(before)["kid"] != jwt.get_unverified_header(after)["kid"]
    assert _decode(before, methods) == _decode(after, methods)


def test_only_admins_rotate_keys(client, issued):
    _, _, trainee, _ = issued
    login(client, trainee.email)
    assert client.get("/academy/credentials/").status_code in (403, 404)


def _bit(encoded: str, index: int) -> int:
    assert encoded[0] == "u"
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131_072
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_revocation_shows_in_the_published_status_list(client, issued, db):
    academy, _, trainee, certificate = issued
    credential = _decode(_signed(client, trainee, certificate), _published(client))
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    index = int(status["statusListIndex"])

    def listed() -> int:
        token = client.get(status["statusListCredential"]).get_data(as_text=True)
        status_list = _decode(token, _published(client))
        assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        return _bit(status_list["credentialSubject"]["encodedList"], index)

    assert listed() == 0
    certification.revoke(certificate, "Issued in error", None, now_utc())
    db.session.commit()
    assert listed() == 1


def test_two_first_signatures_at_once_make_one_key(app, issued, db):
    """The losing request of a race to make the academy's first key gets the winner's: the
    database allows one key in use per academy, and the refused insert is undone alone."""
    academy = issued[0]
    with app.test_request_context():
        first = signing.current_key(academy.id, now_utc())
        db.session.commit()
        late = signing._new_key(academy.id, now_utc())  # as if it had not seen `first`
        db.session.commit()
    assert late.id == first.id
    assert db.session.query(AcademyKey).filter_by(academy_id=academy.id).count() == 1
