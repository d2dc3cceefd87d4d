"""The treatment tendency's arithmetic at its edges (issue 23): each branch of `deviation`, the
clip on both sides, and the labels on both sides of +-0.1."""

from __future__ import annotations

import pytest

from quizapp.domain.tendency import Tendency, deviation


@pytest.mark.parametrize(
    ("planned", "low", "high", "value"),
    [
        (0, None, None, 0.0),  # nothing planned, nothing referenced
        (0.5, None, None, 1.0),  # treated without any range: all excess
        (20, 10, 20, 0.0),  # at the top: inside
        (25, 10, 20, 0.25),  # (25 - 20) / 20
        (80, 10, 20, 2.0),  # (80 - 20) / 20 = 3, clipped at 2
        (10, 10, 20, 0.0),  # at the bottom: inside
        (5, 10, 20, -0.5),  # (5 - 10) / 10
        (0, 10, 20, -1.0),  # a missed zone
        (1, 0, 0, 1.0),  # above a range of 0: all excess
        (0, 0, 0, 0.0),
        (3, None, 20, 0.0),  # no minimum: nothing is below it
        (1.0, 0.2, 0.8, 0.25),  # ranges below 1 (mL): (1 - 0.8) / 0.8
        (0.25, 0.5, 0.8, -0.5),  # (0.25 - 0.5) / 0.5
    ],
)
def test_deviation(planned, low, high, value):
    assert deviation(planned, low, high) == pytest.approx(value)


def tendency(mean: float, judged: int = 3) -> Tendency:
    return Tendency(1, judged, mean, 0.0, 0.0, 0, 0)


@pytest.mark.parametrize(
    ("mean", "label"),
    [
        (0.11, "tends to over-treat"),
        (0.1, "close to the reference"),
        (0.0, "close to the reference"),
        (-0.1, "close to the reference"),
        (-0.11, "tends to under-treat"),
    ],
)
def test_labels_on_both_sides_of_a_tenth(mean, label):
    assert tendency(mean).label == label


def test_no_zones_judged_yet():
    assert tendency(0.5, judged=0).label == "no case attempts yet"
