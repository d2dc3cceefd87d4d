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

Common mistakes (the whole academy) and a case's insight read the sums per question, zone, red
flag and case that each submission adds to in its own transaction (services/learning/summaries.py);
fractional sums (scores, deviations) are kept in billionths, as integers, so that they equal a
recompute exactly. A case's insight for one version reads the attempts (one version's rows).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

from sqlalchemy import BigInteger, Text, case, cast, func, or_, select
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

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
from quizapp.models.summaries import (
    AnswerSummary,
    CaseBandSummary,
    CaseFlagSummary,
    CaseZoneSummary,
)
from quizapp.services.learning.summaries import NANO, OVER_TREATED, UNSAFE_VERDICTS

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


def _nano(column):
    return cast(func.round(column * NANO), BigInteger)


def _not_indexed(column):
    """On SQLite, `+column`: keeps the planner from using an index on the column (for a GROUP BY
    order or an IN) when a covering index serves the query better; the column elsewhere."""
    if db.engine.dialect.name != "sqlite":
        return column
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


ZoneSums = dict[str, tuple[int, int, int, int, int, int]]
FlagSums = dict[str, tuple[int, int]]
BandSums = dict[int, tuple[int, int, int, int]]


def _zone_sums(executor: Any, where: list[Any]) -> ZoneSums:
    """Per zone: judged, over-treated, missed, under-treated, unsafe and the sum of deviations
    in billionths, over the submitted case attempts `where` selects (one grouped query)."""

    def count_of(*verdicts: str):
        return func.sum(case((CaseZoneResult.verdict.in_(verdicts), 1), else_=0))

    rows = executor.execute(
        select(
            CaseZoneResult.zone,
            func.count(),
            count_of(*OVER_TREATED),
            count_of("missed"),
            count_of("under"),
            count_of(*UNSAFE_VERDICTS),
            func.sum(_nano(CaseZoneResult.deviation)),
        )
        .join(CaseAttempt, CaseAttempt.id == CaseZoneResult.attempt_id)
        .where(*where)
        .group_by(CaseZoneResult.zone)
    ).all()
    return {
        zone: (
            int(n),
            int(over or 0),
            int(missed or 0),
            int(under or 0),
            int(unsafe or 0),
            int(dev or 0),
        )
        for zone, n, over, missed, under, unsafe, dev in rows
    }


def _zone_list(sums: ZoneSums) -> list[ZoneStat]:
    """Most often over-treated (or missed) first."""
    stats = [
        ZoneStat(zone, n, over, missed, under, unsafe, deviation / NANO / n if n else 0.0)
        for zone, (n, over, missed, under, unsafe, deviation) in sums.items()
    ]
    return sorted(stats, key=lambda s: (-(s.over + s.missed), -s.over, s.zone))


def zone_stats(
    academy_id: int, case_id: int | None = None, version_id: int | None = None
) -> list[ZoneStat]:
    """Per zone: verdict counts and the mean deviation from the reference (one query); most
    often over-treated first."""
    return _zone_list(_zone_sums(db.session, _case_filter(academy_id, case_id, version_id)))


def _flag_sums(executor: Any, where: list[Any]) -> FlagSums:
    """Per red flag: attempts it was present in and how often it was missed (one query over
    the narrow per-flag rows)."""
    missed = func.sum(case((CaseFlagResult.missed.is_(True), 1), else_=0))
    rows = executor.execute(
        select(CaseFlagResult.flag, func.count(), missed)
        .join(CaseAttempt, CaseAttempt.id == CaseFlagResult.attempt_id)
        .where(*where)
        .group_by(CaseFlagResult.flag)
    ).all()
    return {flag: (int(present), int(n_missed or 0)) for flag, present, n_missed in rows}


def _flag_list(sums: FlagSums) -> list[FlagStat]:
    stats = [FlagStat(flag, present, missed) for flag, (present, missed) in sums.items()]
    return sorted(stats, key=lambda s: (-s.missed, -s.missed_share, s.flag))


def flag_stats(
    academy_id: int, case_id: int | None = None, version_id: int | None = None
) -> list[FlagStat]:
    """Red flags present and missed, from the narrow per-flag rows (one grouped query); most
    often missed first."""
    return _flag_list(_flag_sums(db.session, _case_filter(academy_id, case_id, version_id)))


def case_insight(academy_id: int, case_id: int, version_id: int | None = None) -> CaseInsight:
    """One case's bands, zones and red flags: over every version from the summaries written
    with each submission, over one version from its attempts."""
    if version_id is None:
        return _case_insight_summed(academy_id, case_id)
    bands, total, mean = band_counts(academy_id, case_id, version_id)
    return CaseInsight(
        attempts=total,
        mean_score=mean,
        bands=bands,
        zones=zone_stats(academy_id, case_id, version_id),
        flags=flag_stats(academy_id, case_id, version_id),
    )


def _case_insight_summed(academy_id: int, case_id: int) -> CaseInsight:
    b = CaseBandSummary
    row = db.session.execute(
        select(b.attempts, b.score_nano, *(b.__table__.c[band] for band in BANDS)).where(
            b.academy_id == academy_id, b.case_id == case_id
        )
    ).one_or_none()
    total = int(row[0]) if row is not None else 0
    zones, flags, _ = _case_figures(academy_id, case_id)
    return CaseInsight(
        attempts=total,
        mean_score=row[1] / NANO / total if row is not None and total else None,
        bands={band: int(row[2 + i]) if row is not None else 0 for i, band in enumerate(BANDS)},
        zones=_zone_list(zones),
        flags=_flag_list(flags),
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


AnswerSums = dict[tuple[int, str, str | None], tuple[int, int]]


def _answer_sums(
    executor: Any, academy_id: int, attempt_ids: list[int] | None = None
) -> AnswerSums:
    """Per module, question and topic of the academy's answers (of `attempt_ids` only, when
    given): answers and the sum of scores in billionths.

    One grouped query over the answers of the academy's attempts (a semi-join on the attempt
    ids), grouped by module version, which the answer rows carry: the covering
    `ix_question_results_version_score` index then yields them in group order (SQLite sorted
    800,000 rows before); versions are merged into their modules here."""
    if attempt_ids is not None:
        within = QuestionResult.attempt_id.in_(attempt_ids)
    else:
        within = _not_indexed(QuestionResult.attempt_id).in_(
            select(QuizAttempt.id).where(QuizAttempt.academy_id == academy_id)
        )
    version = QuestionResult.module_version_id
    query = (
        select(
            version,
            QuestionResult.question_id,
            QuestionResult.topic,
            func.count(),
            func.sum(_nano(QuestionResult.score)),
        )
        .where(within)
        .group_by(version, QuestionResult.question_id, QuestionResult.topic)
    )
    rows = executor.execute(query).all()
    modules = dict(
        executor.execute(
            select(ModuleVersion.id, ModuleVersion.module_id).where(
                ModuleVersion.id.in_({r[0] for r in rows})
            )
        ).all()
    )
    out: dict[tuple[int, str, str | None], tuple[int, int]] = {}
    for version_id, question_id, topic, n, total in rows:
        key = (modules[version_id], question_id, topic)
        before = out.get(key, (0, 0))
        out[key] = (before[0] + int(n), before[1] + int(total or 0))
    return out


def _answer_list(sums: AnswerSums) -> list[tuple[int, str, str, str, int, float]]:
    """The sums as (module id, module title, question id, topic, answers, sum of scores), in
    module, question and topic order; the titles are read now (a renamed module shows renamed)."""
    titles = dict(
        db.session.execute(
            select(ModuleRecord.id, ModuleRecord.title).where(
                ModuleRecord.id.in_({key[0] for key in sums})
            )
        ).all()
    )
    return [
        (module_id, titles.get(module_id, ""), question_id, topic or "", n, total / NANO)
        for (module_id, question_id, topic), (n, total) in sorted(
            sums.items(),
            key=lambda item: (item[0][0], item[0][1], item[0][2] is not None, item[0][2] or ""),
        )
    ]


def answer_sums(academy_id: int) -> list[tuple[int, str, str, str, int, float]]:
    """Per module, question and topic of the academy's answers: (module id, module title,
    question id, topic, answers, sum of scores); one grouped query over every answer (from which
    question_mistakes and topic_stats are both derived), and one for the modules' titles."""
    return _answer_list(_answer_sums(db.session, academy_id))


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


def _band_sums(executor: Any, where: list[Any]) -> BandSums:
    """Per case: submitted attempts and how many plans were overdone, overfilled or unsafe (one
    grouped query over the narrow fingerprint index, without reading the attempts)."""

    def count_of(band: str):
        return func.sum(case((CaseAttempt.band == band, 1), else_=0))

    case_id = _not_indexed(CaseAttempt.case_id)  # not the case_id index: it reads every row
    rows = executor.execute(
        select(
            case_id,
            func.count(),
            count_of("overdone"),
            count_of("overfilled"),
            count_of("unsafe"),
        )
        .where(*where)
        .group_by(case_id)
    ).all()
    return {r[0]: (int(r[1]), int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)) for r in rows}


def _band_list(sums: BandSums) -> list[BandStat]:
    """Most plans in excess first; titles read now."""
    titles = dict(
        db.session.execute(
            select(CaseRecord.id, CaseRecord.title).where(CaseRecord.id.in_(set(sums)))
        ).all()
    )
    stats = [
        BandStat(case_id, titles[case_id], n, overdone, overfilled, unsafe)
        for case_id, (n, overdone, overfilled, unsafe) in sums.items()
        if case_id in titles
    ]
    return sorted(stats, key=lambda s: (-s.excess, s.title, s.case_id))


def band_stats(academy_id: int) -> list[BandStat]:
    """Per case: attempts and how many plans were overdone, overfilled or unsafe."""
    return _band_list(_band_sums(db.session, _case_filter(academy_id, None, None)))


def _answer_figures(academy_id: int) -> AnswerSums:
    """The academy's answer sums, from the summaries written with each submission."""
    rows = db.session.execute(
        select(
            AnswerSummary.module_id,
            AnswerSummary.question_id,
            AnswerSummary.topic,
            AnswerSummary.answers,
            AnswerSummary.score_nano,
        ).where(AnswerSummary.academy_id == academy_id)
    ).all()
    return {(r[0], r[1], r[2]): (int(r[3]), int(r[4])) for r in rows}


def _summed(rows) -> dict[Any, tuple[int, ...]]:
    """Rows of (key, value, ...) with the values added up per key."""
    out: dict[Any, tuple[int, ...]] = {}
    for key, *values in rows:
        before = out.get(key)
        out[key] = (
            tuple(map(int, values))
            if before is None
            else tuple(a + int(b) for a, b in zip(before, values, strict=True))
        )
    return out


def _case_figures(
    academy_id: int, case_id: int | None = None
) -> tuple[ZoneSums, FlagSums, BandSums]:
    """The academy's (or one case's) zone, red-flag and band sums, from the summaries written
    with each submission (a few rows per case)."""
    z, f, b = CaseZoneSummary, CaseFlagSummary, CaseBandSummary
    only = (lambda model: [model.case_id == case_id]) if case_id is not None else (lambda _: [])
    zones = _summed(
        db.session.execute(
            select(z.zone, z.judged, z.over, z.missed, z.under, z.unsafe, z.deviation_nano).where(
                z.academy_id == academy_id, *only(z)
            )
        ).all()
    )
    flags = _summed(
        db.session.execute(
            select(f.flag, f.present, f.missed).where(f.academy_id == academy_id, *only(f))
        ).all()
    )
    bands = _summed(
        db.session.execute(
            select(b.case_id, b.attempts, b.overdone, b.overfilled, b.unsafe).where(
                b.academy_id == academy_id, *only(b)
            )
        ).all()
    )
    return zones, flags, bands  # type: ignore[return-value]


def common_mistakes(academy_id: int, limit: int = 15) -> CommonMistakes:
    """Every kind of mistake, each table from one grouped query, and one ranked list of what to
    teach next: ordered by how many times the mistake was made, then by its rate.

    The tables sum every answer and plan of the academy (a million rows at scale); they read
    the summaries each submission adds to (services/learning/summaries.py), a few rows per
    question, zone, red flag and case, so the page costs the same cold or warm and whatever the
    history; titles are read on every call."""
    sums = _answer_list(_answer_figures(academy_id))
    zone_sums, flag_sums, band_sums = _case_figures(academy_id)
    zones, flags, cases = _zone_list(zone_sums), _flag_list(flag_sums), _band_list(band_sums)
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
