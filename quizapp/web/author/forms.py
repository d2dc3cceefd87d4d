"""The educator's forms, and reading what they post: fields as text, numbers, dates and source
keys, and problems placed beside the field they concern.

Forms carry no validators of their own beyond CSRF: the data they build goes through the same
loaders as `flask cases validate` and the module loader, and every problem is shown beside the
field it concerns (or listed at the top when it concerns no single field).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

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

from quizapp.domain import quiz
from quizapp.domain.face import PRODUCTS, ROMAN, ZONE_IDS, ZONES
from quizapp.domain.plan import MAX_ITEMS
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.terms import BAND_LABELS, DISPOSITION_LABELS, Band, Depth, Disposition, Side
from quizapp.formats.yamlsafe import field_name
from quizapp.web.forms import MultiCheckboxField

QUESTION_TYPE_LABELS = {
    "single": "Single choice",
    "multi": "Multiple choice (select all)",
    "truefalse": "True or false",
    "numeric": "Numeric",
    "ordering": "Ordering",
    "hotspot": "Hotspot on the face map",
    "plan_compare": "Plan comparison",
    "short": "Short answer (typed text)",
    "matching": "Matching pairs",
}


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


def with_blank(pairs, blank: str = "–") -> list[tuple[str, str]]:
    return [("", blank), *pairs]


ZONE_CHOICES = [(z, ZONES[z].label) for z in ZONE_IDS]


PRODUCT_CHOICES = [(p, PRODUCTS[p].label) for p in PRODUCTS]


SIDE_CHOICES = [(s.value, s.value) for s in Side]


DEPTH_CHOICES = [(d.value, d.value) for d in Depth]


BAND_CHOICES = [(b.value, BAND_LABELS[b.value]) for b in Band]


DISPOSITION_CHOICES = [(d.value, DISPOSITION_LABELS[d.value]) for d in Disposition]


GRADE_CHOICES = with_blank([(str(g), str(g)) for g in range(5)])


def select_choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def select_field(label: str = "", choices=None, **kw) -> SelectField:
    return SelectField(label, choices=select_choices(choices or []), validate_choice=False, **kw)


class HistoryRow(Form):
    zone = select_field("Zone", with_blank(ZONE_CHOICES))
    product = select_field("Product", with_blank(PRODUCT_CHOICES))
    side = select_field("Side", with_blank(SIDE_CHOICES))
    amount = StringField("Amount")
    months_ago = StringField("Months ago")
    date = StringField("Date")
    note = StringField("Note")


class AssessmentRow(Form):
    zone = HiddenField()
    rest = select_field("At rest", GRADE_CHOICES)
    moving = select_field("Moving", GRADE_CHOICES)
    note = StringField("Note")


class PreserveRow(Form):
    zone = select_field("Zone", with_blank(ZONE_CHOICES))
    note = StringField("Why")


class SourceKeysField(StringField):
    """Source keys as one space-separated text. The picker posts the ticked keys as checkboxes
    of the same name beside a text input for any other key; all of them are read together."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            self.data = " ".join(v.strip() for v in valuelist if v.strip())


def _flags_form() -> type[Form]:
    attrs: dict[str, Any] = {}
    for flag in RED_FLAGS.values():
        attrs[flag.id] = BooleanField(flag.label)
        if flag.scope == "zone":
            attrs[f"{flag.id}__zones"] = SelectMultipleField(
                "Zones (none chosen: the whole face)",
                choices=select_choices(ZONE_CHOICES),
                validate_choice=False,
            )
    return type("FlagsForm", (Form,), attrs)


FlagsForm = _flags_form()


class ZoneRefRow(Form):
    zone = select_field("Zone", with_blank(ZONE_CHOICES))
    products = MultiCheckboxField(
        "Products", choices=select_choices(PRODUCT_CHOICES), validate_choice=False
    )
    toxin_min = StringField("Toxin min")
    toxin_max = StringField("Toxin max")
    toxin_ceiling = StringField("Toxin ceiling")
    filler_min = StringField("Filler min")
    filler_max = StringField("Filler max")
    filler_ceiling = StringField("Filler ceiling")
    justification = TextAreaField("Justification")
    note = TextAreaField("Note")
    references = SourceKeysField("Source keys")


class PlanItemRow(Form):
    zone = select_field("Zone", with_blank(ZONE_CHOICES))
    product = select_field("Product", with_blank(PRODUCT_CHOICES))
    amount = StringField("Amount")
    side = select_field("Side", with_blank(SIDE_CHOICES))
    depth = select_field("Depth", with_blank(DEPTH_CHOICES))
    technique = StringField("Technique")


class CandidateRow(Form):
    label = StringField("Label")
    band = select_field("Band claimed", with_blank(BAND_CHOICES))
    rationale = TextAreaField("Rationale")
    disposition = select_field("Disposition", with_blank(DISPOSITION_CHOICES))
    review_weeks = StringField("Review (weeks)")
    note = StringField("Plan note")
    items = FieldList(FormField(PlanItemRow), min_entries=1, max_entries=MAX_ITEMS)


class CaseForm(FlaskForm):
    id = StringField("Case id", description="3-64 lower-case letters, digits and hyphens.")
    title = StringField("Title")
    summary = TextAreaField("Vignette (Markdown)")
    visit_date = StringField("Visit date", description="YYYY-MM-DD; needed for dated history.")
    age = StringField("Age")
    sex = select_field("Sex", [("F", "F (woman)"), ("M", "M (man)")])
    fitzpatrick = select_field("Fitzpatrick skin type", [(r, r) for r in ROMAN.values()])
    glogau = select_field("Glogau photoageing type", [(ROMAN[g], ROMAN[g]) for g in range(1, 5)])
    weight_kg = StringField("Weight (kg)", description="Optional; enables the yearly filler cap.")
    context = TextAreaField("Context")
    request_text = TextAreaField("Request, in the patient's words")
    history = FieldList(FormField(HistoryRow), max_entries=100)
    medical = TextAreaField("Medical notes", description="One note per line.")
    assessment = FieldList(FormField(AssessmentRow), max_entries=len(ZONE_IDS))
    preserve = FieldList(FormField(PreserveRow), max_entries=20)
    flags = FormField(FlagsForm)
    disposition = select_field("Disposition today", DISPOSITION_CHOICES)
    max_facial_units = StringField("Facial units one visit may treat", description="Default 2.")
    reference_note = TextAreaField("Reference note (Markdown)")
    zones = FieldList(FormField(ZoneRefRow), max_entries=len(ZONE_IDS))
    candidates = FieldList(FormField(CandidateRow), max_entries=10)
    learning_points = FieldList(TextAreaField("Learning point"), max_entries=20)
    references = SourceKeysField("Source keys", description="Every key the case relies on.")


def text_of(value: Any) -> str:
    return "" if value is None else str(value).strip()


def shown(value: Any) -> str:
    """A value of the file as a form field shows it (None: empty)."""
    return "" if value is None else str(value)


def number_of(text: str) -> Any:
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


def keys_of(text: str) -> list[str]:
    return [k for k in re.split(r"[\s,;]+", text.strip()) if k]


def date_of(text: str) -> Any:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return text.strip()


def is_blank(row: Form, skip: tuple[str, ...] = ()) -> bool:
    for name, sub in row._fields.items():
        if name in skip:
            continue
        value = sub.data
        if isinstance(sub, FieldList):
            if not all(is_blank(entry.form) for entry in sub.entries):
                return False
        elif isinstance(value, list | bool):
            if value:
                return False
        elif text_of(value):
            return False
    return True


@dataclass(frozen=True)
class OwnIssue:
    field: str
    message: str
    line: int | None = None


def own_issue(path: tuple, message: str) -> OwnIssue:
    return OwnIssue(field_name(path), message)


def own_issue_at(field_id: str, message: str) -> OwnIssue:
    return OwnIssue(f"@{field_id}", message)


class YamlForm(FlaskForm):
    text = TextAreaField("YAML")


class UploadForm(FlaskForm):
    file = FileField("Case file (.yaml)")
    text = TextAreaField("…or paste the YAML")


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
    grading = select_field(
        "Which attempt counts",
        [("highest", "The best attempt"), ("last", "The last attempt")],
    )
    time_limit_minutes = StringField("Time limit (minutes)", description="Empty: none.")
    shuffle = BooleanField("Shuffle the options (stable within an attempt)")
    cases = MultiCheckboxField("Case studies in this module", choices=[], validate_choice=False)
    references = SourceKeysField("Source keys for the module")


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


class OptionRow(Form):
    text = TextAreaField("Option text")
    correct = BooleanField("Correct")
    explanation = TextAreaField("Why it is right or wrong")
    weight = StringField("Weight % (optional)")


class NumericRow(Form):
    answer = StringField("Also accepted")
    tolerance = StringField("Tolerance (±)")
    weight = StringField("Weight %")
    explanation = TextAreaField("Feedback for this answer")


class AnswerRow(Form):
    text = StringField("Accepted answer")
    weight = StringField("Weight % (100 if empty)")
    explanation = TextAreaField("Feedback for this answer")


class PairRow(Form):
    left = TextAreaField("Item")
    right = StringField("Matches")
    explanation = TextAreaField("Why they match (optional)")


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
    references = SourceKeysField("Source keys", description="At least one, e.g. B1 F15.")
    options = FieldList(FormField(OptionRow), max_entries=6)
    # Single choice and plan comparison: the one correct option, by row, from a radio group.
    correct_option = StringField()
    answer_bool = select_field("The statement is", [("true", "True"), ("false", "False")])
    feedback_true = TextAreaField("Feedback for a trainee who answers true (optional)")
    feedback_false = TextAreaField("Feedback for a trainee who answers false (optional)")
    partial = FieldList(FormField(NumericRow), max_entries=6)
    answers = FieldList(FormField(AnswerRow), max_entries=20)
    pairs = FieldList(FormField(PairRow), max_entries=12)
    answer = StringField("Answer")
    tolerance = StringField("Tolerance (±, same unit)")
    unit = select_field("Unit", UNIT_CHOICES)
    order_label = StringField("Direction of the order", description="e.g. from first to last")
    items = FieldList(FormField(ItemRow), max_entries=10)
    zones = MultiCheckboxField(
        "Correct zones", choices=select_choices(ZONE_CHOICES), validate_choice=False
    )
    select = select_field("The trainee chooses", [("one", "one zone"), ("many", "several zones")])
    zone_explanations = FormField(ZoneExplanations)


class GiftForm(FlaskForm):
    file = FileField("GIFT file (.txt or .gift)")
    text = TextAreaField("…or paste GIFT text")
    default_topic = StringField(
        "Topic for questions without a $CATEGORY", description="A short slug, e.g. toxin-doses."
    )
    default_references = SourceKeysField(
        "Source keys for questions that name none",
        description="GIFT has no field for sources; quizapp exports them as a comment line.",
    )


class ModuleZipForm(FlaskForm):
    file = FileField("Module zip (.zip, as exported from a module page)")
