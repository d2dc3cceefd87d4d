"""Complication drills: a patient develops a complication and the trainee acts against a clock.

A drill offers a catalogue of actions (some with dose choices); the trainee takes them one at a
time and the server stamps each with the seconds elapsed since the drill began. `score_drill`
judges what was done, in what order, how fast, with what dose, and what was missed or harmful,
each verdict with its reason and sources. Pure: standard library only.

Time limits in a drill file are drill pacing (how quickly the first steps must come), not
clinical figures; the sources give none, and the docs say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

DrillVerdict = Literal["done", "late", "out_of_order", "wrong_dose", "missed", "harmful", "extra"]
Outcome = Literal["managed", "partly_managed", "not_managed", "unsafe"]

VERDICT_LABELS: Final[dict[str, str]] = {
    "done": "Done right",
    "late": "Late",
    "out_of_order": "Out of order",
    "wrong_dose": "Wrong dose or place",
    "missed": "Missed",
    "harmful": "Harmful",
    "extra": "Not needed",
}
OUTCOME_LABELS: Final[dict[str, str]] = {
    "managed": "Managed",
    "partly_managed": "Partly managed",
    "not_managed": "Not managed",
    "unsafe": "Unsafe",
}
#: A required action done with one fault (late, out of order, wrong dose) earns half its share.
FAULT_CREDIT: Final = 0.5
#: Each distinct harmful action taken costs this many points of 100.
HARM_PENALTY: Final = 25
MANAGED_SCORE: Final = 80
NOT_MANAGED_BELOW: Final = 50


@dataclass(frozen=True, slots=True)
class DoseField:
    """A choice that goes with an action (where hyaluronidase goes, how often it is repeated)."""

    id: str
    label: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DrillAction:
    id: str
    label: str
    fields: tuple[DoseField, ...] = ()

    def field(self, field_id: str) -> DoseField | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True, slots=True)
class Stage:
    """What the trainee sees: the opening stage has no trigger, later ones follow an action."""

    text: str
    after: str | None = None


@dataclass(frozen=True, slots=True)
class Required:
    action: str
    reason: str
    sources: tuple[str, ...]
    after: tuple[str, ...] = ()  # required actions that must come first
    within_seconds: int | None = None  # drill pacing, from the start of the drill
    dose: tuple[tuple[str, str], ...] = ()  # (field id, the expected option)


@dataclass(frozen=True, slots=True)
class Harmful:
    action: str
    reason: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Drill:
    id: str
    title: str
    summary: str
    patient: str
    references: tuple[str, ...]
    stages: tuple[Stage, ...]
    actions: tuple[DrillAction, ...]
    required: tuple[Required, ...]
    harmful: tuple[Harmful, ...] = ()
    source: str = field(default="", compare=False)

    def action(self, action_id: str) -> DrillAction | None:
        return next((a for a in self.actions if a.id == action_id), None)

    def stages_seen(self, taken: Iterable[str]) -> list[Stage]:
        """The opening stage and every stage whose trigger action has been taken."""
        done = set(taken)
        return [s for s in self.stages if s.after is None or s.after in done]


@dataclass(frozen=True, slots=True)
class TakenAction:
    """One action as the server recorded it: seconds since the drill began, the chosen doses."""

    action: str
    seconds: float
    dose: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, action: str, seconds: float, dose: Mapping[str, str] | None = None) -> TakenAction:
        return cls(action, float(seconds), tuple(sorted((dose or {}).items())))


@dataclass(frozen=True, slots=True)
class ActionVerdict:
    action: str
    label: str
    verdict: DrillVerdict
    reason: str
    sources: tuple[str, ...]
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "label": self.label,
            "verdict": self.verdict,
            "reason": self.reason,
            "sources": list(self.sources),
            "seconds": self.seconds,
        }


@dataclass(frozen=True, slots=True)
class DrillResult:
    drill_id: str
    score: int
    outcome: Outcome
    verdicts: tuple[ActionVerdict, ...]

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(v.action for v in self.verdicts if v.verdict == "missed")

    def to_dict(self) -> dict[str, Any]:
        return {
            "drill_id": self.drill_id,
            "score": self.score,
            "outcome": self.outcome,
            "verdicts": [v.to_dict() for v in self.verdicts],
        }


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _judge_required(
    drill: Drill, need: Required, first: dict[str, TakenAction]
) -> tuple[ActionVerdict, float]:
    """The verdict on one required action and the share of its credit it earns."""
    label = drill.action(need.action).label if drill.action(need.action) else need.action
    taken = first.get(need.action)
    if taken is None:
        return ActionVerdict(need.action, label, "missed", need.reason, need.sources), 0.0
    chosen = dict(taken.dose)
    dose_faults = [
        f"{_field_label(drill, need.action, fid)}: expected “{want}”, chosen "
        f"“{chosen.get(fid) or 'nothing'}”"
        for fid, want in need.dose
        if chosen.get(fid) != want
    ]
    late_before = [a for a in need.after if a not in first or first[a].seconds > taken.seconds]
    # Ties (same second) count as in order: the clock has one-second resolution.
    verdict: DrillVerdict = "done"
    reason = need.reason
    if dose_faults:
        verdict, reason = "wrong_dose", f"{'; '.join(dose_faults)}. {need.reason}"
    elif late_before:
        names = ", ".join(_action_label(drill, a) for a in late_before)
        verdict, reason = "out_of_order", f"Should come after: {names}. {need.reason}"
    elif need.within_seconds is not None and taken.seconds > need.within_seconds:
        verdict = "late"
        reason = (
            f"Taken at {_clock(taken.seconds)}; this drill expects it by "
            f"{_clock(need.within_seconds)}. {need.reason}"
        )
    credit = 1.0 if verdict == "done" else FAULT_CREDIT
    return ActionVerdict(need.action, label, verdict, reason, need.sources, taken.seconds), credit


def _action_label(drill: Drill, action_id: str) -> str:
    action = drill.action(action_id)
    return action.label if action else action_id


def _field_label(drill: Drill, action_id: str, field_id: str) -> str:
    action = drill.action(action_id)
    found = action.field(field_id) if action else None
    return found.label if found else field_id


def score_drill(drill: Drill, taken: Sequence[TakenAction]) -> DrillResult:
    """Judge the actions taken (in the order the server recorded them) against the reference.

    Each required action is worth an equal share of 100; the first time it was taken counts.
    A fault (wrong dose, out of order, late) halves its share; each distinct harmful action costs
    HARM_PENALTY. Harm makes the outcome unsafe whatever the score.
    """
    ordered = sorted(taken, key=lambda t: t.seconds)  # stable: same-second actions keep order
    first: dict[str, TakenAction] = {}
    for item in ordered:
        first.setdefault(item.action, item)
    verdicts: list[ActionVerdict] = []
    earned = 0.0
    for need in drill.required:
        verdict, credit = _judge_required(drill, need, first)
        verdicts.append(verdict)
        earned += credit
    harmful_ids = {h.action for h in drill.harmful}
    required_ids = {r.action for r in drill.required}
    harms = 0
    for harm in drill.harmful:
        if harm.action in first:
            harms += 1
            verdicts.append(
                ActionVerdict(
                    harm.action,
                    _action_label(drill, harm.action),
                    "harmful",
                    harm.reason,
                    harm.sources,
                    first[harm.action].seconds,
                )
            )
    for action_id, item in first.items():
        if action_id not in required_ids and action_id not in harmful_ids:
            verdicts.append(
                ActionVerdict(
                    action_id,
                    _action_label(drill, action_id),
                    "extra",
                    "Not part of this drill's reference; it neither helps nor harms the score.",
                    (),
                    item.seconds,
                )
            )
    share = 100 * earned / len(drill.required) if drill.required else 100.0
    score = max(0, round(share) - HARM_PENALTY * harms)
    outcome: Outcome
    if harms:
        outcome = "unsafe"
    elif score >= MANAGED_SCORE and not any(v.verdict == "missed" for v in verdicts):
        outcome = "managed"
    elif score < NOT_MANAGED_BELOW:
        outcome = "not_managed"
    else:
        outcome = "partly_managed"
    return DrillResult(drill.id, score, outcome, tuple(verdicts))


def order_problems(drill: Drill) -> list[str]:
    """Why the reference cannot be followed (unknown or cyclic 'after' links); empty if it can."""
    required = {r.action: r for r in drill.required}
    problems = []
    for need in drill.required:
        for before in need.after:
            if before not in required:
                problems.append(f"{need.action} comes after {before}, which is not required")
    state: dict[str, int] = {}

    def visit(node: str, trail: tuple[str, ...]) -> None:
        if state.get(node) == 2 or node not in required:
            return
        if state.get(node) == 1:
            problems.append("order constraints form a cycle: " + " -> ".join((*trail, node)))
            return
        state[node] = 1
        for before in required[node].after:
            visit(before, (*trail, node))
        state[node] = 2

    for need in drill.required:
        visit(need.action, ())
    return problems


def model_answer(drill: Drill) -> list[TakenAction]:
    """Every required action once, in an order the constraints allow, at second 0, with the
    expected doses: what a top score looks like (used by tests and the docs' example)."""
    placed: list[str] = []
    pending = [r for r in drill.required]
    while pending:
        ready = next(r for r in pending if all(a in placed for a in r.after))
        placed.append(ready.action)
        pending.remove(ready)
    doses = {r.action: dict(r.dose) for r in drill.required}
    return [TakenAction.of(a, 0, doses[a]) for a in placed]
