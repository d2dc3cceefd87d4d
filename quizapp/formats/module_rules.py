"""What a module file may hold (fields, counts, known source keys and zones) and how a problem in
one is reported (`Issue`, `ModuleFileError`). The format is docs/module-format.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from quizapp.domain.face import ZONE_IDS
from quizapp.domain.sources import SOURCES

SLUG_RE: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SOURCE_KEY_RE: Final = re.compile(r"^[BFSAP][1-9][0-9]{0,2}$")
FILE_NAME_RE: Final = re.compile(r"^(\d{2})-(.+)\.yaml$")

MODULE_REQUIRED: Final = (
    "id",
    "title",
    "order",
    "summary",
    "prerequisites",
    "pass_mark",
    "references",
    "questions",
)
MODULE_OPTIONAL: Final = (
    "max_attempts",
    "grading",
    "time_limit_minutes",
    "shuffle",
    "cases",
    "drills",
    "cpd_hours",
)
CPD_HOURS: Final = (0.25, 100)  # an estimated study time, in hours (docs/cpd.md)
QUESTION_COMMON: Final = ("id", "type", "topic", "stem", "references", "explanation")
TYPE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "single": ("options",),
    "multi": ("options",),
    "plan_compare": ("options", "patient", "assessment", "treat", "history"),
    "truefalse": ("answer", "feedback_true", "feedback_false"),
    "numeric": ("answer", "tolerance", "unit", "partial"),
    "ordering": ("items", "order_label"),
    "hotspot": ("zones", "select", "zone_explanations"),
    "short": ("answers",),
    "matching": ("pairs",),
}
OPTION_COUNTS: Final[dict[str, tuple[int, int]]] = {
    "single": (2, 6),
    "multi": (2, 6),
    "plan_compare": (2, 4),
}
ORDERING_ITEMS: Final = (2, 10)
SHORT_ANSWERS: Final = (1, 20)
MATCHING_PAIRS: Final = (2, 12)
TYPE_HINTS: Final[dict[str, str]] = {
    "single": "single questions take `options` (2-6, exactly one `correct: true`)",
    "multi": "multi questions take `options` (2-6, at least one `correct: true`)",
    "plan_compare": "plan_compare questions take `options` (2-4 plans, exactly one correct)",
    "truefalse": "truefalse questions take `answer: true|false` and an `explanation`",
    "numeric": "numeric questions take `answer`, `tolerance`, `unit` and an `explanation`",
    "ordering": "ordering questions take `items` (in the correct order) and `order_label`",
    "hotspot": "hotspot questions take `zones`, `select`, `explanation` and `zone_explanations`",
    "short": "short questions take `answers` (each `text`, optional `weight`) and an `explanation`",
    "matching": "matching questions take `pairs` (each `left` and `right`) and an `explanation`",
}

FieldPath = tuple[str | int, ...]

#: What the field getters of the module checker return for a value that is missing or invalid
#: (after reporting it).
MISSING: Final = object()


# --------------------------------------------------------------------------------------------
# Issues
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem in a module file: where it is (file, line, field path) and what was expected."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )

    @property
    def source(self) -> str:
        """Same as `file`; the name quizapp.formats.yamlsafe.Issue uses, so both read alike."""
        return self.file

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


class ModuleFileError(Exception):
    """One or more module files are invalid; `.issues` lists every problem found."""

    def __init__(self, issues: Iterable[Issue]):
        self.issues: list[Issue] = list(issues)
        count = len(self.issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in module files:\n{lines}")


def format_path(path: FieldPath) -> str:
    """("questions", 3, "options", 1) -> "questions[3].options[1]" (indexes count from 0)."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --------------------------------------------------------------------------------------------
# What counts as a known source key and zone
# --------------------------------------------------------------------------------------------


def known_source_keys() -> frozenset[str]:
    """Every source key of quizapp.domain.sources.SOURCES."""
    return frozenset(SOURCES)


def known_zone_ids() -> frozenset[str]:
    """Every zone id of the face catalogue."""
    return frozenset(ZONE_IDS)
