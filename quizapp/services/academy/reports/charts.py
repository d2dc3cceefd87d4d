"""Charts for the academy report: plain geometry for server-side SVG (no JavaScript, no CDN)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from quizapp.domain.terms import BAND_LABELS
from quizapp.services.academy.reports.certificates import CertificateSummary
from quizapp.services.academy.reports.learners import BandSummary
from quizapp.services.academy.reports.modules import FunnelRow
from quizapp.services.academy.reports.scope import BAND_ORDER, EXPIRY_WINDOWS


@dataclass(frozen=True)
class Bar:
    series: str
    x: float
    y: float
    width: float
    height: float
    value: int | float
    title: str


@dataclass(frozen=True)
class ChartRow:
    label: str
    y: float
    bars: list[Bar]


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    label_width: int
    plot_width: int
    rows: list[ChartRow]
    series: list[tuple[str, str]]  # (css name, legend label)


def grouped_bars(
    groups: Sequence[tuple[str, Sequence[tuple[str, float, str]]]],
    maximum: float,
    series: Sequence[tuple[str, str]],
    *,
    width: int = 640,
    label_width: int = 240,
    bar_height: int = 12,
    gap: int = 14,
) -> Chart:
    """Horizontal bars: one row per group, one bar per series, lengths relative to `maximum`."""
    plot = width - label_width - 48
    rows = []
    y = 8.0
    for label, values in groups:
        bars = []
        for index, (name, value, title) in enumerate(values):
            length = plot * (value / maximum) if maximum else 0.0
            bars.append(
                Bar(
                    name,
                    label_width,
                    y + index * bar_height,
                    round(length, 1),
                    bar_height - 2,
                    value,
                    title,
                )
            )
        rows.append(ChartRow(label, y, bars))
        y += len(values) * bar_height + gap
    return Chart(width, int(y) + 4, label_width, plot, rows, list(series))


def funnel_chart(rows: Sequence[FunnelRow]) -> Chart | None:
    if not rows:
        return None
    maximum = max([r.learners for r in rows] + [r.started for r in rows] + [1])
    groups = [
        (
            r.title,
            [
                ("started", r.started, f"{r.title}: {r.started} started"),
                ("submitted", r.submitted, f"{r.title}: {r.submitted} submitted"),
                ("passed", r.passed, f"{r.title}: {r.passed} passed"),
            ],
        )
        for r in rows
    ]
    return grouped_bars(
        groups,
        maximum,
        [("started", "Started"), ("submitted", "Submitted"), ("passed", "Passed")],
    )


def band_chart(summary: BandSummary) -> Chart | None:
    if not summary.total:
        return None
    groups = [
        (
            BAND_LABELS[b],
            [(b, summary.counts[b], f"{BAND_LABELS[b]}: {summary.counts[b]} plans")],
        )
        for b in BAND_ORDER
    ]
    return grouped_bars(
        groups,
        max(summary.counts.values()),
        [(b, BAND_LABELS[b]) for b in BAND_ORDER],
        bar_height=16,
        gap=6,
        label_width=130,
    )


def expiry_chart(summary: CertificateSummary) -> Chart | None:
    counts = [(d, summary.expiring_within(d)) for d in EXPIRY_WINDOWS]
    if not summary.by_programme:
        return None
    groups = [
        (f"Within {d} days", [("expiring", n, f"{n} expiring within {d} days")]) for d, n in counts
    ]
    return grouped_bars(
        groups,
        max([n for _, n in counts] + [1]),
        [("expiring", "Valid certificates expiring")],
        bar_height=18,
        gap=6,
        label_width=130,
    )
