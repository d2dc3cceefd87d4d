"""Moodle GIFT: the questions of a GIFT file added to a module's draft, with a report line per
question, and a module version as GIFT.

A whole file never stops on one question. Every question of the file ends in the report as
- imported: taken as it is;
- converted: taken, and the report says how (weights kept, a missing word's blank, HTML
  sanitised, a name already used so the question got another id ...);
- skipped: left out, and the report says why: a type quizapp has no equivalent for (essay,
  description, cloze), a construct GIFT itself forbids (nested braces, weights outside
  -100..100), a stem already in the module or earlier in the file (the module refuses two
  questions with one stem: the first one is kept), or what the module checker found wrong.
Questions join the draft, which may lack explanations (Moodle banks seldom have them);
publishing asks for them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from quizapp.formats.gift import GiftProblem, GiftQuestion, export_gift, parse_gift
from quizapp.formats.module_checks import normalise_text
from quizapp.formats.modules import ModuleFileError, load_module_text
from quizapp.markup import sanitise
from quizapp.models import ModuleRecord, ModuleVersion, User
from quizapp.services.authoring.modules import (
    module_data,
    module_of,
    module_text,
    questions_of,
    save_module,
)
from quizapp.services.authoring.records import ContentInvalid, audit, latest

_QUESTION_FIELD = re.compile(r"^questions\[(\d+)\]\.?(.*)$")


def _id_prefix(slug: str) -> str:
    parts = [p for p in slug.split("-") if p]
    return "".join(p[0] for p in parts)[:6] or "q"


@dataclass(frozen=True)
class GiftReportRow:
    """What became of one question of the file."""

    line: int
    title: str
    status: str  # imported | converted | skipped
    detail: str = ""
    question_id: str = ""


@dataclass
class GiftOutcome:
    """What a GIFT import did: a report row per question, and problems that stopped it."""

    rows: list[GiftReportRow] = field(default_factory=list)
    problems: list[GiftProblem] = field(default_factory=list)  # nothing was imported

    @property
    def imported(self) -> int:
        """Questions added to the draft (imported as they are, or converted)."""
        return sum(1 for row in self.rows if row.status != "skipped")

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _without_id(question: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in question.items() if key != "id"}


def _skip(item: GiftQuestion, why: str) -> GiftReportRow:
    return GiftReportRow(item.line, item.title, "skipped", why)


def import_gift(
    record: ModuleRecord,
    actor: User,
    text: str,
    *,
    default_topic: str = "",
    default_references: Sequence[str] = (),
) -> GiftOutcome:
    """Add the questions of a GIFT file to the module's draft; report on every one."""
    parsed = parse_gift(
        text,
        default_topic=default_topic or None,
        default_references=default_references,
        sanitise=sanitise,
    )
    outcome = GiftOutcome()
    skipped = [GiftReportRow(p.line, p.title, "skipped", p.message) for p in parsed.problems]
    if not parsed.questions:
        outcome.rows = skipped
        return outcome
    current = latest(record)
    data = module_data(current) if current is not None else {}
    existing = questions_of(data)
    stems: dict[str, tuple[str, dict[str, Any]]] = {
        normalise_text(str(q.get("stem", ""))): (
            f"question {q.get('id')} already in the module",
            _without_id(q),
        )
        for q in existing
    }
    by_id = {q.get("id"): q for q in existing}
    prefix = _id_prefix(record.slug)
    counter = 1
    accepted: list[tuple[GiftQuestion, dict[str, Any], list[str]]] = []
    for item in parsed.questions:
        question = dict(item.data)
        notes = list(item.notes)
        key = normalise_text(str(question.get("stem", "")))
        if key in stems:
            where, earlier = stems[key]
            if earlier == _without_id(question):
                why = f"the same question as {where}"
            else:
                why = (
                    f"same stem as {where}, with other answers or feedback: a module cannot "
                    "hold two questions with one stem, so the first is kept (change this stem "
                    "and import the file again to add it)"
                )
            skipped.append(_skip(item, why))
            continue
        wanted = question.get("id")
        if not wanted or wanted in by_id:
            while f"{prefix}-g{counter:02d}" in by_id:
                counter += 1
            question["id"] = f"{prefix}-g{counter:02d}"
            if wanted:
                notes.append(f"the name {wanted} is taken: id {question['id']}")
        by_id[question["id"]] = question
        stems[key] = (f"line {item.line} of the file", _without_id(question))
        accepted.append((item, question, notes))
    accepted, rejected = _drop_invalid(data, existing, accepted)
    skipped.extend(rejected)
    if accepted:
        merged = {**data, "questions": existing + [q for _, q, _ in accepted]}
        try:
            save_module(record, actor, module_text(merged), "gift")
        except ContentInvalid as error:
            outcome.problems = [
                GiftProblem(0, f"{i.field}: {i.message}" if i.field else i.message)
                for i in error.issues
            ]
            outcome.rows = sorted(skipped, key=lambda row: row.line)
            return outcome
        audit(record, actor, "import", format="gift", questions=len(accepted))
    rows = [
        GiftReportRow(
            item.line,
            item.title,
            "converted" if notes else "imported",
            "; ".join(notes),
            question["id"],
        )
        for item, question, notes in accepted
    ]
    outcome.rows = sorted(rows + skipped, key=lambda row: row.line)
    return outcome


def _drop_invalid(
    data: dict[str, Any],
    existing: list[dict[str, Any]],
    accepted: list[tuple[GiftQuestion, dict[str, Any], list[str]]],
) -> tuple[list[tuple[GiftQuestion, dict[str, Any], list[str]]], list[GiftReportRow]]:
    """Leave out the questions the module checker refuses (as a draft), each with its reasons;
    the others go on. Rules across questions may refuse a question only once the others are
    gone, so this checks again until the file's questions pass (a few rounds at most)."""
    rejected: list[GiftReportRow] = []
    offset = len(existing)
    while accepted:
        merged = {**data, "questions": existing + [q for _, q, _ in accepted]}
        try:
            load_module_text(module_text(merged), "gift", draft=True)
            break
        except ModuleFileError as error:
            reasons: dict[int, list[str]] = {}
            for issue in error.issues:
                match = _QUESTION_FIELD.match(issue.field or "")
                if match and int(match.group(1)) >= offset:
                    where = match.group(2)
                    message = f"{where}: {issue.message}" if where else issue.message
                    reasons.setdefault(int(match.group(1)) - offset, []).append(message)
            if not reasons:
                break  # a module-level problem: save_module reports it
            for index in sorted(reasons):
                item = accepted[index][0]
                rejected.append(_skip(item, "; ".join(reasons[index])))
            accepted = [a for i, a in enumerate(accepted) if i not in reasons]
    return accepted, rejected


def gift_for(version: ModuleVersion, title: str) -> tuple[str, list[tuple[str, str]]]:
    """The module version's questions as GIFT, and the questions left out with why."""
    module = module_of(version)
    if module is None:
        return "", []
    return export_gift(module.questions, title=title)
