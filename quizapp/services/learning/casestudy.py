"""Case-study attempts: the steps a trainee walks through, one scored submission, the tendency.

Steps go in order (patient, assessment, candidacy, plan, result); a step can be revisited but not
skipped. The submission is a conditional UPDATE, so a double post or two tabs store one result.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, true, update
from sqlalchemy.exc import IntegrityError

from quizapp.domain.case import Case
from quizapp.domain.face import ZONES
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring import score_case_attempt
from quizapp.domain.terms import Disposition
from quizapp.extensions import db
from quizapp.formats.cases import load_case_text
from quizapp.formats.plans import PlanFileError, plan_from_dict
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseFlagResult,
    CaseStep,
    CaseVersion,
    CaseZoneResult,
)
from quizapp.services.learning.catalogue import Listed, case_listing

STEPS: tuple[CaseStep, ...] = tuple(CaseStep)
EMPTY_ROWS_SHOWN = 1


class StepRefused(Exception):
    """The trainee may not do this now; the message is safe to show."""


_CASE_CACHE: dict[str, Case] = {}


def case_content(version: CaseVersion) -> Case:
    """The parsed case of a version; published text never changes, so it is parsed once."""
    cached = _CASE_CACHE.get(version.content_hash)
    if cached is None:
        cached = load_case_text(
            version.source_text, f"case version {version.id}", check_bands=False
        )
        if len(_CASE_CACHE) > 512:
            _CASE_CACHE.clear()
        _CASE_CACHE[version.content_hash] = cached
    return cached


def find_listed(slug: str, academy_id: int | None) -> Listed | None:
    return next((c for c in case_listing(academy_id) if c.slug == slug), None)


@dataclass
class CaseProgress:
    listed: Listed
    attempts: int
    last_band: str | None
    last_score: float | None
    open_attempt_id: int | None
    last_attempt_id: int | None = None  # the last submitted attempt, whose result can be reopened


def case_progress(
    user_id: int, academy_id: int | None, slugs: Collection[str] | None = None
) -> list[CaseProgress]:
    """Every published case (or only `slugs`) with the trainee's last result, in two queries."""
    cases = case_listing(academy_id, slugs)
    only = [] if slugs is None else [CaseAttempt.case_id.in_([c.id for c in cases])]
    rows = db.session.execute(
        select(
            CaseAttempt.id,
            CaseAttempt.case_id,
            CaseAttempt.status,
            CaseAttempt.band,
            CaseAttempt.score,
        )
        .where(CaseAttempt.user_id == user_id, *only)
        .order_by(CaseAttempt.case_id, CaseAttempt.id)
    ).all()
    by_case: dict[int, list[Any]] = {}
    for row in rows:
        by_case.setdefault(row.case_id, []).append(row)
    progress = []
    for listed in cases:
        attempts = by_case.get(listed.id, [])
        submitted = [a for a in attempts if a.status is AttemptStatus.SUBMITTED]
        open_attempt = next((a for a in attempts if a.status is AttemptStatus.IN_PROGRESS), None)
        last = submitted[-1] if submitted else None
        progress.append(
            CaseProgress(
                listed,
                len(submitted),
                last.band if last else None,
                last.score if last else None,
                open_attempt.id if open_attempt else None,
                last.id if last else None,
            )
        )
    return progress


def start_or_resume(user_id: int, academy_id: int, listed: Listed, now: datetime) -> CaseAttempt:
    existing = _open_attempt(user_id, listed.id)
    if existing is not None:
        return existing
    attempt = CaseAttempt(
        user_id=user_id,
        academy_id=academy_id,
        case_id=listed.id,
        case_version_id=listed.version_id,
        step=CaseStep.PATIENT.value,
        started_at=now,
        updated_at=now,
        grades={},
        red_flags=[],
        plan_items=[],
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        existing = _open_attempt(user_id, listed.id)
        if existing is None:
            raise
        return existing
    return attempt


def _open_attempt(user_id: int, case_id: int) -> CaseAttempt | None:
    return db.session.scalar(
        select(CaseAttempt).where(
            CaseAttempt.user_id == user_id,
            CaseAttempt.case_id == case_id,
            CaseAttempt.status == AttemptStatus.IN_PROGRESS,
        )
    )


def attempt_for(user_id: int, attempt_id: int) -> CaseAttempt | None:
    """The attempt if it belongs to this trainee; anyone else's does not exist for them."""
    attempt = db.session.get(CaseAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id:
        return None
    return attempt


def step_index(step: str) -> int:
    return [s.value for s in STEPS].index(step)


def may_open(attempt: CaseAttempt, step: CaseStep) -> bool:
    """Steps up to the one reached may be opened; the result only once submitted."""
    if step is CaseStep.RESULT:
        return attempt.status is AttemptStatus.SUBMITTED
    if attempt.status is AttemptStatus.SUBMITTED:
        return False
    return step_index(step.value) <= step_index(attempt.step)


def _require_open(attempt: CaseAttempt, step: CaseStep) -> None:
    if attempt.status is AttemptStatus.SUBMITTED:
        raise StepRefused("This case attempt has been submitted; it can no longer change.")
    if not may_open(attempt, step):
        raise StepRefused("Finish the earlier steps first.")


def _advance_to(attempt: CaseAttempt, step: CaseStep) -> None:
    if step_index(step.value) > step_index(attempt.step):
        attempt.step = step.value


def finish_reading(attempt: CaseAttempt) -> None:
    _require_open(attempt, CaseStep.PATIENT)
    _advance_to(attempt, CaseStep.ASSESSMENT)


def save_assessment(attempt: CaseAttempt, grades: dict[str, dict[str, int | None]]) -> None:
    _require_open(attempt, CaseStep.ASSESSMENT)
    clean: dict[str, dict[str, int | None]] = {}
    for zone, pair in grades.items():
        if zone not in ZONES:
            continue
        rest, moving = pair.get("rest"), pair.get("moving")
        if rest is None and moving is None:
            continue
        for grade in (rest, moving):
            if grade is not None and not 0 <= grade <= 4:
                raise StepRefused("Grades run from 0 (none) to 4 (very severe).")
        clean[zone] = {"rest": rest, "moving": moving}
    attempt.grades = clean
    _advance_to(attempt, CaseStep.CANDIDACY)


def save_candidacy(attempt: CaseAttempt, flags: list[str], disposition: str | None) -> None:
    _require_open(attempt, CaseStep.CANDIDACY)
    if disposition not in {d.value for d in Disposition}:
        raise StepRefused("Choose what to do for this patient today.")
    attempt.red_flags = sorted({f for f in flags if f in RED_FLAGS})
    attempt.disposition = disposition
    _advance_to(attempt, CaseStep.PLAN)


def save_plan_rows(attempt: CaseAttempt, rows: list[dict[str, str]]) -> None:
    """Keep the plan rows as typed (validated at submission, shown again with any errors)."""
    _require_open(attempt, CaseStep.PLAN)
    kept = [
        {
            k: (row.get(k) or "").strip()[:200]
            for k in ("zone", "product", "amount", "side", "depth")
        }
        for row in rows
        if any((row.get(k) or "").strip() for k in ("zone", "product", "amount"))
    ]
    attempt.plan_items = kept[:40]


def plan_problems(attempt: CaseAttempt) -> list[str]:
    """What is wrong with the plan rows as typed, as sentences; empty when it can be scored."""
    try:
        build_plan(attempt)
    except PlanFileError as error:
        return [_row_message(issue) for issue in error.issues]
    return []


def _row_message(issue: Any) -> str:
    field = issue.field
    if field.startswith("items["):
        index = int(field[6 : field.index("]")])
        rest = field[field.index("]") + 2 :] or "row"
        return f"Row {index + 1}, {rest}: {issue.message}"
    return f"{field or 'Plan'}: {issue.message}"


def build_plan(attempt: CaseAttempt):
    disposition = attempt.disposition or Disposition.TREAT.value
    treats = Disposition(disposition).treats
    items = []
    for row in attempt.plan_items if treats else []:
        item = {k: row.get(k) for k in ("zone", "product", "amount", "side") if row.get(k)}
        if row.get("depth"):
            item["depth"] = row["depth"]
        items.append(item)
    return plan_from_dict(
        {"disposition": disposition, "items": items}, source="plan", from_form=True
    )


def submit(attempt: CaseAttempt, now: datetime) -> bool:
    """Score and close the attempt; True if this call submitted it, False if already done."""
    if attempt.status is AttemptStatus.SUBMITTED:
        return False
    _require_open(attempt, CaseStep.PLAN)
    case = case_content(attempt.case_version)
    plan = build_plan(attempt)  # PlanFileError goes back to the plan step
    result = score_case_attempt(
        case, attempt.grades or {}, attempt.red_flags or [], plan.disposition, plan
    )
    claimed = db.session.execute(
        update(CaseAttempt)
        .where(CaseAttempt.id == attempt.id, CaseAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(
            status=AttemptStatus.SUBMITTED,
            step=CaseStep.RESULT.value,
            submitted_at=now,
            updated_at=now,
            band=result.plan.band.value,
            score=result.total,
            result=result.to_dict(),
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.refresh(attempt)
        return False
    db.session.add_all(_zone_rows(attempt, result.plan.zones))
    db.session.add_all(flag_rows(attempt.id, result.red_flags.found, result.red_flags.missed))
    db.session.flush()
    db.session.refresh(attempt)
    return True


def flag_rows(attempt_id: int, found: Iterable[str], missed: Iterable[str]) -> list[CaseFlagResult]:
    """One row per red flag the case held: found ones with missed=False, missed ones True."""
    missed = set(missed)
    return [
        CaseFlagResult(attempt_id=attempt_id, flag=flag, missed=flag in missed)
        for flag in sorted(set(found) | missed)
    ]


def _zone_rows(attempt: CaseAttempt, verdicts) -> list[CaseZoneResult]:
    rows = []
    for verdict in verdicts:
        planned = max((amount for _, amount in verdict.amounts), default=0.0)
        low = verdict.range.min if verdict.range else None
        high = verdict.range.max if verdict.range else None
        rows.append(
            CaseZoneResult(
                attempt_id=attempt.id,
                user_id=attempt.user_id,
                case_version_id=attempt.case_version_id,
                zone=verdict.zone,
                verdict=verdict.verdict.value,
                planned=planned,
                reference_min=low,
                reference_max=high,
                deviation=deviation(planned, low, high),
            )
        )
    return rows


#: Deviation is clipped so one wild plan cannot dominate a trainee's average.
DEVIATION_CLIP = (-1.0, 2.0)


def deviation(planned: float, low: float | None, high: float | None) -> float:
    """Signed distance of a planned amount from its reference range, as a fraction of it.

    0 inside the range; (planned - max) / max above it; (planned - min) / min below it (so a
    missed zone is -1). A zone treated without any reference range counts as +1 (all excess).
    """
    if high is None:
        value = 1.0 if planned > 0 else 0.0
    elif planned > high:
        value = (planned - high) / high if high > 0 else 1.0
    elif low is not None and planned < low and low > 0:
        value = (planned - low) / low
    else:
        value = 0.0
    return max(DEVIATION_CLIP[0], min(DEVIATION_CLIP[1], value))


@dataclass(frozen=True)
class Tendency:
    """How a trainee's plans run against the reference: the feedback no other tool gives."""

    attempts: int
    zones_judged: int
    mean_deviation: float  # signed fraction; +0.25 = a quarter above the reference on average
    above_share: float
    below_share: float
    overdone_or_overfilled: int
    unsafe: int

    @property
    def label(self) -> str:
        if self.zones_judged == 0:
            return "no case attempts yet"
        if self.mean_deviation > 0.1:
            return "tends to over-treat"
        if self.mean_deviation < -0.1:
            return "tends to under-treat"
        return "close to the reference"


def tendency(user_id: int) -> Tendency:
    """Two aggregates over the trainee's submitted case attempts, in one round trip."""
    zones = (
        select(
            func.count(CaseZoneResult.id).label("judged"),
            func.coalesce(func.avg(CaseZoneResult.deviation), 0.0).label("mean"),
            func.coalesce(func.sum(sql_case((CaseZoneResult.deviation > 0, 1), else_=0)), 0).label(
                "above"
            ),
            func.coalesce(func.sum(sql_case((CaseZoneResult.deviation < 0, 1), else_=0)), 0).label(
                "below"
            ),
        )
        .where(CaseZoneResult.user_id == user_id)
        .subquery()
    )
    bands = (
        select(
            func.count(CaseAttempt.id).label("attempts"),
            func.coalesce(
                func.sum(sql_case((CaseAttempt.band.in_(("overdone", "overfilled")), 1), else_=0)),
                0,
            ).label("overdone"),
            func.coalesce(func.sum(sql_case((CaseAttempt.band == "unsafe", 1), else_=0)), 0).label(
                "unsafe"
            ),
        )
        .where(CaseAttempt.user_id == user_id, CaseAttempt.status == AttemptStatus.SUBMITTED)
        .subquery()
    )
    # Two one-row aggregates side by side.
    row = db.session.execute(select(zones, bands).select_from(zones.join(bands, true()))).one()
    judged = int(row.judged)
    return Tendency(
        attempts=int(row.attempts),
        zones_judged=judged,
        mean_deviation=float(row.mean),
        above_share=int(row.above) / judged if judged else 0.0,
        below_share=int(row.below) / judged if judged else 0.0,
        overdone_or_overfilled=int(row.overdone),
        unsafe=int(row.unsafe),
    )
