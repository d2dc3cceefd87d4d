"""What the engine returns, pinned exactly (issue 23: scoring/results.py): a whole PlanScore as
JSON written out by hand, and the small helpers (rounding, numbers in words, unit labels, each
source once, a load past its ceiling).

The plan: crow's feet 10 U a side against 6-9 (ceiling 12), cheek 0.8 mL a side against 0.6-1.0
(ceiling 2) with 0.5 mL a side of HA given 3 months ago, and 0.3 mL in the lips, which the case
does not list. By hand from docs/scoring.md:
- crow's feet heavy: 40 * (10 - 9) / 9 = 4.444 points, 4.44 in JSON (two decimals);
- cheek: 60% of 0.5 is left, 0.3 + 0.8 = 1.1 a side, heavy: 40 * 0.1 / 1 = 4 points;
- lips not indicated: 5 + 20 * 0.3 / 1.5 (a session's worth) = 9 points;
- 17.444 points, overdone: 35 + 19 * 0.82556 = 50.69 -> 51;
- look (section 6): credit 1.5 + 1.5 = 3 years, overreach 1.5 * 1/9 + 1.5 * 0.1 + 1.5 * 0.3/1.5
  = 0.62, aiming at about 4 years; something past a range: altered, 0 years younger, cap 6
  (toxin and filler together).
"""

from __future__ import annotations

import json
import math

from quizapp.domain.case import HistoryItem
from quizapp.domain.face import Family
from quizapp.domain.scoring import score_plan
from quizapp.domain.scoring.results import (
    Candidacy,
    Finding,
    Reason,
    RecentToxin,
    ZoneLoad,
    fmt,
    rounded,
    unit_label,
)
from quizapp.domain.terms import Disposition, Severity, Side
from quizapp.formats.report import plan_score_json

from ._casekit import item, make_case, plan, zref

CASE = make_case(
    zref("crows_feet", "ona", 6, 9, 12),
    zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
    age=50,
    history=(HistoryItem("cheek", "ha_firm", 0.5, Side.BOTH, months_ago=3),),
)
PLAN = plan(
    item("crows_feet", "ona", 10), item("cheek", "ha_firm", 0.8), item("lips", "ha_soft", 0.3)
)


def _range(low, high, ceiling, unit):
    return {
        "min": low,
        "max": high,
        "ceiling": ceiling,
        "unit": unit,
        "per_side": True,
        "source": "case",
        "references": ["B1"],
    }


def _load(side, earlier, added, total, ceiling):
    zone = "lips" if side == "total" else "cheek"
    return {
        "zone": zone,
        "side": side,
        "earlier_ml": earlier,
        "added_ml": added,
        "total_ml": total,
        "ceiling_ml": ceiling,
        "over": False,
    }


EXPECTED = {
    "case_id": "test-case",
    "band": "overdone",
    "band_label": "Overdone",
    "score": 51,
    "penalty": 17.44,
    "zones": [
        {
            "zone": "crows_feet",
            "family": "toxin",
            "products": ["ona"],
            "amounts": {"left": 10, "right": 10},
            "unit": "U (ona-eq) per side",
            "range": _range(6.0, 9.0, 12.0, "U (ona-eq) per side"),
            "verdict": "heavy",
            "reasons": [
                {
                    "text": "Crow's feet (lateral canthal lines): 10 per side against 6-9 U "
                    "(ona-eq) per side (ceiling 12) is above the range: more than the goal needs.",
                    "references": ["B1"],
                }
            ],
            "penalty": 4.44,
        },
        {
            "zone": "cheek",
            "family": "filler",
            "products": ["ha_firm"],
            "amounts": {"left": 0.8, "right": 0.8},
            "unit": "mL per side",
            "range": _range(0.6, 1.0, 2.0, "mL per side"),
            "verdict": "heavy",
            "reasons": [
                {
                    "text": "Cheek and midface volume: 1.1 per side against 0.6-1 mL per side "
                    "(ceiling 2) is above the range: more than the goal needs.",
                    "references": ["B1"],
                },
                {
                    "text": "About 0.3 mL remain from earlier filler and count against the range, "
                    "so this visit has room for 0.3-0.7 mL per side; the plan adds 0.8 per side. "
                    "HA persists far longer than it looks.",
                    "references": ["F18"],
                },
            ],
            "penalty": 4.0,
        },
        {
            "zone": "lips",
            "family": "filler",
            "products": ["ha_soft"],
            "amounts": {"total": 0.3},
            "unit": "mL",
            "range": None,
            "verdict": "not_indicated",
            "reasons": [
                {
                    "text": "Lips: not part of the reference, so treating it is not indicated "
                    "today.",
                    "references": [],
                }
            ],
            "penalty": 9.0,
        },
    ],
    "totals": {
        "toxin_units": {"ona": 20.0},
        "toxin_ona_equivalent": 20.0,
        "filler_ml": {"ha_firm": 1.6, "ha_soft": 0.3},
        "filler_ml_total": 1.9,
        "facial_units": ["cheek", "lips"],
        "facial_unit_limit": 2,
        "upper_face_ona_equivalent": 20.0,
        "upper_face_limit": 64.0,
        "filler_year_ml": None,
        "filler_year_limit_ml": None,
    },
    "cumulative": {
        "filler": [
            _load("left", 0.3, 0.8, 1.1, 2.0),
            _load("right", 0.3, 0.8, 1.1, 2.0),
            _load("total", 0.0, 0.3, 0.3, 3.0),
        ],
        "recent_toxin": [],
        "ona_units_3_months": 20.0,
        "note": "Residual filler follows the app's persistence heuristic "
        "(face.remaining_fraction): 60% of HA at 3 months, 30% at 2 years, traces for years "
        "(P16 F18).",
    },
    "findings": [
        {
            "code": "danger_zone",
            "severity": "info",
            "text": "Filler in the lips, a danger zone: placement, depth and volume carry real "
            "risk; hyaluronidase must be at hand.",
            "references": ["F37", "F30", "F34", "F38"],
            "zone": "lips",
            "penalty": 0.0,
        }
    ],
    "candidacy": {
        "expected": "treat",
        "given": "treat",
        "treats": True,
        "ok": True,
        "blocked_by": [],
        "reasons": [],
    },
    "look": {
        "age": 50,
        "years_younger": 0,
        "apparent_age": 50,
        "aimed_years": 4,
        "cap_years": 6,
        "label": "altered",
        "fade": [
            {"month": 1, "years_younger": 0},
            {"month": 6, "years_younger": 0},
            {"month": 12, "years_younger": 0},
            {"month": 24, "years_younger": 0},
        ],
        "note": "Teaching heuristic, not a prediction: each appropriately treated sign earns 1.5 "
        "years, capped at 5 (6 with toxin and filler together) after the self-rated figures in "
        "P1-P5; nothing extra past a range. Toxin credit fades over its duration (P18-P21), HA "
        "over 24 months (P3). Refreshed: something credited and nothing past a range. "
        "Unchanged: nothing credited. Altered or erased: anything past a range or not needed, "
        "or an overdone or overfilled plan; such a face reads as treated, not younger, so no "
        "years are credited. Limits: the figures are mostly self-rated and industry-funded, the "
        "heuristic ignores where each face starts, and years are whole numbers because it "
        "cannot be more precise than that.",
        "references": ["P1", "P2", "P3", "P4", "P5"],
    },
    "band_reasons": [
        "crow's feet (lateral canthal lines): heavy",
        "cheek and midface volume: heavy",
        "lips: not indicated",
    ],
    "references": ["B1", "F18", "F30", "F34", "F37", "F38", "P1", "P2", "P3", "P4", "P5"],
}


def test_a_whole_plan_score_as_json_written_out_by_hand():
    result = score_plan(CASE, PLAN)
    assert result.to_dict() == EXPECTED
    # What `flask plan score --json` prints survives a round trip through JSON unchanged.
    assert json.loads(json.dumps(plan_score_json(result))) == EXPECTED


def test_the_parts_not_in_that_plan_as_json():
    assert RecentToxin("glabella", "ona", 1.5, 20.0).to_dict() == {
        "zone": "glabella",
        "product": "ona",
        "months_ago": 1.5,
        "amount": 20.0,
    }
    candidacy = Candidacy(
        Disposition.DEFER,
        Disposition.TREAT,
        True,
        False,
        ("pregnancy",),
        (Reason("Pregnant.", ("B43",)),),
    )
    assert candidacy.to_dict() == {
        "expected": "defer",
        "given": "treat",
        "treats": True,
        "ok": False,
        "blocked_by": ["pregnancy"],
        "reasons": [{"text": "Pregnant.", "references": ["B43"]}],
    }
    over = ZoneLoad("lips", "total", 1.0, 2.5, 3.5, 3.0)
    assert over.to_dict()["over"] is True
    finding = Finding("x", Severity.OVERDONE, "Text.", ("F1",), None, 13.33333)
    assert finding.to_dict() == {
        "code": "x",
        "severity": "overdone",
        "text": "Text.",
        "references": ["F1"],
        "zone": None,
        "penalty": 13.33,
    }


def test_a_load_is_over_only_past_its_ceiling():
    def load(total, ceiling):
        return ZoneLoad("cheek", "left", 0.0, total, total, ceiling)

    assert load(2.0, 2.0).over is False  # at the ceiling
    assert load(2.0 + 1e-10, 2.0).over is False  # float noise
    assert load(2.001, 2.0).over is True
    assert load(50.0, None).over is False  # no ceiling in the catalogue


def test_each_source_once_in_order_of_first_mention():
    assert Reason("r", ("B2", "B1", "B2")).references == ("B2", "B1")
    assert Reason("r", ("B1", "B1")).references == ("B1",)
    assert Reason("r", ["B1"]).references == ("B1",)  # a list becomes a tuple
    assert Finding("f", Severity.INFO, "t", ("F1", "F1")).references == ("F1",)
    assert Finding("f", Severity.INFO, "t", ["F1"]).references == ("F1",)


def test_rounding_never_gives_minus_zero():
    assert rounded(2.123456) == 2.1235 and rounded(2.126, 2) == 2.13
    assert math.copysign(1.0, rounded(-0.00001)) == 1.0


def test_numbers_in_words_have_two_decimals_below_one_one_above_and_no_trailing_zero():
    values = (2.0, 2.25, 0.04, 10.0, 0.35, 1.15, 0.55, 0.5, 0.004, 0.999, 1.0, -0.25, -5.25)
    assert [fmt(v) for v in values] == [
        "2", "2.2", "0.04", "10", "0.35", "1.1", "0.55", "0.5", "0", "1", "1", "-0.25", "-5.2",
    ]  # fmt: skip


def test_unit_labels():
    assert unit_label(Family.TOXIN, True) == "U (ona-eq) per side"
    assert unit_label(Family.TOXIN, False) == "U (ona-eq)"
    assert unit_label(Family.FILLER, True) == "mL per side"
    assert unit_label(Family.FILLER, False) == "mL"
    assert unit_label(Family.ENZYME, False) == "U"
