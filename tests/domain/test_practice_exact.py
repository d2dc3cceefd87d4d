"""The practice rules pinned exactly (issue 23: scoring/practice.py): low brows, laxity, and toxin
inside the 3-month interval with the small correction at the 2-week review.

Worked by hand from docs/scoring.md, section 3:
- low_brows: forehead toxin when the brow position is graded 2 or more: overdone, 10 points (B33);
- laxity_volume: 5 points per mL of filler beyond the reference's ranges (all of it where the
  reference has none); overdone, overfilled above 5 mL (F17 F26);
- booster: toxin inside the 3-month interval, overdone, 10 points (B29 B30 B47), unless it is a
  small correction (at most a quarter of the dose given then, in ona-eq units) of documented
  asymmetry in a zone treated then, at 14-21 days (B47 B53): conservative, 0 points.
A month is 365.25 / 12 days.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from quizapp.domain.case import FlagPresence, HistoryItem, ZoneAssessment
from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Disposition, Side

from ._casekit import finding_rows, item, make_case, plan, zref

DAYS_PER_MONTH = 365.25 / 12


def _brows(grade):
    return make_case(
        zref("glabella", "ona", 20, 20, 30),
        zref("forehead", "ona", 10, 20, 20),
        grades={"brow": (grade, None)},
    )


def test_forehead_toxin_on_brows_graded_2_costs_10_and_graded_1_nothing():
    low = score_plan(_brows(2), plan(item("glabella", "ona", 20), item("forehead", "ona", 10)))
    assert finding_rows(low, "low_brows") == [
        (
            "overdone",
            "forehead",
            ("B33",),
            10.0,
            "Forehead toxin when the brows are low (brow position graded 2): relaxing the "
            "frontalis, the only muscle that lifts the brow, risks dropping it further and a "
            "hooded, tired look. Leave the forehead alone.",
        )
    ]
    assert (low.penalty, low.score) == (10.0, 52)  # 35 + 19 * 0.9 = 52.1
    high = score_plan(_brows(1), plan(item("glabella", "ona", 20), item("forehead", "ona", 10)))
    assert high.findings == () and high.score == 100
    # Low brows and no forehead toxin: nothing to say.
    assert score_plan(_brows(2), plan(item("glabella", "ona", 20))).findings == ()


LAX = make_case(
    zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
    disposition=Disposition.TREAT_IN_PART,
    flags=(FlagPresence("laxity_beyond_filler"),),
    age=70,
)
LAX_TEXT = (
    "About {} mL of filler beyond what the case calls for, in a face whose problem is laxity or "
    "excess skin that filler cannot correct: filler adds volume, it does not lift sagging tissue, "
    "and chasing a lift with volume makes the face heavy{} Refer for a surgical opinion."
)
OVERFILLING = "; more than 5 mL in one treatment is overfilling."


def _lax(*items):
    return score_plan(LAX, plan(*items, disposition=Disposition.TREAT_IN_PART))


def test_laxity_counts_only_the_volume_beyond_the_ranges():
    # Within the cheek's range: no volume used to lift.
    within = _lax(item("cheek", "ha_firm", 1.0))
    assert [f.code for f in within.findings] == ["caution_laxity_beyond_filler"]
    # 1.2 a side against a top of 1.0: 0.2 a side, 0.4 mL, 5 * 0.4 = 2 points.
    beyond = _lax(item("cheek", "ha_firm", 1.2))
    assert finding_rows(beyond, "laxity_volume") == [
        ("overdone", None, ("F17", "F26"), 2.0, LAX_TEXT.format("0.4", "."))
    ]
    # Without a flag or Glogau IV jowls, the same volume says nothing about laxity.
    plain = make_case(zref("cheek", "ha_firm", 0.6, 1.0, 2.0))
    assert "laxity_volume" not in [
        f.code for f in score_plan(plain, plan(item("cheek", "ha_firm", 1.2))).findings
    ]


def test_laxity_counts_all_of_a_zone_without_a_range_and_overfills_past_5_ml():
    # Jawline, not in the reference: all of it. 2.5 a side is 5 mL exactly: still overdone, 25.
    at = _lax(item("cheek", "ha_firm", 1.0), item("jawline", "ha_firm", 2.5))
    assert finding_rows(at, "laxity_volume") == [
        ("overdone", None, ("F17", "F26"), 25.0, LAX_TEXT.format("5", "."))
    ]
    # 2.6 a side is 5.2 mL: overfilled, 5 * 5.2 = 26 points. Toxin in the plan (listed first)
    # is no volume and does not stop the count.
    over = _lax(
        item("glabella", "ona", 20), item("cheek", "ha_firm", 1.0), item("jawline", "ha_firm", 2.6)
    )
    assert finding_rows(over, "laxity_volume") == [
        ("overfilled", None, ("F17", "F26"), 26.0, LAX_TEXT.format("5.2", OVERFILLING))
    ]


def _reviewed(days, *, asymmetry=True, product="ona", amount=20, extra=()):
    """Deferring is right; glabella toxin given `days` ago, reviewed now."""
    case = make_case(
        zref("glabella", "ona abo", 20, 20, 30),
        disposition=Disposition.DEFER,
        history=(
            HistoryItem("glabella", product, amount, Side.MIDLINE, days / DAYS_PER_MONTH),
            *extra,
        ),
        flags=(FlagPresence("toxin_within_3_months"),),
        age=41,
    )
    return replace(case, assessment=(ZoneAssessment("glabella", 0, 2, asymmetry=asymmetry),))


CORRECTION = (
    "A small correction of documented asymmetry in the glabellar (frown) lines at the 2-week "
    "review: some clinics do it, no label or consensus endorses it, so it is conservative at "
    "best."
)


def _booster_text(zone_words, weeks, products, what):
    return (
        f"Toxin in the {zone_words} about {weeks} weeks after the last ({products}): a booster "
        f"that {what}. Boosters within weeks raise the risk of antibodies; record the review and "
        "adjust the next session's dose instead."
    )


UNDER_RESPONSE = "answers under-response with no documented asymmetry"
ONA = "onabotulinumtoxinA"
NEW_ZONE = "adds a zone not treated then"


@pytest.mark.parametrize("days", [14, 21])
def test_a_small_correction_at_14_to_21_days_is_conservative_at_0_points(days):
    result = score_plan(_reviewed(days), plan(item("glabella", "ona", 5)))  # 5 = 20 / 4
    (zone,) = result.zones
    assert (zone.verdict.value, zone.penalty) == ("conservative", 0.0)
    assert [(r.text, r.references) for r in zone.reasons] == [(CORRECTION, ("B47", "B53"))]
    assert "booster" not in [f.code for f in result.findings]
    # Treating where deferring fits: the disposition's 10 points; 75 + 14 * 0.9 = 87.6 -> 88.
    assert (result.band.value, result.penalty, result.score) == ("conservative", 10.0, 88)


@pytest.mark.parametrize(("days", "weeks"), [(13.9, 2), (21.1, 3)])
def test_outside_14_to_21_days_it_is_a_booster(days, weeks):
    # 5 U against 20: under, 20 * 15/20 = 15; booster 10; disposition 10: 35 points,
    # 35 + 19 * 0.65 = 47.35 -> 47. Weeks: days / 30.44 * 4.35, rounded.
    result = score_plan(_reviewed(days), plan(item("glabella", "ona", 5)))
    assert finding_rows(result, "booster") == [
        (
            "overdone",
            "glabella",
            ("B29", "B30", "B47"),
            10.0,
            _booster_text("glabellar (frown) lines", weeks, ONA, UNDER_RESPONSE),
        )
    ]
    assert (result.zones[0].verdict.value, result.penalty, result.score) == ("under", 35.0, 47)


def test_a_correction_must_be_small_documented_and_of_a_known_dose():
    def booster(case, amount, product="ona"):
        result = score_plan(case, plan(item("glabella", product, amount)))
        return [f.code for f in result.findings].count("booster")

    assert booster(_reviewed(14), 5) == 0
    assert booster(_reviewed(14), 5.1) == 1  # more than a quarter of 20
    assert booster(_reviewed(14, asymmetry=False), 5) == 1  # no documented asymmetry
    assert booster(_reviewed(14, amount=None), 5) == 1  # the dose given then is unknown
    # In ona-eq units: 50 U of abo then is 20; 12.5 U of abo now is 5, 13 U is 5.2.
    abo = _reviewed(14, product="abo", amount=50)
    assert booster(abo, 12.5, "abo") == 0
    assert booster(abo, 13, "abo") == 1


def test_a_zone_not_treated_then_is_a_booster_and_filler_is_not_judged_here():
    # Crow's feet treated 2 months ago, glabella 14 days ago: the correction in the glabella
    # stands; crow's feet toxin answers under-response, forehead and masseter toxin add a zone
    # (the masseter judged after the glabella's correction); the weeks count from the latest
    # session (14 days: 2 weeks). Cheek filler is no booster.
    case = _reviewed(14, extra=(HistoryItem("crows_feet", "ona", 10, Side.BOTH, 2),))
    result = score_plan(
        case,
        plan(
            item("glabella", "ona", 5),
            item("crows_feet", "ona", 4),
            item("forehead", "ona", 4),
            item("masseter", "ona", 10),
            item("cheek", "ha_firm", 0.5),
        ),
    )
    assert [(f.zone, f.penalty, f.text) for f in result.findings if f.code == "booster"] == [
        (
            "crows_feet",
            10.0,
            _booster_text("crow's feet (lateral canthal lines)", 2, ONA, UNDER_RESPONSE),
        ),
        ("forehead", 10.0, _booster_text("forehead lines", 2, ONA, NEW_ZONE)),
        ("masseter", 10.0, _booster_text("masseter", 2, ONA, NEW_ZONE)),
    ]
    verdicts = {(z.zone, z.family.value): (z.verdict.value, z.penalty) for z in result.zones}
    assert verdicts[("glabella", "toxin")] == ("conservative", 0.0)
    assert verdicts[("cheek", "filler")] == ("not_indicated", 10.0)  # 5 + 20 * 0.5/2


def test_the_correction_leaves_the_zones_filler_verdict_alone():
    case = _reviewed(14)
    result = score_plan(case, plan(item("glabella", "ona", 5), item("glabella", "ha_soft", 0.2)))
    # Glabella filler is unsafe on its own (a danger zone the catalogue offers no filler for),
    # 30 points; the correction does not soften it.
    verdicts = [(z.family.value, z.verdict.value, z.penalty) for z in result.zones]
    assert verdicts == [("toxin", "conservative", 0.0), ("filler", "unsafe", 30.0)]


def test_no_recent_toxin_no_booster():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        history=(HistoryItem("glabella", "ona", 20, Side.MIDLINE, 3),),
    )
    result = score_plan(case, plan(item("glabella", "ona", 20)))
    assert result.findings == () and result.score == 100
