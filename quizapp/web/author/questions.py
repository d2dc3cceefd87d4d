"""The question editor, and deleting or moving a question of a module draft."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.domain import quiz
from quizapp.domain.face import ZONE_IDS
from quizapp.extensions import db
from quizapp.permissions import Action, requires
from quizapp.services.authoring import modules, records
from quizapp.web.author.common import bp, check_csrf, flash_saved, owned_or_404
from quizapp.web.author.forms import (
    QUESTION_TYPE_LABELS,
    Problems,
    QuestionForm,
    is_blank,
    keys_of,
    number_of,
    place,
    shown,
    text_of,
)


def question_form_data(q: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": shown(q.get("id")),
        "topic": shown(q.get("topic")),
        "stem": shown(q.get("stem")),
        "explanation": shown(q.get("explanation")),
        "references": " ".join(q.get("references") or []),
        "options": [
            {
                "text": shown(o.get("text")),
                "correct": bool(o.get("correct")),
                "explanation": shown(o.get("explanation")),
                "weight": shown(o.get("weight")),
            }
            for o in q.get("options") or []
        ],
        "answer_bool": "true" if q.get("answer") is True else "false",
        "feedback_true": shown(q.get("feedback_true")),
        "feedback_false": shown(q.get("feedback_false")),
        "partial": [{k: shown(v) for k, v in p.items()} for p in q.get("partial") or []],
        "answers": [{k: shown(v) for k, v in a.items()} for a in q.get("answers") or []],
        "pairs": [{k: shown(v) for k, v in p.items()} for p in q.get("pairs") or []],
        "answer": shown(q.get("answer")) if q.get("type") == "numeric" else "",
        "tolerance": shown(q.get("tolerance")),
        "unit": shown(q.get("unit")),
        "order_label": shown(q.get("order_label")),
        "items": [
            {"text": shown(i.get("text")), "explanation": shown(i.get("explanation"))}
            for i in q.get("items") or []
        ],
        "zones": list(q.get("zones") or []),
        "select": q.get("select") or "one",
        "zone_explanations": dict(q.get("zone_explanations") or {}),
    }


def question_data(form: QuestionForm, kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A question in the module file's shape from the form, and the field id for each path."""
    data: dict[str, Any] = {
        "id": text_of(form.id.data),
        "type": kind,
        "topic": text_of(form.topic.data),
        "stem": text_of(form.stem.data),
    }
    fmap = {name: getattr(form, name).id for name in ("id", "topic", "stem", "explanation")}
    fmap["references"] = form.references.id
    fmap["type"] = form.id.id
    if kind in ("single", "multi", "plan_compare"):
        options = []
        fmap["options"] = form.options.id
        chosen = text_of(form.correct_option.data)
        for n, entry in enumerate(form.options):
            row = entry.form
            if kind != "multi" and chosen:
                row.correct.data = chosen == str(n)
            if is_blank(row):
                continue
            i = len(options)
            option = {
                "text": text_of(row.text.data),
                "correct": bool(row.correct.data),
                "explanation": text_of(row.explanation.data),
            }
            if text_of(row.weight.data):
                option["weight"] = number_of(text_of(row.weight.data))
            options.append(option)
            fmap[f"options[{i}]"] = entry.id
            for name in ("text", "correct", "explanation", "weight"):
                fmap[f"options[{i}].{name}"] = getattr(row, name).id
        _correct_from_weights(options, kind)
        data["options"] = options
    elif kind == "truefalse":
        data["answer"] = form.answer_bool.data == "true"
        fmap["answer"] = form.answer_bool.id
        for name in ("feedback_true", "feedback_false"):
            if text_of(getattr(form, name).data):
                data[name] = text_of(getattr(form, name).data)
            fmap[name] = getattr(form, name).id
    elif kind == "numeric":
        data["answer"] = number_of(text_of(form.answer.data))
        data["tolerance"] = number_of(text_of(form.tolerance.data)) or 0
        data["unit"] = form.unit.data or None
        for name in ("answer", "tolerance", "unit"):
            fmap[name] = getattr(form, name).id
        partial = _rows(form.partial, "partial", ("answer", "tolerance", "weight"), fmap)
        if partial:
            data["partial"] = partial
    elif kind == "short":
        data["answers"] = _rows(form.answers, "answers", ("weight",), fmap)
    elif kind == "matching":
        data["pairs"] = _rows(form.pairs, "pairs", (), fmap)
    elif kind == "ordering":
        if text_of(form.order_label.data):
            data["order_label"] = text_of(form.order_label.data)
        fmap["order_label"] = form.order_label.id
        items = []
        fmap["items"] = form.items.id
        for entry in form.items:
            row = entry.form
            if is_blank(row):
                continue
            i = len(items)
            items.append(
                {"text": text_of(row.text.data), "explanation": text_of(row.explanation.data)}
            )
            fmap[f"items[{i}]"] = entry.id
            fmap[f"items[{i}].text"] = row.text.id
            fmap[f"items[{i}].explanation"] = row.explanation.id
        data["items"] = items
    elif kind == "hotspot":
        data["zones"] = list(form.zones.data or [])
        data["select"] = form.select.data or "one"
        explanations = {}
        for zone in ZONE_IDS:
            value = text_of(form.zone_explanations.form[zone].data)
            if value:
                explanations[zone] = value
            fmap[f"zone_explanations.{zone}"] = form.zone_explanations.form[zone].id
        data["zone_explanations"] = explanations
        fmap["zones"] = form.zones.id
        fmap["select"] = form.select.id
        fmap["zone_explanations"] = form.zone_explanations.id
    if text_of(form.explanation.data):
        data["explanation"] = text_of(form.explanation.data)
    data["references"] = keys_of(form.references.data or "")
    return data, fmap


def _correct_from_weights(options: list[dict[str, Any]], kind: str) -> None:
    """Weighted options: an option is right when its weight is 100 (one choice) or more than 0
    (several choices), whatever the tick says."""
    if not any("weight" in o for o in options):
        return
    for option in options:
        weight = option.get("weight")
        if isinstance(weight, int | float):
            option["correct"] = weight > 0 if kind == "multi" else weight == 100


def _rows(field, name: str, numbers: tuple[str, ...], fmap: dict[str, str]) -> list[dict]:
    """The filled rows of a FieldList as module-file entries (numbers read as numbers)."""
    out = []
    fmap[name] = field.id
    for entry in field:
        row = entry.form
        if is_blank(row):
            continue
        i = len(out)
        values: dict[str, Any] = {}
        for sub in row:
            value = text_of(sub.data)
            fmap[f"{name}[{i}].{sub.short_name}"] = sub.id
            if value:
                values[sub.short_name] = number_of(value) if sub.short_name in numbers else value
        fmap[f"{name}[{i}]"] = entry.id
        out.append(values)
    return out


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
    for name, least, most in (("partial", 1, 6), ("answers", 2, 20), ("pairs", 3, 12)):
        wanted = {"numeric": "partial", "short": "answers", "matching": "pairs"}.get(kind)
        rows = getattr(form, name)
        while wanted == name and len(rows.entries) < max(least, min(most, len(rows.entries) + 1)):
            rows.append_entry()


_SCENARIO: tuple[str, ...] = ("patient", "assessment", "treat", "history")


def _keep_plans(existing: dict[str, Any], qdata: dict[str, Any]) -> None:
    """A plan_compare question's plans (docs/module-format.md) are written in YAML; the form keeps
    them while the options stay as many as before, each option keeping its plan by position."""
    old_options = existing.get("options") or []
    new_options = qdata.get("options") or []
    if existing.get("type") != "plan_compare" or len(old_options) != len(new_options):
        return
    for name in _SCENARIO:
        if name in existing:
            qdata[name] = existing[name]
    for old, new in zip(old_options, new_options, strict=True):
        if isinstance(old, dict) and "plan" in old:
            new["plan"] = old["plan"]


def _question_index(data: dict[str, Any], question_id: str) -> int:
    for i, q in enumerate(modules.questions_of(data)):
        if q.get("id") == question_id:
            return i
    abort(404)


@bp.route("/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
@bp.route("/modules/<int:module_id>/questions/<question_id>/edit", methods=["GET", "POST"])
@requires(Action.AUTHOR)
def question_edit(module_id: int, question_id: str | None = None):
    record = owned_or_404("module", module_id)
    base = modules.module_data(records.latest(record))
    index = None
    if question_id is not None:
        index = _question_index(base, question_id)
        existing = modules.questions_of(base)[index]
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
            for name, most in (("partial", 6), ("answers", 20), ("pairs", 12)):
                rows = getattr(form, name)
                if request.form["more"] == name and len(rows.entries) < most:
                    rows.append_entry()
        else:
            qdata, fmap = question_data(form, kind)
            _keep_plans(existing, qdata)
            merged = modules.with_question(base, index, qdata)
            position = index if index is not None else len(modules.questions_of(merged)) - 1
            try:
                version, changed = modules.save_module_data(record, current_user, merged)
            except records.ContentInvalid as error:
                db.session.rollback()
                problems = place(error.issues, fmap, prefix=f"questions[{position}]")
            else:
                db.session.commit()
                flash_saved(
                    version,
                    changed,
                    f"Question {qdata['id']} saved in draft version {version.number}.",
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
    record = owned_or_404("module", module_id)
    if action not in ("delete", "up", "down"):
        abort(404)
    check_csrf()
    base = modules.module_data(records.latest(record))
    index = _question_index(base, question_id)
    if action == "delete":
        data = modules.without_question(base, index)
    else:
        data = modules.moved_question(base, index, -1 if action == "up" else 1)
    try:
        modules.save_module_data(record, current_user, data)
    except records.ContentInvalid as error:
        db.session.rollback()
        flash("; ".join(f"{i.field}: {i.message}" for i in error.issues[:3]), "error")
    else:
        db.session.commit()
        flash("Question deleted." if action == "delete" else "Question moved.", "success")
    return redirect(url_for("author.module_view", module_id=record.id))
