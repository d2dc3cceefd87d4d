"""The other case steps: assessment, red flags, disposition, and the combined attempt."""

from __future__ import annotations

import json

import pytest

from quizapp.domain.case import FlagPresence, HistoryItem
from quizapp.domain.plan import Plan
from quizapp.domain.scoring import (
    UNSAFE_ATTEMPT_CAP,
    score_assessment,
    score_case_attempt,
    score_disposition,
    score_red_flags,
)
from quizapp.domain.terms import Disposition, Side

from ._casekit import example, item, make_case, plan, zref


def test_assessment_exact_and_within_one():
    case = example("f44-frown-lines")  # glabella 1/3, crows 0/2, forehead 0/1, brow rest 1
    perfect = score_assessment(
        case,
        {"glabella": (1, 3), "crows_feet": (0, 2), "forehead": (0, 1), "brow": {"rest": 1}},
    )
    assert perfect.score == 100 and perfect.exact == perfect.total == 7
    near = score_assessment(
        case,
        {
            "glabella": (2, 3),
            "crows_feet": (0, 3),
            "forehead": (0, 1),
            "brow": (3, None),
            "lips": (1, None),
        },
    )
    assert near.exact == 4 and near.within_one == 6 and near.total == 7
    assert near.score == round(100 * (4 + 0.5 * 2) / 7)
    assert near.extra_zones == ("lips",)
    missing = score_assessment(case, {})
    assert missing.score == 0 and missing.total == 7
    with pytest.raises(ValueError):
        score_assessment(case, {"glabella": (5, 1)})
    with pytest.raises(ValueError):
        score_assessment(case, {"forehed": (1, 1)})


def test_red_flags_found_missed_and_false_alarms():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        disposition=Disposition.TREAT_IN_PART,
        flags=(FlagPresence("infection_at_site", ("lips",)), FlagPresence("anticoagulants")),
    )
    all_found = score_red_flags(case, ["infection_at_site", "anticoagulants"])
    assert all_found.score == 100 and not all_found.missed
    blocking_only = score_red_flags(case, ["infection_at_site"])
    assert blocking_only.score == round(100 * 2 / 3) and blocking_only.missed == ("anticoagulants",)
    caution_only = score_red_flags(case, ["anticoagulants", "pregnancy"])
    assert caution_only.false_alarms == ("pregnancy",)
    assert caution_only.score == round(100 * 1 / 3 - 10)
    none_present = make_case(zref("glabella", "ona", 20, 20, 30))
    assert score_red_flags(none_present, []).score == 100
    assert score_red_flags(none_present, ["bdd_signs"]).score == 90
    with pytest.raises(ValueError):
        score_red_flags(none_present, ["not_a_flag"])


def test_red_flags_implied_by_the_facts_count():
    case = make_case(
        zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
        age=16,
        history=(HistoryItem("glabella", "ona", 20, Side.MIDLINE, months_ago=1),),
    )
    result = score_red_flags(case, [])
    assert result.missed == ("toxin_within_3_months", "under_18")


@pytest.mark.parametrize(
    ("expected", "given", "score"),
    [
        ("treat", "treat", 100),
        ("treat", "treat_in_part", 60),
        ("defer", "refer", 50),
        ("treat", "defer", 30),
        ("defer", "treat", 0),
        ("decline", "treat_in_part", 0),
    ],
)
def test_disposition_table(expected, given, score):
    case = make_case(disposition=Disposition(expected))
    result = score_disposition(case, given)
    assert result.score == score and result.correct == (expected == given)


def test_case_attempt_combines_and_caps():
    case = example("f44-frown-lines")
    grades = {"glabella": (1, 3), "crows_feet": (0, 2), "forehead": (0, 1), "brow": (1, None)}
    good = score_case_attempt(
        case,
        grades,
        [],
        "treat",
        plan(item("glabella", "ona", 20), item("crows_feet", "ona", 8)),
    )
    assert good.total == 100
    assert json.loads(json.dumps(good.to_dict())) == good.to_dict()
    deferred = make_case(disposition=Disposition.DEFER, flags=(FlagPresence("pregnancy"),))
    unsafe = score_case_attempt(
        deferred, {}, ["pregnancy"], "treat", plan(item("glabella", "ona", 20))
    )
    assert unsafe.plan.band.value == "unsafe" and unsafe.total <= UNSAFE_ATTEMPT_CAP
    right = score_case_attempt(deferred, {}, ["pregnancy"], "defer", None)
    assert right.total == 100 and right.plan.score == 100
    assert right.plan.candidacy.given == Disposition.DEFER
    assert isinstance(Plan(Disposition.DEFER), Plan)
