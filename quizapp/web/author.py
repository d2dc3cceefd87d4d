"""The educator's pages: write, preview, publish and version cases and modules; import and export
them; see which mistakes the academy's trainees make.

Screens (named in docs/authoring.md): Authoring (the list), Case, Case editor, YAML editor, Upload
a case, History, Case preview, Module, Module settings, Question editor, GIFT import, Question
preview, Insight, Module insight, Case insight, Common mistakes.

Forms carry no validators of their own beyond CSRF: the data they build goes through the same
loaders as `flask cases validate` and the module loader, and every problem is shown beside the
field it concerns (or listed at the top when it concerns no single field).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.domain import quiz
from quizapp.domain.face import PRODUCTS, ROMAN, ZONE_IDS, ZONES, Family
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring import score_case_attempt
from quizapp.domain.terms import (
    BAND_LABELS,
    DISPOSITION_LABELS,
    VERDICT_LABELS,
    Band,
    Depth,
    Disposition,
    Side,
)
from quizapp.extensions import db
from quizapp.formats.cases import case_to_dict
from quizapp.formats.yamlsafe import field_name
from quizapp.models import AttemptStatus, CaseStep
from quizapp.models.content import Status
from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.authoring import content, editing, insight
from quizapp.services.learning import casestudy
from quizapp.web import answers
from quizapp.web import casestudy as player
from quizapp.web.downloads import csv_response
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_list

bp = Blueprint("author", __name__, url_prefix="/author")


KIND_BY_SEGMENT = {"cases": "case", "modules": "module"}
SEGMENT_BY_KIND = {v: k for k, v in KIND_BY_SEGMENT.items()}
STATE_LABELS = {
    "draft": "Draft",
    "changes": "Published, with a draft",
    "published": "Published",
    "retired": "Retired",
}
QUESTION_TYPE_LABELS = {
    "single": "Single choice",
    "multi": "Multiple choice (select all)",
    "truefalse": "True or false",
    "numeric": "Numeric",
    "ordering": "Ordering",
    "hotspot": "Hotspot on the face map",
    "plan_compare": "Plan comparison",
}


def _kind(segment: str) -> str:
    kind = KIND_BY_SEGMENT.get(segment)
    if kind is None:
        abort(404)
    return kind


def _visible_or_404(kind: str, record_id: int):
    record = editing.visible(kind, record_id, current_academy_id())
    if record is None:
        abort(404)
    return record


def _owned_or_404(kind: str, record_id: int):
    """Only the academy's own items can change; the bank and other academies' items 404."""
    record = editing.owned(kind, record_id, current_academy_id())
    if record is None:
        abort(404)
    return record


def _need_academy() -> int:
    academy_id = current_academy_id()
    if academy_id is None:
        abort(404)
    return academy_id


def _check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def _item_url(record) -> str:
    if editing.kind_of(record) == "case":
        return url_for("author.case_view", case_id=record.id)
    return url_for("author.module_view", module_id=record.id)


# --------------------------------------------------------------------------------------------
# Issues beside fields
# --------------------------------------------------------------------------------------------

_PARENT = re.compile(r"^(.*)(\[\d+\]|\.[^.\[\]]+)$")


@dataclass
class Problems:
    """Validation problems placed beside form fields (by field id) or listed at the top."""

    by_field: dict[str, list[str]] = field(default_factory=dict)
    top: list[Any] = field(default_factory=list)
    all: list[Any] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.all)

    def get(self, field_id: str) -> list[str]:
        return self.by_field.get(field_id, [])


@dataclass(frozen=True)
class Note:
    field: str
    message: str
    line: int | None = None
    target: str | None = None  # form field id it was placed at


def place(issues, fieldmap: dict[str, str], prefix: str = "") -> Problems:
    """Put each issue at the form field its path names, else at the nearest mapped parent,
    else in the list at the top. `prefix` is removed from paths first (a question's own)."""
    problems = Problems()
    for issue in issues:
        path = issue.field or ""
        if prefix:
            if not path.startswith(prefix):
                problems.top.append(Note(path, issue.message, issue.line))
                problems.all.append(problems.top[-1])
                continue
            path = path[len(prefix) :].lstrip(".")
        key = path
        target = None
        while key:
            if key in fieldmap:
                target = fieldmap[key]
                break
            match = _PARENT.match(key)
            key = match.group(1) if match else ""
        note = Note(path, issue.message, getattr(issue, "line", None), target)
        problems.all.append(note)
        if target is None:
            problems.top.append(note)
        else:
            where = "" if key == path else f"{path[len(key) :].lstrip('.')}: "
            problems.by_field.setdefault(target, []).append(where + issue.message)
    return problems


# --------------------------------------------------------------------------------------------
# Form pieces
# --------------------------------------------------------------------------------------------


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _choices(pairs, blank: str = "–") -> list[tuple[str, str]]:
    return [("", blank), *pairs]


ZONE_CHOICES = [(z, ZONES[z].label) for z in ZONE_IDS]
PRODUCT_CHOICES = [(p, PRODUCTS[p].label) for p in PRODUCTS]
SIDE_CHOICES = [(s.value, s.value) for s in Side]
DEPTH_CHOICES = [(d.value, d.value) for d in Depth]
BAND_CHOICES = [(b.value, BAND_LABELS[b.value]) for b in Band]
DISPOSITION_CHOICES = [(d.value, DISPOSITION_LABELS[d.value]) for d in Disposition]
GRADE_CHOICES = _choices([(str(g), str(g)) for g in range(5)])


def _sc(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _select(label: str = "", choices=None, **kw) -> SelectField:
    return SelectField(label, choices=_sc(choices or []), validate_choice=False, **kw)


class HistoryRow(Form):
    zone = _select("Zone", _choices(ZONE_CHOICES))
    product = _select("Product", _choices(PRODUCT_CHOICES))
    side = _select("Side", _choices(SIDE_CHOICES))
    amount = StringField("Amount")
    months_ago = StringField("Months ago")
    date = StringField("Date")
    note = StringField("Note")


class AssessmentRow(Form):
    zone = HiddenField()
    rest = _select("At rest", GRADE_CHOICES)
    moving = _select("Moving", GRADE_CHOICES)
    note = StringField("Note")


class PreserveRow(Form):
    zone = _select("Zone", _choices(ZONE_CHOICES))
    note = StringField("Why")


def _flags_form() -> type[Form]:
    attrs: dict[str, Any] = {}
    for flag in RED_FLAGS.values():
        attrs[flag.id] = BooleanField(flag.label)
        if flag.scope == "zone":
            attrs[f"{flag.id}__zones"] = SelectMultipleField(
                "Zones (none chosen: the whole face)",
                choices=_sc(ZONE_CHOICES),
                validate_choice=False,
            )
    return type("FlagsForm", (Form,), attrs)


FlagsForm = _flags_form()


class ZoneRefRow(Form):
    zone = _select("Zone", _choices(ZONE_CHOICES))
    products = MultiCheckboxField("Products", choices=_sc(PRODUCT_CHOICES), validate_choice=False)
    toxin_min = StringField("Toxin min")
    toxin_max = StringField("Toxin max")
    toxin_ceiling = StringField("Toxin ceiling")
    filler_min = StringField("Filler min")
    filler_max = StringField("Filler max")
    filler_ceiling = StringField("Filler ceiling")
    justification = TextAreaField("Justification")
    note = TextAreaField("Note")
    references = StringField("Source keys")


class PlanItemRow(Form):
    zone = _select("Zone", _choices(ZONE_CHOICES))
    product = _select("Product", _choices(PRODUCT_CHOICES))
    amount = StringField("Amount")
    side = _select("Side", _choices(SIDE_CHOICES))
    depth = _select("Depth", _choices(DEPTH_CHOICES))
    technique = StringField("Technique")


class CandidateRow(Form):
    label = StringField("Label")
    band = _select("Band claimed", _choices(BAND_CHOICES))
    rationale = TextAreaField("Rationale")
    disposition = _select("Disposition", _choices(DISPOSITION_CHOICES))
    review_weeks = StringField("Review (weeks)")
    note = StringField("Plan note")
    items = FieldList(FormField(PlanItemRow), min_entries=1, max_entries=40)


class CaseForm(FlaskForm):
    id = StringField("Case id", description="3-64 lower-case letters, digits and hyphens.")
    title = StringField("Title")
    summary = TextAreaField("Vignette (Markdown)")
    visit_date = StringField("Visit date", description="YYYY-MM-DD; needed for dated history.")
    age = StringField("Age")
    sex = _select("Sex", [("F", "F (woman)"), ("M", "M (man)")])
    fitzpatrick = _select("Fitzpatrick skin type", [(r, r) for r in ROMAN.values()])
    glogau = _select("Glogau photoageing type", [(ROMAN[g], ROMAN[g]) for g in range(1, 5)])
    weight_kg = StringField("Weight (kg)", description="Optional; enables the yearly filler cap.")
    context = TextAreaField("Context")
    request_text = TextAreaField("Request, in the patient's words")
    history = FieldList(FormField(HistoryRow), max_entries=100)
    medical = TextAreaField("Medical notes", description="One note per line.")
    assessment = FieldList(FormField(AssessmentRow), max_entries=len(ZONE_IDS))
    preserve = FieldList(FormField(PreserveRow), max_entries=20)
    flags = FormField(FlagsForm)
    disposition = _select("Disposition today", DISPOSITION_CHOICES)
    max_facial_units = StringField("Facial units one visit may treat", description="Default 2.")
    reference_note = TextAreaField("Reference note (Markdown)")
    zones = FieldList(FormField(ZoneRefRow), max_entries=len(ZONE_IDS))
    candidates = FieldList(FormField(CandidateRow), max_entries=10)
    learning_points = FieldList(TextAreaField("Learning point"), max_entries=20)
    references = StringField("Source keys", description="Every key the case relies on.")


LIST_ROWS = {
    "history": 1,
    "preserve": 1,
    "zones": 1,
    "candidates": 1,
    "learning_points": 1,
}


def _pad(form: CaseForm, more: str | None = None) -> None:
    """One blank row under every list (two for the list the author asked to grow)."""
    for name, blanks in LIST_ROWS.items():
        field_list = getattr(form, name)
        wanted = blanks + (1 if more == name else 0)
        for _ in range(wanted):
            field_list.append_entry()
    for row in form.candidates:
        row.form["items"].append_entry()
        if more == f"{row.id}-items":
            row.form["items"].append_entry()
    seen = {row.form.zone.data for row in form.assessment}
    for zone in ZONE_IDS:
        if zone not in seen:
            form.assessment.append_entry({"zone": zone})
    order = {zone: i for i, zone in enumerate(ZONE_IDS)}
    form.assessment.entries.sort(key=lambda row: order.get(row.form.zone.data, 99))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _number(text: str) -> Any:
    """A typed number as a number (a decimal comma is read as a point); other text stays text,
    so the loader says what is wrong with it."""
    cleaned = text.strip()
    if not cleaned:
        return None
    candidate = cleaned.replace(",", ".") if cleaned.count(",") == 1 else cleaned
    try:
        return int(candidate)
    except ValueError:
        pass
    try:
        return float(candidate)
    except ValueError:
        return cleaned


def _keys(text: str) -> list[str]:
    return [k for k in re.split(r"[\s,;]+", text.strip()) if k]


def _date(text: str) -> Any:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return text.strip()


def _blank(row: Form, skip: tuple[str, ...] = ()) -> bool:
    for name, sub in row._fields.items():
        if name in skip:
            continue
        value = sub.data
        if isinstance(sub, FieldList):
            if not all(_blank(entry.form) for entry in sub.entries):
                return False
        elif isinstance(value, list | bool):
            if value:
                return False
        elif _text(value):
            return False
    return True


def case_data(form: CaseForm) -> tuple[dict[str, Any], dict[str, str], list[Any]]:
    """The case file's data from the form, the field id for each path, and problems the form
    itself finds (a row without its zone, a zone given twice)."""
    fmap: dict[str, str] = {}
    own: list[Any] = []

    def at(path: tuple, field_obj) -> None:
        fmap[field_name(path)] = field_obj.id

    data: dict[str, Any] = {
        "id": _text(form.id.data),
        "title": _text(form.title.data),
        "summary": _text(form.summary.data),
    }
    for name in ("id", "title", "summary"):
        at((name,), getattr(form, name))
    if _text(form.visit_date.data):
        data["visit_date"] = _date(form.visit_date.data)
    at(("visit_date",), form.visit_date)
    patient: dict[str, Any] = {
        "age": _number(_text(form.age.data)),
        "sex": form.sex.data,
        "fitzpatrick": form.fitzpatrick.data,
        "glogau": form.glogau.data,
    }
    if _text(form.weight_kg.data):
        patient["weight_kg"] = _number(form.weight_kg.data)
    if _text(form.context.data):
        patient["context"] = _text(form.context.data)
    if _text(form.request_text.data):
        patient["request"] = _text(form.request_text.data)
    data["patient"] = patient
    at(("patient",), form.age)
    for name, field_obj in (
        ("age", form.age),
        ("sex", form.sex),
        ("fitzpatrick", form.fitzpatrick),
        ("glogau", form.glogau),
        ("weight_kg", form.weight_kg),
        ("context", form.context),
        ("request", form.request_text),
    ):
        at(("patient", name), field_obj)

    history = []
    at(("history",), form.history)
    for entry in form.history:
        row = entry.form
        if _blank(row):
            continue
        i = len(history)
        item: dict[str, Any] = {"zone": row.zone.data, "product": row.product.data}
        item["side"] = row.side.data
        for name in ("amount", "months_ago"):
            if _text(getattr(row, name).data):
                item[name] = _number(getattr(row, name).data)
        if _text(row.date.data):
            item["date"] = _date(row.date.data)
        if _text(row.note.data):
            item["note"] = _text(row.note.data)
        history.append(item)
        at(("history", i), entry)
        for name in ("zone", "product", "side", "amount", "months_ago", "date", "note"):
            at(("history", i, name), getattr(row, name))
    if history:
        data["history"] = history

    medical = [line.strip() for line in (form.medical.data or "").splitlines() if line.strip()]
    if medical:
        data["medical"] = medical
    at(("medical",), form.medical)
    for i in range(len(medical)):
        at(("medical", i), form.medical)

    assessment: dict[str, Any] = {}
    at(("assessment",), form.assessment)
    for entry in form.assessment:
        row = entry.form
        zone = row.zone.data
        if _blank(row, skip=("zone",)) or zone not in ZONES:
            continue
        grades: dict[str, Any] = {}
        for name in ("rest", "moving"):
            if _text(getattr(row, name).data):
                grades[name] = _number(getattr(row, name).data)
        if _text(row.note.data):
            grades["note"] = _text(row.note.data)
        assessment[zone] = grades
        at(("assessment", zone), entry)
        for name in ("rest", "moving", "note"):
            at(("assessment", zone, name), getattr(row, name))
    if assessment:
        data["assessment"] = assessment

    preserve = []
    at(("preserve",), form.preserve)
    for entry in form.preserve:
        row = entry.form
        if _blank(row):
            continue
        i = len(preserve)
        item = {"zone": row.zone.data}
        if _text(row.note.data):
            item["note"] = _text(row.note.data)
        preserve.append(item)
        at(("preserve", i), entry)
        at(("preserve", i, "zone"), row.zone)
        at(("preserve", i, "note"), row.note)
    if preserve:
        data["preserve"] = preserve

    reference: dict[str, Any] = {"disposition": form.disposition.data}
    at(("reference",), form.disposition)
    at(("reference", "disposition"), form.disposition)
    flags = []
    at(("reference", "red_flags"), form.flags)
    for flag in RED_FLAGS.values():
        box = form.flags.form[flag.id]
        zones_field = form.flags.form._fields.get(f"{flag.id}__zones")
        zones = list(zones_field.data or []) if zones_field is not None else []
        if not box.data:
            if zones:
                own.append(
                    _own(("reference", "red_flags"), f"{flag.id}: tick the flag or clear its zones")
                )
            continue
        i = len(flags)
        flags.append({"id": flag.id, "zones": zones} if zones else flag.id)
        at(("reference", "red_flags", i), box)
        at(("reference", "red_flags", i, "id"), box)
        if zones_field is not None:
            at(("reference", "red_flags", i, "zones"), zones_field)
    reference["red_flags"] = flags

    zones_out: dict[str, Any] = {}
    at(("reference", "zones"), form.zones)
    for entry in form.zones:
        row = entry.form
        if _blank(row):
            continue
        zone = row.zone.data
        if zone not in ZONES:
            own.append(_own_at(row.zone.id, "choose the zone this row is about"))
            continue
        if zone in zones_out:
            own.append(_own_at(row.zone.id, f"{zone} is given twice; one row per zone"))
            continue
        base = ("reference", "zones", zone)
        products = list(row.products.data or [])
        entry_data: dict[str, Any] = {"products": products}
        families = [
            fam
            for fam in (Family.TOXIN, Family.FILLER)
            if any(PRODUCTS[p].family == fam for p in products if p in PRODUCTS)
        ]
        doses: dict[str, dict[str, Any]] = {}
        for fam in (Family.TOXIN, Family.FILLER):
            spec = {}
            for bound in ("min", "max", "ceiling"):
                raw = _text(getattr(row, f"{fam.value}_{bound}").data)
                if raw:
                    spec[bound] = _number(raw)
            if spec:
                if fam not in families:
                    own.append(
                        _own_at(
                            getattr(row, f"{fam.value}_min").id,
                            f"a {fam.value} dose is given but no {fam.value} product is ticked",
                        )
                    )
                    continue
                doses[fam.value] = spec
        if len(families) > 1 and doses:
            entry_data["dose"] = doses
        elif doses:
            entry_data["dose"] = next(iter(doses.values()))
        for name in ("justification", "note"):
            if _text(getattr(row, name).data):
                entry_data[name] = _text(getattr(row, name).data)
        if _text(row.references.data):
            entry_data["references"] = _keys(row.references.data)
        zones_out[zone] = entry_data
        at(base, entry)
        at((*base, "products"), row.products)
        at((*base, "justification"), row.justification)
        at((*base, "note"), row.note)
        at((*base, "references"), row.references)
        at((*base, "dose"), row.toxin_min if Family.TOXIN in families else row.filler_min)
        for fam in (Family.TOXIN, Family.FILLER):
            for bound in ("min", "max", "ceiling"):
                target = getattr(row, f"{fam.value}_{bound}")
                at((*base, "dose", fam.value, bound), target)
                at((*base, "dose", fam.value), getattr(row, f"{fam.value}_min"))
                if len(families) == 1 and families[0] == fam:
                    at((*base, "dose", bound), target)
    if zones_out:
        reference["zones"] = zones_out
    if _text(form.max_facial_units.data):
        reference["max_facial_units"] = _number(form.max_facial_units.data)
    at(("reference", "max_facial_units"), form.max_facial_units)

    candidates = []
    at(("reference", "candidate_plans"), form.candidates)
    for entry in form.candidates:
        row = entry.form
        if _blank(row):
            continue
        i = len(candidates)
        base = ("reference", "candidate_plans", i)
        plan: dict[str, Any] = {"disposition": row.disposition.data}
        items = []
        at((*base, "plan", "items"), row.items)
        for item_entry in row.items:
            item_row = item_entry.form
            if _blank(item_row):
                continue
            j = len(items)
            item = {
                "zone": item_row.zone.data,
                "product": item_row.product.data,
                "amount": _number(_text(item_row.amount.data)),
                "side": item_row.side.data,
            }
            if item_row.depth.data:
                item["depth"] = item_row.depth.data
            if _text(item_row.technique.data):
                item["technique"] = _text(item_row.technique.data)
            items.append(item)
            at((*base, "plan", "items", j), item_entry)
            for name in ("zone", "product", "amount", "side", "depth", "technique"):
                at((*base, "plan", "items", j, name), getattr(item_row, name))
        if items:
            plan["items"] = items
        if _text(row.review_weeks.data):
            plan["review_weeks"] = _number(row.review_weeks.data)
        if _text(row.note.data):
            plan["note"] = _text(row.note.data)
        candidates.append(
            {
                "label": _text(row.label.data),
                "band": row.band.data,
                "rationale": _text(row.rationale.data),
                "plan": plan,
            }
        )
        at(base, entry)
        for name in ("label", "band", "rationale"):
            at((*base, name), getattr(row, name))
        at((*base, "plan"), row.disposition)
        at((*base, "plan", "disposition"), row.disposition)
        at((*base, "plan", "review_weeks"), row.review_weeks)
        at((*base, "plan", "note"), row.note)
    if candidates:
        reference["candidate_plans"] = candidates
    if _text(form.reference_note.data):
        reference["note"] = _text(form.reference_note.data)
    at(("reference", "note"), form.reference_note)
    data["reference"] = reference

    points = []
    at(("learning_points",), form.learning_points)
    for entry in form.learning_points:
        if _text(entry.data):
            at(("learning_points", len(points)), entry)
            points.append(_text(entry.data))
    data["learning_points"] = points
    data["references"] = _keys(form.references.data or "")
    at(("references",), form.references)
    return data, fmap, own


@dataclass(frozen=True)
class _OwnIssue:
    field: str
    message: str
    line: int | None = None


def _own(path: tuple, message: str) -> _OwnIssue:
    return _OwnIssue(field_name(path), message)


def _own_at(field_id: str, message: str) -> _OwnIssue:
    return _OwnIssue(f"@{field_id}", message)


def _place_case(issues, fmap) -> Problems:
    extended = dict(fmap)
    for issue in issues:
        if issue.field.startswith("@"):
            extended[issue.field] = issue.field[1:]
    return place(issues, extended)


def case_form_data(case_dict: dict[str, Any]) -> dict[str, Any]:
    """The form's initial data from a case in the file's shape (case_to_dict)."""
    patient = case_dict.get("patient", {})
    reference = case_dict.get("reference", {})

    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    flags: dict[str, Any] = {}
    for entry in reference.get("red_flags", []):
        if isinstance(entry, dict):
            flags[entry["id"]] = True
            flags[f"{entry['id']}__zones"] = list(entry.get("zones", []))
        else:
            flags[entry] = True
    zones = []
    for zone, entry in (reference.get("zones") or {}).items():
        row = {
            "zone": zone,
            "products": list(entry.get("products", [])),
            "justification": entry.get("justification", ""),
            "note": entry.get("note", ""),
            "references": " ".join(entry.get("references", [])),
        }
        dose = entry.get("dose") or {}
        families = {PRODUCTS[p].family.value for p in row["products"] if p in PRODUCTS}
        per_family = dose if set(dose) & {"toxin", "filler"} else {}
        if not per_family and dose and families:
            per_family = {sorted(families)[0] if len(families) == 1 else "toxin": dose}
        for fam, spec in per_family.items():
            for bound, value in spec.items():
                row[f"{fam}_{bound}"] = text(value)
        zones.append(row)
    candidates = []
    for entry in reference.get("candidate_plans", []):
        plan = entry.get("plan", {})
        candidates.append(
            {
                "label": entry.get("label", ""),
                "band": entry.get("band", ""),
                "rationale": entry.get("rationale", ""),
                "disposition": plan.get("disposition", ""),
                "review_weeks": text(plan.get("review_weeks")),
                "note": plan.get("note", ""),
                "items": [
                    {
                        "zone": item.get("zone", ""),
                        "product": item.get("product", ""),
                        "amount": text(item.get("amount")),
                        "side": item.get("side", ""),
                        "depth": item.get("depth", ""),
                        "technique": item.get("technique", ""),
                    }
                    for item in plan.get("items", [])
                ],
            }
        )
    assessment = case_dict.get("assessment") or {}
    return {
        "id": case_dict.get("id", ""),
        "title": case_dict.get("title", ""),
        "summary": case_dict.get("summary", ""),
        "visit_date": text(case_dict.get("visit_date")),
        "age": text(patient.get("age")),
        "sex": patient.get("sex", "F"),
        "fitzpatrick": text(patient.get("fitzpatrick", "III")),
        "glogau": text(patient.get("glogau", "II")),
        "weight_kg": text(patient.get("weight_kg")),
        "context": patient.get("context", ""),
        "request_text": patient.get("request", ""),
        "history": [
            {
                "zone": h.get("zone", ""),
                "product": h.get("product", ""),
                "side": h.get("side", ""),
                "amount": text(h.get("amount")),
                "months_ago": text(h.get("months_ago")),
                "date": text(h.get("date")),
                "note": h.get("note", ""),
            }
            for h in case_dict.get("history", [])
        ],
        "medical": "\n".join(case_dict.get("medical", [])),
        "assessment": [
            {
                "zone": zone,
                "rest": text(assessment.get(zone, {}).get("rest")),
                "moving": text(assessment.get(zone, {}).get("moving")),
                "note": assessment.get(zone, {}).get("note", ""),
            }
            for zone in ZONE_IDS
        ],
        "preserve": [
            {"zone": p.get("zone", ""), "note": p.get("note", "")}
            for p in case_dict.get("preserve", [])
        ],
        "flags": flags,
        "disposition": reference.get("disposition", "treat"),
        "max_facial_units": text(reference.get("max_facial_units")),
        "reference_note": reference.get("note", ""),
        "zones": zones,
        "candidates": candidates,
        "learning_points": list(case_dict.get("learning_points", [])),
        "references": " ".join(case_dict.get("references", [])),
    }


NEW_CASE = {
    "sex": "F",
    "fitzpatrick": "III",
    "glogau": "II",
    "disposition": "treat",
    "assessment": [{"zone": zone} for zone in ZONE_IDS],
}


# --------------------------------------------------------------------------------------------
# Authoring: the list
# --------------------------------------------------------------------------------------------


@bp.route("/")
@requires(Action.AUTHOR)
def index():
    academy_id = current_academy_id()
    cases = editing.content_rows("case", academy_id)
    modules = editing.content_rows("module", academy_id)
    return render_template(
        "author/index.html",
        own_cases=paginate_list([r for r in cases if not r.bank], anchor="own-cases"),
        bank_cases=paginate_list(
            [r for r in cases if r.bank], param="bank_cases_page", anchor="bank-cases"
        ),
        own_modules=paginate_list(
            [r for r in modules if not r.bank], param="modules_page", anchor="own-modules"
        ),
        bank_modules=paginate_list(
            [r for r in modules if r.bank], param="bank_modules_page", anchor="bank-modules"
        ),
        has_academy=academy_id is not None,
        state_labels=STATE_LABELS,
        form=EmptyForm(),
    )


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@bp.route("/cases/<int:case_id>")
@requires(Action.AUTHOR)
def case_view(case_id: int):
    record = _visible_or_404("case", case_id)
    current = editing.latest(record)
    case = editing.case_of(current)
    warnings = [str(w.message) for w in content.candidate_plan_issues("", case)]
    return render_template(
        "author/case.html",
        record=record,
        current=current,
        published=record.latest_published(),
        case=case,
        own=record.academy_id is not None,
        warnings=warnings,
        form=EmptyForm(),
        verdict_labels=VERDICT_LABELS,
        band_labels=BAND_LABELS,
    )


def _render_case_form(form, record, problems: Problems | None, status: int = 200):
    return (
        render_template(
            "author/case_form.html",
            form=form,
            record=record,
            problems=problems or Problems(),
            flags=list(RED_FLAGS.values()),
        ),
        status,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_new():
    academy_id = _need_academy()
    if request.method == "GET":
        form = CaseForm(formdata=None, data=NEW_CASE)
        _pad(form)
        return _render_case_form(form, None, None)
    return _save_case_form(None, academy_id)


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_edit(case_id: int):
    record = _owned_or_404("case", case_id)
    if request.method == "GET":
        case = editing.case_of(editing.latest(record))
        form = CaseForm(formdata=None, data=case_form_data(case_to_dict(case)))
        _pad(form)
        return _render_case_form(form, record, None)
    return _save_case_form(record, record.academy_id)


def _save_case_form(record, academy_id: int):
    form = CaseForm()
    if record is not None:
        form.id.data = record.slug  # the id of a saved case never changes
    if not form.validate_on_submit():
        abort(400)
    more = request.form.get("more")
    if more:
        _pad(form, more)
        return _render_case_form(form, record, None)
    data, fmap, own = case_data(form)
    issues = list(own)
    if not issues:
        try:
            record, version, changed = editing.save_case_from_data(
                record, academy_id, current_user, data
            )
        except editing.ContentInvalid as error:
            db.session.rollback()
            issues = error.issues
        else:
            db.session.commit()
            flash(
                f"Saved as draft version {version.number}." if changed else "No changes to save.",
                "success" if changed else "info",
            )
            return redirect(url_for("author.case_view", case_id=record.id))
    _pad(form)
    return _render_case_form(form, record, _place_case(issues, fmap), 422)


class YamlForm(FlaskForm):
    text = TextAreaField("YAML")


@bp.route("/cases/<int:case_id>/yaml", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_yaml(case_id: int):
    record = _owned_or_404("case", case_id)
    return _yaml_editor(record)


@bp.route("/modules/<int:module_id>/yaml", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_yaml(module_id: int):
    record = _owned_or_404("module", module_id)
    return _yaml_editor(record)


def _yaml_editor(record):
    kind = editing.kind_of(record)
    form = YamlForm()
    issues: list[Any] = []
    if request.method == "GET":
        form.text.data = editing.latest(record).source_text
    else:
        if not form.validate_on_submit():
            abort(400)
        text = (form.text.data or "").replace("\r\n", "\n")
        try:
            if kind == "case":
                version, changed = editing.save_case(record, current_user, text, "yaml")
            else:
                version, changed = editing.save_module(record, current_user, text, "yaml")
        except editing.ContentInvalid as error:
            db.session.rollback()
            issues = error.issues
        else:
            db.session.commit()
            flash(
                f"Saved as draft version {version.number}." if changed else "No changes to save.",
                "success" if changed else "info",
            )
            return redirect(_item_url(record))
    return (
        render_template("author/yaml.html", form=form, record=record, kind=kind, issues=issues),
        422 if issues else 200,
    )


class UploadForm(FlaskForm):
    file = FileField("Case file (.yaml)")
    text = TextAreaField("…or paste the YAML")


@bp.route("/cases/upload", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_upload():
    academy_id = _need_academy()
    form = UploadForm()
    issues: list[Any] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = form.file.data
        if upload is not None and getattr(upload, "filename", ""):
            raw, name = upload.read(), upload.filename
        else:
            raw, name = (form.text.data or "").replace("\r\n", "\n").encode("utf-8"), "pasted.yaml"
        if not raw.strip():
            issues = [_OwnIssue("", "choose a file or paste a case")]
        else:
            try:
                record, created = editing.upload_case(academy_id, current_user, raw, name)
            except editing.ContentInvalid as error:
                db.session.rollback()
                issues = error.issues
            else:
                version = editing.latest(record)
                message = (
                    f"Imported {record.slug} as a new case (draft version {version.number})."
                    if created
                    else f"Saved {record.slug} as draft version {version.number}."
                )
                target = url_for("author.case_view", case_id=record.id)
                # The answer is ready before the commit: no read after it can fail a saved upload.
                db.session.commit()
                flash(message, "success")
                return redirect(target)
    return (
        render_template("author/upload.html", form=form, issues=issues),
        422 if issues else 200,
    )


@bp.route("/cases/<int:case_id>/export")
@requires(Action.AUTHOR)
def case_export(case_id: int):
    record = _visible_or_404("case", case_id)
    version = editing.export_version(record, request.args.get("version", type=int))
    if version is None:
        abort(404)
    return Response(
        version.source_text,
        mimetype="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{record.slug}-v{version.number}.yaml"'
        },
    )


# Lifecycle, for cases and modules alike -------------------------------------------------------


@bp.route("/<segment>/<int:record_id>/publish", methods=["POST"])
@requires(Action.AUTHOR)
def publish(segment: str, record_id: int):
    record = _owned_or_404(_kind(segment), record_id)
    _check_csrf()
    try:
        version = editing.publish(record, current_user)
    except editing.AuthoringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Version {version.number} is published: trainees see it now.", "success")
    return redirect(_item_url(record))


@bp.route("/<segment>/<int:record_id>/retire", methods=["POST"])
@requires(Action.AUTHOR)
def retire(segment: str, record_id: int):
    record = _owned_or_404(_kind(segment), record_id)
    _check_csrf()
    try:
        editing.retire(record, current_user)
    except editing.AuthoringError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Retired: trainees no longer see it. Past attempts keep their scores.", "success")
    return redirect(_item_url(record))


@bp.route("/<segment>/<int:record_id>/discard", methods=["POST"])
@requires(Action.AUTHOR)
def discard(segment: str, record_id: int):
    record = _owned_or_404(_kind(segment), record_id)
    _check_csrf()
    try:
        gone = editing.discard_draft(record, current_user)
    except editing.AuthoringError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(_item_url(record))
    db.session.commit()
    flash("The draft was discarded.", "success")
    return redirect(url_for("author.index") if gone else _item_url(record))


@bp.route("/<segment>/<int:record_id>/clone", methods=["POST"])
@requires(Action.AUTHOR)
def clone(segment: str, record_id: int):
    kind = _kind(segment)
    record = _visible_or_404(kind, record_id)
    academy_id = _need_academy()
    _check_csrf()
    try:
        copy = editing.clone(record, academy_id, current_user)
    except (editing.AuthoringError, editing.ContentInvalid) as error:
        db.session.rollback()
        flash(
            str(error) if isinstance(error, editing.AuthoringError) else "It cannot be cloned.",
            "error",
        )
        return redirect(_item_url(record))
    db.session.commit()
    flash(f"Cloned into your academy as {copy.slug} (a draft). Adapt it, then publish.", "success")
    return redirect(_item_url(copy))


@bp.route("/<segment>/<int:record_id>/history")
@requires(Action.AUTHOR)
def history(segment: str, record_id: int):
    kind = _kind(segment)
    record = _visible_or_404(kind, record_id)
    versions, entries = editing.history(record)
    numbers = [v.number for v in versions]
    new = request.args.get("to", type=int) or (numbers[0] if numbers else None)
    old = request.args.get("from", type=int)
    if old is None and new is not None:
        old = max((n for n in numbers if n < new), default=None)
    diff = None
    if old is not None and new is not None:
        a, b = editing.version_of(record, old), editing.version_of(record, new)
        if a is None or b is None:
            abort(404)
        diff = editing.diff_lines(a.source_text, b.source_text)
    return render_template(
        "author/history.html",
        record=record,
        kind=kind,
        segment=segment,
        versions=versions,
        version_page=paginate_list(versions, param="versions_page", anchor="versions"),
        entries=paginate_list(entries, anchor="actions"),
        diff=diff,
        old=old,
        new=new,
    )


# --------------------------------------------------------------------------------------------
# Case preview: the trainee's player, nothing recorded
# --------------------------------------------------------------------------------------------

PREVIEW_KEY = "author_preview"


@dataclass
class PreviewAttempt:
    """Stands in for a CaseAttempt in the player's templates and step functions; it lives in
    the session, so a preview writes nothing to the database."""

    version_id: int
    step: str = CaseStep.PATIENT.value
    grades: dict = field(default_factory=dict)
    red_flags: list = field(default_factory=list)
    disposition: str | None = None
    plan_items: list = field(default_factory=list)
    submitted: bool = False
    result: dict | None = None
    id: int = 0

    @property
    def status(self) -> AttemptStatus:
        return AttemptStatus.SUBMITTED if self.submitted else AttemptStatus.IN_PROGRESS

    def state(self) -> dict[str, Any]:
        return {
            "version_id": self.version_id,
            "step": self.step,
            "grades": self.grades,
            "red_flags": self.red_flags,
            "disposition": self.disposition,
            "plan_items": self.plan_items,
            "submitted": self.submitted,
        }


@dataclass(frozen=True)
class PreviewLinks:
    """What the player's templates need to link within the preview instead of an attempt."""

    case_id: int
    number: int

    def url(self, step: str) -> str:
        return url_for("author.case_preview", case_id=self.case_id, number=self.number, step=step)

    @property
    def back_url(self) -> str:
        return url_for("author.case_view", case_id=self.case_id)

    @property
    def restart_url(self) -> str:
        return url_for("author.case_preview_start", case_id=self.case_id, number=self.number)


def _preview_state(version_id: int) -> PreviewAttempt:
    saved = session.get(PREVIEW_KEY) or {}
    if not isinstance(saved, dict) or saved.get("version_id") != version_id:
        return PreviewAttempt(version_id)
    try:
        return PreviewAttempt(**saved)
    except TypeError:  # a preview saved by an older release: start again
        return PreviewAttempt(version_id)


@bp.route("/cases/<int:case_id>/v<int:number>/preview", methods=["POST"])
@requires(Action.AUTHOR)
def case_preview_start(case_id: int, number: int):
    record = _visible_or_404("case", case_id)
    version = editing.version_of(record, number)
    if version is None:
        abort(404)
    _check_csrf()
    session[PREVIEW_KEY] = PreviewAttempt(version.id).state()
    return redirect(url_for("author.case_preview", case_id=case_id, number=number, step="patient"))


@bp.route("/cases/<int:case_id>/v<int:number>/preview/<step>", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def case_preview(case_id: int, number: int, step: str):
    record = _visible_or_404("case", case_id)
    version = editing.version_of(record, number)
    if version is None:
        abort(404)
    try:
        current = CaseStep(step)
    except ValueError:
        abort(404)
    attempt = _preview_state(version.id)
    links = PreviewLinks(case_id, number)
    if not casestudy.may_open(attempt, current):
        target = "result" if attempt.submitted else attempt.step
        return redirect(links.url(target))
    case = editing.case_of(version)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            next_step = _preview_post(attempt, current, case)
        except casestudy.StepRefused as refusal:
            flash(str(refusal), "error")
            next_step = current.value
        session[PREVIEW_KEY] = attempt.state()
        return redirect(links.url(next_step))
    if attempt.submitted:
        attempt.result = _preview_score(attempt, case).to_dict()
    context = {
        "attempt": attempt,
        "case": case,
        "form": form,
        "step": current,
        "steps": casestudy.STEPS,
        "open_steps": {s for s in casestudy.STEPS if casestudy.may_open(attempt, s)},
        "grades_scale": player.GRADES,
        "dispositions": DISPOSITION_LABELS,
        "band_labels": BAND_LABELS,
        "verdict_labels": VERDICT_LABELS,
        "preview": links,
        "preview_version": version,
    }
    if current is CaseStep.CANDIDACY:
        context["red_flags"] = sorted(RED_FLAGS.values(), key=lambda f: f.label)
    if current is CaseStep.PLAN:
        context.update(player.plan_context(attempt))
    if current is CaseStep.RESULT:
        context["red_flag_labels"] = {k: v.label for k, v in RED_FLAGS.items()}
    return render_template(f"cases/{current.value}.html", **context)


def _preview_score(attempt: PreviewAttempt, case):
    plan = casestudy.build_plan(attempt)
    return score_case_attempt(
        case, attempt.grades or {}, attempt.red_flags or [], plan.disposition, plan
    )


def _preview_post(attempt: PreviewAttempt, current: CaseStep, case) -> str:
    """The trainee player's step functions, applied to the preview; scoring without a record."""
    if current is CaseStep.PATIENT:
        casestudy.finish_reading(attempt)
        return CaseStep.ASSESSMENT.value
    if current is CaseStep.ASSESSMENT:
        casestudy.save_assessment(attempt, player.grades_from_form(request.form))
        return CaseStep.CANDIDACY.value
    if current is CaseStep.CANDIDACY:
        casestudy.save_candidacy(
            attempt, request.form.getlist("flag"), request.form.get("disposition")
        )
        return CaseStep.PLAN.value
    if current is CaseStep.PLAN:
        casestudy.save_plan_rows(attempt, player.rows_from_form(request.form))
        if request.form.get("go") != "submit":
            return CaseStep.PLAN.value
        if casestudy.plan_problems(attempt):
            raise casestudy.StepRefused("The plan has problems to fix before it can be scored.")
        _preview_score(attempt, case)
        attempt.submitted = True
        attempt.step = CaseStep.RESULT.value
        return CaseStep.RESULT.value
    raise casestudy.StepRefused("This step cannot be changed.")


# --------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------


class ModuleForm(FlaskForm):
    id = StringField("Module id", description="Lower-case letters, digits and hyphens.")
    title = StringField("Title")
    order = StringField("Place in the list", description="1 or more; the bank uses 1-8.")
    summary = TextAreaField("Summary (Markdown)")
    prerequisites = MultiCheckboxField(
        "Prerequisites (must be passed first)", choices=[], validate_choice=False
    )
    pass_mark = StringField("Pass mark (%)")
    max_attempts = StringField("Attempts allowed", description="Empty: unlimited.")
    grading = _select(
        "Which attempt counts",
        [("highest", "The best attempt"), ("last", "The last attempt")],
    )
    time_limit_minutes = StringField("Time limit (minutes)", description="Empty: none.")
    shuffle = BooleanField("Shuffle the options (stable within an attempt)")
    cases = MultiCheckboxField("Case studies in this module", choices=[], validate_choice=False)
    references = StringField("Source keys for the module")


MODULE_FIELDS = (
    "id",
    "title",
    "order",
    "summary",
    "prerequisites",
    "pass_mark",
    "max_attempts",
    "grading",
    "time_limit_minutes",
    "shuffle",
    "cases",
    "references",
)


def _module_choices(form: ModuleForm, academy_id: int | None, own_slug: str | None) -> None:
    modules = editing.content_rows("module", academy_id)
    cases = editing.content_rows("case", academy_id)
    form.prerequisites.choices = [
        SelectChoice(m.slug, f"{m.title} ({m.slug})") for m in modules if m.slug != own_slug
    ]
    form.cases.choices = [SelectChoice(c.slug, f"{c.title} ({c.slug})") for c in cases]


def module_form_data(data: dict[str, Any]) -> dict[str, Any]:
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "id": text(data.get("id")),
        "title": text(data.get("title")),
        "order": text(data.get("order")),
        "summary": text(data.get("summary")),
        "prerequisites": list(data.get("prerequisites") or []),
        "pass_mark": text(data.get("pass_mark")),
        "max_attempts": text(data.get("max_attempts")),
        "grading": data.get("grading") or "highest",
        "time_limit_minutes": text(data.get("time_limit_minutes")),
        "shuffle": bool(data.get("shuffle", True)),
        "cases": list(data.get("cases") or []),
        "references": " ".join(data.get("references") or []),
    }


def module_settings(form: ModuleForm, base: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """Module data with the settings from the form (questions kept), and the field map."""
    data = {
        "id": _text(form.id.data),
        "title": _text(form.title.data),
        "order": _number(_text(form.order.data)),
        "summary": _text(form.summary.data),
        "prerequisites": list(form.prerequisites.data or []),
        "pass_mark": _number(_text(form.pass_mark.data)),
        "max_attempts": _number(_text(form.max_attempts.data)),
        "grading": form.grading.data or "highest",
        "time_limit_minutes": _number(_text(form.time_limit_minutes.data)),
        "shuffle": bool(form.shuffle.data),
        "cases": list(form.cases.data or []),
        # Kept from the file (set in the YAML editor): the estimated study time for CPD.
        **({"cpd_hours": base["cpd_hours"]} if base.get("cpd_hours") is not None else {}),
        "references": _keys(form.references.data or ""),
        "questions": editing.questions_of(base),
    }
    fmap = {name: getattr(form, name).id for name in MODULE_FIELDS}
    return data, fmap


@bp.route("/modules/new", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_new():
    academy_id = _need_academy()
    form = (
        ModuleForm()
        if request.method == "POST"
        else ModuleForm(
            formdata=None, data={"grading": "highest", "shuffle": True, "pass_mark": "70"}
        )
    )
    _module_choices(form, academy_id, None)
    problems = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        data, fmap = module_settings(form, {"questions": []})
        try:
            record = editing.create_module(academy_id, current_user, data)
        except editing.ContentInvalid as error:
            db.session.rollback()
            problems = place(error.issues, fmap)
        else:
            db.session.commit()
            flash("Module created as a draft. Add its questions next.", "success")
            return redirect(url_for("author.module_view", module_id=record.id))
    return (
        render_template(
            "author/module_form.html", form=form, record=None, problems=problems or Problems()
        ),
        422 if problems else 200,
    )


@bp.route("/modules/<int:module_id>/settings", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_settings_edit(module_id: int):
    record = _owned_or_404("module", module_id)
    base = editing.module_data(editing.latest(record))
    if request.method == "POST":
        form = ModuleForm()
        form.id.data = record.slug
    else:
        form = ModuleForm(formdata=None, data=module_form_data(base))
    _module_choices(form, record.academy_id, record.slug)
    problems = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        data, fmap = module_settings(form, base)
        try:
            version, changed = editing.save_module_data(record, current_user, data)
        except editing.ContentInvalid as error:
            db.session.rollback()
            problems = place(error.issues, fmap)
        else:
            db.session.commit()
            flash(
                f"Saved as draft version {version.number}." if changed else "No changes to save.",
                "success" if changed else "info",
            )
            return redirect(url_for("author.module_view", module_id=record.id))
    return (
        render_template(
            "author/module_form.html", form=form, record=record, problems=problems or Problems()
        ),
        422 if problems else 200,
    )


@bp.route("/modules/<int:module_id>")
@requires(Action.AUTHOR)
def module_view(module_id: int):
    record = _visible_or_404("module", module_id)
    current = editing.latest(record)
    data = editing.module_data(current)
    problems = (
        editing.module_publish_problems(record, current) if current.status is Status.DRAFT else []
    )
    return render_template(
        "author/module.html",
        record=record,
        current=current,
        published=record.latest_published(),
        data=data,
        questions=editing.questions_of(data),
        own=record.academy_id is not None,
        publish_problems=problems,
        type_labels=QUESTION_TYPE_LABELS,
        form=EmptyForm(),
    )


# Questions -------------------------------------------------------------------------------------


class OptionRow(Form):
    text = TextAreaField("Option text")
    correct = BooleanField("Correct")
    explanation = TextAreaField("Why it is right or wrong")


class ItemRow(Form):
    text = TextAreaField("Item")
    explanation = TextAreaField("Why it belongs here")


def _zone_explanations_form() -> type[Form]:
    attrs = {zone: TextAreaField(ZONES[zone].label) for zone in ZONE_IDS}
    return type("ZoneExplanations", (Form,), attrs)


ZoneExplanations = _zone_explanations_form()
UNIT_CHOICES = [("", "no unit (a bare number)"), *[(u, u) for u in quiz.UNITS]]


class QuestionForm(FlaskForm):
    id = StringField("Question id", description="Unique; start it with the module's short code.")
    topic = StringField("Topic tag", description="A short slug, e.g. danger-zones.")
    stem = TextAreaField("Question (Markdown)")
    explanation = TextAreaField("General explanation (Markdown)")
    references = StringField("Source keys", description="At least one, e.g. B1 F15.")
    options = FieldList(FormField(OptionRow), max_entries=6)
    answer_bool = _select("The statement is", [("true", "True"), ("false", "False")])
    answer = StringField("Answer")
    tolerance = StringField("Tolerance (±, same unit)")
    unit = _select("Unit", UNIT_CHOICES)
    order_label = StringField("Direction of the order", description="e.g. from first to last")
    items = FieldList(FormField(ItemRow), max_entries=10)
    zones = MultiCheckboxField("Correct zones", choices=_sc(ZONE_CHOICES), validate_choice=False)
    select = _select("The trainee chooses", [("one", "one zone"), ("many", "several zones")])
    zone_explanations = FormField(ZoneExplanations)


def question_form_data(q: dict[str, Any]) -> dict[str, Any]:
    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return {
        "id": text(q.get("id")),
        "topic": text(q.get("topic")),
        "stem": text(q.get("stem")),
        "explanation": text(q.get("explanation")),
        "references": " ".join(q.get("references") or []),
        "options": [
            {
                "text": text(o.get("text")),
                "correct": bool(o.get("correct")),
                "explanation": text(o.get("explanation")),
            }
            for o in q.get("options") or []
        ],
        "answer_bool": "true" if q.get("answer") is True else "false",
        "answer": text(q.get("answer")) if q.get("type") == "numeric" else "",
        "tolerance": text(q.get("tolerance")),
        "unit": text(q.get("unit")),
        "order_label": text(q.get("order_label")),
        "items": [
            {"text": text(i.get("text")), "explanation": text(i.get("explanation"))}
            for i in q.get("items") or []
        ],
        "zones": list(q.get("zones") or []),
        "select": q.get("select") or "one",
        "zone_explanations": dict(q.get("zone_explanations") or {}),
    }


def question_data(form: QuestionForm, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A question in the module file's shape from the form, and the field id for each path."""
    data: dict[str, Any] = {
        "id": _text(form.id.data),
        "type": kind,
        "topic": _text(form.topic.data),
        "stem": _text(form.stem.data),
    }
    fmap = {name: getattr(form, name).id for name in ("id", "topic", "stem", "explanation")}
    fmap["references"] = form.references.id
    fmap["type"] = form.id.id
    if kind in ("single", "multi", "plan_compare"):
        options = []
        fmap["options"] = form.options.id
        for entry in form.options:
            row = entry.form
            if _blank(row):
                continue
            i = len(options)
            options.append(
                {
                    "text": _text(row.text.data),
                    "correct": bool(row.correct.data),
                    "explanation": _text(row.explanation.data),
                }
            )
            fmap[f"options[{i}]"] = entry.id
            for name in ("text", "correct", "explanation"):
                fmap[f"options[{i}].{name}"] = getattr(row, name).id
        data["options"] = options
    elif kind == "truefalse":
        data["answer"] = form.answer_bool.data == "true"
        fmap["answer"] = form.answer_bool.id
    elif kind == "numeric":
        data["answer"] = _number(_text(form.answer.data))
        data["tolerance"] = _number(_text(form.tolerance.data)) or 0
        data["unit"] = form.unit.data or None
        for name in ("answer", "tolerance", "unit"):
            fmap[name] = getattr(form, name).id
    elif kind == "ordering":
        if _text(form.order_label.data):
            data["order_label"] = _text(form.order_label.data)
        fmap["order_label"] = form.order_label.id
        items = []
        fmap["items"] = form.items.id
        for entry in form.items:
            row = entry.form
            if _blank(row):
                continue
            i = len(items)
            items.append({"text": _text(row.text.data), "explanation": _text(row.explanation.data)})
            fmap[f"items[{i}]"] = entry.id
            fmap[f"items[{i}].text"] = row.text.id
            fmap[f"items[{i}].explanation"] = row.explanation.id
        data["items"] = items
    elif kind == "hotspot":
        data["zones"] = list(form.zones.data or [])
        data["select"] = form.select.data or "one"
        explanations = {}
        for zone in ZONE_IDS:
            value = _text(form.zone_explanations.form[zone].data)
            if value:
                explanations[zone] = value
            fmap[f"zone_explanations.{zone}"] = form.zone_explanations.form[zone].id
        data["zone_explanations"] = explanations
        fmap["zones"] = form.zones.id
        fmap["select"] = form.select.id
        fmap["zone_explanations"] = form.zone_explanations.id
    if _text(form.explanation.data):
        data["explanation"] = _text(form.explanation.data)
    data["references"] = _keys(form.references.data or "")
    return data, fmap


def _pad_question(form: QuestionForm, kind: str) -> None:
    if kind in ("single", "multi", "plan_compare"):
        limit = 4 if kind == "plan_compare" else 6
        while len(form.options.entries) < max(2, min(limit, len(form.options.entries) + 1)):
            form.options.append_entry()
        while len(form.options.entries) < 4 and len(form.options.entries) < limit:
            form.options.append_entry()
    if kind == "ordering":
        while len(form.items.entries) < max(3, min(10, len(form.items.entries) + 1)):
            form.items.append_entry()


def _question_index(data: dict[str, Any], question_id: str) -> int:
    for i, q in enumerate(editing.questions_of(data)):
        if q.get("id") == question_id:
            return i
    abort(404)


@bp.route("/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
@bp.route("/modules/<int:module_id>/questions/<question_id>/edit", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def question_edit(module_id: int, question_id: str | None = None):
    record = _owned_or_404("module", module_id)
    base = editing.module_data(editing.latest(record))
    index = None
    if question_id is not None:
        index = _question_index(base, question_id)
        existing = editing.questions_of(base)[index]
        kind = existing.get("type")
    else:
        existing = {}
        kind = request.values.get("type", "single")
    if kind not in quiz.QUESTION_TYPES:
        abort(404)
    if request.method == "POST":
        form = QuestionForm()
    else:
        form = QuestionForm(formdata=None, data=question_form_data(existing))
    problems = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if request.form.get("more"):
            if request.form["more"] == "options" and len(form.options.entries) < 6:
                form.options.append_entry()
            if request.form["more"] == "items" and len(form.items.entries) < 10:
                form.items.append_entry()
        else:
            qdata, fmap = question_data(form, kind)
            merged = editing.with_question(base, index, qdata)
            position = index if index is not None else len(editing.questions_of(merged)) - 1
            try:
                version, changed = editing.save_module_data(record, current_user, merged)
            except editing.ContentInvalid as error:
                db.session.rollback()
                problems = place(error.issues, fmap, prefix=f"questions[{position}]")
            else:
                db.session.commit()
                flash(
                    f"Question {qdata['id']} saved in draft version {version.number}."
                    if changed
                    else "No changes to save.",
                    "success" if changed else "info",
                )
                return redirect(
                    url_for("author.module_view", module_id=record.id) + f"#q-{qdata['id']}"
                )
    _pad_question(form, kind)
    return (
        render_template(
            "author/question_form.html",
            form=form,
            record=record,
            kind=kind,
            kind_label=QUESTION_TYPE_LABELS[kind],
            question_id=question_id,
            problems=problems or Problems(),
            zones=ZONE_IDS,
        ),
        422 if problems else 200,
    )


@bp.route("/modules/<int:module_id>/questions/<question_id>/<action>", methods=["POST"])
@requires(Action.AUTHOR)
def question_action(module_id: int, question_id: str, action: str):
    record = _owned_or_404("module", module_id)
    if action not in ("delete", "up", "down"):
        abort(404)
    _check_csrf()
    base = editing.module_data(editing.latest(record))
    index = _question_index(base, question_id)
    if action == "delete":
        data = editing.without_question(base, index)
    else:
        data = editing.moved_question(base, index, -1 if action == "up" else 1)
    try:
        editing.save_module_data(record, current_user, data)
    except editing.ContentInvalid as error:
        db.session.rollback()
        flash("; ".join(f"{i.field}: {i.message}" for i in error.issues[:3]), "error")
    else:
        db.session.commit()
        flash("Question deleted." if action == "delete" else "Question moved.", "success")
    return redirect(url_for("author.module_view", module_id=record.id))


# GIFT and exports ------------------------------------------------------------------------------


class GiftForm(FlaskForm):
    file = FileField("GIFT file (.txt or .gift)")
    text = TextAreaField("…or paste GIFT text")
    default_topic = StringField(
        "Topic for questions without a $CATEGORY", description="A short slug, e.g. toxin-doses."
    )
    default_references = StringField(
        "Source keys for questions that name none",
        description="GIFT has no field for sources; quizapp exports them as a comment line.",
    )
    skip_unsupported = HiddenField()


@bp.route("/modules/<int:module_id>/gift", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def gift_import(module_id: int):
    record = _owned_or_404("module", module_id)
    form = GiftForm()
    outcome = None
    text = ""
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = form.file.data
        if upload is not None and getattr(upload, "filename", ""):
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                flash("The file is not UTF-8 text; save it as UTF-8 and try again.", "error")
                return render_template(
                    "author/gift.html", form=form, record=record, outcome=None, text=""
                ), 422
        else:
            text = (form.text.data or "").replace("\r\n", "\n")
        outcome = editing.import_gift(
            record,
            current_user,
            text,
            skip_unsupported=form.skip_unsupported.data == "yes",
            default_topic=_text(form.default_topic.data),
            default_references=_keys(form.default_references.data or ""),
        )
        if outcome.imported:
            db.session.commit()
            skipped = len(outcome.unsupported)
            flash(
                f"Imported {outcome.imported} question(s) into the draft"
                + (f"; {skipped} left out as listed." if skipped else "."),
                "success",
            )
            if not skipped:
                return redirect(url_for("author.module_view", module_id=record.id))
        else:
            db.session.rollback()
        form.text.data = text
    return (
        render_template("author/gift.html", form=form, record=record, outcome=outcome, text=text),
        422 if outcome is not None and not outcome.imported else 200,
    )


def _module_version_for_export(record):
    version = editing.export_version(record, request.args.get("version", type=int))
    if version is None:
        abort(404)
    return version


@bp.route("/modules/<int:module_id>/gift.txt")
@requires(Action.AUTHOR)
def gift_export(module_id: int):
    record = _visible_or_404("module", module_id)
    version = _module_version_for_export(record)
    text, skipped = editing.gift_for(version, f"{record.title} (v{version.number})")
    return Response(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{record.slug}-v{version.number}.gift.txt"'
            ),
            "X-Quizapp-Skipped": ",".join(qid for qid, _ in skipped),
        },
    )


@bp.route("/modules/<int:module_id>/export.zip")
@requires(Action.AUTHOR)
def module_export(module_id: int):
    record = _visible_or_404("module", module_id)
    version = _module_version_for_export(record)
    payload = editing.module_zip(record, version, current_academy_id())
    return Response(
        payload,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{record.slug}-v{version.number}.zip"'
        },
    )


class ModuleZipForm(FlaskForm):
    file = FileField("Module zip (.zip, as exported from a module page)")


@bp.route("/modules/import", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def module_import():
    """Import a module with its cases from a zip: checked like uploads, all or nothing."""
    academy_id = _need_academy()
    form = ModuleZipForm()
    issues: list[Any] = []
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = form.file.data
        raw = upload.read() if upload is not None and getattr(upload, "filename", "") else b""
        if not raw:
            issues = [_OwnIssue("", "choose a module zip file")]
        else:
            try:
                done = editing.import_module_zip(academy_id, current_user, raw, upload.filename)
            except editing.ContentInvalid as error:
                db.session.rollback()
                issues = error.issues
            else:
                cases = len(done.cases_created) + len(done.cases_updated)
                bank = len(done.cases_from_bank)
                message = (
                    f"{'Imported' if done.created else 'Updated'} module {done.record.slug} as a "
                    f"draft, with {cases} case(s) of your own"
                    + (f" and {bank} from the bank." if bank else ".")
                )
                target = url_for("author.module_view", module_id=done.record.id)
                db.session.commit()  # the answer is ready: no read after the commit can fail it
                flash(message, "success")
                return redirect(target)
    return (
        render_template(
            "author/module_import.html",
            form=form,
            issues=issues,
            max_entries=editing.ZIP_MAX_ENTRIES,
            max_file_kib=editing.ZIP_MAX_FILE_BYTES // 1024,
        ),
        422 if issues else 200,
    )


# Question preview ------------------------------------------------------------------------------

PREVIEW_SEED = "preview"


@bp.route("/modules/<int:module_id>/v<int:number>/preview/<int:position>", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def question_preview(module_id: int, number: int, position: int):
    """A question as the trainee sees it; answering shows its marking. Nothing is recorded."""
    record = _visible_or_404("module", module_id)
    version = editing.version_of(record, number)
    if version is None:
        abort(404)
    module = editing.module_of(version)
    if module is None or not 1 <= position <= len(module.questions):
        abort(404)
    question = module.questions[position - 1]
    form = EmptyForm()
    graded = None
    saved: Any = None
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        response = answers.response_from_form(question, PREVIEW_SEED, module.shuffle, request.form)
        graded = quiz.grade(question, response)
        saved = answers.displayed_answer(question, PREVIEW_SEED, module.shuffle, response)
    public = quiz.question_public_view(question, PREVIEW_SEED, shuffle=module.shuffle)
    return render_template(
        "author/preview_question.html",
        record=record,
        version=version,
        module=module,
        question=public,
        full=question,
        number=position,
        graded=graded,
        saved=saved,
        form=form,
    )


# --------------------------------------------------------------------------------------------
# Insight
# --------------------------------------------------------------------------------------------


@bp.route("/insight/")
@requires(Action.AUTHOR)
def insight_index():
    academy_id = _need_academy()
    return render_template(
        "author/insight.html",
        modules=paginate_list(insight.module_activity(academy_id), anchor="modules"),
        cases=paginate_list(insight.case_activity(academy_id), param="cases_page", anchor="cases"),
    )


def _pct(value: float | None) -> Any:
    return None if value is None else round(value * 100, 1)


def _r(value: float | None, digits: int = 2) -> Any:
    return None if value is None else round(value, digits)


@bp.route("/insight/modules/<int:module_id>")
@requires(Action.AUTHOR)
def insight_module(module_id: int):
    academy_id = _need_academy()
    record = _visible_or_404("module", module_id)
    versions = insight.module_versions_with_results(academy_id, record.id)
    wanted = request.args.get("version", type=int)
    chosen = next((v for v in versions if v.number == wanted), None)
    if chosen is None:
        chosen = next((v for v in versions if v.results), versions[0] if versions else None)
    if chosen is None:
        abort(404)
    version = editing.version_of(record, chosen.number)
    module = editing.module_of(version)
    stats = insight.question_stats(academy_id, chosen.id)
    rows = []
    for position, question in enumerate(module.questions if module else (), start=1):
        stat = stats.get(question.id)
        rows.append(_question_row(position, question, stat))
    table = request.args.get("csv")
    if table == "questions":
        return csv_response(
            f"{record.slug}-v{chosen.number}-questions",
            [
                "#",
                "question",
                "type",
                "topic",
                "answers",
                "facility %",
                "discrimination",
                "fully right",
                "most chosen",
            ],
            [
                [
                    r["position"],
                    r["id"],
                    r["type"],
                    r["topic"],
                    r["answers"],
                    _pct(r["facility"]),
                    _r(r["discrimination"]),
                    r["fully_right"],
                    r["top_choice"],
                ]
                for r in rows
            ],
        )
    if table == "choices":
        return csv_response(
            f"{record.slug}-v{chosen.number}-choices",
            ["question", "choice", "right", "chosen", "share of answers %"],
            [
                [r["id"], c["label"], c["right"], c["count"], _pct(c["share"])]
                for r in rows
                for c in r["choices"]
            ],
        )
    return render_template(
        "author/insight_module.html",
        record=record,
        versions=versions,
        chosen=chosen,
        rows=rows,
        few=insight.FEW_ANSWERS,
    )


def _question_row(position: int, question, stat) -> dict[str, Any]:
    choices = []
    answered = stat.answered if stat else 0
    counts = stat.choices if stat else {}
    if isinstance(question, quiz.ChoiceQuestion):
        for i, option in enumerate(question.options):
            choices.append(_choice(option.text, option.correct, counts.get(i, 0), answered))
    elif isinstance(question, quiz.TrueFalseQuestion):
        for value in (True, False):
            choices.append(
                _choice(
                    str(value).lower(), value == question.answer, counts.get(value, 0), answered
                )
            )
    elif isinstance(question, quiz.HotspotQuestion):
        for zone, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            choices.append(
                _choice(
                    ZONES[zone].label if zone in ZONES else str(zone),
                    zone in question.zones,
                    count,
                    answered,
                )
            )
    elif isinstance(question, quiz.OrderingQuestion):
        pass  # positions are not options; the facility index says how well it was ordered
    else:
        for value, count in sorted(counts.items(), key=lambda kv: -kv[1])[:8]:
            choices.append(_choice(str(value), None, count, answered))
    top = max(choices, key=lambda c: c["count"], default=None)
    return {
        "position": position,
        "id": question.id,
        "type": question.type,
        "topic": question.topic,
        "stem": question.stem,
        "answers": stat.answers if stat else 0,
        "facility": stat.facility if stat else None,
        "discrimination": stat.discrimination if stat else None,
        "fully_right": stat.fully_right if stat else 0,
        "answered": answered,
        "choices": choices,
        "top_choice": top["label"] if top and top["count"] else "",
    }


def _choice(label: str, right: bool | None, count: int, answered: int) -> dict[str, Any]:
    return {
        "label": label,
        "right": right,
        "count": count,
        "share": count / answered if answered else None,
    }


@bp.route("/insight/cases/<int:case_id>")
@requires(Action.AUTHOR)
def insight_case(case_id: int):
    academy_id = _need_academy()
    record = _visible_or_404("case", case_id)
    number = request.args.get("version", type=int)
    version = editing.version_of(record, number) if number else None
    if number and version is None:
        abort(404)
    data = insight.case_insight(academy_id, record.id, version.id if version else None)
    table = request.args.get("csv")
    name = f"{record.slug}" + (f"-v{number}" if number else "")
    if table == "bands":
        total = data.attempts
        return csv_response(
            f"{name}-bands",
            ["band", "attempts", "share %"],
            [[b, n, _pct(n / total if total else None)] for b, n in data.bands.items()],
        )
    if table == "zones":
        return csv_response(
            f"{name}-zones",
            [
                "zone",
                "judged",
                "over-treated",
                "missed",
                "under",
                "unsafe or wrong product",
                "mean deviation %",
            ],
            [
                [z.zone, z.judged, z.over, z.missed, z.under, z.unsafe, _pct(z.mean_deviation)]
                for z in data.zones
            ],
        )
    if table == "flags":
        return csv_response(
            f"{name}-red-flags",
            ["red flag", "present", "missed", "missed %"],
            [[f.flag, f.present, f.missed, _pct(f.missed_share)] for f in data.flags],
        )
    return render_template(
        "author/insight_case.html",
        record=record,
        data=data,
        number=number,
        versions=[v.number for v in reversed(record.versions)],
        band_labels=BAND_LABELS,
    )


@bp.route("/insight/mistakes")
@requires(Action.AUTHOR)
def mistakes():
    academy_id = _need_academy()
    data = insight.common_mistakes(academy_id)
    table = request.args.get("csv")
    if table == "ranking":
        return csv_response(
            "what-to-teach-next",
            ["rank", "kind", "what", "mistakes", "out of", "rate %"],
            [
                [i, lesson.kind, lesson.label, lesson.mistakes, lesson.out_of, _pct(lesson.rate)]
                for i, lesson in enumerate(data.lessons, start=1)
            ],
        )
    if table == "questions":
        return csv_response(
            "questions-most-missed",
            ["module", "question", "topic", "answers", "points lost", "facility %"],
            [
                [
                    q.module_title,
                    q.question_id,
                    q.topic,
                    q.answers,
                    round(q.points_lost, 2),
                    _pct(q.facility),
                ]
                for q in data.questions
            ],
        )
    if table == "topics":
        return csv_response(
            "topics",
            ["topic", "answers", "mean score %"],
            [[t.topic, t.answers, _pct(t.mean)] for t in data.topics],
        )
    if table == "zones":
        return csv_response(
            "zones",
            ["zone", "judged", "over-treated", "missed", "under", "mean deviation %"],
            [
                [z.zone, z.judged, z.over, z.missed, z.under, _pct(z.mean_deviation)]
                for z in data.zones
            ],
        )
    if table == "flags":
        return csv_response(
            "red-flags",
            ["red flag", "present", "missed", "missed %"],
            [[f.flag, f.present, f.missed, _pct(f.missed_share)] for f in data.flags],
        )
    if table == "cases":
        return csv_response(
            "cases-overdone",
            ["case", "attempts", "overdone", "overfilled", "unsafe"],
            [[c.title, c.attempts, c.overdone, c.overfilled, c.unsafe] for c in data.cases],
        )
    return render_template(
        "author/mistakes.html",
        data=data,
        band_labels=BAND_LABELS,
        questions=paginate_list(data.questions, per_page=20, anchor="questions"),
        overdone=paginate_list(data.cases, param="cases_page", per_page=20, anchor="overdone"),
    )
