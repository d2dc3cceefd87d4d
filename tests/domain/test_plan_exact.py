"""Running totals of typed plan rows and `Plan.treats`, pinned exactly (issue 23: plan.py).

The figures are added up by hand from docs/plan-format.md: toxin counts in units per product
label, filler in mL, a paired zone on `both` sides counts twice, hyaluronidase counts in its own
units and touches no facial unit, and a row that cannot be read is left out without stopping the
rows after it."""

from __future__ import annotations

from quizapp.domain.face import FACIAL_UNITS, PRODUCTS, ZONES
from quizapp.domain.plan import Plan, PlanItem, RunningTotals, running_totals
from quizapp.domain.terms import Disposition, Side

ONA = PRODUCTS["ona"].label
ABO = PRODUCTS["abo"].label
ENZYME = PRODUCTS["hyaluronidase"].label


def row(zone: str, product: str, amount: str, side: str = "midline") -> dict[str, str]:
    return {"zone": zone, "product": product, "amount": amount, "side": side}


def test_a_plan_treats_only_when_it_has_items():
    assert Plan(Disposition.TREAT).treats is False
    assert (
        Plan(Disposition.DEFER, (PlanItem("glabella", "ona", 20.0, Side.MIDLINE),)).treats is True
    )


def test_nothing_typed_adds_up_to_nothing():
    assert running_totals([]) == RunningTotals({}, 0.0, [])


def test_one_toxin_row_on_one_side():
    totals = running_totals([row("crows_feet", "ona", "6", "left")])
    assert totals == RunningTotals({ONA: 6.0}, 0.0, ["Around the eyes"])


def test_both_sides_count_twice_and_rows_of_one_product_add_up():
    totals = running_totals(
        [
            row("crows_feet", "ona", "6", "both"),
            row("glabella", "ona", "20"),
            row("forehead", "abo", "30"),
        ]
    )
    # ona: 6 x 2 + 20 = 32 U; abo: 30 U. Crow's feet are around the eyes, the rest the forehead.
    assert totals == RunningTotals(
        {ONA: 32.0, ABO: 30.0}, 0.0, ["Around the eyes", "Forehead, glabella and brow"]
    )


def test_filler_adds_up_in_millilitres_with_both_sides_twice():
    totals = running_totals(
        [
            row("cheek", "ha_firm", "0.5", "both"),
            row("lips", "ha_soft", "1,5"),
            row("chin", "ha_firm", "0.25"),
        ]
    )
    # 0.5 x 2 + 1.5 + 0.25 = 2.75 mL over three facial units, in alphabetical order.
    assert totals == RunningTotals(
        {}, 2.75, ["Cheek and midface", "Chin", "Lips and perioral skin"]
    )


def test_hyaluronidase_counts_in_its_own_units_and_touches_no_facial_unit():
    totals = running_totals(
        [row("lips", "hyaluronidase", "30"), row("cheek", "hyaluronidase", "15", "both")]
    )
    # 30 + 15 x 2 = 60 U; never millilitres of filler.
    assert totals == RunningTotals({ENZYME: 60.0}, 0.0, [])


def test_unreadable_rows_are_skipped_and_the_rows_after_them_still_count():
    totals = running_totals(
        [
            row("glabella", "ona", "twenty"),
            row("glabella", "ona", "4"),
            row("nowhere", "ona", "4"),
            row("glabella", "ona", "5"),
            row("glabella", "snake-oil", "4"),
            row("cheek", "ha_firm", "1", "right"),
            {"zone": "glabella", "product": "ona", "side": "midline"},
            {},
            row("lips", "ha_soft", "0.5"),
        ]
    )
    assert totals == RunningTotals(
        {ONA: 9.0},
        1.5,
        ["Cheek and midface", "Forehead, glabella and brow", "Lips and perioral skin"],
    )


def test_a_toxin_row_does_not_stop_the_filler_rows_after_it():
    totals = running_totals([row("glabella", "ona", "20"), row("cheek", "ha_firm", "0.5", "left")])
    assert totals == RunningTotals(
        {ONA: 20.0}, 0.5, ["Cheek and midface", "Forehead, glabella and brow"]
    )


def test_a_facial_unit_touched_twice_is_listed_once():
    totals = running_totals(
        [
            row("glabella", "ona", "20"),
            row("forehead", "ona", "10"),
            row("brow", "ona", "2", "both"),
        ]
    )
    assert totals == RunningTotals({ONA: 34.0}, 0.0, ["Forehead, glabella and brow"])


def test_every_zone_belongs_to_a_named_facial_unit():
    # running_totals looks each zone's unit up by name: a zone outside the list would fail there.
    assert {zone.unit for zone in ZONES.values()} <= set(FACIAL_UNITS)
