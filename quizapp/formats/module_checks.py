"""Validating one module file: every field of the module and of each question, collecting EVERY
problem (line, field path, what was expected) so an author fixes a file in one pass.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final

from quizapp.domain.quiz import (
    GRADING_METHODS,
    QUESTION_TYPES,
    UNITS,
    HotspotQuestion,
    MatchingQuestion,
    Module,
    MultiQuestion,
    NumericQuestion,
    Option,
    OrderingQuestion,
    OrderItem,
    PlanCompareQuestion,
    Question,
    ShortAnswerQuestion,
    SingleQuestion,
    TrueFalseQuestion,
    canonical_unit,
)
from quizapp.formats.module_checks_more import PartialChecks
from quizapp.formats.module_rules import (
    CPD_HOURS,
    MISSING,
    MODULE_OPTIONAL,
    MODULE_REQUIRED,
    OPTION_COUNTS,
    ORDERING_ITEMS,
    SLUG_RE,
    SOURCE_KEY_RE,
    TYPE_FIELDS,
    TYPE_HINTS,
    FieldPath,
    Issue,
    format_path,
)
from quizapp.formats.module_yaml import Located

# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------

_MISSING: Final = MISSING


def normalise_text(text: str) -> str:
    """For duplicate checks: case-folded, whitespace collapsed."""
    return " ".join(text.casefold().split())


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"text ({shown!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (fields)"
    if isinstance(value, date | datetime):
        return f"a date ({value})"
    return type(value).__name__


class ModuleChecker(PartialChecks):
    """Collects issues while reading one module file's data into domain objects.

    `draft`: the module is a draft, which may lack explanations (publishing needs them).
    """

    def __init__(
        self,
        source: str,
        located: Located,
        source_keys: Collection[str] | None,
        zones: Collection[str],
        *,
        draft: bool = False,
    ):
        self.draft = draft
        self.source = source
        self.located = located
        self.source_keys = source_keys
        self.zones = zones
        self.issues: list[Issue] = []
        self.found = 0  # problems found, including those not shown (inside an alias)

    # -- reporting ----------------------------------------------------------------------------

    def issue(self, path: FieldPath, message: str) -> None:
        self.found += 1
        if any(path[: len(alias)] == alias for alias in self.located.aliased):
            return  # the alias itself is the problem; "got nothing" would only be noise
        self.issues.append(Issue(self.source, self.located.line(path), format_path(path), message))

    def fields(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        required: Iterable[str],
        optional: Iterable[str],
        what: str,
        hint: str = "",
    ) -> None:
        """Report missing required fields and unknown fields (with a did-you-mean)."""
        required = tuple(required)
        if self.draft and "explanation" in required:
            required = tuple(name for name in required if name != "explanation")
            optional = (*optional, "explanation")
        allowed = (*required, *optional)
        for name in required:
            if name not in mapping:
                self.issue((*path, name), f"required field is missing ({what})")
        for name in mapping:
            if name in allowed:
                continue
            guess = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
            if guess:
                message = f"unknown field {name!r}; did you mean {guess[0]!r}?"
            else:
                message = f"unknown field {name!r} for {what}"
                message += f"; {hint}" if hint else f" (fields: {', '.join(allowed)})"
            self.issue((*path, name), message)

    # -- typed getters: return the value, or _MISSING after reporting --------------------------

    def text(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        *,
        required: bool = True,
        what: str = "text",
    ) -> Any:
        sub = (*path, name)
        if self.draft and name == "explanation":
            required = False
        if name not in mapping:
            return _MISSING if required else None  # a missing required field: see fields()
        value = mapping[name]
        if value is None:
            if required:
                self.issue(sub, f"is empty; expected {what}")
                return _MISSING
            return None
        if isinstance(value, bool | int | float | date) and sub in self.located.raw:
            value = self.located.raw[sub]  # e.g. `text: No` means the word, not false
        if not isinstance(value, str):
            self.issue(sub, f"expected {what}, got {_describe(value)}")
            return _MISSING
        value = value.strip()
        if not value:
            self.issue(sub, f"is empty; expected {what}")
            return _MISSING
        return value

    def slug(self, mapping: Mapping[str, Any], path: FieldPath, name: str, what: str) -> Any:
        value = self.text(mapping, path, name, what=what)
        if value is _MISSING:
            return value
        if not SLUG_RE.match(value):
            suggestion = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
            self.issue(
                (*path, name),
                f"{value!r} is not a valid {what}: use lower-case letters, digits and hyphens"
                + (f" (e.g. {suggestion!r})" if suggestion else ""),
            )
            return _MISSING
        return value

    def boolean(self, mapping: Mapping[str, Any], path: FieldPath, name: str) -> Any:
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        if not isinstance(value, bool):
            extra = " (remove the quotes)" if str(value).lower() in ("true", "false") else ""
            self.issue((*path, name), f"expected true or false, got {_describe(value)}{extra}")
            return _MISSING
        return value

    def integer(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        *,
        low: int,
        high: int | None = None,
        nullable: bool = False,
        what: str = "",
    ) -> Any:
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        span = f"from {low} to {high}" if high is not None else f"{low} or more"
        expected = f"a whole number {span}" + (", or null" if nullable else "")
        if what:
            expected += f" ({what})"
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.issue((*path, name), f"expected {expected}, got {_describe(value)}")
            return _MISSING
        if value < low or (high is not None and value > high):
            self.issue((*path, name), f"{value} is out of range; expected {expected}")
            return _MISSING
        return value

    def number(self, mapping: Mapping[str, Any], path: FieldPath, name: str) -> Any:
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = ""
            if isinstance(value, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", value):
                hint = f"; write {value.strip().replace(',', '.')} with a decimal point"
            elif isinstance(value, str) and re.match(r"\s*-?[\d.]+\s*\S", value):
                hint = "; give the bare number here and the unit in `unit`"
            self.issue((*path, name), f"expected a number, got {_describe(value)}{hint}")
            return _MISSING
        if not math.isfinite(value):
            self.issue((*path, name), "expected a finite number")
            return _MISSING
        return value

    def text_list(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        *,
        what: str,
        pattern: re.Pattern[str] | None = None,
    ) -> Any:
        """A list of unique words (ids, keys); [] is allowed, null is not."""
        value = mapping.get(name, _MISSING)
        if value is _MISSING:
            return value
        sub = (*path, name)
        if isinstance(value, str):
            self.issue(sub, f"expected a list like [{value}], got {_describe(value)}")
            return _MISSING
        if not isinstance(value, list):
            self.issue(sub, f"expected a list of {what} ([] for none), got {_describe(value)}")
            return _MISSING
        items: list[str] = []
        ok = True
        for i, item in enumerate(value):
            if not isinstance(item, str) or (pattern and not pattern.match(item)):
                self.issue((*sub, i), f"{item!r} is not a valid {what}")
                ok = False
            elif item in items:
                self.issue((*sub, i), f"{item!r} is listed twice")
                ok = False
            else:
                items.append(item)
        return tuple(items) if ok else _MISSING

    def references(self, mapping: Mapping[str, Any], path: FieldPath, *, required: bool) -> Any:
        keys = self.text_list(mapping, path, "references", what="source key")
        sub = (*path, "references")
        if keys is _MISSING:
            return keys
        if required and not keys:
            self.issue(sub, "needs at least one source key from facts.md (e.g. [F35])")
            return _MISSING
        ok = True
        for i, key in enumerate(keys):
            if not SOURCE_KEY_RE.match(key):
                self.issue(
                    (*sub, i),
                    f"{key!r} is not a source key: a letter B, F, S, A or P "
                    "and a number, as listed in facts.md",
                )
                ok = False
            elif self.source_keys is not None and key not in self.source_keys:
                self.issue(
                    (*sub, i),
                    f"unknown source key {key!r}: it is not in the list of sources (facts.md)",
                )
                ok = False
        return keys if ok else _MISSING

    # -- the module ---------------------------------------------------------------------------

    def module(self) -> Module | None:
        data = self.located.data
        if not isinstance(data, dict):
            self.issue(
                (), f"a module file is a mapping of fields (id, title, ...), got {_describe(data)}"
            )
            return None
        self.fields(data, (), MODULE_REQUIRED, MODULE_OPTIONAL, "a module")
        module_id = self.slug(data, (), "id", "module id")
        values = {
            "id": module_id,
            "title": self.text(data, (), "title", what="a title"),
            "order": self.integer(data, (), "order", low=1, what="the module's place in the list"),
            "summary": self.text(data, (), "summary", what="a short paragraph"),
            "prerequisites": self.text_list(
                data, (), "prerequisites", what="module id", pattern=SLUG_RE
            ),
            "pass_mark": self.integer(data, (), "pass_mark", low=1, high=100, what="percent"),
            "max_attempts": self.integer(data, (), "max_attempts", low=1, nullable=True),
            "grading": self._choice(data, (), "grading", GRADING_METHODS, default="highest"),
            "time_limit_minutes": self.integer(
                data, (), "time_limit_minutes", low=1, nullable=True
            ),
            "shuffle": self.boolean(data, (), "shuffle"),
            "cases": self.text_list(data, (), "cases", what="case id", pattern=SLUG_RE),
            "drills": self.text_list(data, (), "drills", what="drill id", pattern=SLUG_RE),
            "references": self.references(data, (), required=True),
            "cpd_hours": self._cpd_hours(data),
        }
        defaults = {
            "max_attempts": None,
            "time_limit_minutes": None,
            "shuffle": True,
            "cases": (),
            "drills": (),
            "cpd_hours": None,
        }
        for name, default in defaults.items():
            if name not in data:
                values[name] = default
        prerequisites = values["prerequisites"]
        if _MISSING not in (prerequisites, module_id) and module_id in prerequisites:
            index = prerequisites.index(module_id)
            self.issue(("prerequisites", index), "a module cannot be its own prerequisite")
        questions = self.questions(data)
        if self.found or any(value is _MISSING for value in values.values()):
            return None
        return Module(**values, questions=questions, source=self.source)

    def _cpd_hours(self, data: Mapping[str, Any]) -> Any:
        if "cpd_hours" in data and data["cpd_hours"] is None:
            return None
        value = self.number(data, (), "cpd_hours")
        if value is _MISSING or value is None:
            return value
        low, high = CPD_HOURS
        if not low <= value <= high:
            self.issue(
                ("cpd_hours",),
                f"{value} is out of range; expected hours from {low} to {high} (study time)",
            )
            return _MISSING
        return float(value)

    def _choice(
        self,
        mapping: Mapping[str, Any],
        path: FieldPath,
        name: str,
        choices: tuple[str, ...],
        default: str | None = None,
    ) -> Any:
        if name not in mapping:
            return default if default is not None else _MISSING
        value = mapping[name]
        if value not in choices:
            guess = difflib.get_close_matches(str(value), choices, n=1)
            extra = f"; did you mean {guess[0]!r}?" if guess else ""
            self.issue(
                (*path, name),
                f"expected one of {' | '.join(choices)}, got {_describe(value)}{extra}",
            )
            return _MISSING
        return value

    def questions(self, data: Mapping[str, Any]) -> tuple[Question, ...]:
        raw = data.get("questions", _MISSING)
        if raw is _MISSING:
            return ()
        if not isinstance(raw, list) or not raw:
            self.issue(
                ("questions",), f"expected a list of at least one question, got {_describe(raw)}"
            )
            return ()
        questions: list[Question] = []
        seen_ids: dict[str, int] = {}
        seen_stems: dict[str, int] = {}
        for i, item in enumerate(raw):
            path: FieldPath = ("questions", i)
            question = self.question(item, path)
            if not isinstance(item, dict):
                continue
            qid, stem = item.get("id"), item.get("stem")
            if isinstance(qid, str):
                if qid in seen_ids:
                    self.issue(
                        (*path, "id"),
                        f"question id {qid!r} is already used by questions[{seen_ids[qid]}]",
                    )
                seen_ids.setdefault(qid, i)
            if isinstance(stem, str) and stem.strip():
                key = normalise_text(stem)
                if key in seen_stems:
                    self.issue((*path, "stem"), f"same stem as questions[{seen_stems[key]}]")
                seen_stems.setdefault(key, i)
            if question is not None:
                questions.append(question)
        return tuple(questions)

    # -- one question -------------------------------------------------------------------------

    def question(self, item: Any, path: FieldPath) -> Question | None:
        if not isinstance(item, dict):
            self.issue(
                path, f"expected a question (a mapping starting `- id: ...`), got {_describe(item)}"
            )
            return None
        before = self.found
        kind = item.get("type", _MISSING)
        known_kind = kind in QUESTION_TYPES
        if kind is _MISSING:
            self.issue(
                (*path, "type"), f"required field is missing (one of {' | '.join(QUESTION_TYPES)})"
            )
        elif not known_kind:
            guess = difflib.get_close_matches(str(kind), QUESTION_TYPES, n=1)
            extra = f"; did you mean {guess[0]!r}?" if guess else ""
            self.issue(
                (*path, "type"),
                f"unknown question type {_describe(kind)}; expected one "
                f"of {' | '.join(QUESTION_TYPES)}{extra}",
            )
        required = ["id", "topic", "stem", "references"]
        optional = ["explanation"]
        if known_kind:
            optional += TYPE_FIELDS[kind]
            if kind in ("truefalse", "numeric", "hotspot", "short", "matching"):
                required.append("explanation")
            required += {
                "single": ["options"],
                "multi": ["options"],
                "plan_compare": ["options"],
                "truefalse": ["answer"],
                "numeric": ["answer", "unit"],
                "ordering": ["items"],
                "hotspot": ["zones", "select", "zone_explanations"],
                "short": ["answers"],
                "matching": ["pairs"],
            }[kind]
            optional = [name for name in optional if name not in required]
            self.fields(
                item,
                path,
                required,
                ["type", *optional],
                f"a {kind} question",
                hint=TYPE_HINTS[kind],
            )
        else:
            self.fields(
                item, path, required, ["type", *optional, *_all_type_fields()], "a question"
            )
        explanation = self.text(
            item,
            path,
            "explanation",
            required="explanation" in required,
            what="an explanation of the answer",
        )
        common = {
            "id": self.slug(item, path, "id", "question id"),
            "topic": self.slug(item, path, "topic", "topic tag"),
            "stem": self.text(item, path, "stem", what="the question text"),
            "references": self.references(item, path, required=True),
            "explanation": "" if explanation is None else explanation,
        }
        if not known_kind:
            return None
        specific = getattr(self, f"_q_{kind}")(item, path)
        if self.found > before or specific is None or _MISSING in common.values():
            if self.found == before and not self.located.aliased:  # never drop one silently
                self.issue(path, "this question could not be read")
            return None
        cls = {
            "single": SingleQuestion,
            "multi": MultiQuestion,
            "plan_compare": PlanCompareQuestion,
            "truefalse": TrueFalseQuestion,
            "numeric": NumericQuestion,
            "ordering": OrderingQuestion,
            "hotspot": HotspotQuestion,
            "short": ShortAnswerQuestion,
            "matching": MatchingQuestion,
        }[kind]
        return cls(**common, **specific)

    def _options(self, item: Mapping[str, Any], path: FieldPath, kind: str) -> Any:
        raw = item.get("options", _MISSING)
        sub = (*path, "options")
        if raw is _MISSING:
            return raw
        low, high = OPTION_COUNTS[kind]
        if not isinstance(raw, list):
            self.issue(sub, f"expected a list of {low}-{high} options, got {_describe(raw)}")
            return _MISSING
        if not low <= len(raw) <= high:
            self.issue(
                sub,
                f"has {len(raw)} option{'s' if len(raw) != 1 else ''}; a {kind} "
                f"question has {low}-{high}",
            )
        options: list[Option] = []
        texts: dict[str, int] = {}
        ok = True
        for i, entry in enumerate(raw):
            opath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(
                    opath,
                    "expected an option with `text`, `correct` and `explanation`, "
                    f"got {_describe(entry)}",
                )
                ok = False
                continue
            extra = ("weight", "plan") if kind == "plan_compare" else ("weight",)
            self.fields(entry, opath, ("text", "correct", "explanation"), extra, "an option")
            text = self.text(entry, opath, "text", what="the option's text")
            correct = self.boolean(entry, opath, "correct")
            explanation = self.text(
                entry, opath, "explanation", what="why this option is right or wrong"
            )
            weight = self.weight(entry, opath)
            if isinstance(text, str):
                key = normalise_text(text)
                if key in texts:
                    self.issue((*opath, "text"), f"same text as options[{texts[key]}]")
                    ok = False
                texts.setdefault(key, i)
            if _MISSING in (text, correct, explanation, weight):
                ok = False
                continue
            options.append(Option(text, correct, explanation or "", weight))
        if not ok or len(options) != len(raw):
            return _MISSING
        if any(option.weight is not None for option in options):
            return tuple(options) if self.check_weights(tuple(options), sub, kind) else _MISSING
        right = [i for i, option in enumerate(options) if option.correct]
        if kind in ("single", "plan_compare") and len(right) != 1:
            if not right:
                self.issue(sub, "no option is marked `correct: true`; exactly one must be")
            else:
                listed = ", ".join(f"options[{i}]" for i in right)
                self.issue(
                    sub,
                    f"{len(right)} options are marked correct ({listed}); a {kind} "
                    "question has exactly one (use type multi for several)",
                )
            return _MISSING
        if kind == "multi" and not right:
            self.issue(
                sub, "no option is marked `correct: true`; a multi question needs at least one"
            )
            return _MISSING
        return tuple(options)

    def _q_single(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        options = self._options(item, path, "single")
        return None if options is _MISSING else {"options": options}

    def _q_multi(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        options = self._options(item, path, "multi")
        return None if options is _MISSING else {"options": options}

    def _q_plan_compare(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        from quizapp.formats.module_plans import read_scenario

        options = self._options(item, path, "plan_compare")
        scenario = read_scenario(self, item, path, _MISSING)
        if options is _MISSING or scenario is _MISSING:
            return None
        return {"options": options, "scenario": scenario}

    def _q_truefalse(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        answer = self.boolean(item, path, "answer")
        feedback = {
            name: self.text(item, path, name, required=False, what="feedback") or ""
            for name in ("feedback_true", "feedback_false")
        }
        if _MISSING in (answer, *feedback.values()):
            return None
        return {"answer": answer, **feedback}

    def _q_numeric(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        answer = self.number(item, path, "answer")
        tolerance = self.number(item, path, "tolerance") if "tolerance" in item else 0
        if tolerance is not _MISSING and tolerance < 0:
            self.issue(
                (*path, "tolerance"),
                f"{tolerance} is negative; the tolerance is an "
                "absolute margin, 0 or more, in the question's unit",
            )
            tolerance = _MISSING
        unit: Any = _MISSING
        if "unit" in item:
            raw = item["unit"]
            if raw is None:
                unit = None  # a bare number (a count, a ratio)
            else:
                typed = self.text(item, path, "unit", what="a unit")
                if typed is not _MISSING:
                    unit = canonical_unit(typed)
                    if unit is None:
                        self.issue(
                            (*path, "unit"),
                            f"unit {typed!r} is not one the grader "
                            f"understands; use one of {', '.join(UNITS)} (or null for a "
                            "bare number) and put words like 'per side' in the stem",
                        )
                        unit = _MISSING
        partial = self.numeric_partial(item, path)
        if _MISSING in (answer, tolerance, unit, partial):
            return None
        return {"answer": answer, "tolerance": tolerance, "unit": unit, "partial": partial}

    def _q_ordering(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        raw = item.get("items", _MISSING)
        sub = (*path, "items")
        label = self.text(item, path, "order_label", required=False, what="a label")
        if raw is _MISSING:
            return None
        low, high = ORDERING_ITEMS
        if not isinstance(raw, list):
            self.issue(sub, f"expected a list of {low}-{high} items, got {_describe(raw)}")
            return None
        if not low <= len(raw) <= high:
            self.issue(
                sub,
                f"has {len(raw)} item{'s' if len(raw) != 1 else ''}; an ordering "
                f"question has {low}-{high}",
            )
        items: list[OrderItem] = []
        texts: dict[str, int] = {}
        for i, entry in enumerate(raw):
            ipath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(
                    ipath, f"expected an item with `text` and `explanation`, got {_describe(entry)}"
                )
                continue
            self.fields(entry, ipath, ("text", "explanation"), (), "an ordering item")
            text = self.text(entry, ipath, "text", what="the item's text")
            explanation = self.text(
                entry, ipath, "explanation", what="why the item belongs in this place"
            )
            if isinstance(text, str):
                key = normalise_text(text)
                if key in texts:
                    self.issue((*ipath, "text"), f"same text as items[{texts[key]}]")
                texts.setdefault(key, i)
            if _MISSING not in (text, explanation):
                items.append(OrderItem(text, explanation or ""))
        if label is _MISSING or len(items) != len(raw):
            return None
        return {"items": tuple(items), "order_label": label}

    def _q_hotspot(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        valid = sorted(self.zones)
        zones = self.text_list(item, path, "zones", what="zone id")
        select = self._choice(item, path, "select", ("one", "many"))
        sub = (*path, "zones")
        if zones is not _MISSING:
            if not zones:
                self.issue(sub, "needs at least one correct zone id")
                zones = _MISSING
            for i, zone in enumerate(zones if zones is not _MISSING else ()):
                if zone not in self.zones:
                    self.issue((*sub, i), _unknown_zone(zone, valid))
                    zones = _MISSING
        explanations: Any = _MISSING
        raw = item.get("zone_explanations", _MISSING)
        epath = (*path, "zone_explanations")
        if isinstance(raw, dict):
            explanations = {}
            for zone in raw:
                if zone not in self.zones:
                    self.issue((*epath, zone), _unknown_zone(zone, valid))
                    continue
                text = self.text(raw, epath, zone, what="why this zone is right or wrong")
                if text is not _MISSING:
                    explanations[zone] = text
            if zones is not _MISSING:
                for zone in zones:
                    if zone not in raw:
                        self.issue(
                            (*epath, zone),
                            f"missing: every correct zone needs an explanation (add `{zone}: ...`)",
                        )
        elif raw is not _MISSING:
            self.issue(epath, f"expected a mapping of zone id to explanation, got {_describe(raw)}")
        if _MISSING in (zones, select, explanations):
            return None
        return {"zones": zones, "select": select, "zone_explanations": explanations}


def _all_type_fields() -> list[str]:
    return sorted({name for names in TYPE_FIELDS.values() for name in names})


def _unknown_zone(zone: str, valid: list[str]) -> str:
    guess = difflib.get_close_matches(zone, valid, n=1)
    extra = f"did you mean {guess[0]!r}? " if guess else ""
    return f"unknown zone id {zone!r}; {extra}valid zones: {', '.join(valid)}"
