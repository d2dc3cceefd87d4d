"""Moodle GIFT: questions of a GIFT file added to a module's draft, and a module version as
GIFT."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quizapp.formats.gift import GiftProblem, export_gift, parse_gift
from quizapp.models import ModuleRecord, ModuleVersion, User
from quizapp.services.authoring.modules import (
    module_data,
    module_of,
    module_text,
    questions_of,
    save_module,
)
from quizapp.services.authoring.records import ContentInvalid, audit, latest


def _id_prefix(slug: str) -> str:
    parts = [p for p in slug.split("-") if p]
    return "".join(p[0] for p in parts)[:6] or "q"


@dataclass
class GiftOutcome:
    """What a GIFT import did or would do: questions taken, problems by line."""

    imported: int = 0
    importable: int = 0  # questions that map to a quizapp type
    problems: list[GiftProblem] = field(default_factory=list)
    unsupported: list[GiftProblem] = field(default_factory=list)


def import_gift(
    record: ModuleRecord,
    actor: User,
    text: str,
    *,
    skip_unsupported: bool,
    default_topic: str = "",
    default_references: Sequence[str] = (),
) -> GiftOutcome:
    """Add the questions of a GIFT file to the module's draft: all or nothing.

    Questions GIFT cannot express in quizapp are reported by line; the educator may choose to
    import the others (`skip_unsupported`). Questions that map but fail validation (a missing
    explanation, an unknown source key) are reported by line too, and then nothing is imported.
    """
    parsed = parse_gift(
        text, default_topic=default_topic or None, default_references=default_references
    )
    outcome = GiftOutcome(importable=len(parsed.questions), unsupported=list(parsed.problems))
    if parsed.problems and not skip_unsupported:
        return outcome
    if not parsed.questions:
        return outcome
    current = latest(record)
    data = module_data(current) if current is not None else {}
    existing = questions_of(data)
    taken = {q.get("id") for q in existing}
    prefix = _id_prefix(record.slug)
    counter = 1
    incoming = []
    for item in parsed.questions:
        question = dict(item.data)
        if not question.get("id") or question["id"] in taken:
            while f"{prefix}-g{counter:02d}" in taken:
                counter += 1
            question["id"] = f"{prefix}-g{counter:02d}"
        taken.add(question["id"])
        incoming.append(question)
    merged = {**data, "questions": existing + incoming}
    try:
        save_module(record, actor, module_text(merged), "gift")
    except ContentInvalid as error:
        outcome.problems = _gift_problems(error.issues, len(existing), parsed.questions)
        return outcome
    outcome.imported = len(incoming)
    audit(record, actor, "import", format="gift", questions=len(incoming))
    return outcome


def _gift_problems(issues: list[Any], offset: int, questions: list[Any]) -> list[GiftProblem]:
    out = []
    for issue in issues:
        match = re.match(r"^questions\[(\d+)\]\.?(.*)$", issue.field or "")
        if match and int(match.group(1)) >= offset:
            item = questions[int(match.group(1)) - offset]
            where = match.group(2)
            message = f"{where}: {issue.message}" if where else issue.message
            out.append(GiftProblem(item.line, message, item.title))
        else:
            out.append(
                GiftProblem(0, f"{issue.field}: {issue.message}" if issue.field else issue.message)
            )
    return out


def gift_for(version: ModuleVersion, title: str) -> tuple[str, list[tuple[str, str]]]:
    """The module version's questions as GIFT, and the questions left out with why."""
    module = module_of(version)
    if module is None:
        return "", []
    return export_gift(module.questions, title=title)
