"""Hyaluronidase's own rules pinned exactly (issue 23: scoring/enzyme.py), on one plan that takes
every branch, each followed by later zones so no branch may stop the others.

Worked by hand from docs/scoring.md (1.5-9 U per 0.1 mL of HA left, F39; W_OVER = 40):
- cheek, no complication flagged: not indicated, 10 points;
- nasolabial, HA of unknown amount: indicated, the dose not checked;
- lips, 2.5 U + 2.5 U for 0.35 mL left: 5 U against 5.25-31.5 U, indicated;
- marionette, flagged but no filler recorded: no target, 10 points;
- chin, 1.2 U for 0.01 mL left: above 0.9 U, 40 x (1.2 - 0.9) / 0.9 = 13.33 points;
- jawline, 3 U a side (6 U) for 0.23 mL left after ten years: within 3.5-20.8 U, indicated."""

from __future__ import annotations

import pytest

from quizapp.domain.case import FlagPresence, HistoryItem
from quizapp.domain.scoring import score_plan
from quizapp.domain.scoring.results import volume_left
from quizapp.domain.terms import Side

from ._casekit import cheek_case, item, plan

FLAGGED = ("nasolabial", "lips", "chin", "jawline", "marionette")
HISTORY = (
    HistoryItem("nasolabial", "ha_soft", None, Side.BOTH, months_ago=2),
    HistoryItem("lips", "ha_soft", 0.35, Side.MIDLINE, months_ago=0),
    HistoryItem("chin", "ha_firm", 0.01, Side.MIDLINE, months_ago=0),
    HistoryItem("jawline", "ha_firm", 1.0, Side.BOTH, months_ago=120),
)
SCALE = (
    "(1.5-9 U per 0.1 mL of HA for small nodules, scaled to the HA the engine estimates remains)"
)


def _hyal(zone, units, side=None):
    return item(zone, "hyaluronidase", units, side)


# Function scope on purpose: mutmut runs, for each mutant, the tests it saw calling the mutated
# function, and a module-scoped result computed in another test's set-up is not seen.
@pytest.fixture()
def findings():
    case = cheek_case(history=HISTORY, flags=(FlagPresence("filler_complication", FLAGGED),))
    result = score_plan(
        case,
        plan(
            _hyal("cheek", 4, "both"),
            _hyal("nasolabial", 3, "both"),
            _hyal("lips", 2.5),
            _hyal("lips", 2.5),
            _hyal("marionette", 2, "both"),
            _hyal("chin", 1.2),
            _hyal("jawline", 3, "both"),
        ),
    )
    return {f.zone: f for f in result.findings if f.code.startswith("hyaluronidase")}


def test_every_zone_is_judged_with_its_own_code_sources_and_points(findings):
    got = {z: (f.code, f.references, round(f.penalty, 4)) for z, f in findings.items()}
    assert got == {
        "cheek": ("hyaluronidase_not_indicated", ("F39", "F41", "F56", "U8"), 10.0),
        "nasolabial": ("hyaluronidase", ("F39", "F41"), 0.0),
        "lips": ("hyaluronidase", ("F39", "U8"), 0.0),
        "marionette": ("hyaluronidase_no_target", ("F38", "F39", "U8"), 10.0),
        "chin": ("hyaluronidase_dose", ("F39", "F41", "U8"), 13.3333),
        "jawline": ("hyaluronidase", ("F39", "U8"), 0.0),
    }


def test_the_reasons_name_the_zone_and_the_figures(findings):
    assert findings["cheek"].text == (
        "Hyaluronidase in the cheek and midface volume where the case has no filler complication "
        "to dissolve: it is for nodules, misplaced or excess HA and emergencies, not a routine "
        "step. Dissolving can leave hollowing (18% in one periocular series), and earlier "
        "hyaluronidase injections raise the allergy risk."
    )
    assert findings["nasolabial"].text == (
        "Hyaluronidase in the nasolabial folds to dissolve HA: indicated for the complication the "
        "case describes. How much HA is left is unknown, so the dose cannot be checked against "
        "1.5-9 U per 0.1 mL of HA (small nodules); start low, as about a quarter of one series "
        "needed more."
    )
    assert findings["marionette"].text == (
        "Hyaluronidase in the marionette lines: it dissolves HA only, and the case has no HA there "
        "(no filler from earlier visits is recorded there). An unknown product may not be HA, so "
        "no hyaluronidase rescue can be assumed; refer rather than inject."
    )
    # Two items in one zone add up (5 U); the low end 5.25 prints as 5.2.
    assert findings["lips"].text == (
        f"Hyaluronidase in the lips: 5 U for about 0.35 mL of HA left, against 5.2-31.5 U {SCALE}; "
        "indicated for the complication the case describes."
    )
    assert findings["chin"].text == (
        "Hyaluronidase in the chin (projection, mentalis): 1.2 U for about 0.01 mL of HA left, "
        f"against 0.15-0.9 U {SCALE}, is more than the HA there needs; more dissolves the "
        "patient's own hyaluronic acid too and risks hollowing."
    )
    # 3 U a side on both sides is 6 U.
    assert findings["jawline"].text == (
        "Hyaluronidase in the jawline: 6 U for about 0.23 mL of HA left, against 3.5-20.8 U "
        f"{SCALE}; indicated for the complication the case describes."
    )


def test_ha_long_absorbed_leaves_nothing_to_overdose_against():
    # 0.01 mL of soft HA 200 months ago: none left by the persistence model (high end 0 U), so the
    # dose is not judged against a range of nothing, and there is no division by zero.
    case = cheek_case(
        history=(HistoryItem("lips", "ha_soft", 0.01, Side.MIDLINE, months_ago=200),),
        flags=(FlagPresence("filler_complication", ("lips",)),),
    )
    result = score_plan(case, plan(_hyal("lips", 10)))
    (found,) = [f for f in result.findings if f.code.startswith("hyaluronidase")]
    assert (found.code, found.penalty) == ("hyaluronidase", 0.0)
    assert found.references == ("F39", "F41")
    assert found.text == (
        "Hyaluronidase in the lips: 10 U where the engine's estimate (a teaching heuristic) has "
        "the earlier HA fully absorbed, so the dose cannot be checked against 1.5-9 U per 0.1 mL "
        "of HA; indicated for the complication the case describes, which suggests some remains: "
        "start low."
    )
    assert "0-0 U" not in found.text
    assert found.zone == "lips"


def test_a_zone_with_its_ha_absorbed_does_not_stop_the_zones_after_it():
    # Lips (HA long absorbed) come before the jawline (0.5 mL a month ago) in face order; the
    # jawline is still judged after them.
    case = cheek_case(
        history=(
            HistoryItem("lips", "ha_soft", 0.01, Side.MIDLINE, months_ago=200),
            HistoryItem("jawline", "ha_firm", 0.5, Side.BOTH, months_ago=1),
        ),
        flags=(FlagPresence("filler_complication", ("lips", "jawline")),),
    )
    result = score_plan(case, plan(_hyal("lips", 10), _hyal("jawline", 3, Side.BOTH)))
    zones = [f.zone for f in result.findings if f.code.startswith("hyaluronidase")]
    assert sorted(zones) == ["jawline", "lips"]


@pytest.mark.parametrize(
    ("ml", "words"),
    [
        (0.1, "about 0.1 mL"),
        (0.35, "about 0.35 mL"),
        (1.25, "about 1.2 mL"),
        (0.099, "about 0.1 mL"),
        (0.05, "about 0.05 mL"),
        (0.01, "about 0.01 mL"),
        (0.0099, "under 0.01 mL"),
        (0.001, "under 0.01 mL"),
    ],
)
def test_small_volumes_left_never_print_as_zero(ml, words):
    assert volume_left(ml) == words
