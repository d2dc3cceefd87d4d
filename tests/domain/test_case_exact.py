"""A case's derived facts and reference ranges, pinned exactly (issue 23: case.py).

The figures come from docs/case-format.md and the zone catalogue's typical doses (face.py, each
with its sources), worked out by hand: grades 0-2 take the lower half of the typical range, 3 the
whole, 4 the upper half, no grade the whole; the ceiling is the catalogue cap, else 1.5 x the
catalogue's typical high, else 1.5 x the author's max; min <= max <= ceiling. Crow's feet are
6-12 U per side with a cap of 12 (B1 B6 B7 B9 B25), the cheek 1.0-2.0 mL per side with a cap of
2.0 (F2 F3 P28), the male glabella 40 U with a cap of 80 (P26 B1); marionette filler has a cap
of 2.0 mL (P24) but no typical range, the nose no filler figure at all.
"""

from __future__ import annotations

import datetime as dt

import pytest

from quizapp.domain.case import (
    DAYS_PER_MONTH,
    Case,
    DoseSpec,
    FlagPresence,
    HistoryItem,
    Patient,
    Preserve,
    RangeError,
    Reference,
    ResolvedRange,
    ZoneAssessment,
    ZoneReference,
    resolve_range,
    side_keys,
)
from quizapp.domain.face import Family
from quizapp.domain.terms import Disposition, Side

TOXIN, FILLER = Family.TOXIN, Family.FILLER
CROWS_REFS = ("B1", "B6", "B7", "B9", "B25")


def ref(
    zone: str, family: Family, lo=None, hi=None, ceiling=None, refs=(), optional=False
) -> ZoneReference:
    products = ("ona",) if family == TOXIN else ("ha_firm",)
    return ZoneReference(
        zone, family, products, DoseSpec(lo, hi, ceiling), references=refs, optional=optional
    )


# --- small parts ------------------------------------------------------------------------------


def test_side_keys_of_paired_and_unpaired_zones():
    assert side_keys("glabella", Side.BOTH) == ("total",)
    assert side_keys("lips", Side.MIDLINE) == ("total",)
    assert side_keys("crows_feet", Side.BOTH) == ("left", "right")
    assert side_keys("crows_feet", Side.LEFT) == ("left",)
    assert side_keys("crows_feet", Side.RIGHT) == ("right",)
    assert side_keys("crows_feet", Side.MIDLINE) == ("left", "right")


def test_toxin_reads_the_moving_grade_and_filler_the_grade_at_rest_each_falling_back():
    both = ZoneAssessment("cheek", rest=1, moving=3)
    assert (both.grade_for(TOXIN), both.grade_for(FILLER)) == (3, 1)
    rest_only = ZoneAssessment("cheek", rest=2)
    assert (rest_only.grade_for(TOXIN), rest_only.grade_for(FILLER)) == (2, 2)
    moving_only = ZoneAssessment("cheek", moving=4)
    assert (moving_only.grade_for(TOXIN), moving_only.grade_for(FILLER)) == (4, 4)
    assert ZoneAssessment("cheek").grade_for(TOXIN) is None
    assert ZoneAssessment("cheek", rest=0, moving=3).grade_for(FILLER) == 0


def test_a_flag_without_zones_covers_the_whole_face():
    assert FlagPresence("infection_at_site").covers("lips")
    scoped = FlagPresence("infection_at_site", ("lips", "chin"))
    assert scoped.covers("chin") and not scoped.covers("cheek")


def test_a_dose_spec_is_empty_only_with_no_bound_at_all():
    assert DoseSpec().empty
    assert not DoseSpec(min=0.0).empty
    assert not DoseSpec(max=1.0).empty
    assert not DoseSpec(ceiling=2.0).empty


def _resolved(min_: float, optional: bool = False) -> ResolvedRange:
    return ResolvedRange(
        "cheek", FILLER, ("ha_firm",), min_, 1.0, 2.0, True, "case", None, (), "", optional
    )


def test_a_range_is_required_when_its_minimum_is_above_zero_and_it_is_not_optional():
    assert _resolved(0.1).required is True
    assert _resolved(0.0).required is False
    assert _resolved(0.1, optional=True).required is False


def test_a_range_error_keeps_the_part_and_the_message():
    error = RangeError("ceiling", "too high")
    assert (error.part, error.message, str(error)) == ("ceiling", "too high", "too high")


# --- resolve_range ------------------------------------------------------------------------------


def test_crows_feet_from_the_catalogue_at_grade_2_is_the_lower_half_and_offered_not_demanded():
    # Typical 6-12, midpoint 9: grade 2 gives 6-9; the cap of 12 is never scaled (the docs'
    # example).
    assert resolve_range(ref("crows_feet", TOXIN), 2, "F") == ResolvedRange(
        "crows_feet",
        TOXIN,
        ("ona",),
        6.0,
        9.0,
        12.0,
        True,
        "catalogue",
        2,
        CROWS_REFS,
        "catalogue default: the lower half of the typical range at grade 2",
        True,
    )


def test_upper_face_toxin_at_grade_3_or_without_a_grade_is_demanded():
    at_3 = resolve_range(ref("crows_feet", TOXIN), 3, "F")
    assert (at_3.min, at_3.max, at_3.ceiling, at_3.optional, at_3.required) == (
        6.0,
        12.0,
        12.0,
        False,
        True,
    )
    assert at_3.explanation == "catalogue default: the whole typical range at grade 3"
    ungraded = resolve_range(ref("crows_feet", TOXIN), None, "F")
    assert (ungraded.min, ungraded.max, ungraded.optional, ungraded.grade) == (
        6.0,
        12.0,
        False,
        None,
    )
    assert ungraded.explanation == "catalogue default: the whole typical range at no grade"


def test_grade_0_is_still_the_lower_half_and_offered():
    at_0 = resolve_range(ref("forehead", TOXIN), 0, "F")
    # Forehead 10-20 U in total, cap 20: lower half 10-15.
    assert (at_0.min, at_0.max, at_0.ceiling, at_0.per_side, at_0.optional) == (
        10.0,
        15.0,
        20.0,
        False,
        True,
    )


def test_toxin_outside_the_upper_face_and_filler_at_a_low_grade_stay_demanded():
    masseter = resolve_range(ref("masseter", TOXIN), 1, "F")
    # Masseter 20-40 U per side, no cap: 1.5 x 40 = 60; lower half 20-30.
    assert (masseter.min, masseter.max, masseter.ceiling, masseter.optional) == (
        20.0,
        30.0,
        60.0,
        False,
    )
    cheek = resolve_range(ref("cheek", FILLER), 1, "F")
    assert (cheek.min, cheek.max, cheek.ceiling, cheek.optional) == (1.0, 1.5, 2.0, False)


def test_grade_4_is_the_upper_half():
    cheek = resolve_range(ref("cheek", FILLER), 4, "F")
    assert (cheek.min, cheek.max, cheek.ceiling) == (1.5, 2.0, 2.0)
    assert cheek.explanation == "catalogue default: the upper half of the typical range at grade 4"


def test_men_get_the_male_glabella_range():
    glabella = resolve_range(ref("glabella", TOXIN), None, "M")
    assert (glabella.min, glabella.max, glabella.ceiling, glabella.references) == (
        40.0,
        40.0,
        80.0,
        ("P26", "B1"),
    )
    woman = resolve_range(ref("glabella", TOXIN), None, "F")
    assert (woman.min, woman.max, woman.ceiling) == (20.0, 20.0, 30.0)


def test_an_authors_minimum_keeps_upper_face_toxin_demanded_and_the_rest_comes_from_the_catalogue():
    crows = resolve_range(ref("crows_feet", TOXIN, lo=4, refs=("B9", "X1")), 1, "F")
    assert crows == ResolvedRange(
        "crows_feet",
        TOXIN,
        ("ona",),
        4.0,
        9.0,
        12.0,
        True,
        "case and catalogue",
        1,
        ("B9", "X1", "B1", "B6", "B7", "B25"),
        "author's bounds, the rest catalogue default: the lower half of the typical range at "
        "grade 1",
        False,
    )
    assert type(crows.min) is float


def test_an_authors_maximum_alone_takes_the_minimum_from_the_catalogue():
    crows = resolve_range(ref("crows_feet", TOXIN, hi=10), 3, "F")
    assert (crows.min, crows.max, crows.ceiling, crows.source) == (
        6.0,
        10.0,
        12.0,
        "case and catalogue",
    )
    # No author's minimum: upper-face toxin at grade 2 is still only offered.
    assert resolve_range(ref("crows_feet", TOXIN, hi=9), 2, "F").optional is True


def test_only_the_minimum_from_the_catalogue_counts_as_case_and_catalogue():
    crows = resolve_range(ref("crows_feet", TOXIN, hi=10, ceiling=12, refs=("X1",)), 3, "F")
    assert (crows.min, crows.max, crows.ceiling, crows.source) == (
        6.0,
        10.0,
        12.0,
        "case and catalogue",
    )
    assert crows.references == ("X1", *CROWS_REFS)


def test_only_the_maximum_from_the_catalogue_counts_as_case_and_catalogue():
    crows = resolve_range(ref("crows_feet", TOXIN, lo=4, ceiling=12, refs=("X1",)), 3, "F")
    assert (crows.min, crows.max, crows.ceiling, crows.source) == (
        4.0,
        12.0,
        12.0,
        "case and catalogue",
    )
    assert crows.references == ("X1", *CROWS_REFS)


def test_only_the_ceiling_from_the_catalogue_still_counts_as_case_and_catalogue():
    cheek = resolve_range(ref("cheek", FILLER, 0.6, 1.0, refs=("F3", "B1")), None, "F")
    assert (cheek.min, cheek.max, cheek.ceiling, cheek.source) == (
        0.6,
        1.0,
        2.0,
        "case and catalogue",
    )
    assert cheek.references == ("F3", "B1", "F2", "P28")
    assert (
        cheek.explanation
        == "author's bounds, the rest catalogue default: the whole typical range at no grade"
    )


def test_a_full_authors_range_is_the_case_alone_with_its_own_references_and_whole_floats():
    cheek = resolve_range(ref("cheek", FILLER, 1, 2, 3, refs=("F3",), optional=True), 4, "F")
    assert cheek == ResolvedRange(
        "cheek",
        FILLER,
        ("ha_firm",),
        1.0,
        2.0,
        3.0,
        True,
        "case",
        4,
        ("F3",),
        "author's range",
        True,
    )
    assert (type(cheek.min), type(cheek.max), type(cheek.ceiling)) == (float, float, float)


def test_a_catalogue_cap_without_a_typical_range_fills_the_ceiling_only():
    marionette = resolve_range(ref("marionette", FILLER, 0.5, 1.0, refs=("P24",)), 2, "F")
    assert (marionette.min, marionette.max, marionette.ceiling) == (0.5, 1.0, 2.0)
    assert (marionette.source, marionette.references) == ("case and catalogue", ("P24",))
    assert marionette.explanation == "author's bounds, the rest from the catalogue"


def test_no_catalogue_figure_at_all_makes_the_ceiling_1_5_times_the_authors_max_to_4_places():
    nose = resolve_range(ref("nose", FILLER, 0.1, 0.12345, refs=("F1",)), None, "F")
    # 1.5 x 0.12345 = 0.185175, to 4 places 0.1852.
    assert (nose.min, nose.max, nose.ceiling) == (0.1, 0.12345, 0.1852)
    assert (nose.source, nose.explanation, nose.references) == ("case", "author's range", ("F1",))


@pytest.mark.parametrize(
    ("spec", "part"),
    [((None, 1.0), "min"), ((0.5, None), "max"), ((None, None), "min")],
)
def test_a_zone_without_a_catalogue_range_needs_both_bounds(spec, part):
    with pytest.raises(RangeError) as raised:
        resolve_range(ref("marionette", FILLER, *spec), 2, "F")
    assert raised.value.part == part
    assert raised.value.message == (
        "the zone catalogue has no default filler range for marionette; "
        "give dose.min and dose.max (with references)"
    )


def test_min_may_equal_max_but_not_exceed_it():
    assert resolve_range(ref("cheek", FILLER, 1.5, 1.5), None, "F").min == 1.5
    with pytest.raises(RangeError) as raised:
        resolve_range(ref("cheek", FILLER, 1.6, 1.5), None, "F")
    assert (raised.value.part, raised.value.message) == ("min", "min 1.6 is above max 1.5")


def test_max_may_equal_the_ceiling_but_not_exceed_it():
    assert resolve_range(ref("cheek", FILLER, 1, 2.5, 2.5), None, "F").max == 2.5
    with pytest.raises(RangeError) as given:
        resolve_range(ref("cheek", FILLER, 1, 2.6, 2.5), None, "F")
    assert (given.value.part, given.value.message) == (
        "max",
        "max 2.6 is above the ceiling 2.5 (given)",
    )
    assert resolve_range(ref("cheek", FILLER, 1, 2.0), None, "F").ceiling == 2.0
    with pytest.raises(RangeError) as catalogue:
        resolve_range(ref("cheek", FILLER, 1, 2.1), None, "F")
    assert catalogue.value.message == "max 2.1 is above the ceiling 2 (taken from the catalogue)"


# --- the case -----------------------------------------------------------------------------------


def make(
    *zones, history=(), assessment=(), age=44, weight=None, visit=None, preserve=(), flags=()
) -> Case:
    return Case(
        "c1",
        "Title",
        "Summary",
        Patient(age, "F", 3, 2, weight_kg=weight),
        Reference(Disposition.TREAT, flags, zones),
        history=history,
        assessment=assessment,
        preserve=preserve,
        visit_date=visit,
    )


def test_each_reference_zone_is_resolved_at_its_assessed_grade():
    case = make(
        ref("crows_feet", TOXIN),
        ref("cheek", FILLER),
        ref("forehead", TOXIN),
        assessment=(
            ZoneAssessment("crows_feet", rest=3, moving=2),
            ZoneAssessment("cheek", rest=4, moving=1),
        ),
    )
    assert [(r.zone, r.min, r.max, r.grade) for r in case.ranges] == [
        ("crows_feet", 6.0, 9.0, 2),
        ("cheek", 1.5, 2.0, 4),
        ("forehead", 10.0, 20.0, None),
    ]
    assert case.range_for("cheek", FILLER) is case.ranges[1]
    assert case.range_for("cheek", TOXIN) is None
    assert case.zone_referenced("forehead") and not case.zone_referenced("lips")
    assert case.assessment_for("cheek") == ZoneAssessment("cheek", rest=4, moving=1)
    assert case.assessment_for("forehead") is None


def test_flag_ids_and_preserved_zones():
    case = make(
        flags=(FlagPresence("pregnancy"), FlagPresence("recent_filler", ("lips",))),
        preserve=(Preserve("brow"),),
    )
    assert case.flag_ids == frozenset({"pregnancy", "recent_filler"})
    assert case.preserved_zones == frozenset({"brow"})


def test_months_ago_comes_from_months_or_from_dates():
    visit = dt.date(2024, 9, 1)
    by_months = HistoryItem("glabella", "ona", 20.0, Side.MIDLINE, months_ago=5)
    by_date = HistoryItem("glabella", "ona", 20.0, Side.MIDLINE, date=dt.date(2024, 6, 1))
    this_visit = HistoryItem("lips", "ha_soft", 1.0, Side.MIDLINE, months_ago=0)
    case = make(history=(by_months, by_date, this_visit), visit=visit)
    # 1 June to 1 September is 92 days; 92 / (365.25 / 12) = 3.0226, to 2 places 3.02.
    assert DAYS_PER_MONTH == 30.4375
    assert case.history_months == ((by_months, 5.0), (by_date, 3.02), (this_visit, 0.0))
    assert (case.months_ago(by_months), case.months_ago(by_date), case.months_ago(this_visit)) == (
        5.0,
        3.02,
        0.0,
    )
    assert type(case.months_ago(by_months)) is float
    # An item not in the history is worked out on the spot.
    elsewhere = HistoryItem("cheek", "ha_firm", 1.0, Side.BOTH, date=dt.date(2024, 8, 2))
    assert case.months_ago(elsewhere) == 0.99  # 30 days


def test_a_date_without_the_visit_date_or_no_time_at_all_is_refused():
    with pytest.raises(ValueError, match="neither months_ago nor a date"):
        make(
            history=(HistoryItem("glabella", "ona", 20.0, Side.MIDLINE, date=dt.date(2024, 6, 1)),)
        )
    with pytest.raises(ValueError, match="neither months_ago nor a date"):
        make(
            history=(HistoryItem("glabella", "ona", 20.0, Side.MIDLINE),), visit=dt.date(2024, 9, 1)
        )


@pytest.mark.parametrize(
    ("age", "flags"), [(17, {"under_18"}), (18, set()), (64, set()), (65, {"over_65_label"})]
)
def test_age_flags_on_both_sides_of_18_and_65(age, flags):
    assert make(age=age).derived_flags() == frozenset(flags)


def test_toxin_less_than_3_months_ago_is_flagged_and_3_months_or_filler_is_not():
    def flags(product: str, months: float) -> frozenset[str]:
        return make(
            history=(HistoryItem("glabella", product, 20.0, Side.MIDLINE, months_ago=months),)
        ).derived_flags()

    assert flags("ona", 2.99) == {"toxin_within_3_months"}
    assert flags("ona", 3.0) == frozenset()
    assert flags("ha_soft", 1.0) == frozenset()
    two = make(
        history=(
            HistoryItem("glabella", "ona", 20.0, Side.MIDLINE, months_ago=6),
            HistoryItem("glabella", "abo", 50.0, Side.MIDLINE, months_ago=1),
        )
    )
    assert two.derived_flags() == {"toxin_within_3_months"}


def test_filler_left_in_a_zone_per_side_from_the_persistence_heuristic():
    case = make(
        history=(
            HistoryItem("cheek", "ha_firm", 1.0, Side.BOTH, months_ago=3),
            HistoryItem("cheek", "ha_firm", 0.5, Side.LEFT, months_ago=0),
            HistoryItem("cheek", "ha_firm", None, Side.RIGHT, months_ago=0),
            HistoryItem("lips", "ha_firm", 1.0, Side.MIDLINE, months_ago=12),
            HistoryItem("glabella", "ona", 20.0, Side.MIDLINE, months_ago=5),
            HistoryItem("chin", "pmma", 2.0, Side.MIDLINE, months_ago=100),
        )
    )
    # Firm HA keeps 60% at 3 months: 0.6 each side, plus 0.5 (just injected) on the left; the
    # unknown amount is left out. At 12 months: 0.6 + (0.3 - 0.6) x 9 / 21 = 0.47143, to 4
    # places. PMMA is permanent. Toxin leaves no volume.
    assert case.residual_ml("cheek") == {"left": 1.1, "right": 0.6}
    assert case.residual_ml("lips") == {"total": 0.4714}
    assert case.residual_ml("chin") == {"total": 2.0}
    assert case.residual_ml("glabella") == {}
    assert case.residual_ml("temples") == {}


def test_the_yearly_filler_limit_is_20_ml_per_60_kg_to_2_places():
    assert make().filler_year_limit_ml is None
    assert make(weight=75).filler_year_limit_ml == 25.0  # 20 x 75 / 60
    assert make(weight=70).filler_year_limit_ml == 23.33  # 23.333...
