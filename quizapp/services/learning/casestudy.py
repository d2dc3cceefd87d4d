"""Case-study attempts: the steps a trainee walks through, one scored submission, the tendency.

Steps go in order (patient, assessment, candidacy, plan, result); a step can be revisited but not
skipped. The model owns the moves (models/progress.py): every save is a conditional UPDATE on an
open attempt, and the submission locks the row, scores what it holds and closes it once, so a
double post or two tabs store one result and a save racing the submission cannot change it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from quizapp.domain.case import Case
from quizapp.domain.face import ZONES
from quizapp.domain.plan import MAX_ITEMS, PLAN_ROW_KEYS
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring import score_case_attempt
from quizapp.domain.tendency import Tendency, deviation
from quizapp.domain.tendency import from_sums as tendency_sums
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
    InvalidTransition,
    LearnerTendency,
)
from quizapp.models.progress import STEP_ORDER
from quizapp.services.infra.workercache import LruCache
from quizapp.services.learning import summaries
from quizapp.services.learning.catalogue import Listed, case_listing
from quizapp.services.learning.submission import Submitted, certify

STEPS = STEP_ORDER
EMPTY_ROWS_SHOWN = 1


class StepRefused(Exception):
    """The trainee may not do this now; the message is safe to show."""


#: Parsed cases by content hash: published text never changes, so each is parsed once a worker.
_cases = LruCache(max_entries=512)


def case_content(version: CaseVersion) -> Case:
    """The parsed case of a version, from this worker's cache when it has it."""
    cached = _cases.get(version.content_hash)
    if cached is None:
        cached = load_case_text(
            version.source_text, f"case version {version.id}", check_bands=False
        )
        _cases.put(version.content_hash, cached)
    return cached


def attempt_case(attempt: CaseAttempt) -> Case:
    """The parsed case an attempt is on; through the content list (read once a transaction) and
    its content hash when that is the published version, so no request reads the version's
    text once this worker has parsed it."""
    listed = next(
        (c for c in case_listing(attempt.academy_id) if c.version_id == attempt.case_version_id),
        None,
    )
    cached = _cases.get(listed.content_hash) if listed and listed.content_hash else None
    return cached if cached is not None else case_content(attempt.case_version)


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


@cache
def _own_attempts_statement(some_cases: bool) -> Select:
    """case_progress's statement, built once (the module page runs it): the trainee as
    :user_id, the cases as :case_ids when `some_cases`."""
    query = select(
        CaseAttempt.id,
        CaseAttempt.case_id,
        CaseAttempt.status,
        CaseAttempt.band,
        CaseAttempt.score,
    ).where(CaseAttempt.user_id == bindparam("user_id"))
    if some_cases:
        query = query.where(CaseAttempt.case_id.in_(bindparam("case_ids", expanding=True)))
    return query.order_by(CaseAttempt.case_id, CaseAttempt.id)


def case_progress(
    user_id: int, academy_id: int | None, slugs: Collection[str] | None = None
) -> list[CaseProgress]:
    """Every published case (or only `slugs`) with the trainee's last result, in two queries."""
    cases = case_listing(academy_id, slugs)
    parameters: dict[str, Any] = {"user_id": user_id}
    if slugs is not None:
        parameters["case_ids"] = [c.id for c in cases]
    rows = db.session.execute(_own_attempts_statement(slugs is not None), parameters).all()
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
    summaries.case_touched(attempt)
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
        raise StepRefused(SUBMITTED_MESSAGE)
    if not may_open(attempt, step):
        raise StepRefused("Finish the earlier steps first.")


SUBMITTED_MESSAGE = "This case attempt has been submitted; it can no longer change."


def _change(
    attempt: CaseAttempt, step: CaseStep, reach: CaseStep, *, touch: bool = True, **answers: Any
) -> None:
    """Save a step's answers and open the next one; refused once the attempt is submitted or
    another window moved it meanwhile (the model's conditional UPDATE decides). `touch=False`
    leaves the learner's last activity to a submission that follows in this transaction."""
    _require_open(attempt, step)
    try:
        attempt.change(reach, **answers)
    except InvalidTransition as error:
        if attempt.status is AttemptStatus.SUBMITTED:
            raise StepRefused(SUBMITTED_MESSAGE) from error
        raise StepRefused(
            "This attempt changed in another window; here it is as it stands."
        ) from error
    if touch and isinstance(attempt, CaseAttempt):  # not an author's preview, held in memory
        summaries.case_touched(attempt)  # the learner's last activity, for the academy report


def finish_reading(attempt: CaseAttempt) -> None:
    _change(attempt, CaseStep.PATIENT, CaseStep.ASSESSMENT)


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
    _change(attempt, CaseStep.ASSESSMENT, CaseStep.CANDIDACY, grades=clean)


def save_candidacy(attempt: CaseAttempt, flags: list[str], disposition: str | None) -> None:
    _require_open(attempt, CaseStep.CANDIDACY)
    if disposition not in {d.value for d in Disposition}:
        raise StepRefused("Choose what to do for this patient today.")
    _change(
        attempt,
        CaseStep.CANDIDACY,
        CaseStep.PLAN,
        red_flags=sorted({f for f in flags if f in RED_FLAGS}),
        disposition=disposition,
    )


def save_plan_rows(
    attempt: CaseAttempt, rows: list[dict[str, str]], *, submitting: bool = False
) -> None:
    """Keep the plan rows as typed (validated at submission, shown again with any errors).
    `submitting`: `submit` follows in this transaction and writes the last activity itself."""
    kept = [
        {k: (row.get(k) or "").strip()[:200] for k in PLAN_ROW_KEYS}
        for row in rows
        if any((row.get(k) or "").strip() for k in ("zone", "product", "amount"))
    ]
    _change(
        attempt, CaseStep.PLAN, CaseStep.PLAN, touch=not submitting, plan_items=kept[:MAX_ITEMS]
    )


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


def submit(attempt: CaseAttempt, now: datetime, token: str | None = None) -> Submitted | None:
    """Score and close the attempt, and issue the certificates that completes; None if it was
    already submitted (this call changed nothing).

    The row is held first, so the answers scored are the answers stored: a save racing in
    either lands before (and is scored) or is refused after. `token` is the submit form's
    (CaseAttempt.new_submission_token), kept to know a retried post."""
    if attempt.status is AttemptStatus.SUBMITTED:
        return None
    _require_open(attempt, CaseStep.PLAN)
    if not attempt.hold_open():
        return None
    _require_open(attempt, CaseStep.PLAN)
    case = attempt_case(attempt)
    try:
        plan = build_plan(attempt)  # PlanFileError goes back to the plan step
    except PlanFileError:
        summaries.case_touched(attempt)  # the rows are kept as typed: the last activity
        raise
    result = score_case_attempt(
        case, attempt.grades or {}, attempt.red_flags or [], plan.disposition, plan
    )
    if not attempt.close(now, result.plan.band.value, result.total, result.to_dict(), token):
        return None
    zones = _zone_values(attempt, result.plan.zones)
    flags = _flag_values(attempt.id, result.red_flags.found, result.red_flags.missed)
    # Core inserts, one statement a table: nothing reads these rows back as objects.
    for model, rows in ((CaseZoneResult, zones), (CaseFlagResult, flags)):
        if rows:
            db.session.execute(insert(model.__table__), rows)
    submitted = certify(attempt.user_id, attempt.academy_id, now)
    # In this transaction (never out of step), and last: the academy-wide rows it adds to stay
    # locked only from here to the commit.
    summaries.case_submitted(attempt, zones, flags)
    return submitted


def flag_rows(attempt_id: int, found: Iterable[str], missed: Iterable[str]) -> list[CaseFlagResult]:
    """One row per red flag the case held: found ones with missed=False, missed ones True."""
    return [CaseFlagResult(**values) for values in _flag_values(attempt_id, found, missed)]


def _flag_values(attempt_id: int, found: Iterable[str], missed: Iterable[str]) -> list[dict]:
    missed = set(missed)
    return [
        {"attempt_id": attempt_id, "flag": flag, "missed": flag in missed}
        for flag in sorted(set(found) | missed)
    ]


def _zone_values(attempt: CaseAttempt, verdicts) -> list[dict[str, Any]]:
    rows = []
    for verdict in verdicts:
        planned = max((amount for _, amount in verdict.amounts), default=0.0)
        low = verdict.range.min if verdict.range else None
        high = verdict.range.max if verdict.range else None
        rows.append(
            {
                "attempt_id": attempt.id,
                "user_id": attempt.user_id,
                "case_version_id": attempt.case_version_id,
                "zone": verdict.zone,
                "verdict": verdict.verdict.value,
                "planned": planned,
                "reference_min": low,
                "reference_max": high,
                "deviation": deviation(planned, low, high),
            }
        )
    return rows


def tendency(user_id: int) -> Tendency:
    """The trainee's tendency over their submitted case attempts, from the sums written with
    each submission (models/summaries.py: one row, however long the history)."""
    row = db.session.execute(
        select(LearnerTendency.__table__).where(LearnerTendency.user_id == user_id)
    ).one_or_none()  # columns, not an object: never a stale copy from this session
    return tendency_from_sums(row)


def tendency_from_sums(row: Any) -> Tendency:
    """The tendency from a learner_tendencies row (any row with its columns), None or a row of
    nulls (an outer join that found none) meaning no submitted case yet."""
    if row is None or row.attempts is None:
        return Tendency(0, 0, 0.0, 0.0, 0.0, 0, 0)
    return tendency_sums(
        attempts=row.attempts,
        zones_judged=row.judged,
        deviation_sum=row.deviation_nano / summaries.NANO,
        above=row.above,
        below=row.below,
        overdone_or_overfilled=row.overdone_or_overfilled,
        unsafe=row.unsafe,
    )
