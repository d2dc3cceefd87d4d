"""The per-case tables and the plan's grouping, pinned exactly (issue 23: scoring/tables.py).

Each figure below is worked out by hand from the case it is built from and the rules in
docs/scoring.md: toxin history counts towards the 400 U ona limit inside 3 months, filler
history towards the yearly label limit inside 12 months (both per side on paired zones), the
on-label upper face is at least 64 U, units convert by the labels' glabella doses (abo 2.5,
daxi 2 per ona unit)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from quizapp.domain.case import FlagPresence, HistoryItem, Preserve
from quizapp.domain.face import Family
from quizapp.domain.plan import PlanItem
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring import case_tables, score_plan
from quizapp.domain.scoring.results import RangeView, RecentToxin
from quizapp.domain.scoring.tables import (
    ZoneGroup,
    amounts_by_side,
    blocking_flags,
    exact_sum,
    group_items,
    not_indicated_why,
)
from quizapp.domain.terms import Disposition, Side

from ._casekit import item, make_case, plan, zref

TOXIN, FILLER = Family.TOXIN, Family.FILLER


def past(zone, product, amount, months, side=Side.BOTH):
    return HistoryItem(zone, product, amount, side, months_ago=months)


# --- sums and grouping ------------------------------------------------------------------------


def test_exact_sum_is_order_free_and_rounded_to_six_decimals():
    assert exact_sum([0.1, 0.2]) == 0.3 and exact_sum([0.2, 0.1]) == 0.3
    assert exact_sum([0.1] * 10) == 1.0
    assert exact_sum([1.00000049, 0.0]) == 1.0 and exact_sum([]) == 0.0


def test_group_items_sums_per_product_and_side_and_converts_toxin():
    items = (
        PlanItem("glabella", "ona", 10, Side.MIDLINE),
        PlanItem("glabella", "ona", 10, Side.MIDLINE),
        PlanItem("glabella", "abo", 25, Side.MIDLINE),
        PlanItem("cheek", "ha_firm", 0.5, Side.BOTH),
        PlanItem("cheek", "ha_firm", 0.3, Side.LEFT),
        PlanItem("cheek", "ha_medium", 0.1234567, Side.RIGHT),
        PlanItem("lips", "hyaluronidase", 15, Side.MIDLINE),
        PlanItem("crows_feet", "daxi", 12, Side.BOTH),
    )
    groups, enzyme = group_items(plan(*items))
    assert enzyme == [items[6]]
    assert set(groups) == {("glabella", TOXIN), ("cheek", FILLER), ("crows_feet", TOXIN)}
    glabella = groups[("glabella", TOXIN)]
    assert glabella.by_product == {"ona": {"total": 20.0}, "abo": {"total": 25.0}}
    assert glabella.in_range_units == {"ona": {"total": 20.0}, "abo": {"total": 10.0}}
    cheek = groups[("cheek", FILLER)]
    # one amount is rounded to 6 decimals too
    expected = {"ha_firm": {"left": 0.8, "right": 0.5}, "ha_medium": {"right": 0.123457}}
    assert cheek.by_product == expected and cheek.in_range_units == expected
    # daxi: 12 U a side / 2 = 6 ona-eq a side
    assert groups[("crows_feet", TOXIN)].in_range_units == {"daxi": {"left": 6.0, "right": 6.0}}
    assert groups[("crows_feet", TOXIN)].by_product == {"daxi": {"left": 12.0, "right": 12.0}}


def test_group_items_of_an_enzyme_alone_or_nothing():
    item = PlanItem("lips", "hyaluronidase", 15, Side.MIDLINE)
    assert group_items(plan(item)) == ({}, [item])
    assert group_items(plan()) == ({}, [])


def test_amounts_by_side_adds_the_chosen_products_in_range_units():
    group = ZoneGroup(
        {},
        {
            "ha_firm": {"left": 0.8, "right": 0.5},
            "ha_medium": {"right": 0.1234567},
            "caha": {"left": 1.0},
        },
    )
    keys = ("left", "right")
    assert amounts_by_side(group, ["ha_firm", "ha_medium"], keys) == {
        "left": 0.8,
        "right": 0.623457,
    }
    # one part is taken as it is, unrounded; no part is 0
    assert amounts_by_side(group, ["ha_medium"], keys) == {"left": 0.0, "right": 0.1234567}
    # a product the group does not hold is ignored
    assert amounts_by_side(group, ["ha_soft", "caha"], keys) == {"left": 1.0, "right": 0.0}
    assert amounts_by_side(group, [], ("total",)) == {"total": 0.0}


# --- case_tables: history ---------------------------------------------------------------------


def test_toxin_history_inside_3_months_counts_ona_per_side():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        history=(
            past("glabella", "ona", 20, 2.9, Side.MIDLINE),
            past("crows_feet", "ona", 10, 1),  # both sides: 20
            past("crows_feet", "ona", 4, 1, Side.LEFT),  # one side: 4
            past("forehead", "ona", 30, 3, Side.MIDLINE),  # 3 months: outside
            past("glabella", "inco", 50, 0.5, Side.MIDLINE),  # recent, but not ona
            past("masseter", "ona", None, 2),  # recent, amount unknown
        ),
    )
    tables = case_tables(case)
    assert tables.ona_history == 20 + 20 + 4  # 44
    assert tables.recent_toxin == (
        RecentToxin("glabella", "inco", 0.5, 50),
        RecentToxin("crows_feet", "ona", 1, 10),  # equal keys keep the order given
        RecentToxin("crows_feet", "ona", 1, 4),
        RecentToxin("masseter", "ona", 2, None),
        RecentToxin("glabella", "ona", 2.9, 20),
    )
    assert dict(tables.recent_toxin_zones) == {"glabella": 0.5, "crows_feet": 1, "masseter": 2}
    assert tables.filler_past_year == 0.0 and tables.filler_history_zones == frozenset()
    assert "toxin_within_3_months" in tables.flags


def test_recent_toxin_is_ordered_by_months_then_zone_then_product():
    case = make_case(
        history=(
            past("glabella", "ona", 20, 1, Side.MIDLINE),
            past("glabella", "inco", 20, 1, Side.MIDLINE),
            past("forehead", "ona", 10, 1, Side.MIDLINE),
            past("forehead", "ona", 10, 0.5, Side.MIDLINE),
        )
    )
    got = [(t.zone, t.product, t.months_ago) for t in case_tables(case).recent_toxin]
    assert got == [
        ("forehead", "ona", 0.5),
        ("forehead", "ona", 1),
        ("glabella", "inco", 1),
        ("glabella", "ona", 1),
    ]
    # the zone's latest treatment is the nearest one, whatever the order given
    assert dict(case_tables(case).recent_toxin_zones) == {"forehead": 0.5, "glabella": 1}


def test_filler_history_inside_12_months_counts_per_side():
    case = make_case(
        weight=90,
        history=(
            past("cheek", "ha_firm", 1.0, 11.9),  # both sides: 2
            past("lips", "ha_soft", 1.5, 6, Side.MIDLINE),  # 1.5
            past("jawline", "ha_firm", 3, 12),  # 12 months: outside
            past("temples", "unknown", None, 2),  # amount unknown
            past("glabella", "ona", 20, 1, Side.MIDLINE),  # toxin
        ),
    )
    tables = case_tables(case)
    assert tables.filler_past_year == 3.5
    assert tables.filler_history_zones == frozenset({"cheek", "lips", "jawline", "temples"})
    assert tables.filler_year_limit == 30.0  # 20 mL per 60 kg
    assert tables.ona_history == 20
    assert dict(tables.history_by_zone) == {
        "cheek": (("ha_firm", 11.9),),
        "lips": (("ha_soft", 6),),
        "jawline": (("ha_firm", 12),),
        "temples": (("unknown", 2),),
        "glabella": (("ona", 1),),
    }


def test_layered_under_lists_permanent_active_biostimulator_and_unknown_filler():
    case = make_case(
        history=(
            past("cheek", "pmma", 0.5, 60),
            past("cheek", "caha", 0.5, 18),  # 5% still active
            past("cheek", "ha_firm", 0.5, 1),
            past("jawline", "caha", 1, 24),  # no longer active
            past("jawline", "plla", 1, 24),  # 4% active
            past("chin", "unknown", None, 5, Side.MIDLINE),
            past("chin", "silicone", 1, 5, Side.MIDLINE),
            past("lips", "ha_soft", 1, 1, Side.MIDLINE),
        )
    )
    assert dict(case_tables(case).layered_under) == {
        "cheek": (("pmma",), ("caha",), ()),
        "jawline": ((), ("plla",), ()),
        "chin": (("silicone",), (), ("unknown",)),
    }


def test_dissolvable_ha_is_what_remains_and_unknown_amounts_make_it_unknown():
    case = make_case(
        history=(
            past("glabella", "ona", 20, 1, Side.MIDLINE),  # toxin: nothing to dissolve
            past("cheek", "ha_firm", 0.5, 3),  # 0.5 x 2 sides x 0.6 = 0.6
            past("cheek", "caha", 0.5, 1),
            past("cheek", "ha_medium", 0.25, 0),  # 0.5
            past("lips", "ha_soft", None, 1, Side.MIDLINE),
            past("lips", "ha_soft", 1, 1, Side.MIDLINE),
            past("chin", "pmma", 1, 1, Side.MIDLINE),
            past("nasolabial", "pmma", 1, 1),
            past("marionette", "ha_firm", 0.5, 1),  # 0.5 x 2 x 0.86667 = 0.86667: 0.8667
        )
    )
    assert dict(case_tables(case).dissolvable) == {
        "cheek": (1.1, True, ("caha",)),
        "lips": (None, True, ()),
        "chin": (0.0, False, ("pmma",)),
        "nasolabial": (0.0, False, ("pmma",)),
        "marionette": (0.8667, True, ()),
    }


def test_residual_rows_are_rounded_to_three_decimals_per_side():
    case = make_case(history=(past("cheek", "ha_firm", 1.0, 1), past("lips", "ha_soft", 1, 3)))
    rows = case_tables(case).load_rows
    # 1.0 x 0.8667 a side; lips 1 x 0.6
    assert rows["cheek"] == (("left", "right"), (("left", 0.867), ("right", 0.867)), 2.0)
    assert rows["lips"] == (("total",), (("total", 0.6),), 3.0)
    assert rows["glabella"] == (("total",), (("total", 0.0),), None)
    assert case_tables(case).filler_ceilings["cheek"] == 2.0
    assert case_tables(case).filler_ceilings["glabella"] is None


# --- case_tables: flags, dispositions, limits, required zones ---------------------------------


def test_flags_split_into_blocking_and_cautions_in_name_order():
    case = make_case(
        age=70,
        flags=(FlagPresence("pregnancy"), FlagPresence("infection_at_site", ("lips",))),
        history=(past("glabella", "ona", 20, 1, Side.MIDLINE),),
    )
    tables = case_tables(case)
    assert dict(tables.flags) == {
        "pregnancy": (),
        "infection_at_site": ("lips",),
        "over_65_label": (),
        "toxin_within_3_months": (),
    }
    assert tables.blocking == (
        (RED_FLAGS["infection_at_site"], ("lips",)),
        (RED_FLAGS["pregnancy"], ()),
    )
    assert tables.cautions == (RED_FLAGS["over_65_label"], RED_FLAGS["toxin_within_3_months"])
    assert tables.ruled_only is False


def test_ruled_only_needs_flags_and_every_one_with_its_own_rule():
    assert case_tables(make_case()).ruled_only is False  # no flags at all
    recent = make_case(history=(past("glabella", "ona", 20, 1, Side.MIDLINE),))
    assert case_tables(recent).ruled_only is True  # toxin_within_3_months has its own rule


def test_right_dispositions_add_those_a_present_flag_names_alongside():
    refer = make_case(disposition=Disposition.REFER, flags=(FlagPresence("bdd_signs"),))
    assert case_tables(refer).right_dispositions == {Disposition.REFER, Disposition.DECLINE}
    # a flag that does not name the case's own disposition adds nothing
    treat = make_case(flags=(FlagPresence("bdd_signs"),))
    assert case_tables(treat).right_dispositions == {Disposition.TREAT}


def test_views_give_each_reference_range_with_its_unit():
    case = make_case(zref("crows_feet", "ona", 6, 9, 12), zref("lips", "ha_soft", 0.5, 1.5, 3))
    assert dict(case_tables(case).views) == {
        ("crows_feet", TOXIN): RangeView(6, 9, 12, "U (ona-eq) per side", True, "case", ("B1",)),
        ("lips", FILLER): RangeView(0.5, 1.5, 3, "mL", False, "case", ("B1",)),
    }


def test_complication_zones_none_without_the_flag_and_empty_for_the_whole_face():
    assert case_tables(make_case()).complication_zones is None
    whole = make_case(flags=(FlagPresence("filler_complication"),))
    assert case_tables(whole).complication_zones == frozenset()
    lips = make_case(flags=(FlagPresence("filler_complication", ("lips", "chin")),))
    assert case_tables(lips).complication_zones == {"lips", "chin"}


def test_upper_face_limit_is_64_or_the_references_upper_face_toxin_if_more():
    assert case_tables(make_case()).upper_limit == 64.0
    case = make_case(
        zref("glabella", "ona", 20, 40, 50),
        zref("crows_feet", "ona", 6, 15, 20),  # per side: 30
        zref("forehead", "ona", 10, 20, 20),
        zref("masseter", "ona", 20, 40, 50),  # not the upper face
    )
    assert case_tables(case).upper_limit == 40 + 30 + 20  # 90
    small = make_case(zref("glabella", "ona", 20, 20, 30), zref("crows_feet", "ona", 6, 9, 12))
    assert case_tables(small).upper_limit == 64.0  # 20 + 18 = 38 is below


def test_required_zones_leave_out_optional_low_brow_forehead_and_filled_zones():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        zref("forehead", "ona", 10, 20, 20),
        zref("lips", "ha_soft", 0, 1, 3),  # min 0: optional
        zref("cheek", "ha_firm", 0.6, 1.0, 2),
        zref("jawline", "ha_firm", 0.75, 1.5, 4.5),
        grades={"brow": (2, None)},
        history=(
            past("cheek", "ha_firm", 0.6, 0),  # 0.6 a side left: the range is already filled
            past("jawline", "ha_firm", 0.75, 0, Side.LEFT),  # one side only
        ),
    )
    tables = case_tables(case)
    assert tables.required == (("glabella", TOXIN), ("jawline", FILLER))
    # 0.7 a side left is below the 0.75 minimum: the jawline is still to treat
    short = make_case(
        zref("jawline", "ha_firm", 0.75, 1.5, 4.5), history=(past("jawline", "ha_firm", 0.7, 0),)
    )
    assert case_tables(short).required == (("jawline", FILLER),)
    assert tables.low_brows == "the brows are low (brow position graded 2)"
    # brows graded 1 are not low: the forehead is required again
    high = make_case(zref("forehead", "ona", 10, 20, 20), grades={"brow": (1, None)})
    assert case_tables(high).required == (("forehead", TOXIN),)
    assert case_tables(high).low_brows == ""


def test_low_brows_from_a_preserve_note():
    case = make_case(zref("forehead", "ona", 10, 20, 20))
    noted = replace(
        case, preserve=(Preserve("lips", "keep them low"), Preserve("brow", "Hooded lids"))
    )
    assert case_tables(noted).low_brows == "the case asks to preserve a low brow (Hooded lids)"
    plain = replace(case, preserve=(Preserve("brow", "a natural arch"),))
    assert case_tables(plain).low_brows == ""


def test_laxity_from_the_flag_or_from_glogau_iv_with_jowls_graded_4():
    flagged = make_case(flags=(FlagPresence("laxity_beyond_filler"),))
    assert case_tables(flagged).laxity == RED_FLAGS["laxity_beyond_filler"].label.lower()
    assert case_tables(make_case()).laxity == ""


# --- per-zone tables --------------------------------------------------------------------------


def test_zone_tables_for_a_referenced_zone_the_other_family_and_an_unneeded_zone():
    case = make_case(
        zref("perioral", "ona", 1, 6, 10),
        history=(past("cheek", "ha_firm", 0.5, 0), past("lips", "unknown", 1, 5, Side.MIDLINE)),
    )
    tables = case_tables(case).zone_tables
    toxin = tables[("perioral", TOXIN)]
    assert (toxin.keys, toxin.unit, toxin.rng.max, toxin.other, toxin.other_reason) == (
        ("total",), "U (ona-eq)", 6.0, None, None
    )  # fmt: skip
    assert (toxin.session_top, toxin.cat_ceiling, dict(toxin.residual)) == (6, 10, {})
    filler = tables[("perioral", FILLER)]
    assert filler.rng is None and filler.other is case.range_for("perioral", TOXIN)
    assert filler.other_reason.text == (
        "Perioral lines calls for toxin, not filler: toxin treats lines of movement, filler "
        "replaces volume."
    )
    assert (filler.typical, filler.session_top, filler.cat_ceiling) == (None, None, None)
    cheek = tables[("cheek", FILLER)]
    assert (cheek.keys, cheek.unit, cheek.other, cheek.other_reason) == (
        ("left", "right"), "mL per side", None, None
    )  # fmt: skip
    assert dict(cheek.residual) == {"left": 0.5, "right": 0.5} and cheek.session_top == 2.0
    assert (cheek.filler_unoffered, cheek.unknown_before) == (False, False)
    assert tables[("lips", FILLER)].unknown_before is True
    assert tables[("lips", TOXIN)].unknown_before is False
    # marionette filler has a cap but no typical range: the cap is the session figure
    assert tables[("marionette", FILLER)].session_top == 2.0
    assert dict(tables[("cheek", TOXIN)].residual) == {}  # filler left is no toxin
    assert tables[("glabella", TOXIN)].session_top == 20
    assert (
        tables[("glabella", TOXIN)].view is None
        and toxin.view == case_tables(case).views[("perioral", TOXIN)]
    )
    assert tables[("glabella", FILLER)].filler_unoffered is True
    assert tables[("glabella", TOXIN)].filler_unoffered is False
    assert tables[("cheek", FILLER)].filler_unoffered is False  # offered, and no danger zone


def test_a_mans_glabella_is_judged_against_the_mens_typical_dose():
    # docs/scoring.md: glabella, men 40 U (80 U); women 20 U (30 U)
    man = case_tables(make_case(sex="M")).zone_tables[("glabella", TOXIN)]
    assert (man.session_top, man.cat_ceiling) == (40, 80)
    woman = case_tables(make_case(sex="F")).zone_tables[("glabella", TOXIN)]
    assert (woman.session_top, woman.cat_ceiling) == (20, 30)


def test_not_indicated_why_reads_the_moving_grade_for_toxin_and_the_rest_grade_for_filler():
    case = make_case(grades={"forehead": (1, 3)})
    assert not_indicated_why(case, "forehead", TOXIN).startswith("Forehead lines: graded 3")
    assert not_indicated_why(case, "forehead", FILLER).startswith("Forehead lines: graded 1")


def test_not_indicated_why_matches_the_grade():
    case = make_case(grades={"lips": (1, None), "cheek": (2, None)})
    assert not_indicated_why(case, "chin", FILLER) == (
        "Chin (projection, mentalis): not part of the reference, so treating it is not "
        "indicated today."
    )
    assert not_indicated_why(case, "lips", FILLER) == (
        "Lips: graded 1 (mild), too little to treat; treating it is not indicated."
    )
    assert not_indicated_why(case, "cheek", FILLER) == (
        "Cheek and midface volume: graded 2 (moderate), but the reference leaves it for a later "
        "visit or for other than filler; treating it today is not indicated."
    )


# --- blocking flags ---------------------------------------------------------------------------


def test_blocking_flags_by_scope_zone_family_and_product():
    case = make_case(
        age=70,
        flags=(FlagPresence("infection_at_site", ("lips",)), FlagPresence("pregnancy")),
    )
    tables = case_tables(case)
    assert blocking_flags(tables, "lips", FILLER, ["ha_soft"]) == ["infection_at_site", "pregnancy"]
    # away from the site the infection still rules out filler (whole face), not toxin
    assert blocking_flags(tables, "cheek", FILLER, ["ha_firm"]) == [
        "infection_at_site",
        "pregnancy",
    ]
    assert blocking_flags(tables, "glabella", TOXIN, ["ona"]) == ["pregnancy"]
    assert blocking_flags(tables, "lips", TOXIN, ["ona"]) == ["infection_at_site", "pregnancy"]
    assert blocking_flags(tables, "lips", FILLER, []) == []
    # a flag naming products concerns only those (here over_65_label's)
    narrow = SimpleNamespace(blocking=((RED_FLAGS["over_65_label"], ()),))
    assert blocking_flags(narrow, "glabella", TOXIN, ["ona"]) == []
    assert blocking_flags(narrow, "glabella", TOXIN, ["ona", "abo"]) == ["over_65_label"]
    whole = case_tables(make_case(flags=(FlagPresence("infection_at_site"),)))
    assert blocking_flags(whole, "glabella", TOXIN, ["ona"]) == ["infection_at_site"]


def test_filler_left_on_one_side_does_not_fill_the_other_side():
    # Bug found while pinning `required` (issue 23): 0.75 mL still in the left jawline made the
    # whole jawline count as filled, so a plan leaving it untreated was never judged there.
    # Now the right side, empty, is missed: 20 * 0.75 / 1.5 = 10, averaged with the left's 0: 5.
    one_side = past("jawline", "ha_firm", 0.75, 0, Side.LEFT)
    case = make_case(
        zref("cheek", "ha_firm", 0.6, 1.0, 2),
        zref("jawline", "ha_firm", 0.75, 1.5, 4.5),
        history=(one_side,),
    )
    assert case_tables(case).required == (("cheek", FILLER), ("jawline", FILLER))
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8)))
    jawline = next(z for z in result.zones if z.zone == "jawline")
    assert jawline.verdict.value == "missed" and jawline.penalty == 5.0
    # Both sides filled (0.75 a side) still leave nothing to do.
    both = make_case(
        zref("cheek", "ha_firm", 0.6, 1.0, 2),
        zref("jawline", "ha_firm", 0.75, 1.5, 4.5),
        history=(past("jawline", "ha_firm", 0.75, 0),),
    )
    assert case_tables(both).required == (("cheek", FILLER),)
    unpaired = make_case(
        zref("lips", "ha_soft", 0.5, 1.5, 3),
        history=(past("lips", "ha_soft", 0.5, 0, Side.MIDLINE),),
    )
    assert case_tables(unpaired).required == ()


def test_laxity_from_glogau_iv_with_jowls_graded_4():
    def laxity(glogau, jowls):
        case = make_case(grades={"jawline": (jowls, None)} if jowls is not None else None)
        case = replace(case, patient=replace(case.patient, glogau=glogau))
        return case_tables(case).laxity

    assert laxity(4, 4) == "Glogau IV skin with jowls graded 4"
    assert laxity(3, 4) == "" and laxity(4, 3) == "" and laxity(4, None) == ""


def test_what_remains_within_a_billionth_of_the_minimum_fills_the_range():
    # min 0.600000001: 0.6 left on each side is a billionth short, inside the tolerance
    close = make_case(
        zref("cheek", "ha_firm", 0.600000001, 1.0, 2), history=(past("cheek", "ha_firm", 0.6, 0),)
    )
    assert case_tables(close).required == ()


def test_filler_left_in_a_zone_does_not_fill_its_toxin_range():
    # 5 mL of filler still in the chin is no mentalis toxin: the chin toxin is still required
    case = make_case(
        zref("chin", "ona", 4, 10, 12), history=(past("chin", "ha_firm", 5, 0, Side.MIDLINE),)
    )
    assert case_tables(case).required == (("chin", TOXIN),)
