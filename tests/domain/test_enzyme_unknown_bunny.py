"""Issue 17, the engine's remaining parts: hyaluronidase as a treatment item of its own, the
unknown product of patient histories, and bunny lines judged per side and per point."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.case import FlagPresence, HistoryItem
from quizapp.domain.face import (
    ENZYME_IDS,
    FACIAL_UNITS,
    FILLER_IDS,
    PLAN_PRODUCT_IDS,
    PRODUCTS,
    TOXIN_IDS,
    ZONES,
    Family,
    remaining_fraction,
)
from quizapp.domain.plan import Plan, PlanItem, running_totals
from quizapp.domain.scoring import score_plan
from quizapp.domain.scoring.weights import W_OVER
from quizapp.domain.terms import Band, Disposition, Severity, Side, Verdict
from quizapp.formats.cases import CaseFileError, load_case_text
from quizapp.formats.plans import PlanFileError, plan_from_dict, side_problem

from ._casekit import CASES_DIR, cheek_case, item, make_case, plan, zref

COMPLICATION_LIPS = (FlagPresence("filler_complication", ("lips",)),)


def lips_history(product: str = "ha_soft", amount: float | None = 1.0, months: float = 3):
    return (HistoryItem("lips", product, amount, Side.MIDLINE, months_ago=months),)


def hyal(zone: str, units: float, side: str | None = None) -> PlanItem:
    return item(zone, "hyaluronidase", units, side)


def finding(result, code: str):
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, [f.code for f in result.findings]
    return found[0]


# -- the catalogue --------------------------------------------------------------------------


def test_hyaluronidase_is_an_enzyme_not_a_filler():
    product = PRODUCTS["hyaluronidase"]
    assert product.family == Family.ENZYME and product.unit == "U"
    assert not product.is_filler and not product.is_toxin
    assert ENZYME_IDS == ("hyaluronidase",)
    assert "hyaluronidase" not in FILLER_IDS and "hyaluronidase" in PLAN_PRODUCT_IDS
    assert remaining_fraction("hyaluronidase", 0) == 0.0  # it leaves no volume behind


def test_unknown_product_is_for_histories_only_and_assumed_to_stay():
    unknown = PRODUCTS["unknown"]
    assert unknown.history_only and unknown.is_filler and not unknown.reversible
    assert "unknown" not in PLAN_PRODUCT_IDS and "unknown" not in FILLER_IDS
    assert remaining_fraction("unknown", 240) == 1.0  # possibly permanent


def test_newer_toxins_are_in_the_catalogue_with_sourced_units():
    assert {"prabo", "leti", "rela"} <= set(TOXIN_IDS)
    assert PRODUCTS["prabo"].label_glabella_units == 20 and "B38" in PRODUCTS["prabo"].references
    assert PRODUCTS["leti"].label_glabella_units == 20 and "B40" in PRODUCTS["leti"].references
    assert PRODUCTS["rela"].label_glabella_units == 50 and "B41" in PRODUCTS["rela"].references
    assert PRODUCTS["rela"].unit == "U (liquid)"


# -- hyaluronidase: never filler ------------------------------------------------------------


def test_hyaluronidase_counts_as_no_filler_volume_unit_or_load():
    case = cheek_case(history=lips_history(), flags=COMPLICATION_LIPS)
    without = score_plan(case, plan(item("cheek", "ha_firm", 0.8)))
    with_enzyme = score_plan(case, plan(item("cheek", "ha_firm", 0.8), hyal("lips", 30)))
    assert with_enzyme.totals == without.totals
    assert with_enzyme.totals.filler_ml_total == 1.6
    assert with_enzyme.totals.facial_units == ("cheek",)
    assert with_enzyme.cumulative == without.cumulative
    assert [z.zone for z in with_enzyme.zones] == ["cheek"]
    assert with_enzyme.band == Band.NATURAL and with_enzyme.score == without.score


def test_running_totals_keep_hyaluronidase_apart_from_millilitres():
    totals = running_totals(
        [
            {"zone": "lips", "product": "hyaluronidase", "amount": "30", "side": "midline"},
            {"zone": "cheek", "product": "ha_firm", "amount": "0.5", "side": "both"},
        ]
    )
    assert totals.ml == 1.0
    assert totals.units == {"Hyaluronidase": 30.0}
    assert totals.facial_units == [FACIAL_UNITS[ZONES["cheek"].unit]]


# -- hyaluronidase: its own rules ----------------------------------------------------------


def test_hyaluronidase_without_a_complication_is_not_indicated():
    case = cheek_case(history=lips_history())
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8), hyal("lips", 30)))
    found = finding(result, "hyaluronidase_not_indicated")
    assert found.severity == Severity.OVERDONE and found.penalty == 10.0
    assert found.zone == "lips" and "U8" in found.references
    assert result.band == Band.OVERDONE


def test_hyaluronidase_outside_the_flagged_zone_is_not_indicated():
    case = cheek_case(
        history=(*lips_history(), HistoryItem("cheek", "ha_firm", 1.0, Side.BOTH, months_ago=3)),
        flags=COMPLICATION_LIPS,
    )
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.3), hyal("cheek", 20)))
    assert finding(result, "hyaluronidase_not_indicated").zone == "cheek"


@pytest.mark.parametrize("product", ["silicone", "caha", "unknown"])
def test_hyaluronidase_cannot_dissolve_what_is_not_ha(product):
    case = cheek_case(history=lips_history(product), flags=COMPLICATION_LIPS)
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8), hyal("lips", 30)))
    found = finding(result, "hyaluronidase_no_target")
    assert found.penalty == 10.0 and found.severity == Severity.OVERDONE
    assert PRODUCTS[product].label.lower() in found.text
    assert "no hyaluronidase rescue can be assumed" in found.text
    assert result.band == Band.OVERDONE


def test_hyaluronidase_dose_boundary_against_the_ha_left():
    # 1 mL of HA 3 months ago: 0.6 mL left (persistence heuristic), so 9-54 U (F39 scaled).
    case = cheek_case(history=lips_history(), flags=COMPLICATION_LIPS)
    within = score_plan(case, plan(item("cheek", "ha_firm", 0.8), hyal("lips", 54)))
    info = finding(within, "hyaluronidase")
    assert info.severity == Severity.INFO and info.penalty == 0.0
    assert "54 U for about 0.6 mL of HA left, against 9-54 U" in info.text
    assert within.band == Band.NATURAL
    over = score_plan(case, plan(item("cheek", "ha_firm", 0.8), hyal("lips", 60)))
    found = finding(over, "hyaluronidase_dose")
    assert found.severity == Severity.OVERDONE
    assert found.penalty == pytest.approx(W_OVER * 6 / 54)
    assert over.band == Band.OVERDONE


def test_hyaluronidase_with_an_unknown_amount_of_ha_is_indicated_but_unchecked():
    case = cheek_case(history=lips_history(amount=None), flags=COMPLICATION_LIPS)
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8), hyal("lips", 500)))
    found = finding(result, "hyaluronidase")
    assert found.severity == Severity.INFO and "unknown" in found.text
    assert result.band == Band.NATURAL


def test_hyaluronidase_alone_does_not_make_treating_unsafe():
    case = make_case(
        zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
        disposition=Disposition.REFER,
        history=lips_history(),
        flags=COMPLICATION_LIPS,
    )
    result = score_plan(case, Plan(Disposition.REFER, (hyal("lips", 30),)))
    assert result.band != Band.UNSAFE
    assert "candidacy" not in {f.code for f in result.findings}


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(st.floats(min_value=0.1, max_value=3.0), min_size=1, max_size=4),
    units=st.floats(min_value=1, max_value=1500),
    zone=st.sampled_from(["lips", "cheek", "tear_trough", "chin", "glabella"]),
)
def test_property_hyaluronidase_never_changes_filler_totals_or_zone_verdicts(amounts, units, zone):
    case = cheek_case(history=lips_history(), flags=COMPLICATION_LIPS)
    items = tuple(item("cheek", "ha_firm", round(a, 2)) for a in amounts)
    base = score_plan(case, Plan(Disposition.TREAT, items))
    more = score_plan(case, Plan(Disposition.TREAT, (*items, hyal(zone, round(units, 1)))))
    assert more.totals == base.totals
    assert more.cumulative == base.cumulative
    assert more.zones == base.zones
    assert more.score <= base.score  # it can only cost, never earn


# -- the unknown product -------------------------------------------------------------------


def test_unknown_product_counts_in_full_against_the_range():
    ha = make_case(zref("lips", "ha_soft", 0.5, 1.0, 1.5), history=lips_history("ha_soft", 1.0, 24))
    unknown = make_case(
        zref("lips", "ha_soft", 0.5, 1.0, 1.5), history=lips_history("unknown", 1.0, 24)
    )
    assert ha.residual_ml("lips") == {"total": 0.3}
    assert unknown.residual_ml("lips") == {"total": 1.0}
    # HA: 0.3 mL left + 0.5 = 0.8, within 0.5-1.0; unknown: 1.0 + 0.5 = 1.5, past the max.
    assert next(z for z in score_plan(ha, plan(item("lips", "ha_soft", 0.5))).zones).verdict == (
        Verdict.ON_TARGET
    )
    result = score_plan(unknown, plan(item("lips", "ha_soft", 0.5)))
    lips = next(z for z in result.zones if z.zone == "lips")
    assert lips.verdict == Verdict.HEAVY
    assert lips.penalty == pytest.approx(W_OVER * 0.5 / 1.0)
    text = " ".join(r.text for r in lips.reasons)
    assert "unknown product" in text and "U9" in {k for r in lips.reasons for k in r.references}


def test_filler_over_an_unknown_product_is_layering():
    case = make_case(
        zref("lips", "ha_soft", 0.5, 1.0, 1.5), history=lips_history("unknown", None, 24)
    )
    result = score_plan(case, plan(item("lips", "ha_soft", 0.5)))
    found = finding(result, "layering_unknown")
    assert found.severity == Severity.OVERDONE and found.penalty == 10.0
    assert "no hyaluronidase rescue" in found.text
    assert result.band == Band.OVERDONE


def test_ha_history_is_not_layering():
    case = make_case(zref("lips", "ha_soft", 0.5, 1.0, 1.5), history=lips_history("ha_soft", None))
    result = score_plan(case, plan(item("lips", "ha_soft", 0.5)))
    assert not {"layering_unknown", "layering_permanent", "layering_slow"} & {
        f.code for f in result.findings
    }


def _f62_text(product: str) -> str:
    text = (CASES_DIR / "f62-permanent-filler.yaml").read_text()
    return text.replace("    product: silicone\n", f"    product: {product}\n", 1)


def test_case_file_accepts_an_unknown_product_in_the_history():
    case = load_case_text(_f62_text("unknown"), "f62.yaml")
    assert case.history[0].product == "unknown"


def test_case_file_error_for_a_bad_product_names_the_choices():
    with pytest.raises(CaseFileError) as err:
        load_case_text(_f62_text("unknwon"), "f62.yaml")
    assert "unknwon" in str(err.value) and "unknown" in str(err.value)


def test_plan_file_refuses_the_unknown_product_and_takes_hyaluronidase():
    row = {"zone": "lips", "amount": 30, "side": "midline"}
    taken = plan_from_dict({"disposition": "treat", "items": [{**row, "product": "hyaluronidase"}]})
    assert taken.items[0].product == "hyaluronidase"
    with pytest.raises(PlanFileError) as err:
        plan_from_dict({"disposition": "treat", "items": [{**row, "product": "unknown"}]})
    assert "unknown" in str(err.value)


# -- bunny lines, per point and per side ----------------------------------------------------


def test_bunny_lines_are_a_paired_zone_with_a_per_side_range():
    zone = ZONES["bunny_lines"]
    assert zone.per_side
    dose = zone.typical(Family.TOXIN)
    assert (dose.low, dose.high, dose.ceiling) == (1, 2, 3)
    assert dose.references == ("B14",) and "per point" in dose.note
    assert side_problem("bunny_lines", Side.MIDLINE) is not None
    assert side_problem("bunny_lines", Side.BOTH) is None


@pytest.mark.parametrize(
    ("per_side", "verdict", "penalty"),
    [
        (1.0, Verdict.ON_TARGET, 0.0),
        (2.0, Verdict.ON_TARGET, 0.0),
        (3.0, Verdict.HEAVY, W_OVER * 1 / 2),
        (3.5, Verdict.OVERFILLED, W_OVER * 1.5 / 2 + 10),
        (0.5, Verdict.CONSERVATIVE, 20 * 0.5 / 2),
    ],
)
def test_bunny_lines_judged_per_side(per_side, verdict, penalty):
    case = make_case(zref("bunny_lines", "ona", refs=("B14",)))
    result = score_plan(case, plan(item("bunny_lines", "ona", per_side, "both")))
    bunny = next(z for z in result.zones if z.zone == "bunny_lines")
    assert bunny.verdict == verdict
    assert bunny.penalty == pytest.approx(penalty)
    assert bunny.unit == "U (ona-eq) per side"
    assert "per side" in bunny.reasons[0].text


def test_bunny_lines_one_side_heavier_is_judged_on_that_side():
    case = make_case(zref("bunny_lines", "ona", refs=("B14",)))
    result = score_plan(
        case, plan(item("bunny_lines", "ona", 2, "left"), item("bunny_lines", "ona", 4, "right"))
    )
    bunny = next(z for z in result.zones if z.zone == "bunny_lines")
    assert bunny.verdict == Verdict.OVERFILLED
    assert dict(bunny.amounts) == {"left": 2.0, "right": 4.0}
