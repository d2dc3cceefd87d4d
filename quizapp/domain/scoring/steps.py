"""The other case steps: assessment grades, red flags, disposition, and the whole attempt."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from quizapp.domain.case import Case
from quizapp.domain.face import (
    ZONES,
)
from quizapp.domain.plan import Plan
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring.engine import score_plan
from quizapp.domain.scoring.results import ZONE_ORDER, PlanScore
from quizapp.domain.scoring.tables import case_tables
from quizapp.domain.terms import Band, Disposition

# --------------------------------------------------------------------------------------------
# The other case steps
# --------------------------------------------------------------------------------------------

GradeInput = tuple[int | None, int | None] | Mapping[str, int | None]


@dataclass(frozen=True, slots=True)
class GradeCheck:
    """One grade compared: zone, at rest or moving, the case's and the trainee's."""

    zone: str
    kind: str
    expected: int
    given: int | None

    @property
    def exact(self) -> bool:
        return self.given == self.expected

    @property
    def within_one(self) -> bool:
        return self.given is not None and abs(self.given - self.expected) <= 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "zone": self.zone,
            "kind": self.kind,
            "expected": self.expected,
            "given": self.given,
            "exact": self.exact,
            "within_one": self.within_one,
        }


@dataclass(frozen=True, slots=True)
class AssessmentScore:
    """Agreement of the trainee's 0-4 grades with the case's (S1-S3)."""

    checks: tuple[GradeCheck, ...]
    exact: int
    within_one: int
    total: int
    extra_zones: tuple[str, ...]
    score: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "checks": [c.to_dict() for c in self.checks],
            "exact": self.exact,
            "within_one": self.within_one,
            "total": self.total,
            "extra_zones": list(self.extra_zones),
            "score": self.score,
        }


def _grade_pair(value: GradeInput) -> tuple[int | None, int | None]:
    if isinstance(value, Mapping):
        pair = (value.get("rest"), value.get("moving"))
    else:
        pair = (value[0], value[1])
    for grade in pair:
        if grade is not None and (
            isinstance(grade, bool) or not isinstance(grade, int) or not 0 <= grade <= 4
        ):
            raise ValueError(f"grades are whole numbers 0-4, got {grade!r}")
    return pair


def score_assessment(case: Case, grades: Mapping[str, GradeInput]) -> AssessmentScore:
    """Exact and within-one-grade agreement per zone and kind (rest, moving).

    `grades` maps zone id to (rest, moving) or {"rest": r, "moving": m}. Score = 100 x (exact +
    half of the within-one-but-not-exact) / grades compared; a missing grade counts as wrong.
    """
    checks = []
    for assessed in case.assessment:
        given = _grade_pair(grades[assessed.zone]) if assessed.zone in grades else (None, None)
        for kind, expected, got in (
            ("rest", assessed.rest, given[0]),
            ("moving", assessed.moving, given[1]),
        ):
            if expected is not None:
                checks.append(GradeCheck(assessed.zone, kind, expected, got))
    for zone, value in grades.items():
        _grade_pair(value)
        if zone not in ZONES:
            raise ValueError(f"unknown zone {zone!r}")
    assessed_zones = {a.zone for a in case.assessment}
    extra = tuple(sorted((z for z in grades if z not in assessed_zones), key=ZONE_ORDER.get))
    exact = sum(c.exact for c in checks)
    within = sum(c.within_one for c in checks)
    total = len(checks)
    score = (
        100 if total == 0 else int(math.floor(100 * (exact + 0.5 * (within - exact)) / total + 0.5))
    )
    return AssessmentScore(tuple(checks), exact, within, total, extra, score)


#: Points off per red flag ticked that is not present.
FALSE_ALARM_PENALTY: Final = 10
#: Blocking flags weigh twice as much as cautions when counting what was found.
BLOCKING_FLAG_WEIGHT: Final = 2


@dataclass(frozen=True, slots=True)
class RedFlagScore:
    found: tuple[str, ...]
    missed: tuple[str, ...]
    false_alarms: tuple[str, ...]
    score: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "found": list(self.found),
            "missed": list(self.missed),
            "false_alarms": list(self.false_alarms),
            "score": self.score,
        }


def score_red_flags(case: Case, ticked: Iterable[str]) -> RedFlagScore:
    """Found, missed and false alarms against the case's red flags (including those its facts
    imply). Score = 100 x weighted share found - 10 per false alarm, within 0-100."""
    ticked_set = set(ticked)
    unknown = sorted(t for t in ticked_set if t not in RED_FLAGS)
    if unknown:
        raise ValueError(f"unknown red flag id(s): {', '.join(unknown)}")
    present = set(case.flag_ids) | set(case.derived_flags())
    found = tuple(sorted(present & ticked_set))
    missed = tuple(sorted(present - ticked_set))
    false_alarms = tuple(sorted(ticked_set - present))

    def weight(flag_id: str) -> int:
        return BLOCKING_FLAG_WEIGHT if RED_FLAGS[flag_id].blocks else 1

    total = sum(weight(f) for f in present)
    base = 100.0 if total == 0 else 100.0 * sum(weight(f) for f in found) / total
    score = base - FALSE_ALARM_PENALTY * len(false_alarms)
    # base is at most 100 and false alarms only subtract: the floor at 0 is the only bound.
    return RedFlagScore(found, missed, false_alarms, int(max(0, math.floor(score + 0.5))))


@dataclass(frozen=True, slots=True)
class DispositionScore:
    expected: Disposition
    given: Disposition
    correct: bool
    score: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "expected": self.expected.value,
            "given": self.given.value,
            "correct": self.correct,
            "score": self.score,
            "reason": self.reason,
        }


def score_disposition(case: Case, disposition: Disposition | str) -> DispositionScore:
    """Exact match 100; treat vs treat_in_part 60; another way of not treating 50; not treating
    a treatable patient 30 (cautious); treating a patient who should not be treated 0."""
    given = Disposition(disposition)
    expected = case.reference.disposition
    # In words, as the trainee reads them: "treat in part", not the stored id.
    want, got = expected.value.replace("_", " "), given.value.replace("_", " ")
    if given in case_tables(case).right_dispositions:
        score, reason = 100, "Right disposition."
    elif given.treats and expected.treats:
        score, reason = 60, f"Close: {want} fits better than {got}."
    elif not given.treats and not expected.treats:
        score, reason = 50, f"Not treating is right, but {want} is the next step."
    elif not given.treats:
        score, reason = 30, f"Over-cautious: this patient can be treated ({want})."
    else:
        score, reason = 0, f"This patient should not be treated today: {want}."
    return DispositionScore(expected, given, score == 100, score, reason)


#: Weights of the case steps in a case attempt; they add up to 1.
ATTEMPT_WEIGHTS: Final[dict[str, float]] = {
    "assessment": 0.2,
    "red_flags": 0.2,
    "disposition": 0.2,
    "plan": 0.4,
}
#: A case attempt whose plan is unsafe scores at most this.
UNSAFE_ATTEMPT_CAP: Final = 40


@dataclass(frozen=True, slots=True)
class CaseAttemptScore:
    assessment: AssessmentScore
    red_flags: RedFlagScore
    disposition: DispositionScore
    plan: PlanScore
    total: int
    weights: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "assessment": self.assessment.to_dict(),
            "red_flags": self.red_flags.to_dict(),
            "disposition": self.disposition.to_dict(),
            "plan": self.plan.to_dict(),
            "total": self.total,
            "weights": dict(self.weights),
        }


def score_case_attempt(
    case: Case,
    grades: Mapping[str, GradeInput],
    ticked: Iterable[str],
    disposition: Disposition | str,
    plan: Plan | None,
) -> CaseAttemptScore:
    """All steps of a case attempt, combined with ATTEMPT_WEIGHTS; an unsafe plan caps the
    total at UNSAFE_ATTEMPT_CAP. Without a plan, an empty plan with the given disposition is
    scored."""
    given = Disposition(disposition)
    assessment = score_assessment(case, grades)
    flags = score_red_flags(case, ticked)
    disp = score_disposition(case, given)
    plan_score = score_plan(case, plan if plan is not None else Plan(given))
    parts = {
        "assessment": assessment.score,
        "red_flags": flags.score,
        "disposition": disp.score,
        "plan": plan_score.score,
    }
    raw = math.fsum(ATTEMPT_WEIGHTS[k] * v for k, v in parts.items())
    # Every part is a whole number times 0.2 or 0.4, so raw never sits at a half: no tie to break.
    total = int(math.floor(raw + 0.5))
    if plan_score.band == Band.UNSAFE:
        total = min(total, UNSAFE_ATTEMPT_CAP)
    return CaseAttemptScore(
        assessment, flags, disp, plan_score, total, tuple(ATTEMPT_WEIGHTS.items())
    )
