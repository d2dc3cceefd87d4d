"""The scoring rules pinned exactly (issue 23): penalties and scores worked out by hand from
docs/scoring.md, both sides of every limit, history that counts, findings absent where they must
not fire.

The expected figures are an oracle independent of the code: each is the arithmetic of
docs/scoring.md, written out in the comments.

- Zone points (section 2), with `top` the range max: conservative/under 20 * (min - a) / top;
  heavy 40 * (a - max) / top; overfilled the same + 10; not indicated 5 + 20 * a / session.
- Score (section 5): low + (high - low) * max(0, 100 - points) / 100, rounded half up, in the
  band's interval: natural 90-100, conservative 75-89, under_treated 55-74, overdone 35-54,
  overfilled 21-34, unsafe 0-20.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.case import HistoryItem
from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Depth, Disposition, Side

from ._casekit import cheek_case, glabella_case, item, make_case, plan, zref

INTERVALS = {
    "natural": (90, 100),
    "conservative": (75, 89),
    "under_treated": (55, 74),
    "overdone": (35, 54),
    "overfilled": (21, 34),
    "unsafe": (0, 20),
}


def by_hand(band: str, points: float) -> int:
    """Section 5 of docs/scoring.md, rounded half up."""
    low, high = INTERVALS[band]
    return math.floor(low + (high - low) * max(0.0, 100 - points) / 100 + 0.5)


def findings(result, *, info=False):
    return [(f.code, f.penalty) for f in result.findings if info or f.severity.value != "info"]


def codes(result):
    return [f.code for f in result.findings]


def history(zone, product, amount, months, side=None):
    if side is None:
        side = Side.MIDLINE if zone in ("glabella", "forehead", "lips") else Side.BOTH
    return HistoryItem(zone, product, amount, side, months_ago=months)


GLABELLA = make_case(zref("glabella", "ona", 20, 20, 30))  # 20-20 U, ceiling 30


# -- section 2: zone verdicts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "verdict", "points", "band", "score"),
    [
        # docs' examples: 12 U -> conservative, 20 * 8/20 = 8; score 75 + 14 * 0.92 = 87.88 -> 88
        (12, "conservative", 8.0, "conservative", 88),
        # 10 U is exactly half the minimum: still conservative, 20 * 10/20 = 10; 75 + 12.6 -> 88
        (10, "conservative", 10.0, "conservative", 88),
        # 8 U is below half: under, 20 * 12/20 = 12; 55 + 19 * 0.88 = 71.72 -> 72
        (8, "under", 12.0, "under_treated", 72),
        # on target: no points, the top of natural
        (20, "on_target", 0.0, "natural", 100),
        # 25 U -> heavy, 40 * 5/20 = 10; 35 + 19 * 0.9 = 52.1 -> 52
        (25, "heavy", 10.0, "overdone", 52),
        # 30 U is the ceiling: still heavy, 40 * 10/20 = 20; 35 + 19 * 0.8 = 50.2 -> 50
        (30, "heavy", 20.0, "overdone", 50),
        # 31 U passes it: 40 * 11/20 + 10 = 32; 21 + 13 * 0.68 = 29.84 -> 30
        (31, "overfilled", 32.0, "overfilled", 30),
        # docs: 40 U -> 40 * 20/20 + 10 = 50; 21 + 13 * 0.5 = 27.5 -> 28 (half up)
        (40, "overfilled", 50.0, "overfilled", 28),
    ],
)
def test_glabella_worked_examples(units, verdict, points, band, score):
    result = score_plan(GLABELLA, plan(item("glabella", "ona", units)))
    (zone,) = result.zones
    assert zone.verdict.value == verdict
    assert zone.penalty == pytest.approx(points)
    assert result.penalty == pytest.approx(points)
    assert result.band.value == band
    assert result.score == score == by_hand(band, points)
    assert findings(result) == []


def test_crows_feet_per_side_worked_example():
    # docs: 6-9 U per side, ceiling 12; 12 U per side is heavy on each side, 40 * 3/9 = 13.33
    # averaged over the two sides; 35 + 19 * 0.8667 = 51.47 -> 51
    case = make_case(zref("crows_feet", "ona", 6, 9, 12))
    result = score_plan(case, plan(item("crows_feet", "ona", 12)))
    assert result.zones[0].verdict.value == "heavy"
    assert result.penalty == pytest.approx(40 * 3 / 9, abs=1e-3)
    assert result.score == 51 == by_hand("overdone", 40 * 3 / 9)


@pytest.mark.parametrize(
    ("ml", "verdict", "points", "band"),
    [
        # Lips are not in the reference: 5 + 20 * a / 1.5 (the catalogue's session top, 1.5 mL)
        (0.5, "not_indicated", 5 + 20 * 0.5 / 1.5, "overdone"),  # 11.67
        (1.0, "not_indicated", 5 + 20 * 1.0 / 1.5, "overdone"),  # 18.33
        (1.5, "not_indicated", 5 + 20 * 1.5 / 1.5, "overdone"),  # 25: a whole session
        (2.0, "overfilled", 5 + 20 * 2.0 / 1.5 + 10, "overfilled"),  # more: + 10
    ],
)
def test_not_indicated_costs_more_with_more_product(ml, verdict, points, band):
    result = score_plan(
        cheek_case(), plan(item("cheek", "ha_firm", 0.8), item("lips", "ha_soft", ml))
    )
    lips = next(z for z in result.zones if z.zone == "lips")
    assert lips.verdict.value == verdict and lips.penalty == pytest.approx(points)
    assert result.score == by_hand(band, points)


# -- the properties, anchored to the hand formula (not only score_plan against itself) ---------


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=120))
def test_any_glabella_dose_scores_as_docs_scoring_says(units):
    if units < 10:
        band, points = "under_treated", 20 * (20 - units) / 20
    elif units < 20:
        band, points = "conservative", 20 * (20 - units) / 20
    elif units == 20:
        band, points = "natural", 0.0
    elif units <= 30:
        band, points = "overdone", 40 * (units - 20) / 20
    else:
        band, points = "overfilled", 40 * (units - 20) / 20 + 10
    if units > 64:  # upper_face_total: 10 + 20 * excess / 64 (the on-label upper face)
        points += 10 + 20 * (units - 64) / 64
    # erased (section 6): credit 1.5 + overreach 1.5 * (a - 20) / 20 past the 5-year cap: +5
    if 1.5 + 1.5 * max(0, units - 20) / 20 > 5:
        points += 5
    result = score_plan(GLABELLA, plan(item("glabella", "ona", units)))
    assert result.band.value == band
    assert result.penalty == pytest.approx(points, abs=1e-3)
    assert result.score == by_hand(band, points)


# -- section 3: findings -----------------------------------------------------------------------


def test_ona_limit_is_more_than_400_units_with_history_counted():
    # 380 U given a month ago + 20 U today = 400 U: at the limit, not above it.
    at = make_case(
        zref("glabella", "ona", 20, 20, 30), history=(history("glabella", "ona", 380, 1),)
    )
    result = score_plan(at, plan(item("glabella", "ona", 20)))
    assert "ona_3_month_limit" not in codes(result)
    assert result.cumulative.ona_units_3_months == 400
    # 381 + 20 = 401 U: 20 points; with the booster's 10 (a top-up within 3 months) 30 points,
    # overfilled: 21 + 13 * 0.7 = 30.1 -> 30.
    over = make_case(
        zref("glabella", "ona", 20, 20, 30), history=(history("glabella", "ona", 381, 1),)
    )
    result = score_plan(over, plan(item("glabella", "ona", 20)))
    assert findings(result) == [("ona_3_month_limit", 20.0), ("booster", 10.0)]
    assert result.band.value == "overfilled" and result.score == 30 == by_hand("overfilled", 30)


def test_ona_history_counts_only_inside_3_months_and_only_ona():
    def total(*past):
        case = make_case(zref("glabella", "ona", 20, 20, 30), history=past)
        return score_plan(case, plan(item("glabella", "ona", 20)))

    assert total(history("glabella", "ona", 381, 2.9)).cumulative.ona_units_3_months == 401
    three = total(history("glabella", "ona", 381, 3))  # 3 months ago: outside the window
    assert three.cumulative.ona_units_3_months == 20 and "ona_3_month_limit" not in codes(three)
    inco = total(history("glabella", "inco", 381, 1))  # another toxin: its own label
    assert inco.cumulative.ona_units_3_months == 20 and "ona_3_month_limit" not in codes(inco)
    # Per-side history counts on each side: 200 U a side is 400 U, + 20 U today.
    sides = total(history("crows_feet", "ona", 200, 1, Side.BOTH))
    assert sides.cumulative.ona_units_3_months == 420 and "ona_3_month_limit" in codes(sides)


def test_ona_limit_from_the_plan_alone_and_not_from_other_toxins():
    case = make_case(zref("glabella", "ona inco", 20, 20, 30))
    assert "ona_3_month_limit" in codes(score_plan(case, plan(item("glabella", "ona", 401))))
    assert "ona_3_month_limit" not in codes(score_plan(case, plan(item("glabella", "ona", 400))))
    assert "ona_3_month_limit" not in codes(score_plan(case, plan(item("glabella", "inco", 401))))


def test_filler_year_limit_is_20_ml_per_60_kg_over_12_months():
    def year(amount_per_side, months, weight=60):
        case = cheek_case(
            weight=weight, history=(history("jawline", "ha_firm", amount_per_side, months),)
        )
        return score_plan(case, plan(item("cheek", "ha_firm", 0.8)))

    # 60 kg: 20 mL. 9.2 mL a side of jawline 11.9 months ago (18.4) + 0.8 a side today (1.6) = 20.
    at = year(9.2, 11.9)
    assert findings(at) == [] and at.totals.filler_year_ml == 20.0 and at.score == 100
    # 9.25 a side: 18.5 + 1.6 = 20.1 > 20: 20 points, overfilled: 21 + 13 * 0.8 = 31.4 -> 31.
    over = year(9.25, 11.9)
    assert findings(over) == [("filler_year_limit", 20.0)]
    assert over.band.value == "overfilled" and over.score == 31 == by_hand("overfilled", 20)
    # 12 months ago is outside the year; 90 kg allows 30 mL.
    assert findings(year(9.25, 12)) == [] and year(9.25, 12).totals.filler_year_ml == 1.6
    assert findings(year(9.25, 11.9, weight=90)) == []
    assert year(9.25, 11.9, weight=90).totals.filler_year_limit_ml == 30.0


FOUR_UNITS = make_case(
    zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
    zref("lips", "ha_soft", 0.5, 1.5, 3),
    zref("nasolabial", "ha_medium", 0.3, 0.6, 2),
    zref("chin", "ha_firm", 0.5, 1, 3),
)


def test_facial_units_cost_5_per_unit_over_the_limit():
    two = [item("cheek", "ha_firm", 0.8), item("lips", "ha_soft", 1)]
    three = [*two, item("nasolabial", "ha_medium", 0.5)]
    four = [*three, item("chin", "ha_firm", 0.8)]
    assert "facial_units" not in codes(score_plan(FOUR_UNITS, plan(*two)))
    # 3 units, 2 allowed: 5 points; chin missed 20 * 0.5/1 = 10: 15, overdone 35 + 19 * .85
    result = score_plan(FOUR_UNITS, plan(*three))
    assert findings(result) == [("facial_units", 5.0)]
    assert result.penalty == pytest.approx(15) and result.score == by_hand("overdone", 15) == 51
    # 4 units: 10 points, every zone on target: 35 + 19 * 0.9 = 52.1 -> 52
    result = score_plan(FOUR_UNITS, plan(*four))
    assert findings(result) == [("facial_units", 10.0)] and result.score == 52


def test_the_danger_zone_reminder_fires_only_in_danger_zones():
    result = score_plan(FOUR_UNITS, plan(item("cheek", "ha_firm", 0.8), item("lips", "ha_soft", 1)))
    reminders = [(f.code, f.zone, f.penalty) for f in result.findings if f.code == "danger_zone"]
    assert reminders == [("danger_zone", "lips", 0.0)]  # the cheek is not a danger zone
    cheek_only = score_plan(cheek_case(), plan(item("cheek", "ha_firm", 0.8)))
    assert cheek_only.findings == () or codes(cheek_only) == []


def test_a_superficial_tear_trough_does_not_switch_off_later_zones():
    case = make_case(
        zref("tear_trough", "ha_soft", 0.3, 0.55, 1), zref("jawline", "ha_firm", 0.75, 1.5, 4.5)
    )
    intradermal = PlanItem("tear_trough", "ha_soft", 0.4, Side.BOTH, depth=Depth.INTRADERMAL)
    result = score_plan(case, plan(intradermal, item("jawline", "ha_firm", 1.0)))
    # 5 points for the depth; 35 + 19 * 0.95 = 53.05 -> 53
    assert findings(result) == [("superficial_tear_trough", 5.0)] and result.score == 53
    # Permanent filler in the jawline, a zone checked after the tear trough, is still seen.
    result = score_plan(case, plan(intradermal, item("jawline", "pmma", 1.0)))
    assert ("permanent_filler", 0.0) in findings(result)
    assert ("superficial_tear_trough", 5.0) in findings(result)


def test_one_superficial_finding_however_many_products():
    case = make_case(zref("tear_trough", "ha_soft ha_medium", 0.3, 0.55, 1))
    items = [
        PlanItem("tear_trough", p, 0.2, Side.BOTH, depth=Depth.INTRADERMAL)
        for p in ("ha_soft", "ha_medium")
    ]
    assert findings(score_plan(case, plan(*items))) == [("superficial_tear_trough", 5.0)]


def test_permanent_filler_in_a_danger_zone_costs_30():
    # PMMA in the lips: permanent_danger_zone 30; the zone is a wrong product, base 20 (permanent)
    # + under-treatment by the right products 20 * 0.5/1.5 = 6.67; 56.67 points, unsafe:
    # 20 * 0.4333 = 8.67 -> 9
    case = make_case(zref("lips", "ha_soft", 0.5, 1.5, 3))
    result = score_plan(case, plan(item("lips", "pmma", 1)))
    assert findings(result) == [("permanent_danger_zone", 30.0)]
    assert result.zones[0].penalty == pytest.approx(20 + 20 * 0.5 / 1.5)
    assert result.score == 9 == by_hand("unsafe", 30 + 20 + 20 * 0.5 / 1.5)


def test_layering_over_permanent_filler_costs_30_and_over_a_biostimulator_10():
    # PMMA still there (0.5 a side) + 0.8 a side = 1.3, heavy: 40 * 0.3/1 = 12; + 30 = 42;
    # unsafe: 20 * 0.58 = 11.6 -> 12
    permanent = cheek_case(history=(history("cheek", "pmma", 0.5, 24),))
    result = score_plan(permanent, plan(item("cheek", "ha_firm", 0.8)))
    assert findings(result) == [("layering_permanent", 30.0)] and result.score == 12
    slow = cheek_case(history=(history("cheek", "caha", 0.5, 6),))
    assert ("layering_slow", 10.0) in findings(
        score_plan(slow, plan(item("cheek", "ha_firm", 0.8)))
    )


def test_candidacy_costs_40_once():
    # Deferring is right; injecting anyway: candidacy 40, the glabella unsafe at 0 points, crow's
    # feet missed 20 * 6/9 = 13.33: 53.33, unsafe: 20 * 0.4667 = 9.33 -> 9
    result = score_plan(
        glabella_case(disposition=Disposition.DEFER), plan(item("glabella", "ona", 20))
    )
    assert findings(result) == [("candidacy", 40.0)]
    assert result.zones[0].verdict.value == "unsafe" and result.zones[0].penalty == 0
    assert result.score == 9 == by_hand("unsafe", 40 + 20 * 6 / 9)
    deferred = score_plan(glabella_case(disposition=Disposition.DEFER), Plan(Disposition.DEFER))
    assert "candidacy" not in codes(deferred)


def test_identity_costs_10_per_feature_to_preserve():
    # Lips 2 mL against 0.5-1.5 (ceiling 3): heavy, 40 * 0.5/1.5 = 13.33; preserving the lips
    # adds 10: 23.33, overdone: 35 + 19 * 0.7667 = 49.57 -> 50
    kept = make_case(zref("lips", "ha_soft", 0.5, 1.5, 3), preserve=("lips",))
    result = score_plan(kept, plan(item("lips", "ha_soft", 2)))
    assert findings(result) == [("identity", 10.0)] and result.score == 50
    free = make_case(zref("lips", "ha_soft", 0.5, 1.5, 3))
    assert findings(score_plan(free, plan(item("lips", "ha_soft", 2)))) == []
    assert findings(score_plan(kept, plan(item("lips", "ha_soft", 1)))) == []  # within range
