"""Running totals of plan rows as typed: pure, no app needed."""

from __future__ import annotations

from quizapp.domain.face import FACIAL_UNITS, PRODUCTS
from quizapp.domain.plan import RunningTotals, running_totals


def test_toxin_per_product_filler_in_ml_and_facial_units():
    totals = running_totals(
        [
            {"zone": "glabella", "product": "ona", "amount": "20", "side": "midline"},
            {"zone": "crows_feet", "product": "ona", "amount": "6", "side": "both"},
            {"zone": "forehead", "product": "abo", "amount": "30", "side": "midline"},
            {"zone": "cheek", "product": "ha_medium", "amount": "0,5", "side": "both"},
        ]
    )
    assert totals.units == {PRODUCTS["ona"].label: 32.0, PRODUCTS["abo"].label: 30.0}
    assert totals.ml == 1.0
    assert totals.facial_units == sorted(
        {FACIAL_UNITS["forehead"], FACIAL_UNITS["periorbital"], FACIAL_UNITS["cheek"]}
    )


def test_rows_that_cannot_be_read_are_left_out():
    totals = running_totals(
        [
            {"zone": "glabella", "product": "ona", "amount": "twenty", "side": "midline"},
            {"zone": "nowhere", "product": "ona", "amount": "4", "side": "midline"},
            {"zone": "glabella", "product": "snake-oil", "amount": "4", "side": "midline"},
            {"zone": "glabella", "product": "ona", "side": "midline"},
            {},
        ]
    )
    assert totals == RunningTotals()
