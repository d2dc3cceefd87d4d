"""Open Badges 3.0: a certificate as an `OpenBadgeCredential` (a W3C Verifiable Credential).

The credential names the achievement (the programme, with its criteria and required modules),
the issuer (the academy) and the subject. Its `id` is the public verification URL, which serves
the credential itself to JSON-LD clients and the verification page to browsers. The holder is
identified by a salted hash of their email address (an Open Badges IdentityObject), never by the
address itself.
"""

from __future__ import annotations

import gzip
import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select

from quizapp.domain.certification import Rules
from quizapp.extensions import db
from quizapp.models import Certificate, ModuleRecord
from quizapp.services.academy.signing import b64url
from quizapp.services.people import privacy

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
_NAMESPACE = uuid.UUID("0d5c3f6a-8f55-5b0e-a0a4-6d1b4c0e7f21")


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def identity_hash(email: str, salt: str) -> str:
    """`sha256$` + hex digest of the address and salt, as Open Badges identity objects use."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def achievement_id(issuer_id: str, programme_id: int) -> str:
    """A stable URN for a programme: the same achievement in every credential it backs."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{issuer_id}|programme|{programme_id}')}"


def credential(
    certificate: Any,
    *,
    credential_id: str,
    issuer_id: str,
    issuer_url: str,
    criteria: str,
    description: str,
    email: str | None,
    status_list: str | None = None,
) -> dict[str, Any]:
    """The OpenBadgeCredential for one certificate.

    `credential_id` is the public verification URL; `issuer_id` the academy's issuer profile URL;
    `criteria` says in words what the holder achieved (the programme's requirements);
    `status_list` the URL of the academy's revocation list, in which the certificate's bit is
    its id.
    """
    fallback = f"{certificate.programme_name}, {certificate.academy_name}"
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": achievement_id(issuer_id, certificate.programme_id),
            "type": ["Achievement"],
            "name": certificate.programme_name,
            "description": description or fallback,
            "criteria": {"narrative": criteria},
            "achievementType": "Certificate",
            "creator": {"id": issuer_id, "type": ["Profile"], "name": certificate.academy_name},
        },
    }
    if email:
        salt = certificate.code
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ]
    issued = _iso(certificate.issued_at)
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.programme_name}: {certificate.holder_name}",
        "issuer": {
            "id": issuer_id,
            "type": ["Profile"],
            "name": certificate.academy_name,
            "url": issuer_url,
        },
        # VC Data Model 2.0 terms: its context has no issuanceDate or expirationDate, so JSON-LD
        # processors (and proofs over the canonical form) would drop those.
        "validFrom": issued,
        "credentialSubject": subject,
    }
    if certificate.expires_at is not None:
        document["validUntil"] = _iso(certificate.expires_at)
    if status_list is not None:
        document["credentialStatus"] = {
            "id": f"{status_list}#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": status_list,
        }
    return document


# Bitstring Status List: at least 16 KB (131,072 entries) so a list says little about how many
# credentials an academy issued; it grows by that much when certificate ids pass it.
STATUS_LIST_BITS = 131_072


def revoked_indexes(academy_id: int) -> list[int]:
    """Status list indexes (certificate ids) of the academy's certificates that no longer
    vouch: revoked, or whose holder deleted their account."""
    return list(
        db.session.scalars(
            select(Certificate.id).where(
                Certificate.academy_id == academy_id,
                or_(
                    Certificate.revoked_at.is_not(None),
                    Certificate.user_id.is_(None),
                    Certificate.user_id.in_(privacy.deleted_user_ids()),
                ),
            )
        )
    )


def encoded_list(indexes: list[int]) -> str:
    """The bitstring with `indexes` set (index 0 is the first byte's most significant bit),
    GZIP-compressed and multibase base64url-encoded, as Bitstring Status List 1.0 specifies."""
    size = STATUS_LIST_BITS * (max(indexes, default=0) // STATUS_LIST_BITS + 1)
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + b64url(gzip.compress(bytes(bits), mtime=0))


def status_list_credential(
    list_id: str, issuer_id: str, academy_name: str, indexes: list[int], now: datetime
) -> dict[str, Any]:
    """The academy's revocation list as a BitstringStatusListCredential (signed by the caller)."""
    return {
        "@context": [CONTEXT[0]],
        "id": list_id,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": issuer_id, "type": ["Profile"], "name": academy_name},
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": f"{list_id}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(indexes),
        },
    }


def criteria(certificate: Any) -> tuple[str, str]:
    """The achievement's description and criteria in words, from the programme as it is now,
    naming the required modules by title."""
    programme = certificate.programme
    rules = Rules.of(programme)
    parts = []
    if rules.required_modules:
        titles = dict(
            db.session.execute(
                select(ModuleRecord.slug, ModuleRecord.title).where(
                    ModuleRecord.slug.in_(rules.required_modules),
                    or_(
                        ModuleRecord.academy_id.is_(None),
                        ModuleRecord.academy_id == programme.academy_id,
                    ),
                )
            ).all()
        )
        named = ", ".join(f'"{titles.get(slug, slug)}"' for slug in rules.required_modules)
        parts.append(f"passed the required module(s) {named}")
    if rules.min_good_cases:
        parts.append(
            f"planned {rules.min_good_cases} different virtual-patient case(s) in the "
            "conservative or natural band"
        )
    if rules.no_unsafe_in_last:
        parts.append(f"made no unsafe plan in their last {rules.no_unsafe_in_last} case(s)")
    narrative = "The holder " + "; ".join(parts) + "." if parts else programme.name
    description = programme.description or (
        f"{programme.name}: a certification programme of {certificate.academy_name} in "
        "planning natural-looking aesthetic treatments."
    )
    return description, narrative
