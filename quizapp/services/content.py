"""Importing the content bank (case files and module files) into versioned database rows.

Everything is read and validated before anything is written, and the caller commits once: a bank
with one bad file imports nothing. A file whose text is unchanged adds nothing; a changed file adds
a new published version, so attempts keep pointing at the version the trainee saw.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from quizapp.extensions import db
from quizapp.models import CaseRecord, CaseVersion, ModuleRecord, ModuleVersion
from quizapp.models.base import now_utc
from quizapp.models.content import Status


class ContentImportError(Exception):
    """The bank has errors; `.issues` lists every one (file, line, field, message)."""

    def __init__(self, issues: list[Any]):
        super().__init__(f"{len(issues)} problem(s) in the content files")
        self.issues = issues


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Content: {len(self.created)} new, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged"
        )


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # "case" or "module"
    slug: str
    title: str
    text: str
    summary: dict[str, Any]
    position: int = 0


def read_bank(cases_dir: str | Path) -> list[ParsedFile]:
    """Parse and validate every case file and module file; raise with all issues at once."""
    root = Path(cases_dir)
    issues: list[Any] = []
    parsed: list[ParsedFile] = []
    case_ids: set[str] = set()
    case_paths = sorted(root.glob("*.yaml"))
    if case_paths:
        from quizapp.caseio.cases import CaseFileError, load_case_text
    for path in case_paths:
        text = path.read_text(encoding="utf-8")
        try:
            case = load_case_text(text, str(path))
        except CaseFileError as error:
            issues.extend(error.issues)
            continue
        case_ids.add(case.id)
        parsed.append(ParsedFile("case", case.id, case.title, text, case_summary(case)))
    modules_dir = root / "modules"
    if modules_dir.is_dir() and any(modules_dir.glob("*.yaml")):
        from quizapp.caseio.modules import ModuleFileError, load_module_dir

        try:
            modules = load_module_dir(modules_dir)
        except ModuleFileError as error:
            issues.extend(error.issues)
            modules = []
        for module in modules:
            path = Path(module.source)
            missing = [c for c in module.cases if c not in case_ids]
            for case_id in missing:
                issues.append(f"{path}: cases: no case file with id {case_id!r}")
            parsed.append(
                ParsedFile(
                    "module",
                    module.id,
                    module.title,
                    path.read_text(encoding="utf-8"),
                    module_summary(module),
                    position=module.order,
                )
            )
    if issues:
        raise ContentImportError(issues)
    return parsed


def case_summary(case: Any) -> dict[str, Any]:
    patient = case.patient
    return {
        "patient": f"{patient.sex} {patient.age}, Fitzpatrick {patient.fitzpatrick}, "
        f"Glogau {patient.glogau}",
        "age": patient.age,
        "sex": patient.sex,
        "fitzpatrick": patient.fitzpatrick,
        "glogau": patient.glogau,
    }


def module_summary(module: Any) -> dict[str, Any]:
    return {
        "summary": module.summary,
        "question_count": len(module.questions),
        "case_count": len(module.cases),
        "pass_mark": module.pass_mark,
        "prerequisites": list(module.prerequisites),
        "max_attempts": module.max_attempts,
        "grading": module.grading,
        "time_limit_minutes": module.time_limit_minutes,
        "cases": list(module.cases),
    }


def import_bank(cases_dir: str | Path) -> ImportResult:
    """Import the built-in bank (academy None); flushes, the caller commits."""
    files = read_bank(cases_dir)
    result = ImportResult()
    for item in files:
        if item.kind == "case":
            _upsert(CaseRecord, CaseVersion, "case_id", item, result)
        else:
            _upsert(ModuleRecord, ModuleVersion, "module_id", item, result)
    db.session.flush()
    return result


def _upsert(record_model, version_model, fk: str, item: ParsedFile, result: ImportResult) -> None:
    record = db.session.scalar(
        select(record_model)
        .where(record_model.slug == item.slug, record_model.academy_id.is_(None))
        .options(selectinload(record_model.versions))
    )
    digest = content_hash(item.text)
    label = f"{item.kind} {item.slug}"
    if record is None:
        record = record_model(slug=item.slug, title=item.title, academy_id=None)
        if hasattr(record, "position"):
            record.position = item.position
        db.session.add(record)
        db.session.flush()
        result.created.append(label)
    else:
        latest = record.versions[-1] if record.versions else None
        if latest is not None and latest.content_hash == digest:
            # The summary is derived from the text, so refreshing it changes no content.
            summary = {"title": item.title, **item.summary}
            if latest.summary != summary:
                latest.summary = summary
            result.unchanged.append(label)
            return
        result.updated.append(label)
        record.title = item.title
        if hasattr(record, "position"):
            record.position = item.position
    number = (record.versions[-1].number + 1) if record.versions else 1
    version = version_model(
        number=number,
        source_text=item.text,
        content_hash=digest,
        summary={"title": item.title, **item.summary},
        status=Status.DRAFT,
    )
    setattr(version, fk, record.id)
    version.publish(now_utc())
    db.session.add(version)
    # Older published versions of the bank stay published: attempts still point at them.
    db.session.flush()
    db.session.expire(record, ["versions"])
