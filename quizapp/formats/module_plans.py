"""plan_compare questions written for the engine: reading `patient`, `assessment`, `treat` and
each option's `plan` (docs/module-format.md), and turning the question into a case the engine
scores each plan against.

The question becomes a small case: the patient and grades as the stem gives them, the reference
treats the zones the stem asks about (`treat`) with every product its plans use there, at the
catalogue's ranges. `flask content check` then requires the option marked correct to be the only
plan the engine places in the natural band.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import yaml

from quizapp.domain.case import Case
from quizapp.domain.quiz.model import PlanScenario
from quizapp.formats.module_rules import FieldPath

SCENARIO_FIELDS: Final = ("patient", "assessment", "treat")  # `history` is optional
_PART: Final = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _field_path(field: str) -> FieldPath:
    """`items[0].amount` -> ("items", 0, "amount")."""
    return tuple(name if name else int(index) for name, index in _PART.findall(field))


def scenario_case_data(question_id: str, scenario: PlanScenario) -> dict[str, Any]:
    """The case file data the engine scores a plan_compare question's plans against."""
    # The reference treats the `treat` zones with the products the plan marked correct uses
    # there (the answer the question teaches); any other product in a zone is scored as such.
    ranges = {_treat_zone(entry): _treat_range(entry) for entry in scenario.treat}
    used: dict[str, set[str]] = {zone: set() for zone in ranges}
    for index in scenario.correct:
        for item in scenario.plans[index] or ():
            if item.get("zone") in used:
                used[item["zone"]].add(str(item.get("product")))
    for zone, products in used.items():
        if not products:  # a zone the right plan leaves alone: any plan's product there
            for plan in scenario.plans:
                products |= {str(i.get("product")) for i in plan or () if i.get("zone") == zone}
    history = {"history": [dict(entry) for entry in scenario.history]} if scenario.history else {}
    return {
        "id": f"q-{question_id}",
        "title": question_id,
        "summary": "A plan-comparison question as a case.",
        "patient": dict(scenario.patient),
        **history,
        "assessment": dict(scenario.assessment),
        "reference": {
            "disposition": "treat",
            "zones": {
                zone: {"products": sorted(products), **ranges[zone]}
                for zone, products in used.items()
            },
        },
        "learning_points": ["-"],
        "references": sorted({"B1"}.union(*(r.get("references", ()) for r in ranges.values()))),
    }


def _treat_zone(entry: Any) -> str:
    return str(entry.get("zone")) if isinstance(entry, Mapping) else str(entry)


def _treat_range(entry: Any) -> dict[str, Any]:
    """A `treat` entry written as a mapping gives the zone's range as a case file does (`dose`,
    with `references`): for a zone the catalogue has no range for, such as the chin's filler."""
    if not isinstance(entry, Mapping):
        return {}
    return {key: entry[key] for key in ("dose", "references") if key in entry}


def scenario_case(question_id: str, scenario: PlanScenario) -> Case:
    from quizapp.formats.cases import load_case_text

    text = yaml.safe_dump(scenario_case_data(question_id, scenario), sort_keys=False)
    return load_case_text(text, f"{question_id}.yaml", check_bands=False)


def plan_data(items: tuple[Mapping[str, Any], ...]) -> dict[str, Any]:
    return {"disposition": "treat", "items": [dict(item) for item in items]}


def read_scenario(checker: Any, item: Mapping[str, Any], path: FieldPath, missing: Any) -> Any:
    """The question's PlanScenario, None if it has none, or `missing` after reporting."""
    from quizapp.formats.case_fields import CaseFileError
    from quizapp.formats.cases import load_case_text
    from quizapp.formats.plans import PlanFileError, plan_from_dict

    options = item.get("options")
    options = options if isinstance(options, list) else []
    raw_plans = [o.get("plan") if isinstance(o, Mapping) else None for o in options]
    present = [name for name in SCENARIO_FIELDS if name in item]
    if not present and all(p is None for p in raw_plans):
        return None
    before = checker.found
    for name in SCENARIO_FIELDS:
        if name not in item:
            checker.issue(
                (*path, name),
                "required field is missing (a plan_compare question with plans states the "
                "patient, the assessment and the zones to treat)",
            )
    plans: list[tuple[Mapping[str, Any], ...] | None] = []
    for index, raw in enumerate(raw_plans):
        ppath = (*path, "options", index, "plan")
        if raw is None:
            plans.append(None)
            continue
        if not isinstance(raw, list) or not raw:
            checker.issue(ppath, "expected a list of plan items ({zone, product, amount, side})")
            plans.append(None)
            continue
        try:
            plan_from_dict({"disposition": "treat", "items": raw})
        except PlanFileError as error:
            for issue in error.issues:
                where = _field_path(issue.field)
                if where[:1] == ("items",):
                    where = where[1:]
                checker.issue((*ppath, *where), issue.message)
        plans.append(tuple(dict(entry) for entry in raw if isinstance(entry, Mapping)))
    correct = [
        i for i, o in enumerate(options) if isinstance(o, Mapping) and o.get("correct") is True
    ]
    for index in correct:
        if index < len(plans) and plans[index] is None:
            checker.issue(
                (*path, "options", index, "plan"),
                "the option marked correct needs a plan: the engine checks that it is the only "
                "natural one",
            )
    treat = item.get("treat")
    if "treat" in item and not (
        isinstance(treat, list)
        and all(
            isinstance(z, str)
            or (isinstance(z, Mapping) and "zone" in z and set(z) <= {"zone", "dose", "references"})
            for z in treat
        )
    ):
        checker.issue(
            (*path, "treat"),
            "expected a list of zone ids (the zones the stem asks to treat), or of "
            "{zone, dose, references} where the zone needs a range the catalogue lacks",
        )
        treat = []
    patient, assessment = item.get("patient"), item.get("assessment")
    history = item.get("history", [])
    if not (isinstance(history, list) and all(isinstance(h, Mapping) for h in history)):
        checker.issue(
            (*path, "history"), "expected a list of earlier treatments, as in a case file"
        )
        history = []
    if checker.found > before:
        return missing
    scenario = PlanScenario(
        patient=patient if isinstance(patient, Mapping) else {},
        assessment=assessment if isinstance(assessment, Mapping) else {},
        treat=tuple(treat or ()),
        plans=tuple(plans),
        correct=tuple(correct),
        history=tuple(dict(entry) for entry in history),
    )
    try:
        load_case_text(
            yaml.safe_dump(scenario_case_data("check", scenario), sort_keys=False),
            "question",
            check_bands=False,
        )
    except CaseFileError as error:
        for issue in error.issues:
            where = _field_path(issue.field)
            if where[:2] == ("reference", "zones"):
                zones = [_treat_zone(entry) for entry in scenario.treat]
                zone = where[2] if len(where) > 2 else None
                where = ("treat", zones.index(zone)) if zone in zones else ("treat",)
            elif where[:1] not in (("patient",), ("assessment",), ("history",)):
                where = ()
            checker.issue((*path, *where), issue.message)
        return missing
    return scenario


def scenario_to_data(scenario: PlanScenario) -> dict[str, Any]:
    """The question-level fields, in file order (options carry their own `plan`)."""
    return {
        "patient": dict(scenario.patient),
        "assessment": {zone: dict(grades) for zone, grades in scenario.assessment.items()},
        "treat": [dict(e) if isinstance(e, Mapping) else e for e in scenario.treat],
        **({"history": [dict(h) for h in scenario.history]} if scenario.history else {}),
    }
