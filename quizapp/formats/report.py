"""Render a PlanScore for people (a fixed-width text report) and for machines (a plain dict).

Used by `flask plan score CASE.yaml PLAN.yaml [--json]`: text by default, `plan_score_json`
with --json.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

from quizapp.domain.scoring import PlanScore, ZoneVerdict
from quizapp.domain.terms import BAND_LABELS

WIDTH = 100


def plan_score_json(score: PlanScore) -> dict[str, Any]:
    """The JSON-safe dict of a score (stable keys; same as `PlanScore.to_dict()`)."""
    return score.to_dict()


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _given(zone: ZoneVerdict) -> str:
    amounts = dict(zone.amounts)
    if "total" in amounts:
        return _num(amounts["total"])
    return f"L {_num(amounts.get('left', 0))} / R {_num(amounts.get('right', 0))}"


def _range(zone: ZoneVerdict) -> str:
    if zone.range is None:
        return "-"
    r = zone.range
    return f"{_num(r.min)}-{_num(r.max)} (ceil {_num(r.ceiling)})"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return out


def _wrap(text: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")


def _refs(keys: Sequence[str]) -> str:
    return f" [{' '.join(keys)}]" if keys else ""


def render_plan_score(score: PlanScore) -> str:
    """A readable report: headline, zone table, totals, earlier filler, findings, reasons."""
    look = score.look
    headline = f"Case {score.case_id}: score {score.score}/100, band {score.band.value.upper()}"
    if score.band_label and score.band_label != BAND_LABELS[score.band]:
        headline += f" ({score.band_label.lower()})"
    if look.years_younger:
        seen = f"about {look.years_younger} years younger ({look.age} -> {look.apparent_age})"
    elif look.label == "altered":
        seen = "altered or erased: reads as treated, not younger"
    elif look.label == "withheld":
        seen = "not projected: an unsafe plan should not go ahead as written"
    else:
        seen = "no change"
    out = [
        headline,
        f"Disposition: {score.candidacy.given.value} (case: {score.candidacy.expected.value})",
        *_wrap(
            f"Look: {look.label}, {seen}; the plan reaches for {look.aimed_years} years "
            f"(cap {look.cap_years}). Teaching heuristic, not a prediction.",
            "",
        ),
        "",
    ]
    if not score.candidacy.treats:
        out.append("No injections planned.")
    if score.zones:
        rows = [
            [
                z.zone,
                ",".join(z.products) or "-",
                _given(z),
                z.unit,
                _range(z),
                z.verdict.value.replace("_", " "),
                f"-{_num(z.penalty)}",
            ]
            for z in score.zones
        ]
        out += _table(["Zone", "Product", "Given", "Unit", "Range", "Verdict", "Points"], rows)
    t = score.totals
    out += ["", "Session totals"]
    toxins = ", ".join(f"{p} {_num(v)}" for p, v in t.toxin_units) or "none"
    fillers = ", ".join(f"{p} {_num(v)} mL" for p, v in t.filler_ml) or "none"
    out.append(f"    toxin: {toxins} (about {_num(t.toxin_ona_equivalent)} ona-eq U)")
    out.append(f"    filler: {fillers} (total {_num(t.filler_ml_total)} mL)")
    out.append(
        f"    facial units: {len(t.facial_units)} of {t.facial_unit_limit} "
        f"({', '.join(t.facial_units) or 'none'})"
    )
    out.append(
        f"    upper-face toxin: {_num(t.upper_face_ona_equivalent)} of "
        f"{_num(t.upper_face_limit)} ona-eq U"
    )
    if t.filler_year_limit_ml is not None and t.filler_year_ml is not None:
        out.append(
            f"    filler in 12 months: {_num(t.filler_year_ml)} of "
            f"{_num(t.filler_year_limit_ml)} mL"
        )
    loads = [z for z in score.cumulative.filler if z.earlier_ml > 0 or z.added_ml > 0]
    if loads or score.cumulative.recent_toxin:
        out += ["", "Earlier treatments still present"]
        for z in loads:
            ceiling = f" of {_num(z.ceiling_ml)}" if z.ceiling_ml is not None else ""
            flag = "  OVER" if z.over else ""
            out.append(
                f"    {z.zone} {z.side}: {_num(z.earlier_ml)} left + {_num(z.added_ml)} new = "
                f"{_num(z.total_ml)}{ceiling} mL{flag}"
            )
        for tox in score.cumulative.recent_toxin:
            amount = f"{_num(tox.amount)} " if tox.amount is not None else ""
            out.append(
                f"    {tox.product} {amount}in {tox.zone}, {_num(tox.months_ago)} months ago"
            )
        out += _wrap(score.cumulative.note)
    if score.findings:
        out += ["", "Findings"]
        for f in score.findings:
            points = f" (-{_num(f.penalty)})" if f.penalty else ""
            out += _wrap(f"[{f.severity.value}] {f.text}{_refs(f.references)}{points}")
    out += ["", "Why"]
    for z in score.zones:
        for reason in z.reasons:
            out += _wrap(f"{reason.text}{_refs(reason.references)}")
    for reason in score.candidacy.reasons:
        out += _wrap(f"{reason.text}{_refs(reason.references)}")
    if score.band_reasons:
        out += ["", f"Band {score.band.value}, because:"]
        out += [line for r in score.band_reasons for line in _wrap(f"- {r}")]
    out += ["", f"Sources: {', '.join(score.references)}", *_wrap(look.note, "")]
    return "\n".join(out) + "\n"
