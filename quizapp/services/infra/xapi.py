"""xAPI (Experience API 1.0.3) statements from quiz and case attempts, for export or an LRS.

Each quiz attempt gives "attempted", one "answered" per question (a `cmi.interaction` with its
`interactionType`, choices, `correctResponsesPattern` and the learner's `response`), then
"completed" and "passed" or "failed" with its score; each case attempt gives "attempted", then
"completed" and "passed" (a conservative or natural plan) or "failed", with its score and band.
Statement ids are derived from the attempt (UUID 5), so exporting or sending twice yields the
same statements, which an LRS accepts without duplicates. Learners are identified by an account
on this site (never by email address).

Every IRI (the actor's homePage, activity ids, extensions, and the seed of statement ids) starts
with PUBLIC_BASE_URL, so a learner exported through two host names is still one person. Without
it (development only: production refuses to start without it) the request's root stands in.

Sending is optional: set XAPI_LRS_URL (the LRS endpoint, e.g. https://lrs.example.org/xapi/),
XAPI_LRS_USERNAME and XAPI_LRS_PASSWORD (HTTP Basic) in the app config or the environment.
"""

from __future__ import annotations

import base64
import json
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select

from quizapp.domain import quiz
from quizapp.extensions import db
from quizapp.models import (
    Academy,
    AttemptStatus,
    CaseAttempt,
    CaseRecord,
    Cohort,
    CohortMember,
    ModuleRecord,
    ModuleVersion,
    QuestionResult,
    QuizAttempt,
    User,
)

XAPI_VERSION = "1.0.3"
VERBS = {
    name: {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}
    for name in ("attempted", "answered", "completed", "passed", "failed")
}
ACTIVITY_TYPES = {
    "module": "http://adlnet.gov/expapi/activities/assessment",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
    "case": "http://adlnet.gov/expapi/activities/simulation",
    "academy": "http://adlnet.gov/expapi/activities/course",
}
GOOD_BANDS = ("conservative", "natural")
BATCH_SIZE = 200
# Sending retries a batch after these pauses (seconds) when the LRS cannot be reached or answers
# 429/5xx; statement ids make a repeated batch harmless (the LRS keeps one of each id).
RETRY_DELAYS = (1.0, 4.0, 16.0)
_NAMESPACE = uuid.UUID("6f1c9a8e-3d0b-5c2e-9a61-7b0f4e2d8c13")


class XapiError(Exception):
    """Sending to the LRS failed; the message is safe to show to an admin. `retry`: trying
    again later may succeed (the LRS was unreachable, busy or failing)."""

    def __init__(self, message: str, *, retry: bool = False):
        super().__init__(message)
        self.retry = retry


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Builder:
    def __init__(self, base_url: str, academy: Academy):
        self.base = base_url.rstrip("/") + "/"
        self.academy = academy
        self.academy_activity = self.activity(f"academies/{academy.slug}", "academy", academy.name)

    def activity(self, path: str, kind: str, name: str) -> dict[str, Any]:
        return {
            "objectType": "Activity",
            "id": f"{self.base}xapi/activities/{path}",
            "definition": {"type": ACTIVITY_TYPES[kind], "name": {"en-US": name}},
        }

    def actor(self, user_id: int, name: str) -> dict[str, Any]:
        return {
            "objectType": "Agent",
            "name": name,
            "account": {"homePage": self.base, "name": f"user-{user_id}"},
        }

    def statement(
        self,
        key: str,
        actor: dict[str, Any],
        verb: str,
        activity: dict[str, Any],
        when: datetime | None,
        result: dict[str, Any] | None = None,
        parent: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        context: dict[str, Any] = {
            "platform": "quizapp",
            "language": "en",
            "contextActivities": {"grouping": [self.academy_activity]},
        }
        if parent is not None:
            context["contextActivities"]["parent"] = [parent]
        statement = {
            "id": str(uuid.uuid5(_NAMESPACE, f"{self.base}|{key}|{verb}")),
            "actor": actor,
            "verb": VERBS[verb],
            "object": activity,
            "context": context,
            "timestamp": _iso(when),
        }
        if result is not None:
            statement["result"] = result
        return statement


def _score(percent: float, *, success: bool | None) -> dict[str, Any]:
    percent = max(0.0, min(100.0, float(percent)))
    result: dict[str, Any] = {
        "score": {
            "scaled": round(percent / 100, 4),
            "raw": round(percent, 2),
            "min": 0,
            "max": 100,
        },
        "completion": True,
    }
    if success is not None:
        result["success"] = success
    return result


# xAPI 1.0.3 joins the parts of a multi-part response or pattern with "[,]" and a numeric range
# with "[:]".
_JOIN = "[,]"


def _choices(prefix: str, texts) -> list[dict[str, Any]]:
    return [{"id": f"{prefix}-{i}", "description": {"en-US": text}} for i, text in enumerate(texts)]


def _ids(prefix: str, indexes) -> str:
    return _JOIN.join(f"{prefix}-{i}" for i in indexes)


def _number(value: float) -> str:
    return f"{value:g}"


def interaction(question: quiz.Question, response: Any) -> tuple[dict[str, Any], str]:
    """The interaction part of an activity definition for `question`, and the learner's graded
    `response` (as QuestionResult keeps it) in the xAPI response format ("" when unanswered or
    unreadable)."""
    answered = response not in (None, "", [])
    if isinstance(question, quiz.ChoiceQuestion):  # single, multi, plan_compare
        chosen = response if isinstance(response, list) else [response] if answered else []
        definition = {
            "interactionType": "choice",
            "choices": _choices("option", (o.text for o in question.options)),
            "correctResponsesPattern": [_ids("option", question.correct_indexes)],
        }
        return definition, _ids("option", chosen)
    if isinstance(question, quiz.TrueFalseQuestion):
        definition = {
            "interactionType": "true-false",
            "correctResponsesPattern": ["true" if question.answer else "false"],
        }
        return definition, ("true" if response else "false") if isinstance(response, bool) else ""
    if isinstance(question, quiz.NumericQuestion):
        low, high = question.answer - question.tolerance, question.answer + question.tolerance
        pattern = (
            f"{_number(low)}[:]{_number(high)}" if question.tolerance else _number(question.answer)
        )
        try:
            value = _number(quiz.parse_numeric_response(response)[0]) if answered else ""
        except quiz.NumericParseError:
            value = ""
        return {"interactionType": "numeric", "correctResponsesPattern": [pattern]}, value
    if isinstance(question, quiz.ShortAnswerQuestion):
        full = [a.text for a in question.answers if a.weight == 100]
        definition = {
            "interactionType": "fill-in",
            "correctResponsesPattern": ["{case_matters=false}" + text for text in full],
        }
        return definition, response if isinstance(response, str) else ""
    if isinstance(question, quiz.MatchingQuestion):
        rights = question.rights
        definition = {
            "interactionType": "matching",
            "source": _choices("left", (pair.left for pair in question.pairs)),
            "target": _choices("right", rights),
            "correctResponsesPattern": [
                _JOIN.join(
                    f"left-{i}[.]right-{rights.index(pair.right)}"
                    for i, pair in enumerate(question.pairs)
                )
            ],
        }
        pairs = quiz.matching_choices(question, response) if answered else None
        value = _JOIN.join(f"left-{i}[.]right-{j}" for i, j in sorted((pairs or {}).items()))
        return definition, value
    if isinstance(question, quiz.OrderingQuestion):
        definition = {
            "interactionType": "sequencing",
            "choices": _choices("item", (item.text for item in question.items)),
            "correctResponsesPattern": [_ids("item", range(len(question.items)))],
        }
        return definition, _ids("item", response if isinstance(response, list) else [])
    # hotspot: zones of the face map, which no standard interaction type describes
    definition = {
        "interactionType": "other",
        "correctResponsesPattern": [_JOIN.join(question.zones)],
    }
    return definition, _JOIN.join(response) if isinstance(response, list) else ""


def _questions(version_ids) -> dict[tuple[int, str], quiz.Question]:
    """The questions of the given module versions, by (version id, question id)."""
    from quizapp.services.learning.quizzes import module_content

    found: dict[tuple[int, str], quiz.Question] = {}
    if version_ids:
        for version in db.session.scalars(
            select(ModuleVersion).where(ModuleVersion.id.in_(version_ids))
        ):
            for question in module_content(version).questions:
                found[(version.id, question.id)] = question
    return found


def base_url(fallback: str) -> str:
    """PUBLIC_BASE_URL, the root of every IRI; `fallback` (the request's root) only where it is
    not configured, which build_config allows in development only."""
    configured = _setting("PUBLIC_BASE_URL").strip()
    return configured or fallback


def statements(academy_id: int, user_ids, fallback_base_url: str) -> list[dict[str, Any]]:
    """Statements for the learners `user_ids` (a list or a subquery) in one academy, oldest
    first, in six queries whatever the history. IRIs start with PUBLIC_BASE_URL, or
    `fallback_base_url` where that is not configured (see `base_url`)."""
    academy = db.session.get(Academy, academy_id)
    build = _Builder(base_url(fallback_base_url), academy)
    out: list[tuple[datetime, int, dict[str, Any]]] = []

    quizzes = db.session.execute(
        select(QuizAttempt, ModuleRecord.slug, ModuleRecord.title, User.display_name)
        .join(ModuleRecord, ModuleRecord.id == QuizAttempt.module_id)
        .join(User, User.id == QuizAttempt.user_id)
        .where(QuizAttempt.academy_id == academy_id, QuizAttempt.user_id.in_(user_ids))
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    answers: dict[int, list[QuestionResult]] = {}
    submitted_ids = [a.id for a, *_ in quizzes if a.status is AttemptStatus.SUBMITTED]
    if submitted_ids:
        for result in db.session.scalars(
            select(QuestionResult)
            .where(QuestionResult.attempt_id.in_(submitted_ids))
            .order_by(QuestionResult.attempt_id, QuestionResult.id)
        ):
            answers.setdefault(result.attempt_id, []).append(result)
    questions = _questions({r.module_version_id for rs in answers.values() for r in rs})
    for attempt, slug, title, name in quizzes:
        actor = build.actor(attempt.user_id, name)
        module = build.activity(f"modules/{slug}", "module", title)
        key = f"quiz-attempt-{attempt.id}"
        out.append(
            (
                attempt.started_at,
                0,
                build.statement(key, actor, "attempted", module, attempt.started_at),
            )
        )
        if attempt.status is not AttemptStatus.SUBMITTED:
            continue
        for answer in answers.get(attempt.id, []):
            question = build.activity(
                f"modules/{slug}/questions/{answer.question_id}",
                "question",
                f"{title}: {answer.question_id}",
            )
            result = {
                "score": {"scaled": round(max(0.0, min(1.0, answer.score)), 4)},
                "success": bool(answer.correct),
            }
            asked = questions.get((answer.module_version_id, answer.question_id))
            if asked is not None:
                definition, result["response"] = interaction(asked, answer.response)
                question["definition"].update(definition)
            out.append(
                (
                    attempt.submitted_at,
                    1,
                    build.statement(
                        f"{key}-{answer.question_id}",
                        actor,
                        "answered",
                        question,
                        attempt.submitted_at,
                        result,
                        parent=module,
                    ),
                )
            )
        score = _score(attempt.score_percent or 0.0, success=bool(attempt.passed))
        out.append(
            (
                attempt.submitted_at,
                2,
                build.statement(key, actor, "completed", module, attempt.submitted_at, score),
            )
        )
        verdict = "passed" if attempt.passed else "failed"
        out.append(
            (
                attempt.submitted_at,
                3,
                build.statement(key, actor, verdict, module, attempt.submitted_at, score),
            )
        )

    cases = db.session.execute(
        select(CaseAttempt, CaseRecord.slug, CaseRecord.title, User.display_name)
        .join(CaseRecord, CaseRecord.id == CaseAttempt.case_id)
        .join(User, User.id == CaseAttempt.user_id)
        .where(CaseAttempt.academy_id == academy_id, CaseAttempt.user_id.in_(user_ids))
        .order_by(CaseAttempt.started_at, CaseAttempt.id)
    ).all()
    band_extension = f"{build.base}xapi/extensions/band"
    for attempt, slug, title, name in cases:
        actor = build.actor(attempt.user_id, name)
        case = build.activity(f"cases/{slug}", "case", title)
        key = f"case-attempt-{attempt.id}"
        out.append(
            (
                attempt.started_at,
                0,
                build.statement(key, actor, "attempted", case, attempt.started_at),
            )
        )
        if attempt.status is not AttemptStatus.SUBMITTED:
            continue
        good = attempt.band in GOOD_BANDS
        score = _score(attempt.score or 0.0, success=good)
        score["extensions"] = {band_extension: attempt.band}
        out.append(
            (
                attempt.submitted_at,
                2,
                build.statement(key, actor, "completed", case, attempt.submitted_at, score),
            )
        )
        out.append(
            (
                attempt.submitted_at,
                3,
                build.statement(
                    key, actor, "passed" if good else "failed", case, attempt.submitted_at, score
                ),
            )
        )
    from quizapp.services.infra.xapi_drills import drill_statements

    out.extend(drill_statements(build, academy_id, user_ids, _score))
    out.sort(key=lambda item: (item[0], item[1]))
    return [statement for _, _, statement in out]


def learner_statements(
    academy_id: int, user_id: int, fallback_base_url: str
) -> list[dict[str, Any]]:
    return statements(academy_id, [user_id], fallback_base_url)


def cohort_statements(cohort: Cohort, fallback_base_url: str) -> list[dict[str, Any]]:
    trainees = select(CohortMember.user_id).where(
        CohortMember.cohort_id == cohort.id, CohortMember.role == "trainee"
    )
    return statements(cohort.academy_id, trainees, fallback_base_url)


# --------------------------------------------------------------------------------------------
# Sending to a learning record store
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LrsSettings:
    url: str
    username: str
    password: str

    @property
    def statements_url(self) -> str:
        return self.url.rstrip("/") + "/statements"


def _setting(name: str) -> str:
    value = None
    try:
        value = current_app.config.get(name)
    except RuntimeError:  # outside an app context (the CLI before the app is built)
        value = None
    return (value if value is not None else os.environ.get(name, "")) or ""


def lrs_settings() -> LrsSettings | None:
    """The configured LRS, or None when XAPI_LRS_URL is not set."""
    url = _setting("XAPI_LRS_URL").strip()
    if not url:
        return None
    if not url.startswith(("https://", "http://")):
        raise XapiError("XAPI_LRS_URL must be an http(s) address.")
    return LrsSettings(url, _setting("XAPI_LRS_USERNAME"), _setting("XAPI_LRS_PASSWORD"))


Opener = Callable[..., Any]
_RETRIED_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


def _post(request: urllib.request.Request, opener: Opener, timeout: float) -> XapiError | None:
    """One POST: None when the LRS took the batch, else the error, marked `retry` when trying
    again may help (the LRS could not be reached, or answered 408, 429 or 5xx)."""
    try:
        with opener(request, timeout=timeout) as response:
            status = getattr(response, "status", 200)
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        return XapiError(f"The LRS could not be reached ({error}).", retry=True)
    if 200 <= status < 300:
        return None
    return XapiError(
        f"The LRS refused the statements (HTTP {status}).", retry=status in _RETRIED_STATUSES
    )


def send(
    batch: Iterable[dict[str, Any]],
    settings: LrsSettings,
    *,
    opener: Opener | None = None,
    timeout: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    delays: Iterable[float] = RETRY_DELAYS,
) -> int:
    """POST statements to the LRS in batches; returns how many were sent. A batch that fails
    for a reason that may pass is sent again after each of `delays` (exponential backoff);
    as every statement carries its own stable id, a batch the LRS did keep before an error
    is not kept twice (xAPI 1.0.3: a statement id already stored is not stored again)."""
    items = list(batch)
    opener = opener or urllib.request.urlopen
    delays = tuple(delays)
    credentials = base64.b64encode(f"{settings.username}:{settings.password}".encode()).decode()
    sent = 0
    for start in range(0, len(items), BATCH_SIZE):
        chunk = items[start : start + BATCH_SIZE]
        request = urllib.request.Request(  # noqa: S310 (scheme checked in lrs_settings)
            settings.statements_url,
            data=json.dumps(chunk).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Experience-API-Version": XAPI_VERSION,
                "Authorization": f"Basic {credentials}",
            },
        )
        for pause in (*delays, None):
            failure = _post(request, opener, timeout)
            if failure is None:
                break
            if pause is None or not failure.retry:
                raise failure
            sleep(pause)
        sent += len(chunk)
    return sent
