"""Shared vocabularies of the domain: dispositions, sides, depths, bands, verdicts, severities.

The string values are fixed identifiers used by case files, the database and the web app.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Disposition(StrEnum):
    """What to do with the patient today (principle 6)."""

    TREAT = "treat"
    TREAT_IN_PART = "treat_in_part"
    DEFER = "defer"
    REFER = "refer"
    DECLINE = "decline"

    @property
    def treats(self) -> bool:
        """True for dispositions under which something is injected today."""
        return self in (Disposition.TREAT, Disposition.TREAT_IN_PART)


class Side(StrEnum):
    """Where an amount goes. For paired zones `both` means the amount on EACH side; `midline`
    means one amount for the whole of an unpaired zone."""

    LEFT = "left"
    RIGHT = "right"
    BOTH = "both"
    MIDLINE = "midline"


class Depth(StrEnum):
    INTRADERMAL = "intradermal"
    SUBCUTANEOUS = "subcutaneous"
    SUPRAPERIOSTEAL = "supraperiosteal"
    INTRAMUSCULAR = "intramuscular"


class Band(StrEnum):
    """One place on the conservative-versus-overfilled axis; `unsafe` overrides all."""

    UNDER_TREATED = "under_treated"
    CONSERVATIVE = "conservative"
    NATURAL = "natural"
    OVERDONE = "overdone"
    OVERFILLED = "overfilled"
    UNSAFE = "unsafe"


class Verdict(StrEnum):
    MISSED = "missed"
    UNDER = "under"
    CONSERVATIVE = "conservative"
    ON_TARGET = "on_target"
    HEAVY = "heavy"
    OVERFILLED = "overfilled"
    NOT_INDICATED = "not_indicated"
    WRONG_PRODUCT = "wrong_product"
    UNSAFE = "unsafe"


class Severity(StrEnum):
    """How much a finding weighs. The last three force at least that band."""

    INFO = "info"
    WARNING = "warning"
    OVERDONE = "overdone"
    OVERFILLED = "overfilled"
    UNSAFE = "unsafe"


#: Plain-English names shown to people (pages, CSV downloads), one definition for every layer.
DISPOSITION_LABELS: Final[dict[str, str]] = {
    "treat": "Treat as planned",
    "treat_in_part": "Treat in part (some concerns today, others later or never)",
    "defer": "Defer (not today; review when the reason has passed)",
    "refer": "Refer (to another specialist or service)",
    "decline": "Decline (treatment would not serve this patient)",
}
BAND_LABELS: Final[dict[str, str]] = {
    "under_treated": "Under-treated",
    "conservative": "Conservative",
    "natural": "Natural",
    "overdone": "Overdone",
    "overfilled": "Overfilled",
    "unsafe": "Unsafe",
}
VERDICT_LABELS: Final[dict[str, str]] = {
    "missed": "Missed",
    "under": "Under",
    "conservative": "Conservative",
    "on_target": "On target",
    "heavy": "Heavy",
    "overfilled": "Overfilled",
    "not_indicated": "Not indicated",
    "wrong_product": "Wrong product",
    "unsafe": "Unsafe",
}
