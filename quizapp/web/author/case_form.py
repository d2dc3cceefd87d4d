"""The case editor's form and a case file's data, both ways: the form's initial data from a
case, and the case data (with the field of each path, for problems) from what the form posts."""

from __future__ import annotations

from typing import Any

from quizapp.domain.face import PRODUCTS, ZONE_IDS, ZONES, Family
from quizapp.domain.redflags import RED_FLAGS
from quizapp.formats.yamlsafe import field_name
from quizapp.web.author.forms import (
    CaseForm,
    Problems,
    date_of,
    is_blank,
    keys_of,
    number_of,
    own_issue,
    own_issue_at,
    place,
    text_of,
)

LIST_ROWS = {
    "history": 1,
    "preserve": 1,
    "zones": 1,
    "candidates": 1,
    "learning_points": 1,
}


def _add_row(field_list, data=None) -> None:
    """A blank row, unless the list is full (a posted form may already hold its maximum)."""
    if field_list.max_entries is None or len(field_list.entries) < field_list.max_entries:
        field_list.append_entry(data)


def pad_case_form(form: CaseForm, more: str | None = None) -> None:
    """One blank row under every list (two for the list the author asked to grow)."""
    for name, blanks in LIST_ROWS.items():
        field_list = getattr(form, name)
        wanted = blanks + (1 if more == name else 0)
        for _ in range(wanted):
            _add_row(field_list)
    for row in form.candidates:
        _add_row(row.form["items"])
        if more == f"{row.id}-items":
            _add_row(row.form["items"])
    # One assessment row per zone of the catalogue: rows naming no zone of it are dropped.
    form.assessment.entries = [row for row in form.assessment if row.form.zone.data in ZONES]
    seen = {row.form.zone.data for row in form.assessment}
    for zone in ZONE_IDS:
        if zone not in seen:
            _add_row(form.assessment, {"zone": zone})
    order = {zone: i for i, zone in enumerate(ZONE_IDS)}
    form.assessment.entries.sort(key=lambda row: order.get(row.form.zone.data, 99))


def case_data(form: CaseForm) -> tuple[dict[str, Any], dict[str, str], list[Any]]:
    """The case file's data from the form, the field id for each path, and problems the form
    itself finds (a row without its zone, a zone given twice)."""
    fmap: dict[str, str] = {}
    own: list[Any] = []

    def at(path: tuple, field_obj) -> None:
        fmap[field_name(path)] = field_obj.id

    data: dict[str, Any] = {
        "id": text_of(form.id.data),
        "title": text_of(form.title.data),
        "summary": text_of(form.summary.data),
    }
    for name in ("id", "title", "summary"):
        at((name,), getattr(form, name))
    if text_of(form.visit_date.data):
        data["visit_date"] = date_of(form.visit_date.data)
    at(("visit_date",), form.visit_date)
    patient: dict[str, Any] = {
        "age": number_of(text_of(form.age.data)),
        "sex": form.sex.data,
        "fitzpatrick": form.fitzpatrick.data,
        "glogau": form.glogau.data,
    }
    if text_of(form.weight_kg.data):
        patient["weight_kg"] = number_of(form.weight_kg.data)
    if text_of(form.context.data):
        patient["context"] = text_of(form.context.data)
    if text_of(form.request_text.data):
        patient["request"] = text_of(form.request_text.data)
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
        if is_blank(row):
            continue
        i = len(history)
        item: dict[str, Any] = {"zone": row.zone.data, "product": row.product.data}
        item["side"] = row.side.data
        for name in ("amount", "months_ago"):
            if text_of(getattr(row, name).data):
                item[name] = number_of(getattr(row, name).data)
        if text_of(row.date.data):
            item["date"] = date_of(row.date.data)
        if text_of(row.note.data):
            item["note"] = text_of(row.note.data)
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
        if is_blank(row, skip=("zone",)) or zone not in ZONES:
            continue
        grades: dict[str, Any] = {}
        for name in ("rest", "moving"):
            if text_of(getattr(row, name).data):
                grades[name] = number_of(getattr(row, name).data)
        if text_of(row.note.data):
            grades["note"] = text_of(row.note.data)
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
        if is_blank(row):
            continue
        i = len(preserve)
        item = {"zone": row.zone.data}
        if text_of(row.note.data):
            item["note"] = text_of(row.note.data)
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
                    own_issue(
                        ("reference", "red_flags"), f"{flag.id}: tick the flag or clear its zones"
                    )
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
        if is_blank(row):
            continue
        zone = row.zone.data
        if zone not in ZONES:
            own.append(own_issue_at(row.zone.id, "choose the zone this row is about"))
            continue
        if zone in zones_out:
            own.append(own_issue_at(row.zone.id, f"{zone} is given twice; one row per zone"))
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
                raw = text_of(getattr(row, f"{fam.value}_{bound}").data)
                if raw:
                    spec[bound] = number_of(raw)
            if spec:
                if fam not in families:
                    own.append(
                        own_issue_at(
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
            if text_of(getattr(row, name).data):
                entry_data[name] = text_of(getattr(row, name).data)
        if text_of(row.references.data):
            entry_data["references"] = keys_of(row.references.data)
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
    if text_of(form.max_facial_units.data):
        reference["max_facial_units"] = number_of(form.max_facial_units.data)
    at(("reference", "max_facial_units"), form.max_facial_units)

    candidates = []
    at(("reference", "candidate_plans"), form.candidates)
    for entry in form.candidates:
        row = entry.form
        if is_blank(row):
            continue
        i = len(candidates)
        base = ("reference", "candidate_plans", i)
        plan: dict[str, Any] = {"disposition": row.disposition.data}
        items = []
        at((*base, "plan", "items"), row.items)
        for item_entry in row.items:
            item_row = item_entry.form
            if is_blank(item_row):
                continue
            j = len(items)
            item = {
                "zone": item_row.zone.data,
                "product": item_row.product.data,
                "amount": number_of(text_of(item_row.amount.data)),
                "side": item_row.side.data,
            }
            if item_row.depth.data:
                item["depth"] = item_row.depth.data
            if text_of(item_row.technique.data):
                item["technique"] = text_of(item_row.technique.data)
            items.append(item)
            at((*base, "plan", "items", j), item_entry)
            for name in ("zone", "product", "amount", "side", "depth", "technique"):
                at((*base, "plan", "items", j, name), getattr(item_row, name))
        if items:
            plan["items"] = items
        if text_of(row.review_weeks.data):
            plan["review_weeks"] = number_of(row.review_weeks.data)
        if text_of(row.note.data):
            plan["note"] = text_of(row.note.data)
        candidates.append(
            {
                "label": text_of(row.label.data),
                "band": row.band.data,
                "rationale": text_of(row.rationale.data),
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
    if text_of(form.reference_note.data):
        reference["note"] = text_of(form.reference_note.data)
    at(("reference", "note"), form.reference_note)
    data["reference"] = reference

    points = []
    at(("learning_points",), form.learning_points)
    for entry in form.learning_points:
        if text_of(entry.data):
            at(("learning_points", len(points)), entry)
            points.append(text_of(entry.data))
    data["learning_points"] = points
    data["references"] = keys_of(form.references.data or "")
    at(("references",), form.references)
    return data, fmap, own


def place_case_issues(issues, fmap) -> Problems:
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
