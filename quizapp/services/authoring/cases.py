"""An academy's cases: checked as `flask cases validate` checks a file, created, saved from YAML
or from the structured form, and uploaded."""

from __future__ import annotations

import json
import re
from typing import Any

from quizapp.domain.case import Case
from quizapp.extensions import db
from quizapp.formats.cases import CaseFileError, dump_case, load_case_text
from quizapp.formats.yamlsafe import Issue
from quizapp.models import CaseRecord, CaseVersion, User
from quizapp.models.base import now_utc
from quizapp.services.authoring.content import case_summary
from quizapp.services.authoring.records import (
    ContentInvalid,
    audit,
    by_slug,
    data_to_yaml,
    fixed_id_issues,
    id_line,
    latest,
    save_version,
    slugs_in_use,
)


def check_case_text(text: str, source: str, *, slug: str | None = None) -> Case:
    """The case, checked exactly as `flask cases validate` checks a file (bands included), and,
    for a saved item, that its id is unchanged. ContentInvalid lists every problem."""
    try:
        case = load_case_text(text, source)
    except CaseFileError as error:
        raise ContentInvalid(error.issues) from None
    issues = fixed_id_issues("case", case.id, slug, text, source)
    if issues:
        raise ContentInvalid(issues)
    return case


def case_version_summary(case: Case) -> dict[str, Any]:
    return {"title": case.title, **case_summary(case)}


def create_case(academy_id: int, actor: User, text: str, source: str = "case") -> CaseRecord:
    """A new case of the academy from valid YAML text: version 1, a draft."""
    case = check_case_text(text, source)
    if case.id in slugs_in_use("case", academy_id):
        raise ContentInvalid(
            [
                Issue(
                    source,
                    id_line(text),
                    "id",
                    f'"{case.id}" is already used by a case of the bank or of your academy; '
                    "choose another id",
                )
            ]
        )
    record = CaseRecord(slug=case.id, academy_id=academy_id, title=case.title, created_at=now_utc())
    db.session.add(record)
    db.session.flush()
    version, _ = save_version(record, actor, text, case_version_summary(case), case.title)
    audit(record, actor, "create", version=version.number)
    return record


def save_case(record: CaseRecord, actor: User, text: str, source: str = "case"):
    """Save new text for an academy's case: the draft changes, or a new draft starts."""
    case = check_case_text(text, source, slug=record.slug)
    version, changed = save_version(record, actor, text, case_version_summary(case), case.title)
    if changed:
        audit(record, actor, "edit", version=version.number)
    return version, changed


def save_case_from_data(record: CaseRecord | None, academy_id: int, actor: User, data: dict):
    """Structured form data (the file's shape) -> canonical YAML via dump_case -> saved."""
    text = data_to_yaml(data)
    if record is None:
        case = check_case_text(text, "form")
        record = create_case(academy_id, actor, dump_case(case), "form")
        return record, latest(record), True
    case = check_case_text(text, "form", slug=record.slug)
    version, changed = save_case(record, actor, dump_case(case), "form")
    return record, version, changed


def upload_case(academy_id: int, actor: User, raw: bytes, filename: str):
    """An uploaded case file: all or nothing. A new id creates a case; the id of one of the
    academy's cases saves a new draft of it; a bank id is refused. Returns (record, created)."""
    source = filename or "upload.yaml"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ContentInvalid(
            [Issue(source, None, "", f"not UTF-8 text (byte {error.start}); save it as UTF-8")]
        ) from None
    case = check_case_text(text, source)
    existing = by_slug("case", case.id, academy_id)
    if existing is None:
        record = create_case(academy_id, actor, text, source)
        audit(record, actor, "import", filename=filename)
        return record, True
    if existing.academy_id is None:
        raise ContentInvalid(
            [
                Issue(
                    source,
                    id_line(text),
                    "id",
                    f'the bank already has a case "{case.id}": give yours another id, or clone '
                    "the bank's case and edit the copy",
                )
            ]
        )
    version, _ = save_case(existing, actor, text, source)
    audit(existing, actor, "import", filename=filename, version=version.number)
    return existing, False


def replace_id(text: str, new_id: str) -> str:
    return re.sub(r"^id\s*:.*$", f"id: {new_id}", text, count=1, flags=re.MULTILINE)


def replace_title(text: str, title: str) -> str:
    """The file with its top-level title replaced (JSON quoting is valid YAML, for any text)."""
    line = "title: " + json.dumps(title, ensure_ascii=False)
    return re.sub(r"^title\s*:.*$", lambda _: line, text, count=1, flags=re.MULTILINE)


def case_of(version: CaseVersion) -> Case:
    """The case a version holds (drafts included; the text was valid when saved). Parsed once
    per text, through the player's cache, so the preview scores exactly what trainees get."""
    from quizapp.services.learning.casestudy import case_content

    return case_content(version)
