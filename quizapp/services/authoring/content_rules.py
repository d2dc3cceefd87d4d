"""The curriculum rules of `flask content check` that look across a whole bank: figures traced to
their sources, source keys that nothing uses, and plan-comparison questions scored by the engine.

A **figure** is a number, or a range of two numbers (`4-10`, `4 to 10`), written straight before a
dose, volume or proportion unit: `U`, `unit`/`units`, `Speywood` (units), `mL`, `%` or `per cent`.
Ages, grades, weeks, months, points and counts are not figures. A figure is **traced** when each of
its numbers is one that facts.md states in a row, bullet or paragraph citing a source key the item
cites (`references:` of the question; for a case, its `references:` and those of its reference
zones), as copied into quizapp/data/source_figures.txt by scripts/source_figures.py. A figure
that describes the item's own plans is traced too: an amount in one of a case's candidate plans
or reference doses, or in a plan of a plan-comparison question, or a plan's total for a product
(a per-side amount on both sides counts twice), and a figure the vignette itself states (a
question's `stem`; a case's summary, patient and history: what the patient has had is not a
claim). The educator conventions (U keys) state their figure in their citation. Checked texts:
a question's `explanation`, its options', items' and zones' explanations; a case's
`learning_points` and every text of its
`reference` (justifications, notes, rationales of candidate plans, red-flag explanations); a
drill's actions and reference reasons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from quizapp.domain.sources import SOURCES, sorted_keys

FIGURE_RE: Final = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s*(?:-|–|to)\s*(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?))?"
    r"\s*(?:U\b|units?\b|Speywood\b|mL\b|ml\b|%|per ?cent\b)"
)
_CITED_KEY: Final = re.compile(r"\b[BFSAPU][1-9][0-9]{0,2}\b")


def normalise_number(text: str) -> str:
    value = float(text.replace(",", ""))
    return str(int(value)) if value.is_integer() else repr(value)


@cache
def source_figures() -> dict[str, frozenset[str]]:
    """Source key -> the numbers facts.md states where it cites the key."""
    text = resources.files("quizapp").joinpath("data/source_figures.txt").read_text("utf-8")
    table: dict[str, frozenset[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            key, *numbers = line.split()
            table[key] = frozenset(numbers)
    for key, source in SOURCES.items():  # educator conventions state their figure themselves
        if key.startswith("U"):
            numbers = {n for _, found in figures_in(source.citation) for n in found}
            table[key] = table.get(key, frozenset()) | numbers
    return table


def figures_in(text: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each figure of a text: (as written, its numbers normalised)."""
    for match in FIGURE_RE.finditer(text):
        numbers = tuple(normalise_number(n) for n in match.groups() if n)
        yield match.group(0), numbers


def plan_numbers(plans: Iterable[Mapping[str, Any]]) -> set[str]:
    """Amounts of plan items (mappings with zone/product/amount/side) and each plan's product
    totals: the figures that describe the plans themselves."""
    numbers: set[str] = set()
    for items in plans:
        totals: dict[str, float] = {}
        for item in items.get("items") or []:
            if not isinstance(item, Mapping) or not isinstance(item.get("amount"), int | float):
                continue
            amount = float(item["amount"])
            numbers.add(normalise_number(str(amount)))
            times = 2 if item.get("side") == "both" else 1
            product = str(item.get("product"))
            totals[product] = totals.get(product, 0.0) + amount * times
            numbers.add(normalise_number(str(amount * times)))
        numbers |= {normalise_number(str(round(total, 2))) for total in totals.values()}
    return numbers


def _line_of(text: str, needle: str, after: int = 0) -> int | None:
    index = text.find(needle, after)
    return None if index == -1 else text.count("\n", 0, index) + 1


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in ("plan", "items"):
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _untraced(
    texts: Iterable[str], keys: Iterable[str], own: set[str]
) -> list[tuple[str, tuple[str, ...]]]:
    table = source_figures()
    known = set(own).union(*(table.get(key, frozenset()) for key in keys))
    return [
        (written, numbers)
        for text in texts
        for written, numbers in figures_in(text)
        if any(n not in known for n in numbers)
    ]


def _message(written: str, numbers: tuple[str, ...], keys: Iterable[str]) -> str:
    cited = ", ".join(sorted_keys(k for k in keys if k in SOURCES)) or "none"
    return (
        f"untraced figure {written!r}: no cited source key states "
        f"{' and '.join(numbers)} (cited: {cited}); cite the key whose fact gives it, or write "
        "the figure as facts.md gives it"
    )


def case_figure_issues(source: str, text: str, issue) -> list[Any]:
    """Untraced figures of one case file; `issue(source, line, field, message)` builds each."""
    data = yaml.safe_load(text)
    if not isinstance(data, Mapping):
        return []
    reference = data.get("reference") or {}
    keys = set(data.get("references") or [])
    own: set[str] = set()
    for zone in (reference.get("zones") or {}).values():
        keys |= set(zone.get("references") or [])
        for value in (zone.get("dose") or {}, zone.get("volume") or {}):
            own |= {normalise_number(str(v)) for v in value.values() if isinstance(v, int | float)}
    plans = [c.get("plan") or {} for c in reference.get("candidate_plans") or []]
    own |= plan_numbers(plans)
    vignette = {k: v for k, v in data.items() if k not in ("reference", "learning_points")}
    own |= {n for t in _strings(vignette) for _, found in figures_in(t) for n in found}
    issues = []
    for field, value in (
        ("learning_points", data.get("learning_points")),
        ("reference", reference),
    ):
        for written, numbers in _untraced(_strings(value), keys, own):
            line = _line_of(text, written, text.find(f"\n{field}:"))
            issues.append(issue(source, line, field, _message(written, numbers, keys)))
    return issues


def module_figure_issues(source: str, text: str, issue) -> list[Any]:
    """Untraced figures of one module file, named by question id."""
    data = yaml.safe_load(text)
    issues = []
    for index, question in enumerate((data or {}).get("questions") or []):
        if not isinstance(question, Mapping):
            continue
        keys = list(question.get("references") or [])
        texts = [question.get("explanation") or ""]
        for kind in ("options", "items"):
            texts += [o.get("explanation") or "" for o in question.get(kind) or []]
        texts += list((question.get("zone_explanations") or {}).values())
        plans = [{"items": o.get("plan") or []} for o in question.get("options") or []]
        own = plan_numbers(plans)
        stem = question.get("stem")
        if isinstance(stem, str):  # the vignette: what the patient has had is not a claim
            own |= {n for _, found in figures_in(stem) for n in found}
        start = text.find(f"id: {question.get('id')}")
        for written, numbers in _untraced((t for t in texts if isinstance(t, str)), keys, own):
            issues.append(
                issue(
                    source,
                    _line_of(text, written, max(start, 0)),
                    f"questions[{index}] ({question.get('id')})",
                    _message(written, numbers, keys),
                )
            )
    return issues


def cited_keys(texts: Iterable[str]) -> set[str]:
    return {key for text in texts for key in _CITED_KEY.findall(text)}


def unused_source_keys(texts: Iterable[str]) -> tuple[str, ...]:
    """Clinical source keys (quizapp/domain/sources.py) that no content file names anywhere."""
    from quizapp.formats.module_rules import SOURCE_KEY_RE

    cited = cited_keys(texts)
    return sorted_keys(key for key in SOURCES if SOURCE_KEY_RE.match(key) and key not in cited)


def plan_compare_issues(source: str, text: str, issue) -> list[Any]:
    """Each plan_compare question is written with plans, and the option marked correct is the only
    plan the engine places in the natural band (quizapp/formats/module_plans.py)."""
    from quizapp.domain.quiz import PlanCompareQuestion
    from quizapp.domain.scoring import score_plan
    from quizapp.domain.terms import Band
    from quizapp.formats.module_plans import plan_data, scenario_case
    from quizapp.formats.modules import load_module_text
    from quizapp.formats.plans import plan_from_dict

    module = load_module_text(text, source)
    issues = []
    for index, question in enumerate(module.questions):
        if not isinstance(question, PlanCompareQuestion):
            continue
        if question.scenario is None:
            # A comparison of plans the engine cannot score could contradict it unnoticed; a choice
            # between decisions or techniques is a `single` question.
            issues.append(
                issue(
                    source,
                    _line_of(text, f"id: {question.id}"),
                    f"questions[{index}] ({question.id})",
                    "a plan_compare question needs its plans (patient, assessment, treat and each "
                    "option's plan) so the engine can check it; a choice between decisions or "
                    "techniques is a single question",
                )
            )
            continue
        case = scenario_case(question.id, question.scenario)
        bands = []
        for plan in question.scenario.plans:
            if plan is None:
                bands.append(None)
                continue
            bands.append(score_plan(case, plan_from_dict(plan_data(plan))).band)
        natural = [i for i, band in enumerate(bands) if band == Band.NATURAL]
        if natural != list(question.correct_indexes):
            scored = ", ".join(
                f"options[{i}] {band.value if band else 'no plan'}" for i, band in enumerate(bands)
            )
            issues.append(
                issue(
                    source,
                    _line_of(text, f"id: {question.id}"),
                    f"questions[{index}] ({question.id})",
                    "the engine does not find the option marked correct the only natural plan: "
                    f"{scored}",
                )
            )
    return issues


def drill_figure_issues(source: str, text: str, issue) -> list[Any]:
    """Untraced figures of one drill file: the actions offered (labels and dose choices) and the
    reference's reasons, against the drill's `references` and every `sources` list; the summary,
    patient and stages are the vignette."""
    data = yaml.safe_load(text)
    if not isinstance(data, Mapping):
        return []
    reference = data.get("reference") or {}
    keys = set(data.get("references") or [])
    for group in ("required", "harmful"):
        for entry in reference.get(group) or []:
            if isinstance(entry, Mapping):
                keys |= set(entry.get("sources") or [])
    vignette = [data.get("summary"), data.get("patient"), data.get("stages")]
    own = {n for t in _strings(vignette) for _, found in figures_in(t) for n in found}
    issues = []
    for field in ("actions", "reference"):
        for written, numbers in _untraced(_strings(data.get(field)), keys, own):
            line = _line_of(text, written, text.find(f"\n{field}:"))
            issues.append(issue(source, line, field, _message(written, numbers, keys)))
    return issues
