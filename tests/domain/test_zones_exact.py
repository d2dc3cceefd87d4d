"""Per-zone verdicts pinned exactly (issue 23: scoring/zones.py).

The expected figures come from docs/scoring.md, section 2, worked out by hand in the comments:
with `top` the range max, conservative/under cost 20 * (min - a) / top, missed 20 * min / top,
heavy 40 * (a - max) / top, overfilled the same + 10; a zone outside the reference costs
5 + 20 * a / session (+ 10 past a whole session), the other family 10 (suited) or 20 instead of
5; unsafe 30 (0 under a failed candidacy). Section 6 gives the look's credit (1.5 years x
min(1, a / min)) and overreach (1.5 x (a - max) / max; 1.5 x a / session where not needed; 1.5
per wrong product).

`judge_zone` is called on one zone at a time with the engine's working state built here, so
each test reads that zone's verdict, points, reasons, credit and overreach directly."""

from __future__ import annotations

import pytest

from quizapp.domain.case import FlagPresence, HistoryItem, ResolvedRange
from quizapp.domain.face import PRODUCTS, ZONES, Family
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.scoring import case_tables
from quizapp.domain.scoring.results import Reason, fmt
from quizapp.domain.scoring.tables import Run, group_items
from quizapp.domain.scoring.zones import (
    _all_suited,
    _dose_reason,
    _dose_verdict,
    _given,
    _residual_reason,
    _unneeded_amount,
    _worst,
    flag_refs,
    judge_zone,
)
from quizapp.domain.terms import Disposition, Side, Verdict

from ._casekit import cheek_case, glabella_case, item, make_case, plan, zref

TOXIN, FILLER = Family.TOXIN, Family.FILLER
V = Verdict


def _range(lo: float, hi: float, ceiling: float, refs=("B1",)) -> ResolvedRange:
    return ResolvedRange(
        "glabella", TOXIN, ("ona",), lo, hi, ceiling, False, "case", None, refs, ""
    )


def judge(case, *items, key, candidacy_fails=False, blocking=(), overreach=0.0):
    """Judge one zone as the engine does; returns the working state and the zone's verdict.
    `overreach` is what zones judged before this one left (it must be added to, not replaced)."""
    tables = case_tables(case)
    state = Run(case, plan(*items), tables, [], [], {}, overreach, {})
    groups, _ = group_items(state.plan)
    judge_zone(state, key, groups.get(key), candidacy_fails, list(blocking))
    (verdict,) = state.zones
    return state, verdict


# --- _dose_verdict: every boundary on both sides ----------------------------------------------

R = _range(8, 10, 16)  # min 8, max (top) 10, ceiling 16


@pytest.mark.parametrize(
    ("amount", "verdict", "points"),
    [
        (0, V.MISSED, 20 * 8 / 10),  # 16
        (0.5, V.UNDER, 20 * 7.5 / 10),  # 15: a small amount is under, not missed
        (3.5, V.UNDER, 20 * 4.5 / 10),  # 9: below half the minimum (4)
        (4 - 2e-9, V.UNDER, 20 * (4 + 2e-9) / 10),  # just past the tolerance below half
        (4 - 1e-9, V.CONSERVATIVE, 20 * (4 + 1e-9) / 10),  # within a billionth of half
        (4, V.CONSERVATIVE, 20 * 4 / 10),  # 8: exactly half the minimum
        (7.5, V.CONSERVATIVE, 20 * 0.5 / 10),  # 1
        (8 - 2e-9, V.CONSERVATIVE, 20 * 2e-9 / 10),
        (8 - 1e-9, V.ON_TARGET, 0.0),  # within a billionth of the minimum
        (8, V.ON_TARGET, 0.0),
        (10, V.ON_TARGET, 0.0),
        (10 + 1e-9, V.ON_TARGET, 0.0),
        (10.5, V.HEAVY, 40 * 0.5 / 10),  # 2
        (12, V.HEAVY, 40 * 2 / 10),  # 8
        (16, V.HEAVY, 40 * 6 / 10),  # 24: the ceiling is still heavy
        (16 + 1e-9, V.HEAVY, 40 * (6 + 1e-9) / 10),
        (16.5, V.OVERFILLED, 40 * 6.5 / 10 + 10),  # 36
    ],
)
def test_dose_verdict_both_sides_of_every_bound(amount, verdict, points):
    got, penalty = _dose_verdict(amount, R)
    assert got is verdict
    assert penalty == pytest.approx(points, abs=1e-12)


def test_an_untreated_side_is_missed_only_where_the_range_has_a_minimum():
    assert _dose_verdict(0, _range(0, 10, 16)) == (V.ON_TARGET, 0.0)
    # a minimum below one unit still makes the zone needed: 20 * 0.5 / 1.5 = 6.67
    verdict, points = _dose_verdict(0, _range(0.5, 1.5, 3))
    assert verdict is V.MISSED and points == pytest.approx(20 * 0.5 / 1.5)


def test_the_worst_verdict_is_by_rank_not_by_name():
    assert _worst([V.ON_TARGET, V.HEAVY, V.UNDER]) is V.HEAVY  # "under" sorts after "heavy"
    assert _worst([V.CONSERVATIVE]) is V.CONSERVATIVE


# --- _unneeded_amount -------------------------------------------------------------------------


def test_an_unneeded_amount_without_a_session_figure_costs_a_fixed_20():
    reasons: list[Reason] = []
    got = _unneeded_amount("Lips", None, None, {"total": 9.0}, "mL", V.NOT_INDICATED, reasons)
    assert got == (V.NOT_INDICATED, 20.0, 1.0) and reasons == []
    assert _unneeded_amount("Lips", None, 0.0, {"total": 9.0}, "mL", V.WRONG_PRODUCT, [])[:2] == (
        V.WRONG_PRODUCT,
        20.0,
    )


def test_an_unneeded_amount_costs_20_per_session_averaged_over_sides():
    reasons: list[Reason] = []
    # 0.75 of a 1.5 mL session: a half, 20 * 0.5 = 10
    got = _unneeded_amount("Lips", None, 1.5, {"total": 0.75}, "mL", V.NOT_INDICATED, reasons)
    assert got == (V.NOT_INDICATED, pytest.approx(10.0), pytest.approx(0.5)) and reasons == []
    # 0.3 and 0.45 of 0.6 a side: shares 0.5 and 0.75, mean 0.625, 20 * 0.625 = 12.5
    got = _unneeded_amount(
        "Cheek", None, 0.6, {"left": 0.3, "right": 0.45}, "mL", V.WRONG_PRODUCT, reasons
    )
    assert got == (V.WRONG_PRODUCT, pytest.approx(12.5), pytest.approx(0.625)) and reasons == []


def test_more_than_a_whole_session_on_any_side_is_overfilled_for_10_more():
    typical = ZONES["lips"].typical(FILLER, "F")
    reasons: list[Reason] = []
    # 0.3 and 0.9 of 0.6 a side: shares 0.5 and 1.5, mean 1.0: 20 + 10 = 30
    got = _unneeded_amount(
        "Cheek", typical, 0.6, {"left": 0.3, "right": 0.9}, "mL per side", V.NOT_INDICATED, reasons
    )
    assert got == (V.OVERFILLED, pytest.approx(30.0), pytest.approx(1.0))
    assert reasons == [
        Reason(
            "Cheek: left 0.3, right 0.9 where none is needed is more than a whole session's "
            "worth (0.6 mL per side): overfilled.",
            typical.references,
        )
    ]
    # Without a typical dose the sentence cites nothing.
    reasons = []
    got = _unneeded_amount("Lips", None, 1.0, {"total": 1.5}, "mL", V.NOT_INDICATED, reasons)
    assert got == (V.OVERFILLED, pytest.approx(40.0), pytest.approx(1.5))
    assert [r.references for r in reasons] == [()]


@pytest.mark.parametrize(
    ("amount", "verdict", "points"),
    [
        (1.0, V.NOT_INDICATED, 20.0),  # exactly a session's worth
        (1 + 1e-9, V.NOT_INDICATED, 20 * (1 + 1e-9)),  # within a billionth
        (1 + 2e-9, V.OVERFILLED, 20 * (1 + 2e-9) + 10),
        (1.5, V.OVERFILLED, 40.0),
    ],
)
def test_a_whole_session_is_the_overfilled_line(amount, verdict, points):
    got = _unneeded_amount("Lips", None, 1.0, {"total": amount}, "mL", V.NOT_INDICATED, [])
    assert got[0] is verdict and got[1] == pytest.approx(points, abs=1e-12)


# --- the sentences' figures -------------------------------------------------------------------


def test_given_reads_per_side_each_side_or_the_total():
    assert _given({"left": 1.0, "right": 1.0}) == "1 per side"
    assert _given({"left": 1.0, "right": 2.0}) == "left 1, right 2"
    assert _given({"total": 2.5}) == "2.5"
    assert _given({"total": 2.0, "x": 2.0}) == "2 per side"
    # Sides equal to 6 decimals read as one figure, the first side's.
    assert _given({"left": 1.0499999, "right": 1.0500001}) == "1 per side"
    assert _given({"left": 1.04, "right": 1.06}) == "left 1, right 1.1"


def test_dose_reason_states_the_amount_the_range_and_the_verdict():
    rng = ResolvedRange(
        "lips", FILLER, ("ha_soft",), 0.5, 1.5, 3, False, "case", None, ("F10",), ""
    )
    reason = _dose_reason("Lips", ("total",), {"total": 2.0}, rng, "mL", V.HEAVY)
    assert reason == Reason(
        "Lips: 2 against 0.5-1.5 mL (ceiling 3) is above the range: more than the goal needs.",
        ("F10",),
    )


CHEEK_RANGE = ResolvedRange(
    "cheek", FILLER, ("ha_firm",), 0.6, 1.0, 2.0, True, "case", None, ("B1",), ""
)


def test_residual_reason_gives_the_room_left_by_the_fullest_side():
    reason = _residual_reason(
        ("left", "right"), {"left": 0.2, "right": 0.4}, {"left": 0.3, "right": 0.3},
        CHEEK_RANGE, "mL per side",
    )  # fmt: skip
    # 0.4 left on the fuller side: room 0.6 - 0.4 = 0.2 to 1.0 - 0.4 = 0.6
    assert reason == Reason(
        "About 0.4 mL remain from earlier filler and count against the range, so this visit has "
        "room for 0.2-0.6 mL per side; the plan adds 0.3 per side. HA persists far longer than "
        "it looks.",
        ("F18",),
    )
    # One side only: the other counts as nothing left. 1.2 left is past the max: no room.
    reason = _residual_reason(
        ("left", "right"), {"right": 1.2}, {"left": 0.3, "right": 0.0}, CHEEK_RANGE, "mL"
    )
    assert reason.text.startswith("About 1.2 mL remain")
    assert "room for 0-0 mL; the plan adds left 0.3, right 0." in reason.text
    reason = _residual_reason(("left", "right"), {"right": 0.5}, {"left": 0.3}, CHEEK_RANGE, "mL")
    assert "About 0.5 mL remain" in reason.text and "room for 0.1-0.5 mL" in reason.text


def test_residual_reason_of_an_unknown_product_counts_all_of_it():
    reason = _residual_reason(
        ("left", "right"), {"left": 0.5, "right": 0.2}, {"left": 0.2, "right": 0.2},
        CHEEK_RANGE, "mL per side", unknown=True,
    )  # fmt: skip
    assert reason == Reason(
        "About 0.5 mL remain from earlier filler and count against the range, so this visit has "
        "room for 0.1-0.5 mL per side; the plan adds 0.2 per side. Part of it is an unknown "
        "product: it may be permanent, so all of it is counted as still there.",
        ("F18", "F30", "U9"),
    )
    reason = _residual_reason(("total",), {"total": 1.5}, {"total": 0.2}, CHEEK_RANGE, "mL", True)
    assert "room for 0-0 mL; the plan adds 0.2." in reason.text
    reason = _residual_reason(
        ("left", "right"), {"left": 0.5}, {"left": 0.1}, CHEEK_RANGE, "mL", True
    )
    assert "About 0.5 mL remain" in reason.text


def test_all_suited_needs_every_product_offered_and_none_permanent():
    assert _all_suited("lips", ["ha_soft"]) is True
    assert _all_suited("lips", ["ha_firm"]) is False  # not offered in the lips
    assert _all_suited("lips", ["ha_soft", "ha_firm"]) is False
    assert _all_suited("cheek", ["caha", "ha_firm"]) is True
    assert _all_suited("cheek", ["pmma"]) is False
    assert _all_suited("cheek", []) is True


def test_flag_refs_lists_each_flags_sources_in_flag_order():
    refs = flag_refs({"pregnancy", "active_autoimmune"})
    assert refs == (*RED_FLAGS["active_autoimmune"].references, *RED_FLAGS["pregnancy"].references)
    assert flag_refs(()) == ()


# --- judge_zone: 1. candidacy and red flags ---------------------------------------------------


def test_a_failed_candidacy_makes_a_treated_zone_unsafe_at_no_points():
    case = glabella_case(disposition=Disposition.DEFER, flags=(FlagPresence("pregnancy"),))
    state, zone = judge(
        case, item("glabella", "ona", 20), key=("glabella", TOXIN), candidacy_fails=True,
        blocking=["pregnancy"],
    )  # fmt: skip
    assert (zone.zone, zone.family, zone.products, zone.amounts) == (
        "glabella", TOXIN, ("ona",), (("total", 20.0),)
    )  # fmt: skip
    assert (zone.unit, zone.range) == ("U (ona-eq)", state.tables.views[("glabella", TOXIN)])
    assert (zone.verdict, zone.penalty) == (V.UNSAFE, 0.0)  # its 40 points are a finding
    assert zone.reasons == (
        Reason(
            "The right disposition today is defer: nothing should be injected, whatever the dose.",
            RED_FLAGS["pregnancy"].references,
        ),
    )
    assert (state.credit, state.overreach, state.filler_added) == ({}, 0.0, {})


def test_a_failed_candidacy_or_a_flag_leaves_an_untreated_zone_missed():
    case = glabella_case(disposition=Disposition.DEFER, flags=(FlagPresence("pregnancy"),))
    _, zone = judge(case, key=("crows_feet", TOXIN), candidacy_fails=True, blocking=["pregnancy"])
    # 20 * 6 / 9 = 13.33 a side, averaged: 13.33
    assert zone.verdict is V.MISSED and zone.penalty == pytest.approx(20 * 6 / 9)


def test_a_blocking_flag_makes_the_zone_unsafe_for_30_with_the_rules_wording():
    flag = RED_FLAGS["infection_at_site"]
    case = make_case(
        zref("lips", "ha_soft", 0.5, 1.5, 3),
        zref("cheek", "ha_firm", 0.6, 1.0, 2),
        flags=(FlagPresence("infection_at_site", ("lips",)), FlagPresence("pregnancy")),
    )

    def sentence(flag_id, where, kind):
        rule = RED_FLAGS[flag_id]
        return f"{rule.label} rules out filler in the {where} today ({kind}). {rule.note}"

    state, zone = judge(
        case, item("lips", "ha_soft", 1), key=("lips", FILLER),
        blocking=["infection_at_site", "pregnancy"],
    )  # fmt: skip
    assert (zone.verdict, zone.penalty) == (V.UNSAFE, 30.0)
    assert zone.reasons == (
        Reason(sentence("infection_at_site", "lips", flag.kind), flag.references),
        Reason(
            sentence("pregnancy", "lips", RED_FLAGS["pregnancy"].kind),
            RED_FLAGS["pregnancy"].references,
        ),
    )
    assert (state.credit, state.overreach, state.filler_added) == ({}, 0.0, {"lips": {"total": 1}})
    # Away from the flag's zones the wider rule is the one that applies.
    _, zone = judge(
        case, item("cheek", "ha_firm", 0.8), key=("cheek", FILLER), blocking=["infection_at_site"]
    )
    assert zone.reasons == (
        Reason(
            sentence("infection_at_site", "cheek and midface volume", flag.whole_face_kind),
            flag.references,
        ),
    )
    # A flag with no zones covers the whole face with its own kind.
    everywhere = make_case(
        zref("cheek", "ha_firm", 0.6, 1.0, 2), flags=(FlagPresence("infection_at_site"),)
    )
    _, zone = judge(
        everywhere, item("cheek", "ha_firm", 0.8), key=("cheek", FILLER),
        blocking=["infection_at_site"],
    )  # fmt: skip
    assert zone.reasons[0].text == sentence(
        "infection_at_site", "cheek and midface volume", flag.kind
    )


# --- 2. missed; 3. filler where none is offered -----------------------------------------------


def test_an_untreated_required_zone_is_missed_for_20_min_over_max():
    state, zone = judge(glabella_case(), key=("crows_feet", TOXIN))
    assert (zone.products, zone.amounts, zone.unit) == (
        (), (("left", 0.0), ("right", 0.0)), "U (ona-eq) per side"
    )  # fmt: skip
    assert zone.verdict is V.MISSED and zone.penalty == pytest.approx(20 * 6 / 9)
    assert zone.reasons == (
        Reason(
            "Crow's feet (lateral canthal lines) needs toxin (6-9 U (ona-eq) per side) but the "
            "plan leaves it untreated.",
            ("B1",),
        ),
    )
    assert (state.credit, state.overreach, state.filler_added) == ({}, 0.0, {})


def test_filler_in_a_danger_zone_with_no_filler_offered_is_unsafe_for_30():
    state, zone = judge(glabella_case(), item("glabella", "ha_soft", 1), key=("glabella", FILLER))
    assert (zone.verdict, zone.penalty, zone.range) == (V.UNSAFE, 30.0, None)
    assert zone.reasons == (
        Reason(
            "Filler in the glabellar (frown) lines: a danger zone where this catalogue offers no "
            "filler at all; it carries a large share of the blindness cases after filler.",
            ("F35", "F37"),
        ),
    )
    assert state.overreach == 0.0 and state.credit == {}


# --- 4. a zone the reference does not ask for -------------------------------------------------


@pytest.mark.parametrize(
    ("ml", "verdict", "points", "overreach"),
    [
        (0.75, V.NOT_INDICATED, 5 + 20 * 0.75 / 1.5, 1.5 * 0.5),  # 15; half a session
        (1.5, V.NOT_INDICATED, 5 + 20.0, 1.5),  # a whole session: 25
        (2.0, V.OVERFILLED, 5 + 20 * 2 / 1.5 + 10, 1.5 * 2 / 1.5),  # 41.67
    ],
)
def test_a_zone_outside_the_reference_costs_5_plus_20_per_session(ml, verdict, points, overreach):
    state, zone = judge(cheek_case(), item("lips", "ha_soft", ml), key=("lips", FILLER))
    assert zone.verdict is verdict
    assert zone.penalty == pytest.approx(points) and state.overreach == pytest.approx(overreach)
    assert zone.reasons[0] == Reason(
        "Lips: not part of the reference, so treating it is not indicated today."
    )
    assert len(zone.reasons) == (2 if verdict is V.OVERFILLED else 1)
    assert state.credit == {} and state.filler_added == {"lips": {"total": ml}}


def test_filler_where_the_reference_calls_for_toxin_costs_10_if_suited():
    case = make_case(zref("perioral", "ona", 1, 6, 10))
    state, zone = judge(case, item("perioral", "ha_soft", 1), key=("perioral", FILLER))
    # suited base 10; no filler session figure for the perioral zone: a fixed 20; overreach 1.5
    assert (zone.verdict, zone.penalty, state.overreach) == (V.WRONG_PRODUCT, 30.0, 1.5)
    assert zone.reasons == (
        Reason(
            "Perioral lines calls for toxin, not filler: toxin treats lines of movement, filler "
            "replaces volume.",
            ("B1",),
        ),
    )


def test_filler_not_suited_to_the_zone_where_toxin_is_called_for_costs_20():
    case = make_case(zref("chin", "ona", 4, 10, 12))
    # the chin's filler session figure is its 4 mL cap: 1 mL is a quarter, 20 * 0.25 = 5
    state, zone = judge(case, item("chin", "ha_soft", 1), key=("chin", FILLER))
    assert zone.verdict is V.WRONG_PRODUCT
    assert zone.penalty == pytest.approx(20 + 5) and state.overreach == pytest.approx(1.5 * 0.25)
    _, zone = judge(case, item("chin", "ha_firm", 1), key=("chin", FILLER))
    assert zone.penalty == pytest.approx(10 + 5)  # suited: 10


# --- 5. a product outside the reference's list ------------------------------------------------

LIPS = make_case(zref("lips", "ha_soft", 0.5, 1.5, 3))


def test_a_wrong_product_alone_costs_its_base_plus_the_right_products_shortfall():
    state, zone = judge(LIPS, item("lips", "ha_firm", 1.0), key=("lips", FILLER))
    # unsuited 20; the right product gives 0: missed, 20 * 0.5 / 1.5 = 6.67
    assert zone.verdict is V.WRONG_PRODUCT and zone.penalty == pytest.approx(20 + 20 * 0.5 / 1.5)
    assert zone.reasons == (
        Reason(
            "Hyaluronic acid, firm (high G') is not what this case calls for in the lips "
            "(reference: Hyaluronic acid, soft (low G')); it is not suited to this zone at all.",
            PRODUCTS["ha_firm"].references,
        ),
    )
    assert state.overreach == 1.5 and state.credit == {}
    assert state.filler_added == {"lips": {"total": 1.0}}


def test_a_wrong_product_with_enough_of_the_right_one_adds_only_what_overflows():
    state, zone = judge(
        LIPS, item("lips", "ha_soft", 0.6), item("lips", "ha_firm", 1.0), key=("lips", FILLER)
    )
    # 0.6 of the right product is in range; 1.6 in all is heavy, 40 * 0.1 / 1.5 = 2.67
    assert zone.products == ("ha_firm", "ha_soft")
    assert zone.verdict is V.HEAVY and zone.penalty == pytest.approx(20 + 40 * 0.1 / 1.5)
    assert zone.reasons[1] == Reason(
        "Lips: 1.6 against 0.5-1.5 mL (ceiling 3) is above the range: more than the goal needs.",
        ("B1",),
    )
    assert len(zone.reasons) == 2 and state.overreach == 1.5


@pytest.mark.parametrize(
    ("firm", "verdict", "extra_per_side"),
    [
        (0.0, V.WRONG_PRODUCT, 20 * 0.6),  # missed: 20 * 0.6 / 1.0 = 12 a side
        (0.2, V.WRONG_PRODUCT, 20 * 0.4),  # under: 8 a side
        (0.4, V.WRONG_PRODUCT, 20 * 0.2),  # conservative: 4 a side
        (0.6, V.WRONG_PRODUCT, 0.0),
    ],
)
def test_a_suited_wrong_product_and_the_right_ones_shortfall_per_side(
    firm, verdict, extra_per_side
):
    items = [item("cheek", "caha", 0.1)]
    if firm:
        items.append(item("cheek", "ha_firm", firm))
    state, zone = judge(cheek_case(), *items, key=("cheek", FILLER))
    # caha is offered in the cheek: base 10, plus the shortfall averaged over the two sides
    assert zone.verdict is verdict and zone.penalty == pytest.approx(10 + extra_per_side)
    assert zone.reasons[0].text.endswith("(reference: Hyaluronic acid, firm (high G'), "
                                         "Hyaluronic acid, medium).")  # fmt: skip
    assert len(zone.reasons) == 1


def test_a_wrong_product_is_judged_side_by_side_and_averaged():
    # left: 0.6 of ha_firm (in range) + 1.5 caha = 2.1, past the ceiling: 40 * 1.1 + 10 = 54;
    # right: no ha_firm (missed, 12) and 1.5 caha, heavy: 40 * 0.5 = 20. (54 + 12 + 20) / 2 = 43
    state, zone = judge(
        cheek_case(), item("cheek", "ha_firm", 0.6, "left"), item("cheek", "caha", 1.5),
        key=("cheek", FILLER),
    )  # fmt: skip
    assert zone.verdict is V.OVERFILLED and zone.penalty == pytest.approx(10 + 43)
    assert zone.amounts == (("left", 2.1), ("right", 1.5))
    assert state.filler_added == {"cheek": {"left": 2.1, "right": 1.5}}
    assert zone.reasons[1].text.startswith("Cheek and midface volume: left 2.1, right 1.5 against")


# --- 6. the dose against the range, with what earlier visits left -----------------------------


def _cheek(*past: HistoryItem, ceiling: float = 3.0):
    """Cheek 0.6-1.0 mL a side; the case's ceiling 3 is above the catalogue's 2 mL cap."""
    return make_case(zref("cheek", "ha_firm ha_medium", 0.6, 1.0, ceiling), history=past)


def _before(amount: float, product: str = "ha_firm", side: Side = Side.BOTH) -> HistoryItem:
    return HistoryItem("cheek", product, amount, side, months_ago=0)  # all of it still there


def test_what_remains_counts_against_the_range_and_credit_counts_only_todays_filler():
    state, zone = judge(_cheek(_before(0.5)), item("cheek", "ha_firm", 0.3), key=("cheek", FILLER))
    # 0.5 left + 0.3 = 0.8 a side: within 0.6-1.0; credit 1.5 * 0.3 / 0.6 = 0.75 a side
    assert zone.amounts == (("left", 0.3), ("right", 0.3))
    assert (zone.verdict, zone.penalty) == (V.ON_TARGET, 0.0)
    assert state.credit == {("cheek", FILLER): (pytest.approx(0.75), "ha_firm")}
    assert state.overreach == 0.0
    assert state.filler_added == {"cheek": {"left": 0.3, "right": 0.3}}
    assert [r.text.split(":")[0] for r in zone.reasons] == [
        "Cheek and midface volume",
        "About 0.5 mL remain from earlier filler and count against the range, so this visit has "
        "room for 0.1-0.5 mL per side; the plan adds 0.3 per side. HA persists far longer than "
        "it looks.",
    ]
    assert zone.reasons[0] == Reason(
        "Cheek and midface volume: 0.8 per side against 0.6-1 mL per side (ceiling 3) is within "
        "the range.",
        ("B1",),
    )


def test_earlier_filler_past_the_catalogue_cap_makes_a_new_addition_overfilled():
    state, zone = judge(_cheek(_before(1.5)), item("cheek", "ha_firm", 0.6), key=("cheek", FILLER))
    # 1.5 + 0.6 = 2.1 a side: heavy against the case (40 * 1.1 / 1 = 44) and past the catalogue's
    # 2 mL cap: overfilled, + 10 = 54. Overreach 1.5 * (2.1 - 1.5) / 1 = 0.9; credit 1.5.
    assert (zone.verdict, zone.penalty) == (V.OVERFILLED, pytest.approx(54.0))
    assert state.overreach == pytest.approx(0.9)
    assert state.credit == {("cheek", FILLER): (1.5, "ha_firm")}
    assert "is past the ceiling: overfilled." in zone.reasons[0].text
    assert "room for 0-0 mL per side" in zone.reasons[1].text


def test_the_catalogue_cap_needs_both_earlier_filler_and_an_addition():
    # 2.1 a side added today with nothing before: heavy only (the case's ceiling is 3).
    state, zone = judge(_cheek(), item("cheek", "ha_firm", 2.1), key=("cheek", FILLER))
    assert (zone.verdict, zone.penalty) == (V.HEAVY, pytest.approx(44.0))
    # overreach 1.5 * (2.1 - 1) / 1 = 1.65; credit capped at 1.5
    assert state.overreach == pytest.approx(1.65) and len(zone.reasons) == 1
    assert state.credit == {("cheek", FILLER): (1.5, "ha_firm")}
    # 2.1 left before and nothing today on the right: a side left alone today costs nothing
    # (what remains reaches the minimum); the left gets 0.1 today, 2.2 in all: 40 * 1.2 + 10.
    state, zone = judge(
        _cheek(_before(2.1)), item("cheek", "ha_firm", 0.1, "left"), key=("cheek", FILLER)
    )
    assert zone.verdict is V.OVERFILLED
    assert zone.penalty == pytest.approx((40 * 1.2 + 10 + 0) / 2)  # (58 + 0) / 2 = 29
    # left: 1.5 * (2.2 - 2.1) / 1 = 0.15; right: 1.5 * (2.1 - 2.1) = 0; averaged 0.075
    assert state.overreach == pytest.approx(0.075)
    # credit: left 1.5 * 0.1 / 0.6 = 0.25, right 0: averaged 0.125
    assert state.credit == {("cheek", FILLER): (pytest.approx(0.125), "ha_firm")}


def test_a_case_ceiling_already_passed_takes_no_second_10():
    state, zone = judge(
        _cheek(_before(1.5), ceiling=2.0), item("cheek", "ha_firm", 0.6), key=("cheek", FILLER)
    )
    # 2.1 past the case's own ceiling of 2: 40 * 1.1 + 10 = 54, not 64
    assert (zone.verdict, zone.penalty) == (V.OVERFILLED, pytest.approx(54.0))


@pytest.mark.parametrize(
    ("left_before", "verdict", "points"),
    [
        (0.6, V.ON_TARGET, 0.0),  # what remains already reaches the minimum
        (0.7, V.ON_TARGET, 0.0),
        (0.5, V.CONSERVATIVE, 20 * 0.1 / 1.0 / 2),  # 2 on the right side, averaged: 1
    ],
)
def test_a_side_left_alone_is_judged_by_what_remains(left_before, verdict, points):
    state, zone = judge(
        _cheek(_before(left_before)), item("cheek", "ha_firm", 0.1, "left"), key=("cheek", FILLER)
    )
    # left: before + 0.1 today is in range; right: nothing today, only what remains
    assert zone.verdict is verdict and zone.penalty == pytest.approx(points)
    assert zone.amounts == (("left", 0.1), ("right", 0.0))


def test_an_unknown_product_before_is_counted_in_full_with_its_own_sentence():
    _, zone = judge(
        _cheek(_before(0.5, "unknown")), item("cheek", "ha_firm", 0.3), key=("cheek", FILLER)
    )
    assert zone.reasons[1].references == ("F18", "F30", "U9")
    assert "unknown product" in zone.reasons[1].text and len(zone.reasons) == 2


def test_no_filler_before_means_no_residual_sentence_and_the_range_credit():
    state, zone = judge(cheek_case(), item("cheek", "ha_firm", 0.3), key=("cheek", FILLER))
    # 0.3 a side against 0.6-1.0: conservative, 20 * 0.3 / 1.0 = 6; credit 1.5 * 0.5 = 0.75
    assert (zone.verdict, zone.penalty) == (V.CONSERVATIVE, pytest.approx(6.0))
    assert len(zone.reasons) == 1 and state.overreach == 0.0
    assert state.credit == {("cheek", FILLER): (pytest.approx(0.75), "ha_firm")}


def test_an_optional_zone_credits_against_its_max():
    case = make_case(zref("lips", "ha_soft", 0, 1.0, 3))
    state, zone = judge(case, item("lips", "ha_soft", 0.5), key=("lips", FILLER))
    # min 0: credit 1.5 * 0.5 / 1.0 = 0.75
    assert zone.verdict is V.ON_TARGET
    assert state.credit == {("lips", FILLER): (pytest.approx(0.75), "ha_soft")}


def test_overreach_is_what_passes_the_max_and_is_averaged_over_sides():
    state, zone = judge(
        cheek_case(), item("cheek", "ha_firm", 1.4, "left"), item("cheek", "ha_firm", 1.0, "right"),
        key=("cheek", FILLER),
    )  # fmt: skip
    # left 1.4: heavy 40 * 0.4 = 16; right on target; averaged 8. Overreach 1.5 * 0.4 / 2 = 0.3
    assert (zone.verdict, zone.penalty) == (V.HEAVY, pytest.approx(8.0))
    assert state.overreach == pytest.approx(0.3)
    assert zone.amounts == (("left", 1.4), ("right", 1.0))


def test_amounts_are_reported_to_four_decimals_and_products_in_name_order():
    _, zone = judge(
        cheek_case(), item("cheek", "ha_medium", 0.33333), item("cheek", "ha_firm", 0.3),
        key=("cheek", FILLER),
    )  # fmt: skip
    assert zone.products == ("ha_firm", "ha_medium")
    assert zone.amounts == (("left", 0.6333), ("right", 0.6333))
    _, zone = judge(cheek_case(), item("cheek", "ha_firm", 0.77777), key=("cheek", FILLER))
    assert zone.amounts == (("left", 0.7778), ("right", 0.7778))


def test_a_non_ona_toxin_is_converted_and_says_it_is_an_approximation():
    state, zone = judge(glabella_case(), item("glabella", "abo", 50), key=("glabella", TOXIN))
    # 50 Speywood U / 2.5 = 20 ona-eq: on target
    assert (zone.amounts, zone.verdict, zone.penalty) == ((("total", 20.0),), V.ON_TARGET, 0.0)
    assert zone.reasons[1] == Reason(
        "abobotulinumtoxinA counted at 2.5 Speywood U per onabotulinumtoxinA unit, from the "
        "labels' glabella doses: an approximation, units are not interchangeable.",
        ("B1", *PRODUCTS["abo"].references, "B24", "B25"),
    )
    assert len(zone.reasons) == 2
    assert state.credit == {("glabella", TOXIN): (1.5, "abo")}
    assert state.filler_added == {}  # toxin is no volume
    # ona itself, or two toxins together, carry no such sentence.
    _, zone = judge(glabella_case(), item("glabella", "ona", 20), key=("glabella", TOXIN))
    assert len(zone.reasons) == 1
    _, zone = judge(
        glabella_case(), item("glabella", "ona", 10), item("glabella", "abo", 25),
        key=("glabella", TOXIN),
    )  # fmt: skip
    assert len(zone.reasons) == 1 and zone.verdict is V.ON_TARGET


@pytest.mark.parametrize(
    ("left_before", "points"),
    [
        (0.75, 20 * 0.75 / 1.5 / 2),  # the left side is filled: only the right is missed, 5
        (0.8, 20 * 0.75 / 1.5 / 2),
        # below the minimum on the left: only its shortfall there (0.05 mL), the right missed
        (0.7, (20 * 0.05 / 1.5 + 20 * 0.75 / 1.5) / 2),
        # above the range on the left: not the plan's doing, so on target there (not heavy)
        (2.0, 20 * 0.75 / 1.5 / 2),
    ],
)
def test_an_untreated_zone_is_missed_only_on_the_sides_earlier_filler_does_not_fill(
    left_before, points
):
    case = make_case(
        zref("jawline", "ha_firm", 0.75, 1.5, 4.5),
        history=(HistoryItem("jawline", "ha_firm", left_before, Side.LEFT, months_ago=0),),
    )
    _, zone = judge(case, key=("jawline", FILLER))
    assert zone.verdict is V.MISSED and zone.penalty == pytest.approx(points, abs=1e-12)
    (reason,) = zone.reasons
    held = f"about {fmt(left_before)} mL on the left and none on the right"
    assert reason.text == (
        "Jawline needs filler (0.75-1.5 mL per side) and the plan adds none. Earlier filler "
        f"still holds {held}: "
        + (
            "enough on the left, short of the minimum on the right."
            if left_before >= 0.75
            else "short of the minimum."
        )
    )
    assert reason.references[-1] == "F18"


@pytest.mark.parametrize(
    ("before", "verdict", "points"),
    [
        (0.5, V.CONSERVATIVE, 20 * 0.25 / 1.5),  # at least half the minimum is held a side
        (0.3, V.UNDER, 20 * 0.45 / 1.5),  # under half of it
    ],
)
def test_an_untreated_zone_costs_only_what_earlier_filler_leaves_short(before, verdict, points):
    """Leaving a zone alone costs no more than adding a drop to it would: each side is judged
    by what it holds, as a treated side is."""
    case = make_case(
        zref("jawline", "ha_firm", 0.75, 1.5, 4.5),
        history=(HistoryItem("jawline", "ha_firm", before, Side.BOTH, months_ago=0),),
    )
    _, zone = judge(case, key=("jawline", FILLER))
    assert zone.verdict is verdict and zone.penalty == pytest.approx(points, abs=1e-12)
    (reason,) = zone.reasons
    assert reason.text.endswith(
        f"Earlier filler still holds about {before:g} mL a side: short of the minimum."
    )
    _, dropped = judge(case, item("jawline", "ha_firm", 0.01), key=("jawline", FILLER))
    assert dropped.penalty < zone.penalty  # a drop still holds a little more
    assert zone.penalty - dropped.penalty == pytest.approx(20 * 0.01 / 1.5, abs=1e-9)


def test_an_untreated_midline_zone_says_what_it_holds_without_sides():
    case = make_case(
        zref("chin", "ha_firm", 1.0, 2.0, 3.0),
        history=(HistoryItem("chin", "ha_firm", 0.6, Side.MIDLINE, months_ago=0),),
    )
    _, zone = judge(case, key=("chin", FILLER))
    (reason,) = zone.reasons
    assert reason.text == (
        "Chin (projection, mentalis) needs filler (1-2 mL) and the plan adds none. Earlier "
        "filler still holds about "
        "0.6 mL: short of the minimum."
    )
    assert (zone.verdict, zone.penalty) == (V.CONSERVATIVE, pytest.approx(20 * 0.4 / 2.0))


# --- overreach adds up over zones; more boundaries of the dose step ---------------------------


def test_each_step_adds_to_the_overreach_of_zones_judged_before():
    # not indicated: 1.5 x 0.75 / 1.5 = 0.75 on top of 1.0
    state, _ = judge(cheek_case(), item("lips", "ha_soft", 0.75), key=("lips", FILLER), overreach=1)
    assert state.overreach == pytest.approx(1.75)
    # a wrong product: 1.5 on top of 1.0
    state, _ = judge(LIPS, item("lips", "ha_firm", 1.0), key=("lips", FILLER), overreach=1.0)
    assert state.overreach == pytest.approx(2.5)
    # past the range: 1.5 x 0.4 / 1.0 on the left, averaged over 2 sides: 0.3 on top of 1.0
    state, _ = judge(cheek_case(), item("cheek", "ha_firm", 1.4, "left"), key=("cheek", FILLER),
                     overreach=1.0)  # fmt: skip
    assert state.overreach == pytest.approx(1.3)


def test_overreach_adds_both_sides_past_the_range():
    state, zone = judge(
        cheek_case(), item("cheek", "ha_firm", 1.2, "left"), item("cheek", "ha_firm", 1.4, "right"),
        key=("cheek", FILLER),
    )  # fmt: skip
    # 1.5 x (0.2 + 0.4) / 1.0, averaged over 2 sides: 0.45; heavy 40 x (0.2 + 0.4) / 2 = 12
    assert state.overreach == pytest.approx(0.45)
    assert (zone.verdict, zone.penalty) == (V.HEAVY, pytest.approx(12.0))


def test_an_unneeded_overfilled_zone_says_so_with_the_catalogues_sources():
    _, zone = judge(cheek_case(), item("lips", "ha_soft", 2.0), key=("lips", FILLER))
    assert zone.reasons[1] == Reason(
        "Lips: 2 where none is needed is more than a whole session's worth (1.5 mL): overfilled.",
        ZONES["lips"].typical(FILLER, "F").references,
    )


def test_a_side_left_untreated_with_nothing_before_is_missed():
    _, zone = judge(cheek_case(), item("cheek", "ha_firm", 0.8, "left"), key=("cheek", FILLER))
    # left 0.8 in range; right missed, 20 x 0.6 / 1.0 = 12; averaged: 6
    assert (zone.verdict, zone.penalty) == (V.MISSED, pytest.approx(6.0))


def test_filler_left_on_one_side_counts_on_that_side_only():
    before = HistoryItem("cheek", "ha_firm", 0.5, Side.LEFT, months_ago=0)
    state, zone = judge(_cheek(before), item("cheek", "ha_firm", 0.3), key=("cheek", FILLER))
    # left 0.5 + 0.3 = 0.8 in range; right 0.3 alone: conservative 20 x 0.3 / 1.0 = 6; mean 3
    assert (zone.verdict, zone.penalty) == (V.CONSERVATIVE, pytest.approx(3.0))
    assert zone.reasons[0].text.startswith("Cheek and midface volume: left 0.8, right 0.3 against")


def test_adding_to_a_zone_already_at_its_minimum_is_judged_on_the_whole():
    _, zone = judge(_cheek(_before(0.6)), item("cheek", "ha_firm", 0.6), key=("cheek", FILLER))
    # 0.6 + 0.6 = 1.2: heavy, 40 x 0.2 / 1.0 = 8
    assert (zone.verdict, zone.penalty) == (V.HEAVY, pytest.approx(8.0))


@pytest.mark.parametrize(
    ("before", "added", "verdict", "points"),
    [
        (0.5, 1.6, V.OVERFILLED, 40 * 1.1 + 10),  # 2.1 > the 2 mL cap, with little before
        (1.5, 0.5, V.HEAVY, 40 * 1.0),  # exactly the cap: heavy, no step
    ],
)
def test_the_catalogue_cap_both_sides_of_the_line(before, added, verdict, points):
    _, zone = judge(_cheek(_before(before)), item("cheek", "ha_firm", added), key=("cheek", FILLER))
    assert (zone.verdict, zone.penalty) == (verdict, pytest.approx(points))


def test_earlier_filler_within_a_billionth_of_the_minimum_fills_the_side():
    # min 0.600000001: what remains (0.6) is a billionth short, inside the tolerance: filled
    case = make_case(
        zref("cheek", "ha_firm", 0.600000001, 1.0, 3.0),
        history=(HistoryItem("cheek", "ha_firm", 0.6, Side.LEFT, months_ago=0),),
    )
    _, zone = judge(case, key=("cheek", FILLER))
    assert zone.penalty == pytest.approx(20 * 0.6 / 1.0 / 2)  # the right side only: 6
