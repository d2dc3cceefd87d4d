"""Insight, Module insight, Case insight and Common mistakes: pages and their CSV tables."""

from __future__ import annotations

from typing import Any

from flask import (
    abort,
    render_template,
    request,
)

from quizapp.domain import quiz
from quizapp.domain.face import ZONES
from quizapp.domain.terms import (
    BAND_LABELS,
)
from quizapp.permissions import Action, requires
from quizapp.services.authoring import (
    insight,
    modules,
    records,
)
from quizapp.services.infra.csvout import csv_response
from quizapp.web.author import (
    bp,
    need_academy,
    visible_or_404,
)
from quizapp.web.pagination import paginate_list


@bp.route("/insight/")
@requires(Action.AUTHOR)
def insight_index():
    academy_id = need_academy()
    return render_template(
        "author/insight.html",
        modules=paginate_list(insight.module_activity(academy_id), anchor="modules"),
        cases=paginate_list(insight.case_activity(academy_id), param="cases_page", anchor="cases"),
    )


def _pct(value: float | None) -> Any:
    return None if value is None else round(value * 100, 1)


def _r(value: float | None, digits: int = 2) -> Any:
    return None if value is None else round(value, digits)


@bp.route("/insight/modules/<int:module_id>")
@requires(Action.AUTHOR)
def insight_module(module_id: int):
    academy_id = need_academy()
    record = visible_or_404("module", module_id)
    versions = insight.module_versions_with_results(academy_id, record.id)
    wanted = request.args.get("version", type=int)
    chosen = next((v for v in versions if v.number == wanted), None)
    if chosen is None:
        chosen = next((v for v in versions if v.results), versions[0] if versions else None)
    if chosen is None:
        abort(404)
    version = records.version_of(record, chosen.number)
    module = modules.module_of(version)
    stats = insight.question_stats(academy_id, chosen.id)
    rows = []
    for position, question in enumerate(module.questions if module else (), start=1):
        stat = stats.get(question.id)
        rows.append(_question_row(position, question, stat))
    table = request.args.get("csv")
    if table == "questions":
        return csv_response(
            f"{record.slug}-v{chosen.number}-questions",
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
    if table == "choices":
        return csv_response(
            f"{record.slug}-v{chosen.number}-choices",
            ["question", "choice", "right", "chosen", "share of answers %"],
            [
                [r["id"], c["label"], c["right"], c["count"], _pct(c["share"])]
                for r in rows
                for c in r["choices"]
            ],
        )
    return render_template(
        "author/insight_module.html",
        record=record,
        versions=versions,
        chosen=chosen,
        rows=rows,
        few=insight.FEW_ANSWERS,
    )


def _question_row(position: int, question, stat) -> dict[str, Any]:
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


@bp.route("/insight/cases/<int:case_id>")
@requires(Action.AUTHOR)
def insight_case(case_id: int):
    academy_id = need_academy()
    record = visible_or_404("case", case_id)
    number = request.args.get("version", type=int)
    version = records.version_of(record, number) if number else None
    if number and version is None:
        abort(404)
    data = insight.case_insight(academy_id, record.id, version.id if version else None)
    table = request.args.get("csv")
    name = f"{record.slug}" + (f"-v{number}" if number else "")
    if table == "bands":
        total = data.attempts
        return csv_response(
            f"{name}-bands",
            ["band", "attempts", "share %"],
            [[b, n, _pct(n / total if total else None)] for b, n in data.bands.items()],
        )
    if table == "zones":
        return csv_response(
            f"{name}-zones",
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
    if table == "flags":
        return csv_response(
            f"{name}-red-flags",
            ["red flag", "present", "missed", "missed %"],
            [[f.flag, f.present, f.missed, _pct(f.missed_share)] for f in data.flags],
        )
    return render_template(
        "author/insight_case.html",
        record=record,
        data=data,
        number=number,
        versions=[v.number for v in reversed(record.versions)],
        band_labels=BAND_LABELS,
    )


@bp.route("/insight/mistakes")
@requires(Action.AUTHOR)
def mistakes():
    academy_id = need_academy()
    data = insight.common_mistakes(academy_id)
    table = request.args.get("csv")
    if table == "ranking":
        return csv_response(
            "what-to-teach-next",
            ["rank", "kind", "what", "mistakes", "out of", "rate %"],
            [
                [i, lesson.kind, lesson.label, lesson.mistakes, lesson.out_of, _pct(lesson.rate)]
                for i, lesson in enumerate(data.lessons, start=1)
            ],
        )
    if table == "questions":
        return csv_response(
            "questions-most-missed",
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
    if table == "topics":
        return csv_response(
            "topics",
            ["topic", "answers", "mean score %"],
            [[t.topic, t.answers, _pct(t.mean)] for t in data.topics],
        )
    if table == "zones":
        return csv_response(
            "zones",
            ["zone", "judged", "over-treated", "missed", "under", "mean deviation %"],
            [
                [z.zone, z.judged, z.over, z.missed, z.under, _pct(z.mean_deviation)]
                for z in data.zones
            ],
        )
    if table == "flags":
        return csv_response(
            "red-flags",
            ["red flag", "present", "missed", "missed %"],
            [[f.flag, f.present, f.missed, _pct(f.missed_share)] for f in data.flags],
        )
    if table == "cases":
        return csv_response(
            "cases-overdone",
            ["case", "attempts", "overdone", "overfilled", "unsafe"],
            [[c.title, c.attempts, c.overdone, c.overfilled, c.unsafe] for c in data.cases],
        )
    return render_template(
        "author/mistakes.html",
        data=data,
        band_labels=BAND_LABELS,
        questions=paginate_list(data.questions, per_page=20, anchor="questions"),
        overdone=paginate_list(data.cases, param="cases_page", per_page=20, anchor="overdone"),
    )
