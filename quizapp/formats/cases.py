"""Case files (YAML, one per case) <-> `Case`, with every problem reported at once.

`load_case_file` / `load_case_text` check structure (fields, types), vocabulary (zones, products,
red flags, source keys), the clinical consistency of the reference (ranges against the
catalogue, red flags against the disposition, earlier filler against new filler) and, unless
told not to, that each candidate plan lands in the band its author claims. `dump_case` writes a
file that loads back to an equal Case. The format is described in docs/case-format.md.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path as FsPath
from typing import Any, Final

import yaml

from quizapp.domain.case import (
    CandidatePlan,
    Case,
    DoseSpec,
    FlagPresence,
    HistoryItem,
    Patient,
    Preserve,
    RangeError,
    Reference,
    ZoneAssessment,
    ZoneReference,
    resolve_range,
    side_keys,
)
from quizapp.domain.face import (
    FACIAL_UNITS,
    FILLER_LABEL_ML_PER_60KG_YEAR,
    FROM_ROMAN,
    MAX_FACIAL_UNITS_DEFAULT,
    PRODUCT_IDS,
    PRODUCTS,
    ROMAN,
    TOXIN_RETREAT_MONTHS,
    ZONE_IDS,
    ZONES,
    Family,
    remaining_fraction,
    zone_units_label,
)
from quizapp.domain.plan import MAX_ITEM_AMOUNT
from quizapp.domain.redflags import RED_FLAG_IDS, RED_FLAGS
from quizapp.domain.sources import SOURCES, sorted_keys
from quizapp.domain.terms import Band, Disposition, Side
from quizapp.formats.plans import plan_to_dict, read_plan, side_problem
from quizapp.formats.yamlsafe import (
    DataFileError,
    Issue,
    Path,
    Reader,
    YamlLoadError,
    describe,
    field_name,
    parse_yaml,
    read_text_file,
    suggest,
)

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


def _roman_or_int(reader: Reader, value: Any, path: Path, top: int, what: str) -> int | None:
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


class _CaseReader:
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
            _roman_or_int(r, data["fitzpatrick"], (*p, "fitzpatrick"), 6, "Fitzpatrick skin")
            if "fitzpatrick" in data
            else None
        )
        glogau = (
            _roman_or_int(r, data["glogau"], (*p, "glogau"), 4, "Glogau photoageing")
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

    # -- reference --------------------------------------------------------------------------

    def _reference(self, value: Any) -> Reference | None:
        r, p = self.r, ("reference",)
        data = r.mapping(value, p, required=("disposition",), optional=REFERENCE_OPTIONAL)
        if data is None:
            return None
        start = len(r.issues)
        disp_text = (
            r.choice(
                data["disposition"],
                (*p, "disposition"),
                [d.value for d in Disposition],
                "disposition",
            )
            if "disposition" in data
            else None
        )
        flags = self._red_flags(data.get("red_flags"))
        zones = self._zone_refs(data.get("zones"))
        max_units = MAX_FACIAL_UNITS_DEFAULT
        if "max_facial_units" in data:
            max_units = (
                r.integer(data["max_facial_units"], (*p, "max_facial_units"), 1, len(FACIAL_UNITS))
                or MAX_FACIAL_UNITS_DEFAULT
            )
        candidates = self._candidates(data.get("candidate_plans"))
        note = r.text(data.get("note", ""), (*p, "note"), max_len=2000, empty_ok=True)
        if len(r.issues) != start or None in (disp_text, flags, zones, candidates, note):
            return None
        assert disp_text and flags is not None and zones is not None and candidates is not None
        return Reference(Disposition(disp_text), flags, zones, max_units, candidates, note or "")

    def _red_flags(self, value: Any) -> tuple[FlagPresence, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("reference", "red_flags")
        seq = r.seq(value, p, max_len=len(RED_FLAG_IDS))
        if seq is None:
            return None
        out: list[FlagPresence] = []
        seen: set[str] = set()
        ok = True
        for i, entry in enumerate(seq):
            path: Path = (*p, i)
            zones: tuple[str, ...] = ()
            if isinstance(entry, dict):
                data = r.mapping(entry, path, required=("id",), optional=("zones",))
                if data is None or "id" not in data:
                    ok = False
                    continue
                flag_id = r.choice(data["id"], (*path, "id"), RED_FLAG_IDS, "red flag")
                if "zones" in data:
                    zseq = r.seq(data["zones"], (*path, "zones"), max_len=len(ZONE_IDS), min_len=1)
                    picked = [
                        r.choice(z, (*path, "zones", j), ZONE_IDS, "zone")
                        for j, z in enumerate(zseq or ())
                    ]
                    if zseq is None or None in picked:
                        ok = False
                        continue
                    zones = tuple(picked)  # type: ignore[arg-type]
                    if flag_id and RED_FLAGS[flag_id].scope == "patient":
                        r.add(
                            (*path, "zones"),
                            f"{flag_id} concerns the whole patient; remove its zones",
                        )
                        ok = False
            else:
                flag_id = r.choice(entry, path, RED_FLAG_IDS, "red flag")
            if flag_id is None:
                ok = False
                continue
            if flag_id in seen:
                r.add(path, f"red flag {flag_id} is listed twice")
                ok = False
                continue
            seen.add(flag_id)
            out.append(FlagPresence(flag_id, zones))
        return tuple(out) if ok else None

    def _zone_refs(self, value: Any) -> tuple[ZoneReference, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("reference", "zones")
        if not isinstance(value, dict):
            r.add(p, f"expected a mapping of zone: reference, got {type(value).__name__}")
            return None
        out: list[ZoneReference] = []
        ok = True
        for zone, entry in value.items():
            refs = self._zone_ref(zone, entry, (*p, zone))
            if refs is None:
                ok = False
            else:
                out.extend(refs)
        return tuple(out) if ok else None

    def _zone_ref(self, zone: str, value: Any, path: Path) -> list[ZoneReference] | None:
        r = self.r
        if zone not in ZONES:
            r.add(path, f'unknown zone "{zone}"{suggest(zone, ZONE_IDS)}')
            return None
        data = r.mapping(value, path, required=("products",), optional=ZONE_REF_OPTIONAL)
        if data is None or "products" not in data:
            return None
        start = len(r.issues)
        optional = data.get("optional", False)
        if not isinstance(optional, bool):
            r.add((*path, "optional"), "optional is true or false")
        seq = r.seq(data["products"], (*path, "products"), max_len=len(PRODUCT_IDS), min_len=1)
        products: list[str] = []
        for i, pid in enumerate(seq or ()):
            product = r.choice(pid, (*path, "products", i), PRODUCT_IDS, "product")
            if product is None:
                continue
            if product not in ZONES[zone].products:
                suited = ", ".join(sorted(ZONES[zone].products)) or "nothing in this catalogue"
                r.add(
                    (*path, "products", i),
                    f"{product} is not suited to {zone} (suited: {suited})",
                )
            elif product in products:
                r.add((*path, "products", i), f"{product} is listed twice")
            else:
                products.append(product)
        justification = r.text(
            data.get("justification", ""), (*path, "justification"), max_len=2000, empty_ok=True
        )
        note = r.text(data.get("note", ""), (*path, "note"), max_len=2000, empty_ok=True)
        zone_refs: tuple[str, ...] = ()
        if "references" in data:
            zone_refs = self._source_keys(data["references"], (*path, "references")) or ()
        families = [
            f
            for f in (Family.TOXIN, Family.FILLER)
            if any(PRODUCTS[x].family == f for x in products)
        ]
        doses = self._doses(data.get("dose"), (*path, "dose"), families)
        if len(r.issues) != start or doses is None or not products:
            return None
        self.zone_entry_paths[zone] = path
        out = []
        for family in families:
            spec, spec_path = doses.get(family, (DoseSpec(), (*path, "dose")))
            key = (zone, family)
            self.zone_paths[key] = spec_path
            self.explicit[key] = not spec.empty
            out.append(
                ZoneReference(
                    zone,
                    family,
                    tuple(x for x in products if PRODUCTS[x].family == family),
                    spec,
                    justification or "",
                    note or "",
                    zone_refs,
                    optional is True,
                )
            )
        return out

    def _doses(
        self, value: Any, path: Path, families: list[Family]
    ) -> dict[Family, tuple[DoseSpec, Path]] | None:
        r = self.r
        if value is None:
            return {}
        if not isinstance(value, dict):
            r.add(path, f"expected a mapping of min/max/ceiling, got {describe(value)}")
            return None
        per_family = bool(value) and all(k in FAMILY_KEYS for k in value)
        if len(families) > 1 and not per_family:
            r.add(
                path,
                "products mix toxin and filler, so give the dose per family: "
                "dose: {toxin: {min, max, ceiling}, filler: {min, max, ceiling}}",
            )
            return None
        out: dict[Family, tuple[DoseSpec, Path]] = {}
        ok = True
        if per_family:
            for key, sub in value.items():
                family = Family(key)
                if family not in families:
                    r.add((*path, key), f"a {key} dose is given but no {key} product is listed")
                    ok = False
                    continue
                spec = self._dose(sub, (*path, key), family)
                if spec is None:
                    ok = False
                else:
                    out[family] = (spec, (*path, key))
        elif families:
            spec = self._dose(value, path, families[0])
            if spec is None:
                ok = False
            else:
                out[families[0]] = (spec, path)
        return out if ok else None

    def _dose(self, value: Any, path: Path, family: Family) -> DoseSpec | None:
        r = self.r
        data = r.mapping(value, path, optional=DOSE_FIELDS)
        if data is None:
            return None
        top = MAX_ITEM_AMOUNT[family]
        unit = "U (ona-eq)" if family == Family.TOXIN else "mL"
        bounds: dict[str, float | None] = {}
        ok = True
        for name in DOSE_FIELDS:
            if name not in data:
                bounds[name] = None
                continue
            number = r.number(data[name], (*path, name), 0, top, lo_open=name != "min", unit=unit)
            ok = ok and number is not None
            bounds[name] = number
        if not ok:
            return None
        low, high, ceiling = bounds["min"], bounds["max"], bounds["ceiling"]
        if low is not None and high is not None and low > high:
            r.add((*path, "min"), f"min {low:g} is above max {high:g}")
            return None
        if high is not None and ceiling is not None and high > ceiling:
            r.add((*path, "max"), f"max {high:g} is above the ceiling {ceiling:g}")
            return None
        return DoseSpec(low, high, ceiling)

    def _candidates(self, value: Any) -> tuple[CandidatePlan, ...] | None:
        if value is None:
            return ()
        r, p = self.r, ("reference", "candidate_plans")
        seq = r.seq(value, p, max_len=10)
        if seq is None:
            return None
        out: list[CandidatePlan] = []
        ok = True
        for i, entry in enumerate(seq):
            path: Path = (*p, i)
            data = r.mapping(entry, path, required=CANDIDATE_FIELDS)
            if data is None:
                ok = False
                continue
            start = len(r.issues)
            label = r.text(data["label"], (*path, "label"), max_len=80) if "label" in data else None
            band = (
                r.choice(data["band"], (*path, "band"), [b.value for b in Band], "band")
                if "band" in data
                else None
            )
            rationale = (
                r.text(data["rationale"], (*path, "rationale"), max_len=2000)
                if "rationale" in data
                else None
            )
            plan = read_plan(r, data["plan"], (*path, "plan")) if "plan" in data else None
            if len(r.issues) != start or None in (label, band, rationale, plan):
                ok = False
                continue
            assert label and band and rationale and plan is not None
            out.append(CandidatePlan(label, Band(band), rationale, plan))
        return tuple(out) if ok else None

    # -- consistency --------------------------------------------------------------------------

    def _check_consistency(
        self,
        patient: Patient,
        history: tuple[HistoryItem, ...],
        assessment: tuple[ZoneAssessment, ...],
        reference: Reference,
        references: tuple[str, ...],
    ) -> None:
        r = self.r
        grades = {a.zone: a for a in assessment}
        flags = {f.id: f for f in reference.red_flags}
        disp = reference.disposition
        zp = ("reference", "zones")

        # Disposition against zones.
        if disp.treats and not reference.zones:
            r.add(zp, f"disposition {disp.value} needs at least one zone to treat")
        if not disp.treats and reference.zones:
            r.add(
                zp,
                f"disposition {disp.value} means nothing is injected today; remove the zones "
                "(or use treat_in_part)",
            )

        # Ranges: resolve, and compare with the catalogue.
        resolved = {}
        for ref in reference.zones:
            key = (ref.zone, ref.family)
            path = self.zone_paths[key]
            entry = self.zone_entry_paths[ref.zone]
            grade = grades[ref.zone].grade_for(ref.family) if ref.zone in grades else None
            try:
                rng = resolve_range(ref, grade, patient.sex)
            except RangeError as exc:
                r.add((*path, exc.part), exc.message)
                continue
            resolved[key] = rng
            if self.explicit[key] and not ref.references:
                r.add(
                    (*entry, "references"),
                    "an author's dose needs the source keys it rests on (e.g. [F3])",
                )
            typical = ZONES[ref.zone].typical(ref.family, patient.sex)
            cat_ceiling = typical.effective_ceiling if typical else None
            units = zone_units_label(ZONES[ref.zone], ref.family)
            if self.explicit[key] and not ref.justification:
                if cat_ceiling is None:
                    r.add(
                        (*entry, "justification"),
                        f"the catalogue has no {ref.family.value} figure for {ref.zone}; say "
                        "where this range comes from in justification",
                    )
                else:
                    for part in ("max", "ceiling"):
                        given = getattr(ref.dose, part)
                        if given is not None and given > cat_ceiling:
                            refs = " ".join(typical.references) if typical else ""
                            r.add(
                                (*path, part),
                                f"{given:g} {units} is above the catalogue ceiling "
                                f"{cat_ceiling:g} {units} for {ref.zone} ({refs}); add a "
                                "justification with its source, or lower it",
                            )
            # What earlier filler left behind counts against the zone's range, which is what
            # the zone should hold after today; only an author's own max can be too low for it.
            if ref.family == Family.FILLER and self.explicit[key] and ref.dose.max is not None:
                left = max(self._residual(history, ref.zone).values(), default=0.0)
                if left > rng.max + 1e-9:
                    r.add(
                        (*path, "max"),
                        f"about {left:.1f} {units} remain from earlier filler in {ref.zone}, "
                        f"more than the max {rng.max:g}: the range counts what remains (F18); "
                        "raise max, or drop the zone",
                    )

        # Red flags: derived ones must be listed; blocking ones shape the reference.
        rf = ("reference", "red_flags")
        if patient.age < 18 and "under_18" not in flags:
            r.add(rf, f"the patient is {patient.age}: list under_18")
        if patient.age >= 65 and "over_65_label" not in flags:
            r.add(rf, f"the patient is {patient.age}: list over_65_label (B6 B27 B28)")
        for i, item in enumerate(history):
            months = self._months(item)
            product = PRODUCTS[item.product]
            if (
                product.is_toxin
                and months < TOXIN_RETREAT_MONTHS
                and ("toxin_within_3_months" not in flags)
            ):
                r.add(
                    ("history", i, "months_ago"),
                    f"{item.product} {months:g} months ago: list toxin_within_3_months in "
                    "reference.red_flags (retreat no sooner than 3 months, B1)",
                )
            if product.permanent:
                flag = flags.get("permanent_filler_in_area")
                if flag is None or not flag.covers(item.zone):
                    r.add(
                        ("history", i, "product"),
                        f"permanent filler ({item.product}) in {item.zone}: list "
                        f"permanent_filler_in_area with zones [{item.zone}] in reference.red_flags",
                    )
            elif (
                product.slow_degrading
                and remaining_fraction(item.product, months) > 0
                and any(z.zone == item.zone and z.family == Family.FILLER for z in reference.zones)
            ):
                r.add(
                    (*self.zone_entry_paths[item.zone], "products"),
                    f"{item.product} given {months:g} months ago in {item.zone} is still "
                    "active (F19 F22); do not layer filler over it (F44)",
                )
        blocking = [RED_FLAGS[f.id] for f in reference.red_flags if RED_FLAGS[f.id].blocks]
        if blocking and disp == Disposition.TREAT:
            names = ", ".join(f.id for f in blocking)
            r.add(
                ("reference", "disposition"),
                f"{names} present: the disposition cannot be a plain treat; use treat_in_part "
                f"(treat only what the flag allows), or {blocking[0].dispositions[0].value}",
            )
        for ref in reference.zones:
            for flag in blocking:
                presence = flags[flag.id]
                if flag.scope == "zone" and not presence.covers(ref.zone):
                    continue
                hit = [p for p in ref.products if flag.concerns(ref.family, p)]
                if hit:
                    r.add(
                        (*self.zone_entry_paths[ref.zone], "products"),
                        f"{flag.id} rules out {ref.family.value} here ({', '.join(hit)}); "
                        f"remove it from the reference",
                    )

        # Facial units treated with filler (F15: HA filler only).
        units = sorted({ZONES[z.zone].unit for z in reference.zones if z.family == Family.FILLER})
        if len(units) > reference.max_facial_units:
            r.add(
                ("reference", "max_facial_units"),
                f"the reference zones span {len(units)} facial units ({', '.join(units)}) but "
                f"max_facial_units is {reference.max_facial_units}; raise it or drop a zone "
                "(F15: more than two rarely adds benefit)",
            )

        # Yearly label ceiling for filler (F13 F12), when the weight is known.
        if patient.weight_kg is not None and resolved:
            limit = FILLER_LABEL_ML_PER_60KG_YEAR * patient.weight_kg / 60.0
            past = 0.0
            for item in history:
                filler = not PRODUCTS[item.product].is_toxin
                if filler and item.amount is not None and self._months(item) < 12:
                    past += item.amount * len(side_keys(item.zone, item.side))
            planned = sum(
                rng.max * (2 if rng.per_side else 1)
                for (zone, fam), rng in resolved.items()
                if fam == Family.FILLER
            )
            if past + planned > limit + 1e-9:
                r.add(
                    zp,
                    f"{past:g} mL in the last 12 months plus up to {planned:g} mL here passes the "
                    f"label's {limit:.1f} mL a year for {patient.weight_kg:g} kg (F13 F12)",
                )

        # Every source a zone cites is also in the case's list.
        cited = {k for z in reference.zones for k in z.references}
        missing = [k for k in sorted_keys(cited) if k not in references]
        if missing:
            r.add(("references",), f"add the keys the zones cite: {', '.join(missing)}")

    def _months(self, item: HistoryItem) -> float:
        if item.months_ago is not None:
            return item.months_ago
        assert item.date is not None and self.visit_date is not None
        return round((self.visit_date - item.date).days / (365.25 / 12), 2)

    def _residual(self, history: Iterable[HistoryItem], zone: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for item in history:
            if item.zone != zone or item.amount is None or PRODUCTS[item.product].is_toxin:
                continue
            left = item.amount * remaining_fraction(item.product, self._months(item))
            keys = (
                ("total",)
                if not ZONES[zone].per_side
                else (
                    ("left", "right")
                    if item.side in (Side.BOTH, Side.MIDLINE)
                    else (item.side.value,)
                )
            )
            for key in keys:
                out[key] = out.get(key, 0.0) + left
        return out

    def _check_bands(self, case: Case) -> None:
        from quizapp.domain.scoring import score_plan

        for i, candidate in enumerate(case.reference.candidate_plans):
            result = score_plan(case, candidate.plan)
            if result.band != candidate.band:
                why = "; ".join(result.band_reasons[:3]) or "no findings"
                self.r.add(
                    ("reference", "candidate_plans", i, "band"),
                    f"the scoring engine places this plan in {result.band.value} (score "
                    f"{result.score}), not {candidate.band.value}: {why}",
                )


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
