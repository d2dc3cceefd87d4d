"""How an academy's certificates look (logo, signatory) and who may sign its credentials (key
rotation): the admin's use cases, each written to the audit log."""

from __future__ import annotations

import io
from datetime import datetime

from quizapp.models import Academy, AcademyKey
from quizapp.services.academy import signing
from quizapp.services.people.auditlog import audit

LOGO_MAX_BYTES = 512 * 1024
LOGO_FORMATS = {"PNG", "JPEG"}


def logo_refusal(data: bytes) -> str | None:
    """Why `data` cannot be a certificate logo, or None: a PNG or JPEG image Pillow can read,
    at most 512 KB and 16 to 4000 pixels a side (it is drawn at most 80 x 26 mm)."""
    from PIL import Image, UnidentifiedImageError  # comes with fpdf2; loaded on demand

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


def set_look(
    academy: Academy,
    actor_id: int,
    *,
    signatory_name: str,
    signatory_title: str,
    logo: bytes | None,
    remove_logo: bool,
) -> None:
    """Set the signatory and, when given, the logo (already checked by `logo_refusal`)."""
    academy.signatory_name = signatory_name.strip()
    academy.signatory_title = signatory_title.strip()
    if remove_logo:
        academy.certificate_logo = None
    elif logo:
        academy.certificate_logo = logo
    audit(
        academy.id,
        actor_id,
        "credentials.look_changed",
        "certificates",
        {"signatory": academy.signatory_name, "logo": academy.certificate_logo is not None},
    )


def rotate_key(academy: Academy, actor_id: int, now: datetime) -> AcademyKey:
    key = signing.rotate(academy.id, now)
    audit(academy.id, actor_id, "credentials.key_rotated", key.key_id, at=now)
    return key
