"""The insight pages' tables: each question's row on Module insight, and every table the insight
pages offer as CSV, as a header and rows (the views only turn them into downloads, the way
services/academy/reports.table() serves the academy's reports)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

from quizapp.domain import quiz
from quizapp.domain.face import ZONES
from quizapp.services.authoring.insight import CaseInsight, CommonMistakes, FlagStat, QuestionStat

Table = tuple[list[str], list[list[Any]]]

MODULE_TABLES: Final = ("questions", "choices")
CASE_TABLES: Final = ("bands", "zones", "flags")
#: The download's file name of each Common mistakes table.
MISTAKES_FILES: Final = {
    "ranking": "what-to-teach-next",
    "questions": "questions-most-missed",
    "topics": "topics",
    "zones": "zones",
    "flags": "red-flags",
    "cases": "cases-overdone",
}
MISTAKES_TABLES: Final = tuple(MISTAKES_FILES)


def _pct(value: float | None) -> Any:
    return None if value is None else round(value * 100, 1)


def _r(value: float | None, digits: int = 2) -> Any:
    return None if value is None else round(value, digits)


# Module insight -------------------------------------------------------------------------------


def question_rows(
    questions: Sequence[quiz.Question], stats: dict[str, QuestionStat]
) -> list[dict[str, Any]]:
    """One row per question of the version, in order, with its figures and its choices."""
    return [
        _question_row(position, question, stats.get(question.id))
        for position, question in enumerate(questions, start=1)
    ]


def _question_row(position: int, question, stat: QuestionStat | None) -> dict[str, Any]:
    choices = []
    answered = stat.answered if stat else 0
    counts = stat.choices if stat else {}
    if isinstance(question, quiz.ChoiceQuestion):
        for i, option in enumerate(question.options):
            choices.append(_choice(option.text, option.correct, counts.get(i, 0), answered))
    elif isinstance(question, quiz.TrueFalseQuestion):
        for value in (True, False):
            choices.append(
                _choice(
                    str(value).lower(), value == question.answer, counts.get(value, 0), answered
                )
            )
    elif isinstance(question, quiz.HotspotQuestion):
        for zone, count in sorted(counts.items(), key=lambda kv: -kv[1]):
            choices.append(
                _choice(
                    ZONES[zone].label if zone in ZONES else str(zone),
                    zone in question.zones,
                    count,
                    answered,
                )
            )
    elif isinstance(question, quiz.OrderingQuestion):
        pass  # positions are not options; the facility index says how well it was ordered
    elif isinstance(question, quiz.MatchingQuestion):
        # Counted per pair as answered ("left:right"): how often each left was matched right.
        rights = question.rights
        for i, pair in enumerate(question.pairs):
            key = f"{i}:{rights.index(pair.right)}"
            choices.append(
                _choice(f"{pair.left} → {pair.right}", True, counts.get(key, 0), answered)
            )
    elif isinstance(question, quiz.ShortAnswerQuestion):
        # Typed answers, folded as the grader compares them, most frequent first.
        folded: dict[str, int] = {}
        for value, count in counts.items():
            key = quiz.normalise_answer(str(value))
            folded[key] = folded.get(key, 0) + count
        accepted = {quiz.normalise_answer(a.text): a.weight for a in question.answers}
        for value, count in sorted(folded.items(), key=lambda kv: -kv[1])[:8]:
            weight = accepted.get(value)
            right = False if weight is None else (True if weight == 100 else None)
            choices.append(_choice(value, right, count, answered))
    else:
        for value, count in sorted(counts.items(), key=lambda kv: -kv[1])[:8]:
            choices.append(_choice(str(value), None, count, answered))
    top = max(choices, key=lambda c: c["count"], default=None)
    return {
        "position": position,
        "id": question.id,
        "type": question.type,
        "topic": question.topic,
        "stem": question.stem,
        "answers": stat.answers if stat else 0,
        "facility": stat.facility if stat else None,
        "discrimination": stat.discrimination if stat else None,
        "fully_right": stat.fully_right if stat else 0,
        "answered": answered,
        "choices": choices,
        "top_choice": top["label"] if top and top["count"] else "",
    }


def _choice(label: str, right: bool | None, count: int, answered: int) -> dict[str, Any]:
    return {
        "label": label,
        "right": right,
        "count": count,
        "share": count / answered if answered else None,
    }


def module_table(rows: list[dict[str, Any]], name: str) -> Table:
    """One of MODULE_TABLES from the question rows."""
    if name == "questions":
        return (
            [
                "#",
                "question",
                "type",
                "topic",
                "answers",
                "facility %",
                "discrimination",
                "fully right",
                "most chosen",
            ],
            [
                [
                    r["position"],
                    r["id"],
                    r["type"],
                    r["topic"],
                    r["answers"],
                    _pct(r["facility"]),
                    _r(r["discrimination"]),
                    r["fully_right"],
                    r["top_choice"],
                ]
                for r in rows
            ],
        )
    if name == "choices":
        return (
            ["question", "choice", "right", "chosen", "share of answers %"],
            [
                [r["id"], c["label"], c["right"], c["count"], _pct(c["share"])]
                for r in rows
                for c in r["choices"]
            ],
        )
    raise KeyError(name)


# Case insight and common mistakes ---------------------------------------------------------------


def _flag_table(flags: Iterable[FlagStat]) -> Table:
    return (
        ["red flag", "present", "missed", "missed %"],
        [[f.flag, f.present, f.missed, _pct(f.missed_share)] for f in flags],
    )


def case_table(data: CaseInsight, name: str) -> Table:
    """One of CASE_TABLES of a case's insight."""
    if name == "bands":
        total = data.attempts
        return (
            ["band", "attempts", "share %"],
            [[b, n, _pct(n / total if total else None)] for b, n in data.bands.items()],
        )
    if name == "zones":
        return (
            [
                "zone",
                "judged",
                "over-treated",
                "missed",
                "under",
                "unsafe or wrong product",
                "mean deviation %",
            ],
            [
                [z.zone, z.judged, z.over, z.missed, z.under, z.unsafe, _pct(z.mean_deviation)]
                for z in data.zones
            ],
        )
    if name == "flags":
        return _flag_table(data.flags)
    raise KeyError(name)


def mistakes_table(data: CommonMistakes, name: str) -> Table:
    """One of MISTAKES_TABLES of the academy's common mistakes."""
    if name == "ranking":
        return (
            ["rank", "kind", "what", "mistakes", "out of", "rate %"],
            [
                [i, lesson.kind, lesson.label, lesson.mistakes, lesson.out_of, _pct(lesson.rate)]
                for i, lesson in enumerate(data.lessons, start=1)
            ],
        )
    if name == "questions":
        return (
            ["module", "question", "topic", "answers", "points lost", "facility %"],
            [
                [
                    q.module_title,
                    q.question_id,
                    q.topic,
                    q.answers,
                    round(q.points_lost, 2),
                    _pct(q.facility),
                ]
                for q in data.questions
            ],
        )
    if name == "topics":
        return (
            ["topic", "answers", "mean score %"],
            [[t.topic, t.answers, _pct(t.mean)] for t in data.topics],
        )
    if name == "zones":
        return (
            ["zone", "judged", "over-treated", "missed", "under", "mean deviation %"],
            [
                [z.zone, z.judged, z.over, z.missed, z.under, _pct(z.mean_deviation)]
                for z in data.zones
            ],
        )
    if name == "flags":
        return _flag_table(data.flags)
    if name == "cases":
        return (
            ["case", "attempts", "overdone", "overfilled", "unsafe"],
            [[c.title, c.attempts, c.overdone, c.overfilled, c.unsafe] for c in data.cases],
        )
    raise KeyError(name)
