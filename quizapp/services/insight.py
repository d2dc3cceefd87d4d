"""What trainees get wrong: statistics per question, per case and across the academy.

Everything is scoped to one academy (attempts carry `academy_id`) and aggregated in SQL: each
table is one grouped query, and Python only combines the few grouped rows that come back (for
instance spreading the count of a multi-select answer over its options).

Per question:
- facility index: the mean item score (0-1; partial credit counts as scored).
- discrimination index: the corrected item-total correlation, i.e. Pearson's r between the item
  score and the rest-of-test score (the attempt's total minus this item) over submitted attempts.
  For items scored 0/1 this is the point-biserial correlation. It needs variation in both: with
  every trainee scoring the same on the item (or on the rest), it is undefined and shown as "-".
- option counts: how often each option (zone, true/false, number) was chosen, from
  QuestionResult.response.

Per case: the distribution of bands; per zone how often it was over-treated (heavy, overfilled or
not indicated), missed or under-treated, and the average deviation from the reference range; the
red flags most often missed (from CaseFlagResult rows written at submission).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import Text, case, cast, func, or_, select

from quizapp.domain.terms import Band
from quizapp.extensions import db
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseFlagResult,
    CaseRecord,
    CaseZoneResult,
    ModuleRecord,
    ModuleVersion,
    QuestionResult,
    QuizAttempt,
)
from quizapp.services import aggcache

OVER_TREATED: Final = ("heavy", "overfilled", "not_indicated")
BANDS: Final = tuple(b.value for b in Band)
#: Below this many answers a discrimination index says little; pages say so.
FEW_ANSWERS: Final = 10


# --------------------------------------------------------------------------------------------
# Overview
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    id: int
    slug: str
    title: str
    bank: bool
    attempts: int
    trainees: int
    mean: float | None  # quiz percent, or case score out of 100


def module_activity(academy_id: int) -> list[Activity]:
    """Modules with submitted attempts by this academy's trainees (one query)."""
    rows = db.session.execute(
        select(
            ModuleRecord.id,
            ModuleRecord.slug,
            ModuleRecord.title,
            ModuleRecord.academy_id,
            func.count(QuizAttempt.id),
            func.count(func.distinct(QuizAttempt.user_id)),
            func.avg(QuizAttempt.score_percent),
        )
        .join(QuizAttempt, QuizAttempt.module_id == ModuleRecord.id)
        .where(
            QuizAttempt.academy_id == academy_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            or_(ModuleRecord.academy_id.is_(None), ModuleRecord.academy_id == academy_id),
        )
        .group_by(ModuleRecord.id, ModuleRecord.slug, ModuleRecord.title, ModuleRecord.academy_id)
        .order_by(ModuleRecord.position, ModuleRecord.id)
    ).all()
    return [Activity(r[0], r[1], r[2], r[3] is None, r[4], r[5], _float(r[6])) for r in rows]


def case_activity(academy_id: int) -> list[Activity]:
    """Cases with submitted attempts by this academy's trainees (one query)."""
    rows = db.session.execute(
        select(
            CaseRecord.id,
            CaseRecord.slug,
            CaseRecord.title,
            CaseRecord.academy_id,
            func.count(CaseAttempt.id),
            func.count(func.distinct(CaseAttempt.user_id)),
            func.avg(CaseAttempt.score),
        )
        .join(CaseAttempt, CaseAttempt.case_id == CaseRecord.id)
        .where(
            CaseAttempt.academy_id == academy_id,
            CaseAttempt.status == AttemptStatus.SUBMITTED,
            or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id),
        )
        .group_by(CaseRecord.id, CaseRecord.slug, CaseRecord.title, CaseRecord.academy_id)
        .order_by(CaseRecord.slug)
    ).all()
    return [Activity(r[0], r[1], r[2], r[3] is None, r[4], r[5], _float(r[6])) for r in rows]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------------------------
# Questions
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionCount:
    id: int
    number: int
    results: int


def module_versions_with_results(academy_id: int, module_id: int) -> list[VersionCount]:
    """The module's versions and how many submitted attempts of this academy each has."""
    rows = db.session.execute(
        select(ModuleVersion.id, ModuleVersion.number, func.count(QuizAttempt.id))
        .outerjoin(
            QuizAttempt,
            (QuizAttempt.module_version_id == ModuleVersion.id)
            & (QuizAttempt.academy_id == academy_id)
            & (QuizAttempt.status == AttemptStatus.SUBMITTED),
        )
        .where(ModuleVersion.module_id == module_id)
        .group_by(ModuleVersion.id, ModuleVersion.number)
        .order_by(ModuleVersion.number.desc())
    ).all()
    return [VersionCount(*row) for row in rows]


@dataclass
class QuestionStat:
    question_id: str
    topic: str
    answers: int
    facility: float | None
    discrimination: float | None
    answered: int = 0
    fully_right: int = 0
    choices: Counter = field(default_factory=Counter)  # option index / zone / value -> count

    @property
    def few(self) -> bool:
        return self.answers < FEW_ANSWERS


def pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    """Pearson's r from sums; None when either side does not vary."""
    if n < 2:
        return None
    cov = n * sxy - sx * sy
    vx = n * sxx - sx * sx
    vy = n * syy - sy * sy
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return max(-1.0, min(1.0, cov / math.sqrt(vx * vy)))


def question_stats(academy_id: int, version_id: int) -> dict[str, QuestionStat]:
    """Facility, discrimination and choice counts per question of one module version, for the
    academy's submitted attempts: two grouped queries."""
    totals = (
        select(QuestionResult.attempt_id, func.sum(QuestionResult.score).label("total"))
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(QuizAttempt.academy_id == academy_id, QuestionResult.module_version_id == version_id)
        .group_by(QuestionResult.attempt_id)
        .subquery()
    )
    x = QuestionResult.score
    y = totals.c.total - QuestionResult.score
    rows = db.session.execute(
        select(
            QuestionResult.question_id,
            func.max(QuestionResult.topic),
            func.count(),
            func.sum(x),
            func.sum(y),
            func.sum(x * x),
            func.sum(y * y),
            func.sum(x * y),
            func.sum(case((QuestionResult.correct.is_(True), 1), else_=0)),
        )
        .join(totals, totals.c.attempt_id == QuestionResult.attempt_id)
        .where(QuestionResult.module_version_id == version_id)
        .group_by(QuestionResult.question_id)
    ).all()
    stats: dict[str, QuestionStat] = {}
    for qid, topic, n, sx, sy, sxx, syy, sxy, right in rows:
        n = int(n)
        sx, sy, sxx, syy, sxy = (float(v or 0) for v in (sx, sy, sxx, syy, sxy))
        stats[qid] = QuestionStat(
            qid,
            topic or "",
            n,
            sx / n if n else None,
            pearson(n, sx, sy, sxx, syy, sxy),
            fully_right=int(right or 0),
        )
    response_text = cast(QuestionResult.response, Text)
    choice_rows = db.session.execute(
        select(QuestionResult.question_id, response_text, func.count())
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(QuizAttempt.academy_id == academy_id, QuestionResult.module_version_id == version_id)
        .group_by(QuestionResult.question_id, response_text)
    ).all()
    for qid, raw, count in choice_rows:
        stat = stats.get(qid)
        if stat is None:
            continue
        value = _json(raw)
        if value is None:
            continue
        stat.answered += int(count)
        for key in value if isinstance(value, list) else [value]:
            stat.choices[_choice_key(key)] += int(count)
    return stats


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _choice_key(value: Any) -> Any:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    return str(value).strip()


# --------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneStat:
    zone: str
    judged: int
    over: int
    missed: int
    under: int
    unsafe: int
    mean_deviation: float

    @property
    def over_share(self) -> float:
        return self.over / self.judged if self.judged else 0.0

    @property
    def missed_share(self) -> float:
        return self.missed / self.judged if self.judged else 0.0


@dataclass(frozen=True)
class FlagStat:
    flag: str
    present: int  # attempts in which the flag was present
    missed: int

    @property
    def missed_share(self) -> float:
        return self.missed / self.present if self.present else 0.0


@dataclass
class CaseInsight:
    attempts: int
    mean_score: float | None
    bands: dict[str, int]
    zones: list[ZoneStat]
    flags: list[FlagStat]


def _case_filter(academy_id: int, case_id: int | None, version_id: int | None) -> list[Any]:
    where = [CaseAttempt.academy_id == academy_id, CaseAttempt.status == AttemptStatus.SUBMITTED]
    if case_id is not None:
        where.append(CaseAttempt.case_id == case_id)
    if version_id is not None:
        where.append(CaseAttempt.case_version_id == version_id)
    return where


def band_counts(academy_id: int, case_id: int, version_id: int | None = None):
    rows = db.session.execute(
        select(CaseAttempt.band, func.count(), func.avg(CaseAttempt.score))
        .where(*_case_filter(academy_id, case_id, version_id))
        .group_by(CaseAttempt.band)
    ).all()
    bands = {band: 0 for band in BANDS}
    total, weighted = 0, 0.0
    for band, count, mean in rows:
        bands[band or "unsafe"] = bands.get(band or "unsafe", 0) + int(count)
        total += int(count)
        weighted += float(mean or 0) * int(count)
    return bands, total, (weighted / total if total else None)


def zone_stats(
    academy_id: int, case_id: int | None = None, version_id: int | None = None
) -> list[ZoneStat]:
    """Per zone: verdict counts and the mean deviation from the reference (one query); most
    often over-treated first."""

    def count_of(*verdicts: str):
        return func.sum(case((CaseZoneResult.verdict.in_(verdicts), 1), else_=0))

    rows = db.session.execute(
        select(
            CaseZoneResult.zone,
            func.count(),
            count_of(*OVER_TREATED),
            count_of("missed"),
            count_of("under"),
            count_of("unsafe", "wrong_product"),
            func.avg(CaseZoneResult.deviation),
        )
        .join(CaseAttempt, CaseAttempt.id == CaseZoneResult.attempt_id)
        .where(*_case_filter(academy_id, case_id, version_id))
        .group_by(CaseZoneResult.zone)
    ).all()
    stats = [
        ZoneStat(
            zone,
            int(n),
            int(over or 0),
            int(missed or 0),
            int(under or 0),
            int(unsafe or 0),
            float(mean or 0.0),
        )
        for zone, n, over, missed, under, unsafe, mean in rows
    ]
    return sorted(stats, key=lambda s: (-(s.over + s.missed), -s.over, s.zone))


def flag_stats(
    academy_id: int, case_id: int | None = None, version_id: int | None = None
) -> list[FlagStat]:
    """Red flags present and missed, from the narrow per-flag rows (one grouped query); most
    often missed first."""
    missed = func.sum(case((CaseFlagResult.missed.is_(True), 1), else_=0))
    rows = db.session.execute(
        select(CaseFlagResult.flag, func.count(), missed)
        .join(CaseAttempt, CaseAttempt.id == CaseFlagResult.attempt_id)
        .where(*_case_filter(academy_id, case_id, version_id))
        .group_by(CaseFlagResult.flag)
    ).all()
    stats = [FlagStat(flag, int(present), int(n_missed or 0)) for flag, present, n_missed in rows]
    return sorted(stats, key=lambda s: (-s.missed, -s.missed_share, s.flag))


def case_insight(academy_id: int, case_id: int, version_id: int | None = None) -> CaseInsight:
    bands, total, mean = band_counts(academy_id, case_id, version_id)
    return CaseInsight(
        attempts=total,
        mean_score=mean,
        bands=bands,
        zones=zone_stats(academy_id, case_id, version_id),
        flags=flag_stats(academy_id, case_id, version_id),
    )


# --------------------------------------------------------------------------------------------
# Common mistakes: what to teach next
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionMistake:
    module_id: int
    module_title: str
    question_id: str
    topic: str
    answers: int
    points_lost: float
    facility: float


@dataclass(frozen=True)
class TopicStat:
    topic: str
    answers: int
    mean: float


@dataclass(frozen=True)
class BandStat:
    case_id: int
    title: str
    attempts: int
    overdone: int
    overfilled: int
    unsafe: int

    @property
    def excess(self) -> int:
        return self.overdone + self.overfilled + self.unsafe


@dataclass(frozen=True)
class Lesson:
    """One row of the ranked list: a mistake, how often it happened and out of how many."""

    kind: str  # question, zone, red_flag, case
    key: str
    label: str
    mistakes: float
    out_of: int
    link: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.mistakes / self.out_of if self.out_of else 0.0


@dataclass
class CommonMistakes:
    lessons: list[Lesson]
    questions: list[QuestionMistake]
    topics: list[TopicStat]
    zones: list[ZoneStat]
    flags: list[FlagStat]
    cases: list[BandStat]


def answer_sums(academy_id: int) -> list[tuple[int, str, str, str, int, float]]:
    """Per module, question and topic of the academy's answers: (module id, module title,
    question id, topic, answers, sum of scores); one grouped query over every answer (from which
    question_mistakes and topic_stats are both derived), and one for the modules' titles."""
    rows = db.session.execute(
        select(
            QuizAttempt.module_id,
            QuestionResult.question_id,
            QuestionResult.topic,
            func.count(),
            func.sum(QuestionResult.score),
        )
        .join(QuizAttempt, QuizAttempt.id == QuestionResult.attempt_id)
        .where(QuizAttempt.academy_id == academy_id)
        .group_by(QuizAttempt.module_id, QuestionResult.question_id, QuestionResult.topic)
    ).all()
    titles = dict(
        db.session.execute(
            select(ModuleRecord.id, ModuleRecord.title).where(
                ModuleRecord.id.in_({r[0] for r in rows})
            )
        ).all()
    )
    return [
        (r[0], titles.get(r[0], ""), r[1], r[2] or "", int(r[3]), float(r[4] or 0)) for r in rows
    ]


def question_mistakes(
    academy_id: int,
    limit: int = 50,
    sums: list[tuple[int, str, str, str, int, float]] | None = None,
) -> list[QuestionMistake]:
    """Questions ranked by points lost across the academy's attempts (from answer_sums)."""
    merged: dict[tuple[int, str], list[Any]] = {}
    for module_id, title, question_id, topic, n, total in sums or answer_sums(academy_id):
        entry = merged.setdefault((module_id, question_id), [title, "", 0, 0.0])
        entry[1] = max(entry[1], topic)
        entry[2] += n
        entry[3] += total
    mistakes = [
        QuestionMistake(module_id, title, question_id, topic, n, n - total, total / n)
        for (module_id, question_id), (title, topic, n, total) in merged.items()
        if n and n - total > 1e-9
    ]
    mistakes.sort(key=lambda q: (-round(q.points_lost, 9), q.question_id))
    return mistakes[:limit]


def topic_stats(
    academy_id: int, sums: list[tuple[int, str, str, str, int, float]] | None = None
) -> list[TopicStat]:
    """Mean score per topic over the academy's answers, weakest first (from answer_sums)."""
    counts: dict[str, list[float]] = {}
    for _, _, _, topic, n, total in sums or answer_sums(academy_id):
        entry = counts.setdefault(topic, [0, 0.0])
        entry[0] += n
        entry[1] += total
    stats = [TopicStat(topic, int(n), total / n) for topic, (n, total) in counts.items() if n]
    return sorted(stats, key=lambda t: (round(t.mean, 9), t.topic))


def band_stats(academy_id: int) -> list[BandStat]:
    """Per case: attempts and how many plans were overdone, overfilled or unsafe (one query)."""

    def count_of(band: str):
        return func.sum(case((CaseAttempt.band == band, 1), else_=0))

    rows = db.session.execute(
        select(
            CaseRecord.id,
            CaseRecord.title,
            func.count(CaseAttempt.id),
            count_of("overdone"),
            count_of("overfilled"),
            count_of("unsafe"),
        )
        .join(CaseAttempt, CaseAttempt.case_id == CaseRecord.id)
        .where(*_case_filter(academy_id, None, None))
        .group_by(CaseRecord.id, CaseRecord.title)
    ).all()
    stats = [
        BandStat(r[0], r[1], int(r[2]), int(r[3] or 0), int(r[4] or 0), int(r[5] or 0))
        for r in rows
    ]
    return sorted(stats, key=lambda s: (-s.excess, s.title))


def _module_titles(academy_id: int) -> tuple[Any, ...]:
    """The module titles the tables show, for the cache key (a renamed module shows renamed)."""
    rows = db.session.execute(
        select(ModuleRecord.id, ModuleRecord.title)
        .where(or_(ModuleRecord.academy_id.is_(None), ModuleRecord.academy_id == academy_id))
        .order_by(ModuleRecord.id)
    ).all()
    return tuple(map(tuple, rows))


def _case_titles(academy_id: int) -> tuple[Any, ...]:
    rows = db.session.execute(
        select(CaseRecord.id, CaseRecord.title)
        .where(or_(CaseRecord.academy_id.is_(None), CaseRecord.academy_id == academy_id))
        .order_by(CaseRecord.id)
    ).all()
    return tuple(map(tuple, rows))


def common_mistakes(academy_id: int, limit: int = 15) -> CommonMistakes:
    """Every kind of mistake, each table from one grouped query, and one ranked list of what to
    teach next: ordered by how many times the mistake was made, then by its rate.

    The tables aggregate every answer and plan of the academy (a million rows at scale), so they
    are cached (services/aggcache.py): the questions' sums under the fingerprint of the quiz
    attempts, the case tables under that of the case attempts, each with the titles shown. A new
    submission gives a new key, so the figures are never stale. Treat the result as read-only."""
    sums = aggcache.cached(
        "mistakes-answers",
        lambda: (academy_id, aggcache.quiz_fingerprint(academy_id), _module_titles(academy_id)),
        lambda: answer_sums(academy_id),
    )
    zones, flags, cases = aggcache.cached(
        "mistakes-cases",
        lambda: (academy_id, aggcache.case_fingerprint(academy_id), _case_titles(academy_id)),
        lambda: (zone_stats(academy_id), flag_stats(academy_id), band_stats(academy_id)),
    )
    questions = question_mistakes(academy_id, sums=sums)
    topics = topic_stats(academy_id, sums)
    lessons: list[Lesson] = []
    for q in questions:
        lessons.append(
            Lesson(
                "question",
                q.question_id,
                f"{q.question_id} in {q.module_title} ({q.topic})",
                round(q.points_lost, 2),
                q.answers,
                {"module_id": q.module_id},
            )
        )
    for z in zones:
        if z.over:
            lessons.append(Lesson("over_treated", z.zone, z.zone, z.over, z.judged))
        if z.missed:
            lessons.append(Lesson("missed_zone", z.zone, z.zone, z.missed, z.judged))
    for f in flags:
        if f.missed:
            lessons.append(Lesson("red_flag", f.flag, f.flag, f.missed, f.present))
    for c in cases:
        if c.excess:
            lessons.append(
                Lesson(
                    "case", str(c.case_id), c.title, c.excess, c.attempts, {"case_id": c.case_id}
                )
            )
    lessons.sort(key=lambda lesson: (-lesson.mistakes, -lesson.rate, lesson.kind, lesson.key))
    return CommonMistakes(lessons[:limit], questions, topics, zones, flags, cases)
