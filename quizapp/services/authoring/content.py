"""Importing the content bank (case files and module files) into versioned database rows.

Everything is read and validated before anything is written, and the caller commits once: a bank
with one bad file imports nothing. A file whose text is unchanged adds nothing; a changed file adds
a new published version, so attempts keep pointing at the version the trainee saw.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from quizapp.domain.scoring import case_tables
from quizapp.extensions import db
from quizapp.models import (
    CaseRecord,
    CaseVersion,
    DrillRecord,
    DrillVersion,
    ModuleRecord,
    ModuleVersion,
)
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
class BankIssue:
    """A problem found across files (a missing case, a missing candidate plan)."""

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class ParsedFile:
    kind: str  # "case", "drill" or "module"
    slug: str
    title: str
    text: str
    summary: dict[str, Any]
    position: int = 0
    source: str = ""  # the file it was read from


def read_bank(cases_dir: str | Path, *, strict: bool = False) -> list[ParsedFile]:
    """Parse and validate every case file and module file; raise with all issues at once.

    `strict` adds the curriculum rules of `flask content check` (candidate plans per case).
    """
    root = Path(cases_dir)
    issues: list[Any] = []
    parsed: list[ParsedFile] = []
    case_ids: set[str] = set()
    cases: list[Any] = []
    case_paths = sorted(root.glob("*.yaml"))
    if case_paths:
        from quizapp.formats.cases import CaseFileError, load_case_text
    for path in case_paths:
        text = path.read_text(encoding="utf-8")
        try:
            case = load_case_text(text, str(path))
        except CaseFileError as error:
            issues.extend(error.issues)
            continue
        case_ids.add(case.id)
        cases.append((path, case))
        parsed.append(
            ParsedFile("case", case.id, case.title, text, case_summary(case), source=str(path))
        )
    drill_files = read_drills(root / "drills", issues)
    parsed.extend(drill_files)
    drill_ids = {item.slug for item in drill_files}
    modules_dir = root / "modules"
    if modules_dir.is_dir() and any(modules_dir.glob("*.yaml")):
        from quizapp.formats.modules import ModuleFileError, load_module_dir

        try:
            modules = load_module_dir(modules_dir)
        except ModuleFileError as error:
            issues.extend(error.issues)
            modules = []
        for module in modules:
            path = Path(module.source)
            missing = [c for c in module.cases if c not in case_ids]
            for case_id in missing:
                issues.append(
                    BankIssue(str(path), None, "cases", f"no case file with id {case_id!r}")
                )
            for drill_id in [d for d in module.drills if d not in drill_ids]:
                issues.append(
                    BankIssue(str(path), None, "drills", f"no drill file with id {drill_id!r}")
                )
            parsed.append(
                ParsedFile(
                    "module",
                    module.id,
                    module.title,
                    path.read_text(encoding="utf-8"),
                    module_summary(module),
                    position=module.order,
                    source=str(path),
                )
            )
    if strict:
        for path, case in cases:
            issues.extend(candidate_plan_issues(str(path), case))
        if not issues:
            issues.extend(curriculum_issues(parsed))
    if issues:
        raise ContentImportError(issues)
    return parsed


def read_drills(drills_dir: Path, issues: list[Any]) -> list[ParsedFile]:
    """Parse every drill file of cases/drills/; problems go to `issues`."""
    paths = sorted(drills_dir.glob("*.yaml")) if drills_dir.is_dir() else []
    return [item for path in paths if (item := _read_drill(path, issues)) is not None]


def _read_drill(path: Path, issues: list[Any]) -> ParsedFile | None:
    from quizapp.formats.drills import DrillFileError, load_drill_file

    try:
        drill = load_drill_file(path)
    except DrillFileError as error:
        issues.extend(error.issues)
        return None
    summary = {"patient": drill.patient, "actions": len(drill.actions)}
    text = path.read_text("utf-8")
    return ParsedFile("drill", drill.id, drill.title, text, summary, source=str(path))


def uncited_source_keys(files: list[ParsedFile]) -> tuple[str, ...]:
    """Clinical source keys that no case, drill or module file names anywhere, naturally sorted."""
    from quizapp.services.authoring.content_rules import unused_source_keys

    return unused_source_keys(item.text for item in files)


def curriculum_issues(files: list[ParsedFile]) -> list[BankIssue]:
    """The rules of `flask content check` across the bank: untraced figures and source keys that
    nothing uses (quizapp/services/authoring/content_rules.py)."""
    from quizapp.domain import sources
    from quizapp.services.authoring import content_rules as rules

    issues: list[BankIssue] = []
    for item in files:
        check = {
            "case": rules.case_figure_issues,
            "module": rules.module_figure_issues,
            "drill": rules.drill_figure_issues,
        }
        if item.kind in check:
            issues.extend(check[item.kind](item.source, item.text, BankIssue))
        if item.kind == "module":
            issues.extend(rules.plan_compare_issues(item.source, item.text, BankIssue))
    source_file = Path(sources.__file__)
    lines = source_file.read_text(encoding="utf-8").splitlines()
    where = str(Path("quizapp/domain/sources.py"))
    for key in uncited_source_keys(files):
        line = next((i + 1 for i, text in enumerate(lines) if f'("{key}",' in text), None)
        issues.append(
            BankIssue(
                where,
                line,
                key,
                "no case, drill or module cites this source key: cite it where the content "
                "rests on it, or remove it",
            )
        )
    return issues


CONSERVATIVE_SIDE = {"conservative", "natural"}
OVER_SIDE = {"overdone", "overfilled", "unsafe"}


def candidate_plan_issues(source: str, case: Any) -> list[BankIssue]:
    """Each case must let trainees compare a careful plan with an excessive one.

    Treatment cases need a candidate the engine bands `conservative` and one it bands
    `overfilled`; cases whose answer is not to treat need a cautious one (conservative or natural)
    and one that treats anyway (unsafe, or overdone or overfilled where the only flag has a
    scoring rule of its own, as a toxin booster inside the interval does). The loader has
    already checked that the engine agrees with every band an author claims.
    """
    bands = {candidate.band.value for candidate in case.reference.candidate_plans}
    field = "reference.candidate_plans"
    if case.reference.disposition.treats:
        needed = [("conservative", {"conservative"}), ("overfilled", {"overfilled"})]
    else:
        treats_anyway = OVER_SIDE if case_tables(case).ruled_only else {"unsafe"}
        needed = [("conservative or natural", CONSERVATIVE_SIDE), ("unsafe", treats_anyway)]
    return [
        BankIssue(source, None, field, f"needs a candidate plan whose band is {label}")
        for label, accepted in needed
        if not bands & accepted
    ]


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
        "drills": list(module.drills),
    }


def import_bank(cases_dir: str | Path) -> ImportResult:
    """Import the built-in bank (academy None); flushes, the caller commits."""
    files = read_bank(cases_dir)
    result = ImportResult()
    for item in files:
        if item.kind == "case":
            _upsert(CaseRecord, CaseVersion, "case_id", item, result)
        elif item.kind == "drill":
            _upsert(DrillRecord, DrillVersion, "drill_id", item, result)
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


def import_path(path: str | Path) -> ImportResult:
    """Import a bank folder, or one case or drill file (a file in a folder named `drills`),
    checked like the bank, all or nothing."""
    path = Path(path)
    if path.is_dir():
        return import_bank(path)
    if path.parent.name == "drills":
        return _import_drill_file(path)
    from quizapp.formats.cases import CaseFileError, load_case_text

    text = path.read_text(encoding="utf-8")
    try:
        case = load_case_text(text, str(path))
    except CaseFileError as error:
        raise ContentImportError(error.issues) from None
    result = ImportResult()
    item = ParsedFile("case", case.id, case.title, text, case_summary(case))
    _upsert(CaseRecord, CaseVersion, "case_id", item, result)
    db.session.flush()
    return result


def _import_drill_file(path: Path) -> ImportResult:
    issues: list[Any] = []
    parsed = _read_drill(path, issues)
    if parsed is None:
        raise ContentImportError(issues)
    result = ImportResult()
    _upsert(DrillRecord, DrillVersion, "drill_id", parsed, result)
    db.session.flush()
    return result


def _decade(age: int) -> str:
    if age < 40:
        return "20s-30s"
    if age >= 70:
        return "70s+"
    return f"{age // 10 * 10}s"


@dataclass
class BankStats:
    cases_by_decade: Counter
    cases_by_sex: Counter
    cases_by_fitzpatrick: Counter
    cases_by_glogau: Counter
    cases_by_disposition: Counter
    questions_by_module: dict[str, int]
    questions_by_type: Counter

    def render(self) -> str:
        def line(title: str, counter: Counter | dict, order=None) -> str:
            keys = order or sorted(counter)
            return f"{title:<24}" + "  ".join(f"{k}: {counter.get(k, 0)}" for k in keys)

        total_cases = sum(self.cases_by_sex.values())
        total_questions = sum(self.questions_by_module.values())
        lines = [
            f"Cases: {total_cases}",
            line("  by decade", self.cases_by_decade, ["20s-30s", "40s", "50s", "60s", "70s+"]),
            line("  by sex", self.cases_by_sex),
            line(
                "  by Fitzpatrick", self.cases_by_fitzpatrick, ["I", "II", "III", "IV", "V", "VI"]
            ),
            line("  by Glogau", self.cases_by_glogau, ["I", "II", "III", "IV"]),
            line("  by disposition", self.cases_by_disposition),
            f"Questions: {total_questions} in {len(self.questions_by_module)} modules",
        ]
        lines += [f"  {module:<32}{count}" for module, count in self.questions_by_module.items()]
        lines.append(line("  by type", self.questions_by_type))
        return "\n".join(lines)


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def bank_stats(cases_dir: str | Path) -> BankStats:
    """Counts over a valid bank (raises ContentImportError like the import would)."""
    from quizapp.formats.cases import load_case_text
    from quizapp.formats.modules import load_module_dir

    read_bank(cases_dir)  # everything valid first, with every error at once
    root = Path(cases_dir)
    cases = [
        load_case_text(p.read_text("utf-8"), str(p), check_bands=False)
        for p in sorted(root.glob("*.yaml"))
    ]
    modules_dir = root / "modules"
    modules = load_module_dir(modules_dir) if modules_dir.is_dir() else []
    return BankStats(
        cases_by_decade=Counter(_decade(c.patient.age) for c in cases),
        cases_by_sex=Counter(c.patient.sex for c in cases),
        cases_by_fitzpatrick=Counter(ROMAN[c.patient.fitzpatrick] for c in cases),
        cases_by_glogau=Counter(ROMAN[c.patient.glogau] for c in cases),
        cases_by_disposition=Counter(c.reference.disposition.value for c in cases),
        questions_by_module={m.id: len(m.questions) for m in modules},
        questions_by_type=Counter(q.type for m in modules for q in m.questions),
    )
