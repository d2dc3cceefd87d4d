"""Signing credentials: each academy's Ed25519 key, kept encrypted, and VC-JOSE (JWS) proofs.

A credential is secured as a compact JWS (VC-JOSE-COSE, media type `application/vc+jwt`): the
header names the algorithm (EdDSA), the type and the key (`kid`: a verification method of the
issuer profile, which publishes the public key as a Multikey); the payload is the credential as
JSON. Nothing needs canonicalising, so no JSON-LD context has to be fetched to sign or verify.

Private keys are sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
CREDENTIAL_KEY_SECRET, or SECRET_KEY when that is not set; the academy and key id are bound in as
associated data, so a sealed key copied to another row does not open. Rotating retires the key
in use (still published, so what it signed still verifies) and makes a new one.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from quizapp.extensions import db
from quizapp.models import AcademyKey

MEDIA_TYPE = "application/vc+jwt"
# Multicodec prefix of an Ed25519 public key (0xed, as a varint), for Multikey.
_ED25519_PUB = b"\xed\x01"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ProofError(Exception):
    """A credential whose proof does not check out; the message says why."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _base58(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _BASE58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _unbase58(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _BASE58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def multikey(public: Ed25519PublicKey) -> str:
    """The public key as a Multikey `publicKeyMultibase` (base58btc, "z6Mk...")."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + _base58(_ED25519_PUB + raw)


def public_key(multibase: str) -> Ed25519PublicKey:
    decoded = _unbase58(multibase[1:]) if multibase.startswith("z") else b""
    if not decoded.startswith(_ED25519_PUB) or len(decoded) != 34:
        raise ProofError("The verification method is not an Ed25519 Multikey.")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


# --------------------------------------------------------------------------------------------
# Keys, sealed at rest
# --------------------------------------------------------------------------------------------


def _sealer() -> AESGCM:
    secret = current_app.config.get("CREDENTIAL_KEY_SECRET") or os.environ.get(
        "CREDENTIAL_KEY_SECRET"
    )
    secret = secret or current_app.config["SECRET_KEY"]
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"quizapp academy signing keys"
    ).derive(secret.encode("utf-8"))
    return AESGCM(derived)


def _bound(academy_id: int, key_id: str) -> bytes:
    return f"{academy_id}|{key_id}".encode()


def _seal(private: Ed25519PrivateKey, academy_id: int, key_id: str) -> str:
    raw = private.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = secrets.token_bytes(12)
    return b64url(nonce + _sealer().encrypt(nonce, raw, _bound(academy_id, key_id)))


def _unseal(key: AcademyKey) -> Ed25519PrivateKey:
    sealed = _unb64url(key.private_key_sealed)
    try:
        raw = _sealer().decrypt(sealed[:12], sealed[12:], _bound(key.academy_id, key.key_id))
    except InvalidTag:
        raise ProofError(
            "The academy's signing key cannot be opened: was CREDENTIAL_KEY_SECRET (or "
            "SECRET_KEY) changed?"
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)


def _new_key(academy_id: int, now: datetime) -> AcademyKey:
    private = Ed25519PrivateKey.generate()
    key_id = f"key-{secrets.token_hex(6)}"
    key = AcademyKey(
        academy_id=academy_id,
        key_id=key_id,
        public_key=multikey(private.public_key()),
        private_key_sealed=_seal(private, academy_id, key_id),
        created_at=now,
    )
    try:
        # A savepoint: if a concurrent request made the academy's first key, ours is undone.
        with db.session.begin_nested():
            db.session.add(key)
    except IntegrityError:
        return _current(academy_id)
    return key


def _current(academy_id: int) -> AcademyKey | None:
    return db.session.scalar(
        select(AcademyKey).where(
            AcademyKey.academy_id == academy_id, AcademyKey.retired_at.is_(None)
        )
    )


def current_key(academy_id: int, now: datetime) -> AcademyKey:
    """The academy's key in use, made on first need."""
    return _current(academy_id) or _new_key(academy_id, now)


def rotate(academy_id: int, now: datetime) -> AcademyKey:
    """Retire the key in use (it stays published) and make a new one."""
    old = _current(academy_id)
    if old is not None:
        old.retired_at = now
        db.session.flush()
    return _new_key(academy_id, now)


def published_keys(academy_id: int) -> list[AcademyKey]:
    """Every key of the academy, oldest first: what its issuer profile publishes."""
    return list(
        db.session.scalars(
            select(AcademyKey)
            .where(AcademyKey.academy_id == academy_id)
            .order_by(AcademyKey.created_at, AcademyKey.id)
        )
    )


def verification_method(key: AcademyKey, issuer_id: str) -> dict[str, Any]:
    return {
        "id": f"{issuer_id}#{key.key_id}",
        "type": "Multikey",
        "controller": issuer_id,
        "publicKeyMultibase": key.public_key,
    }


# --------------------------------------------------------------------------------------------
# VC-JOSE: compact JWS
# --------------------------------------------------------------------------------------------


def sign(document: dict[str, Any], key: AcademyKey, issuer_id: str) -> str:
    """`document` secured as a compact JWS signed with `key` (Ed25519 is deterministic: the same
    credential and key give the same token)."""
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vc", "kid": f"{issuer_id}#{key.key_id}"}
    signing_input = ".".join(
        b64url(json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        for part in (header, document)
    )
    signature = _unseal(key).sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def named_issuer(token: str) -> str | None:
    """The issuer id that the token's key id (`issuer#key`) names, unverified: where to look
    for the keys that may have signed it."""
    try:
        header = json.loads(_unb64url(token.strip().split(".")[0]))
    except (ValueError, UnicodeDecodeError):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid.split("#", 1)[0] if isinstance(kid, str) else None


def verify(token: str, methods: dict[str, str]) -> tuple[dict[str, Any], str]:
    """The credential in `token` and the verification method that signed it, after checking
    the signature against `methods` (verification method id -> publicKeyMultibase)."""
    try:
        header_part, payload_part, signature_part = token.strip().split(".")
        header = json.loads(_unb64url(header_part))
        payload = json.loads(_unb64url(payload_part))
        signature = _unb64url(signature_part)
    except (ValueError, UnicodeDecodeError):
        raise ProofError("This is not a signed credential (a compact JWS).") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise ProofError("The credential is not signed with EdDSA (Ed25519).")
    kid = header.get("kid")
    if kid not in methods:
        raise ProofError("The credential names a key this issuer does not publish.")
    try:
        public_key(methods[kid]).verify(signature, f"{header_part}.{payload_part}".encode())
    except InvalidSignature:
        raise ProofError("The signature does not match: the credential was altered.") from None
    if not isinstance(payload, dict):
        raise ProofError("The signed payload is not a credential.")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if kid.split("#", 1)[0] != issuer_id:
        raise ProofError("The key that signed the credential is not its issuer's.")
    return payload, kid
