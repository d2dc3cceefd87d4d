"""What a case file may hold: its fields at each level, and the error that lists its problems.
The format is described in docs/case-format.md.
"""

from __future__ import annotations

import re
from typing import Any, Final

from quizapp.domain.face import FROM_ROMAN, ROMAN
from quizapp.formats.yamlsafe import DataFileError, Path, Reader

ID_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

CASE_REQUIRED: Final = (
    "id",
    "title",
    "summary",
    "patient",
    "reference",
    "learning_points",
    "references",
)
CASE_OPTIONAL: Final = ("visit_date", "history", "medical", "assessment", "preserve")
PATIENT_REQUIRED: Final = ("age", "sex", "fitzpatrick", "glogau")
PATIENT_OPTIONAL: Final = ("context", "request", "weight_kg")
HISTORY_REQUIRED: Final = ("zone", "product", "side")
HISTORY_OPTIONAL: Final = ("amount", "months_ago", "date", "note")
REFERENCE_OPTIONAL: Final = ("red_flags", "zones", "max_facial_units", "candidate_plans", "note")
ZONE_REF_OPTIONAL: Final = ("dose", "justification", "note", "references", "optional")
DOSE_FIELDS: Final = ("min", "max", "ceiling")
CANDIDATE_FIELDS: Final = ("label", "band", "rationale", "plan")
FAMILY_KEYS: Final = ("toxin", "filler")


class CaseFileError(DataFileError):
    """A case file with problems; `.issues` lists all of them (file, line, field, message)."""


def roman_or_int(reader: Reader, value: Any, path: Path, top: int, what: str) -> int | None:
    if isinstance(value, str) and value.strip().upper() in FROM_ROMAN:
        number = FROM_ROMAN[value.strip().upper()]
        if number <= top:
            return number
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= top:
        return value
    reader.add(
        path,
        f"expected a {what} type {ROMAN[1]}-{ROMAN[top]} (roman numeral, or 1-{top}), "
        f"got {value!r}",
    )
    return None
