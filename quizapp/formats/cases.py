"""Case files (YAML, one per case) <-> `Case`, with every problem reported at once.

`load_case_file` / `load_case_text` check structure (fields, types), vocabulary (zones, products,
red flags, source keys), the clinical consistency of the reference (case_consistency: ranges
against the catalogue, red flags against the disposition, earlier filler against new filler) and,
unless told not to, that each candidate plan lands in the band its author claims. The reference
itself is read in case_reference, the fields are listed in case_fields. `dump_case` writes a
file that loads back to an equal Case. The format is described in docs/case-format.md.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path as FsPath
from typing import Any

import yaml

from quizapp.domain.case import (
    Case,
    DoseSpec,
    HistoryItem,
    Patient,
    Preserve,
    RangeError,
    Reference,
    ZoneAssessment,
    ZoneReference,
)
from quizapp.domain.face import (
    MAX_FACIAL_UNITS_DEFAULT,
    PRODUCT_IDS,
    PRODUCTS,
    ROMAN,
    ZONE_IDS,
    ZONES,
    Family,
)
from quizapp.domain.plan import MAX_ITEM_AMOUNT
from quizapp.domain.sources import SOURCES
from quizapp.domain.terms import Side
from quizapp.formats.case_consistency import ConsistencyChecks
from quizapp.formats.case_fields import (
    CASE_OPTIONAL,
    CASE_REQUIRED,
    DOSE_FIELDS,
    HISTORY_OPTIONAL,
    HISTORY_REQUIRED,
    ID_PATTERN,
    PATIENT_OPTIONAL,
    PATIENT_REQUIRED,
    CaseFileError,
    roman_or_int,
)
from quizapp.formats.case_reference import ReferenceReading
from quizapp.formats.plans import plan_to_dict, side_problem
from quizapp.formats.yamlsafe import (
    Issue,
    Path,
    Reader,
    YamlLoadError,
    field_name,
    parse_yaml,
    read_text_file,
    suggest,
)

# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def load_case_text(text: str, source_name: str = "case", *, check_bands: bool = True) -> Case:
    """Parse and check a case written as YAML text; CaseFileError lists every problem."""
    try:
        doc = parse_yaml(text)
    except YamlLoadError as exc:
        raise CaseFileError([Issue(source_name, exc.line, "", exc.message)]) from None
    reader = Reader(source_name, doc.lines)
    for line, path, message in doc.problems:
        reader.issues.append(Issue(source_name, line, field_name(path), message))
    case = _CaseReader(reader).read(doc.data, check_bands=check_bands)
    if case is None or reader.issues:
        raise CaseFileError(reader.issues)
    return case


def load_case_file(path: str | FsPath, *, check_bands: bool = True) -> Case:
    """Read `cases/<id>.yaml`; the file name must match the case id."""
    file = FsPath(path)
    try:
        text = read_text_file(file)
    except YamlLoadError as exc:
        raise CaseFileError([Issue(str(file), exc.line, "", exc.message)]) from None
    try:
        case = load_case_text(text, str(file), check_bands=check_bands)
    except CaseFileError as exc:
        issues = exc.issues
        stem_issue = _stem_issue(text, file)
        raise CaseFileError(issues + ([stem_issue] if stem_issue else [])) from None
    if case.id != file.stem:
        raise CaseFileError(
            [
                Issue(
                    str(file),
                    _id_line(text),
                    "id",
                    f'"{case.id}" must match the file name '
                    f'"{file.stem}" (rename the file or the id)',
                )
            ]
        )
    return case


def _id_line(text: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("id:"):
            return number
    return None


def _stem_issue(text: str, file: FsPath) -> Issue | None:
    match = re.search(r"^id:\s*['\"]?([^'\"\s#]+)", text, re.MULTILINE)
    if match and match.group(1) != file.stem:
        return Issue(
            str(file),
            _id_line(text),
            "id",
            f'"{match.group(1)}" must match the file name "{file.stem}"',
        )
    return None


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


class _CaseReader(ReferenceReading, ConsistencyChecks):
    """One pass over a case document; each part records its issues and returns None if bad."""

    def __init__(self, reader: Reader) -> None:
        self.r = reader
        self.visit_date: dt.date | None = None
        self.zone_paths: dict[tuple[str, Family], Path] = {}
        self.zone_entry_paths: dict[str, Path] = {}
        self.explicit: dict[tuple[str, Family], bool] = {}

    # -- top level ------------------------------------------------------------------------

    def read(self, data: Any, *, check_bands: bool) -> Case | None:
        r = self.r
        top = r.mapping(data, (), required=CASE_REQUIRED, optional=CASE_OPTIONAL)
        if top is None:
            return None
        start = len(r.issues)
        case_id = self._id(top.get("id"))
        title = r.text(top["title"], ("title",), max_len=120) if "title" in top else None
        summary = r.text(top["summary"], ("summary",), max_len=4000) if "summary" in top else None
        if "visit_date" in top:
            self.visit_date = self._date(top["visit_date"], ("visit_date",))
        patient = self._patient(top["patient"]) if "patient" in top else None
        history = self._history(top.get("history"))
        medical = self._texts(top.get("medical"), ("medical",), max_len=50, item_len=500)
        assessment = self._assessment(top.get("assessment"))
        preserve = self._preserve(top.get("preserve"))
        reference = self._reference(top["reference"]) if "reference" in top else None
        points = (
            self._texts(
                top.get("learning_points"),
                ("learning_points",),
                max_len=20,
                item_len=600,
                min_len=1,
            )
            if "learning_points" in top
            else None
        )
        references = (
            self._source_keys(top.get("references"), ("references",), min_len=1)
            if ("references" in top)
            else None
        )
        if len(r.issues) != start or None in (
            case_id,
            title,
            summary,
            patient,
            history,
            medical,
            assessment,
            preserve,
            reference,
            points,
            references,
        ):
            return None
        assert case_id and title and summary and patient and reference is not None
        assert history is not None and medical is not None and assessment is not None
        assert preserve is not None and points is not None and references is not None
        self._check_consistency(patient, history, assessment, reference, references)
        if r.issues:
            return None
        try:
            case = Case(
                case_id,
                title,
                summary,
                patient,
                reference,
                history=history,
                medical=medical,
                assessment=assessment,
                preserve=preserve,
                learning_points=points,
                references=references,
                visit_date=self.visit_date,
            )
        except (RangeError, ValueError) as exc:  # guarded above; kept as a last line
            r.add(("reference",), str(exc))
            return None
        if check_bands:
            self._check_bands(case)
        return case

    def _id(self, value: Any) -> str | None:
        if value is None:
            return None
        text = self.r.text(value, ("id",), max_len=64)
        if text is None:
            return None
        if len(text) < 3 or not ID_PATTERN.match(text):
            self.r.add(
                ("id",),
                f'"{text}" is not a valid id: use 3-64 lower-case letters, digits and single '
                'hyphens, e.g. "f44-frown-lines"',
            )
            return None
        return text

    def _date(self, value: Any, path: Path) -> dt.date | None:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        self.r.add(path, f"expected a date written as YYYY-MM-DD, got {value!r}")
        return None

    def _texts(
        self, value: Any, path: Path, *, max_len: int, item_len: int, min_len: int = 0
    ) -> tuple[str, ...] | None:
        if value is None:
            return ()
        seq = self.r.seq(value, path, max_len=max_len, min_len=min_len)
        if seq is None:
            return None
        out = [self.r.text(v, (*path, i), max_len=item_len) for i, v in enumerate(seq)]
        return None if None in out else tuple(out)  # type: ignore[arg-type]

    def _source_keys(self, value: Any, path: Path, *, min_len: int = 0) -> tuple[str, ...] | None:
        seq = self.r.seq(value, path, max_len=100, min_len=min_len)
        if seq is None:
            return None
        keys: list[str] = []
        ok = True
        for i, key in enumerate(seq):
            if not isinstance(key, str) or key not in SOURCES:
                hint = suggest(key, SOURCES) if isinstance(key, str) else ""
                self.r.add(
                    (*path, i),
                    f"unknown source key {key!r}{hint} (keys are listed in facts.md, e.g. B1, "
                    "F3, S8, P26)",
                )
                ok = False
            elif key in keys:
                self.r.add((*path, i), f"source key {key} is listed twice")
                ok = False
            else:
                keys.append(key)
        return tuple(keys) if ok else None

    # -- patient, history, assessment -------------------------------------------------------

    def _patient(self, value: Any) -> Patient | None:
        r, p = self.r, ("patient",)
        data = r.mapping(value, p, required=PATIENT_REQUIRED, optional=PATIENT_OPTIONAL)
        if data is None:
            return None
        start = len(r.issues)
        age = r.integer(data["age"], (*p, "age"), 0, 120) if "age" in data else None
        sex = r.choice(data["sex"], (*p, "sex"), ("F", "M"), "sex") if "sex" in data else None
        fitz = (
            roman_or_int(r, data["fitzpatrick"], (*p, "fitzpatrick"), 6, "Fitzpatrick skin")
            if "fitzpatrick" in data
            else None
        )
        glogau = (
            roman_or_int(r, data["glogau"], (*p, "glogau"), 4, "Glogau photoageing")
            if "glogau" in data
            else None
        )
        context = r.text(data.get("context", ""), (*p, "context"), max_len=1000, empty_ok=True)
        request = r.text(data.get("request", ""), (*p, "request"), max_len=1000, empty_ok=True)
        weight = None
        if data.get("weight_kg") is not None:
            weight = r.number(data["weight_kg"], (*p, "weight_kg"), 20, 300, unit="kg")
        if len(r.issues) != start or None in (age, sex, fitz, glogau, context, request):
            return None
        assert age is not None and sex and fitz and glogau
        return Patient(age, sex, fitz, glogau, context or "", request or "", weight)

    def _history(self, value: Any) -> tuple[HistoryItem, ...] | None:
        if value is None:
            return ()
        seq = self.r.seq(value, ("history",), max_len=100)
        if seq is None:
            return None
        items = [self._history_item(v, ("history", i)) for i, v in enumerate(seq)]
        return None if None in items else tuple(items)  # type: ignore[arg-type]

    def _history_item(self, value: Any, path: Path) -> HistoryItem | None:
        r = self.r
        data = r.mapping(value, path, required=HISTORY_REQUIRED, optional=HISTORY_OPTIONAL)
        if data is None:
            return None
        start = len(r.issues)
        zone = r.choice(data["zone"], (*path, "zone"), ZONE_IDS, "zone") if "zone" in data else None
        product = (
            r.choice(data["product"], (*path, "product"), PRODUCT_IDS, "product")
            if "product" in data
            else None
        )
        side_text = (
            r.choice(data["side"], (*path, "side"), [s.value for s in Side], "side")
            if "side" in data
            else None
        )
        side = Side(side_text) if side_text else None
        if zone and side:
            problem = side_problem(zone, side)
            if problem:
                r.add((*path, "side"), problem)
        amount = None
        if data.get("amount") is not None:
            family = PRODUCTS[product].family if product else Family.FILLER
            unit = PRODUCTS[product].unit if product else ""
            amount = r.number(
                data["amount"],
                (*path, "amount"),
                0,
                MAX_ITEM_AMOUNT[family],
                lo_open=True,
                unit=unit,
            )
        months = None
        date = None
        if "months_ago" in data and "date" in data:
            r.add((*path, "date"), "give months_ago or date, not both")
        elif "months_ago" in data:
            months = r.number(data["months_ago"], (*path, "months_ago"), 0, 600, unit="months")
        elif "date" in data:
            date = self._date(data["date"], (*path, "date"))
            if date is not None:
                if self.visit_date is None:
                    r.add(
                        (*path, "date"),
                        "a dated history item needs the case's visit_date (or use months_ago)",
                    )
                elif date > self.visit_date:
                    r.add((*path, "date"), f"{date} is after the visit_date {self.visit_date}")
        else:
            r.add((*path, "months_ago"), "missing; give months_ago (or a date)")
        note = r.text(data.get("note", ""), (*path, "note"), max_len=500, empty_ok=True)
        if len(r.issues) != start or None in (zone, product, side, note):
            return None
        assert zone and product and side is not None
        return HistoryItem(zone, product, amount, side, months, date, note or "")

    def _assessment(self, value: Any) -> tuple[ZoneAssessment, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("assessment",)
        if not isinstance(value, dict):
            r.add(p, f"expected a mapping of zone: grades, got a {type(value).__name__}")
            return None
        out: list[ZoneAssessment] = []
        ok = True
        for zone, entry in value.items():
            path = (*p, zone)
            if zone not in ZONES:
                r.add(
                    path,
                    f'unknown zone "{zone}"{suggest(zone, ZONE_IDS)} '
                    f"(zones: {', '.join(ZONE_IDS)})",
                )
                ok = False
                continue
            data = r.mapping(entry, path, optional=("rest", "moving", "note", "asymmetry"))
            if data is None:
                ok = False
                continue
            rest = r.integer(data["rest"], (*path, "rest"), 0, 4) if "rest" in data else None
            moving = (
                r.integer(data["moving"], (*path, "moving"), 0, 4) if "moving" in data else None
            )
            if "rest" not in data and "moving" not in data:
                r.add(path, "give a 0-4 grade at rest, moving, or both")
                ok = False
            if ("rest" in data and rest is None) or ("moving" in data and moving is None):
                ok = False
            note = r.text(data.get("note", ""), (*path, "note"), max_len=500, empty_ok=True)
            asymmetry = data.get("asymmetry", False)
            if not isinstance(asymmetry, bool):
                r.add((*path, "asymmetry"), "asymmetry is true or false")
                ok = False
            out.append(ZoneAssessment(zone, rest, moving, note or "", asymmetry is True))
        return tuple(out) if ok else None

    def _preserve(self, value: Any) -> tuple[Preserve, ...] | None:
        if value is None:
            return ()
        r = self.r
        seq = r.seq(value, ("preserve",), max_len=20)
        if seq is None:
            return None
        out: list[Preserve] = []
        ok = True
        for i, entry in enumerate(seq):
            path: Path = ("preserve", i)
            data = r.mapping(entry, path, required=("zone",), optional=("note",))
            if data is None or "zone" not in data:
                ok = False
                continue
            zone = r.choice(data["zone"], (*path, "zone"), ZONE_IDS, "zone")
            note = r.text(data.get("note", ""), (*path, "note"), max_len=500, empty_ok=True)
            if zone is None or note is None:
                ok = False
                continue
            out.append(Preserve(zone, note))
        return tuple(out) if ok else None


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _dose_dict(spec: DoseSpec) -> dict[str, Any]:
    return {
        name: _number(getattr(spec, name))
        for name in DOSE_FIELDS
        if getattr(spec, name) is not None
    }


def case_to_dict(case: Case) -> dict[str, Any]:
    """The case as plain data in the file's own shape (see docs/case-format.md)."""
    p = case.patient
    patient: dict[str, Any] = {
        "age": p.age,
        "sex": p.sex,
        "fitzpatrick": ROMAN[p.fitzpatrick],
        "glogau": ROMAN[p.glogau],
    }
    if p.weight_kg is not None:
        patient["weight_kg"] = _number(p.weight_kg)
    if p.context:
        patient["context"] = p.context
    if p.request:
        patient["request"] = p.request
    out: dict[str, Any] = {"id": case.id, "title": case.title, "summary": case.summary}
    if case.visit_date is not None:
        out["visit_date"] = case.visit_date
    out["patient"] = patient
    if case.history:
        history = []
        for item in case.history:
            entry: dict[str, Any] = {"zone": item.zone, "product": item.product}
            if item.amount is not None:
                entry["amount"] = _number(item.amount)
            entry["side"] = item.side.value
            if item.months_ago is not None:
                entry["months_ago"] = _number(item.months_ago)
            if item.date is not None:
                entry["date"] = item.date
            if item.note:
                entry["note"] = item.note
            history.append(entry)
        out["history"] = history
    if case.medical:
        out["medical"] = list(case.medical)
    if case.assessment:
        assessment: dict[str, Any] = {}
        for a in case.assessment:
            grades: dict[str, Any] = {}
            if a.rest is not None:
                grades["rest"] = a.rest
            if a.moving is not None:
                grades["moving"] = a.moving
            if a.note:
                grades["note"] = a.note
            if a.asymmetry:
                grades["asymmetry"] = True
            assessment[a.zone] = grades
        out["assessment"] = assessment
    if case.preserve:
        out["preserve"] = [
            {"zone": x.zone, **({"note": x.note} if x.note else {})} for x in case.preserve
        ]
    out["reference"] = _reference_dict(case.reference)
    out["learning_points"] = list(case.learning_points)
    out["references"] = list(case.references)
    return out


def _reference_dict(ref: Reference) -> dict[str, Any]:
    out: dict[str, Any] = {"disposition": ref.disposition.value}
    if ref.red_flags:
        out["red_flags"] = [
            {"id": f.id, "zones": list(f.zones)} if f.zones else f.id for f in ref.red_flags
        ]
    if ref.zones:
        zones: dict[str, Any] = {}
        grouped: dict[str, list[ZoneReference]] = {}
        for z in ref.zones:
            grouped.setdefault(z.zone, []).append(z)
        for zone, parts in grouped.items():
            entry: dict[str, Any] = {"products": [p for part in parts for p in part.products]}
            if len(parts) == 1:
                if not parts[0].dose.empty:
                    entry["dose"] = _dose_dict(parts[0].dose)
            else:
                doses = {
                    part.family.value: _dose_dict(part.dose)
                    for part in parts
                    if not part.dose.empty
                }
                if doses:
                    entry["dose"] = doses
            first = parts[0]
            if first.justification:
                entry["justification"] = first.justification
            if first.note:
                entry["note"] = first.note
            if first.references:
                entry["references"] = list(first.references)
            if first.optional:
                entry["optional"] = True
            zones[zone] = entry
        out["zones"] = zones
    if ref.max_facial_units != MAX_FACIAL_UNITS_DEFAULT:
        out["max_facial_units"] = ref.max_facial_units
    if ref.candidate_plans:
        out["candidate_plans"] = [
            {
                "label": c.label,
                "band": c.band.value,
                "rationale": c.rationale,
                "plan": plan_to_dict(c.plan),
            }
            for c in ref.candidate_plans
        ]
    if ref.note:
        out["note"] = ref.note
    return out


class _Dumper(yaml.SafeDumper):
    """Block style, no aliases (our loader refuses them), long text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)


def dump_case(case: Case) -> str:
    """YAML text for a case that `load_case_text` reads back to an equal Case."""
    return yaml.dump(
        case_to_dict(case),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=96,
        default_flow_style=False,
    )
