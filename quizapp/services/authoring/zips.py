"""A module with its case studies as one zip, laid out like the bank folder, and the import of
such a zip (all or nothing, refusing zip bombs, zip-slip paths, links and nested archives)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import or_, select

from quizapp.extensions import db
from quizapp.formats.yamlsafe import Issue
from quizapp.models import CaseRecord, ModuleRecord, ModuleVersion, User
from quizapp.services.authoring.cases import check_case_text, create_case, save_case
from quizapp.services.authoring.content import content_hash
from quizapp.services.authoring.modules import (
    check_module_text,
    create_module,
    module_data,
    save_module,
)
from quizapp.services.authoring.records import (
    ContentInvalid,
    audit,
    by_slug,
    id_line,
    latest,
    plain_data,
)


def module_zip(record: ModuleRecord, version: ModuleVersion, academy_id: int | None) -> bytes:
    """A module and its case studies as one zip laid out like the bank folder:
    cases/modules/NN-<id>.yaml and cases/<case>.yaml, so `flask cases validate` and
    `flask cases import` read it as it is."""
    data = module_data(version)
    order = data.get("order") if isinstance(data.get("order"), int) else record.position
    wanted = [c for c in data.get("cases") or [] if isinstance(c, str)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"cases/modules/{order:02d}-{record.slug}.yaml", version.source_text)
        if wanted:
            cases = db.session.scalars(
                select(CaseRecord).where(
                    CaseRecord.slug.in_(wanted),
                    or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id),
                )
            ).all()
            for case in sorted(cases, key=lambda c: c.slug):
                chosen = case.latest_published() or latest(case)
                if chosen is not None:
                    archive.writestr(f"cases/{case.slug}.yaml", chosen.source_text)
    return buffer.getvalue()


ZIP_MAX_ENTRIES: Final = 200


ZIP_MAX_FILE_BYTES: Final = 256 * 1024  # the YAML loader's own limit (yamlsafe.MAX_BYTES)


ZIP_MAX_TOTAL_BYTES: Final = 8 * 1024 * 1024


ZIP_MAX_RATIO: Final = 100  # YAML deflates about 3-10x; 100x and more is a bomb


_ZIP_CHUNK: Final = 64 * 1024


_ARCHIVE_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf", b"Rar!")


_S_IFMT: Final = 0o170000


_S_IFLNK: Final = 0o120000


@dataclass
class ZipImport:
    """What a module zip import did: the module, and each case created, updated or left to the
    bank (a bank case in the zip is the bank's own text, so there is nothing to import)."""

    record: ModuleRecord
    created: bool
    cases_created: list[str] = field(default_factory=list)
    cases_updated: list[str] = field(default_factory=list)
    cases_from_bank: list[str] = field(default_factory=list)


def _zip_refusal(source: str, message: str) -> ContentInvalid:
    return ContentInvalid([Issue(source, None, "", message)])


def _unsafe_entry(info: zipfile.ZipInfo) -> str | None:
    """Why an entry could write outside the import or smuggle something in, else None."""
    name = info.filename
    if "\\" in name:
        return "backslashes are not allowed in paths inside the zip"
    if "\x00" in name or any(ord(ch) < 32 for ch in name):
        return "control characters are not allowed in paths inside the zip"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "absolute paths are not allowed inside the zip"
    if ".." in name.split("/"):
        return 'paths with ".." are not allowed inside the zip'
    if (info.external_attr >> 16) & _S_IFMT == _S_IFLNK:
        return "symbolic links are not allowed inside the zip"
    if info.flag_bits & 0x1:
        return "encrypted entries are not allowed"
    if name.lower().endswith((".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")):
        return "archives inside the zip are not allowed"
    return None


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """The entry's bytes, read in chunks and stopped as soon as they pass `limit` or the size the
    entry declared (a lying header cannot make it inflate more)."""
    cap = min(limit, info.file_size)
    parts: list[bytes] = []
    size = 0
    with archive.open(info) as handle:
        while True:
            chunk = handle.read(_ZIP_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > cap:
                raise ValueError(f"inflates to more than {cap} bytes")
            parts.append(chunk)
    return b"".join(parts)


def zip_files(raw: bytes, source: str) -> dict[str, str]:
    """Path -> text of each YAML file of an uploaded zip, after refusing zip bombs (entry count,
    declared and actual sizes, compression ratio), zip-slip paths, links, nested archives and
    anything that is not UTF-8 YAML. ContentInvalid says what was refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _zip_refusal(source, "this is not a zip file (or it is damaged)") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > ZIP_MAX_ENTRIES:
            raise _zip_refusal(
                source, f"the zip has {len(entries)} entries; at most {ZIP_MAX_ENTRIES} are allowed"
            )
        declared = sum(info.file_size for info in entries)
        if declared > ZIP_MAX_TOTAL_BYTES:
            raise _zip_refusal(
                source,
                f"the zip would unpack to {declared} bytes; at most {ZIP_MAX_TOTAL_BYTES} "
                "are allowed",
            )
        files: dict[str, str] = {}
        total = 0
        for info in entries:
            name = info.filename
            problem = _unsafe_entry(info)
            if problem:
                raise _zip_refusal(source, f"{name!r}: {problem}")
            if info.is_dir():
                continue
            if not name.lower().endswith((".yaml", ".yml")):
                raise _zip_refusal(
                    source, f"{name!r}: only the module's and its cases' .yaml files may be in it"
                )
            if name in files:
                raise _zip_refusal(source, f"{name!r} is in the zip twice")
            if info.file_size > ZIP_MAX_FILE_BYTES:
                raise _zip_refusal(
                    source, f"{name!r} is larger than {ZIP_MAX_FILE_BYTES} bytes unpacked"
                )
            if info.file_size > 1024 and info.file_size > ZIP_MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise _zip_refusal(
                    source, f"{name!r} is compressed more than {ZIP_MAX_RATIO}:1 (a zip bomb?)"
                )
            try:
                data = _inflate(archive, info, min(ZIP_MAX_FILE_BYTES, ZIP_MAX_TOTAL_BYTES - total))
            except ValueError as error:
                raise _zip_refusal(source, f"{name!r} {error}: refused") from None
            except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError):
                raise _zip_refusal(source, f"{name!r} is damaged and cannot be read") from None
            total += len(data)
            if data.startswith(_ARCHIVE_MAGIC):
                raise _zip_refusal(source, f"{name!r}: archives inside the zip are not allowed")
            try:
                files[name] = data.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise _zip_refusal(
                    source, f"{name!r} is not UTF-8 text (byte {error.start}); save it as UTF-8"
                ) from None
    return files


def _zip_layout(files: dict[str, str], source: str) -> tuple[str, list[str]]:
    """The module's path and the cases' paths, laid out as `module_zip` writes them:
    cases/modules/NN-<id>.yaml and cases/<case>.yaml (the leading cases/ may be left out)."""
    module_paths, case_paths = [], []
    for name in files:
        inner = name.removeprefix("cases/")
        parts = inner.split("/")
        if len(parts) == 2 and parts[0] == "modules":
            module_paths.append(name)
        elif len(parts) == 1:
            case_paths.append(name)
        else:
            raise _zip_refusal(
                source,
                f"{name!r}: expected cases/modules/<module>.yaml and cases/<case>.yaml only",
            )
    if len(module_paths) != 1:
        raise _zip_refusal(
            source,
            "the zip must hold exactly one module file under cases/modules/ "
            f"(it holds {len(module_paths)})",
        )
    return module_paths[0], sorted(case_paths)


def import_module_zip(academy_id: int, actor: User, raw: bytes, filename: str) -> ZipImport:
    """Import a module zip (as `module_zip` exports it) into the academy: all or nothing.

    Its cases come first (the module names them): a new id creates a draft case, the id of one of
    the academy's cases saves a new draft of it, a bank case is left to the bank when the text is
    the bank's. Then the module: a new id creates a draft module, the id of one of the academy's
    modules saves a new draft. Every problem of every file is listed; the view commits only when
    there is none, so nothing is ever half-imported.
    """
    source = filename or "module.zip"
    files = zip_files(raw, source)
    module_path, case_paths = _zip_layout(files, source)
    issues: list[Any] = []
    outcome_cases: dict[str, list[str]] = {"created": [], "updated": [], "bank": []}
    for path in case_paths:
        text, where = files[path], f"{source}:{path}"
        try:
            case = check_case_text(text, where)
        except ContentInvalid as error:
            issues.extend(error.issues)
            continue
        existing = by_slug("case", case.id, academy_id)
        if existing is None:
            record = create_case(academy_id, actor, text, where)
            audit(record, actor, "import", filename=f"{source}:{path}")
            outcome_cases["created"].append(case.id)
        elif existing.academy_id is None:
            bank = existing.latest_published() or latest(existing)
            if bank is not None and content_hash(bank.source_text) == content_hash(text):
                outcome_cases["bank"].append(case.id)
            else:
                issues.append(
                    Issue(
                        where,
                        id_line(text),
                        "id",
                        f'the bank already has a case "{case.id}" with other text: give yours '
                        "another id (and name it in the module), or leave the bank's case out",
                    )
                )
        else:
            _, changed = save_case(existing, actor, text, where)
            if changed:
                audit(existing, actor, "import", filename=f"{source}:{path}")
                outcome_cases["updated"].append(case.id)
    if issues:
        raise ContentInvalid(issues)
    text, where = files[module_path], f"{source}:{module_path}"
    data = plain_data(text)
    slug = data.get("id")
    existing_module = by_slug("module", slug, academy_id) if isinstance(slug, str) else None
    if existing_module is not None and existing_module.academy_id is None:
        raise ContentInvalid(
            [
                Issue(
                    where,
                    id_line(text),
                    "id",
                    f'the bank already has a module "{slug}": give yours another id, or clone '
                    "the bank's module and edit the copy",
                )
            ]
        )
    if existing_module is not None:
        save_module(existing_module, actor, text, where)
        record, created = existing_module, False
    else:
        # The import becomes a draft, which may lack explanations (publishing asks for them).
        check_module_text(text, where, academy_id=academy_id, slug=None, own_id=None, draft=True)
        record, created = create_module(academy_id, actor, data), True
    audit(record, actor, "import", filename=source)
    return ZipImport(
        record,
        created,
        outcome_cases["created"],
        outcome_cases["updated"],
        outcome_cases["bank"],
    )
