"""Validating the fields that give partial credit by weight (option `weight`, numeric `partial`)
and the short-answer and matching questions: a mixin of ModuleChecker (module_checks.py), which
provides the reporting and the typed getters used here."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Final

from quizapp.domain.quiz import WEIGHT_RANGE, MatchPair, NumericAnswer, Option, TextAnswer
from quizapp.formats.module_rules import MATCHING_PAIRS, MISSING, SHORT_ANSWERS, FieldPath

_MISSING: Final = MISSING


def _fraction(weight: float) -> Fraction:
    return Fraction(weight).limit_denominator(1000)


class PartialChecks:
    """Checks for weights, numeric further answers, short answer and matching."""

    # Provided by ModuleChecker.
    draft: bool
    found: int

    def issue(self, path: FieldPath, message: str) -> None:  # pragma: no cover - see subclass
        raise NotImplementedError

    def fields(self, *args: Any, **kwargs: Any) -> None:  # pragma: no cover - see subclass
        raise NotImplementedError

    def text(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - see subclass
        raise NotImplementedError

    def number(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - see subclass
        raise NotImplementedError

    def explanation(self, mapping: Mapping[str, Any], path: FieldPath, what: str) -> Any:
        """An optional explanation ("" when absent)."""
        value = self.text(mapping, path, "explanation", required=False, what=what)
        return "" if value is None else value

    def weight(
        self, mapping: Mapping[str, Any], path: FieldPath, low: float = WEIGHT_RANGE[0]
    ) -> Any:
        """A percent weight from `low` to 100, or None when the field is absent."""
        if "weight" not in mapping:
            return None
        value = self.number(mapping, path, "weight")
        if value is _MISSING or value is None:
            return _MISSING
        if not isinstance(value, int | float) or not low <= value <= WEIGHT_RANGE[1]:
            self.issue(
                (*path, "weight"),
                f"{value} is out of range; expected a percent from {low:g} to 100",
            )
            return _MISSING
        return value

    # -- weighted options ----------------------------------------------------------------------

    def check_weights(self, options: tuple[Option, ...], sub: FieldPath, kind: str) -> bool:
        """Weighted options: all or none weighted; `correct` agrees with the weights; full
        marks can be had. True when the options may stand."""
        weights = [o.weight for o in options]
        if all(w is None for w in weights):
            return True
        if any(w is None for w in weights):
            self.issue(sub, "some options have a `weight` and some do not; give every option one")
            return False
        ok = True
        for i, option in enumerate(options):
            weight = option.weight or 0
            right = weight > 0 if kind == "multi" else weight == 100
            if option.correct != right:
                rule = "more than 0" if kind == "multi" else "100"
                self.issue(
                    (*sub, i, "correct"),
                    f"`correct` must be {str(right).lower()} for weight {weight:g} (an option is "
                    f"right when its weight is {rule})",
                )
                ok = False
        if kind == "multi":
            positive = sum((_fraction(w) for w in weights if w and w > 0), Fraction(0))
            if positive != 100:
                self.issue(sub, f"the positive weights add up to {float(positive):g}, not 100")
                ok = False
        elif not any(w == 100 for w in weights):
            self.issue(sub, "no option has weight 100, so full marks cannot be had")
            ok = False
        return ok

    # -- numeric further answers ---------------------------------------------------------------

    def numeric_partial(self, item: Mapping[str, Any], path: FieldPath) -> Any:
        raw = item.get("partial", _MISSING)
        if raw is _MISSING:
            return ()
        sub = (*path, "partial")
        if not isinstance(raw, list):
            self.issue(sub, "expected a list of further answers (answer, tolerance, weight)")
            return _MISSING
        out = []
        before = self.found
        for i, entry in enumerate(raw):
            epath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(epath, "expected a further answer with `answer`, `tolerance`, `weight`")
                continue
            self.fields(
                entry, epath, ("answer", "weight"), ("tolerance", "explanation"), "a further answer"
            )
            answer = self.number(entry, epath, "answer")
            tolerance = self.number(entry, epath, "tolerance") if "tolerance" in entry else 0
            if isinstance(tolerance, int | float) and tolerance < 0:
                self.issue((*epath, "tolerance"), f"{tolerance} is negative; expected 0 or more")
                tolerance = _MISSING
            weight = self.weight(entry, epath, low=0)
            explanation = self.explanation(entry, epath, "why this answer earns part credit")
            if _MISSING not in (answer, tolerance, weight, explanation) and weight is not None:
                out.append(NumericAnswer(answer, tolerance, weight, explanation))
        return tuple(out) if self.found == before else _MISSING

    # -- short answer --------------------------------------------------------------------------

    def _q_short(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        raw = item.get("answers", _MISSING)
        sub = (*path, "answers")
        if raw is _MISSING:
            return None
        low, high = SHORT_ANSWERS
        if not isinstance(raw, list) or not low <= len(raw) <= high:
            self.issue(sub, f"expected a list of {low}-{high} accepted answers")
            return None
        answers: list[TextAnswer] = []
        seen: dict[str, int] = {}
        before = self.found
        for i, entry in enumerate(raw):
            apath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(apath, "expected an accepted answer with `text` (and `weight`)")
                continue
            self.fields(entry, apath, ("text",), ("weight", "explanation"), "an accepted answer")
            text = self.text(entry, apath, "text", what="the accepted answer")
            weight = self.weight(entry, apath, low=0)
            explanation = self.explanation(entry, apath, "feedback for this answer")
            if isinstance(text, str):
                key = " ".join(text.casefold().split())
                if key in seen:
                    self.issue((*apath, "text"), f"same answer as answers[{seen[key]}]")
                seen.setdefault(key, i)
            if _MISSING not in (text, weight, explanation):
                answers.append(TextAnswer(text, 100 if weight is None else weight, explanation))
        if self.found > before:
            return None
        if not any(a.weight == 100 for a in answers):
            self.issue(sub, "no accepted answer has weight 100, so full marks cannot be had")
            return None
        return {"answers": tuple(answers)}

    # -- matching ------------------------------------------------------------------------------

    def _q_matching(self, item: Mapping[str, Any], path: FieldPath) -> dict[str, Any] | None:
        raw = item.get("pairs", _MISSING)
        sub = (*path, "pairs")
        if raw is _MISSING:
            return None
        low, high = MATCHING_PAIRS
        if not isinstance(raw, list) or not low <= len(raw) <= high:
            self.issue(sub, f"expected a list of {low}-{high} pairs (`left`, `right`)")
            return None
        pairs: list[MatchPair] = []
        seen: dict[str, int] = {}
        before = self.found
        for i, entry in enumerate(raw):
            ppath = (*sub, i)
            if not isinstance(entry, dict):
                self.issue(ppath, "expected a pair with `left` and `right`")
                continue
            self.fields(entry, ppath, ("left", "right"), ("explanation",), "a matching pair")
            left = self.text(entry, ppath, "left", what="the left-hand text")
            right = self.text(entry, ppath, "right", what="the right-hand text it matches")
            explanation = self.explanation(entry, ppath, "why they match")
            if isinstance(left, str):
                key = " ".join(left.casefold().split())
                if key in seen:
                    self.issue((*ppath, "left"), f"same left-hand text as pairs[{seen[key]}]")
                seen.setdefault(key, i)
            if _MISSING not in (left, right, explanation):
                pairs.append(MatchPair(left, right, explanation))
        if self.found > before:
            return None
        return {"pairs": tuple(pairs)}
