"""A tendency made of stored sums (`from_sums`): the means and shares over the zones judged,
and nothing divided by zero when no zone was judged."""

from __future__ import annotations

from quizapp.domain.tendency import Tendency, from_sums


def test_means_and_shares_are_over_the_zones_judged():
    tendency = from_sums(
        attempts=3,
        zones_judged=4,
        deviation_sum=1.0,
        above=3,
        below=1,
        overdone_or_overfilled=2,
        unsafe=1,
    )
    assert tendency == Tendency(
        attempts=3,
        zones_judged=4,
        mean_deviation=0.25,
        above_share=0.75,
        below_share=0.25,
        overdone_or_overfilled=2,
        unsafe=1,
    )


def test_no_zone_judged_gives_zeros_not_a_division_by_zero():
    tendency = from_sums(
        attempts=2,
        zones_judged=0,
        deviation_sum=0.0,
        above=0,
        below=0,
        overdone_or_overfilled=1,
        unsafe=1,
    )
    assert tendency == Tendency(2, 0, 0.0, 0.0, 0.0, 1, 1)
    assert tendency.label == "no case attempts yet"
