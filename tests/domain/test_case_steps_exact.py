"""Case steps pinned exactly (issue 23): grade inputs at their bounds, which check is which, the
order of extra zones, a case with nothing to grade, red-flag scores at 0, the words of a right
disposition, and the weighted total of an attempt worked out by hand."""

from __future__ import annotations

import pytest

from quizapp.domain.case import FlagPresence
from quizapp.domain.scoring import (
    score_assessment,
    score_case_attempt,
    score_disposition,
    score_red_flags,
)
from quizapp.domain.terms import Disposition

from ._casekit import example, item, make_case, plan, zref

F44 = example("f44-frown-lines")  # glabella 1/3, crows 0/2, forehead 0/1, brow rest 1


def test_grades_given_as_a_mapping_read_rest_and_moving():
    result = score_assessment(F44, {"glabella": {"rest": 1, "moving": 3}})
    glabella = [
        (c.zone, c.kind, c.expected, c.given) for c in result.checks if c.zone == "glabella"
    ]
    assert glabella == [("glabella", "rest", 1, 1), ("glabella", "moving", 3, 3)]


@pytest.mark.parametrize("grade", [0, 4])
def test_grades_0_and_4_are_accepted(grade):
    assert score_assessment(F44, {"glabella": (grade, grade)}).total == 7


@pytest.mark.parametrize("grade", [5, -1, 1.5, "2", True])
def test_other_grades_are_refused_with_a_reason(grade):
    with pytest.raises(ValueError, match="grades are whole numbers 0-4"):
        score_assessment(F44, {"glabella": (grade, 1)})


def test_unknown_zones_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="unknown zone 'forehed'"):
        score_assessment(F44, {"forehed": (1, 1)})


def test_extra_zones_follow_the_face_not_the_alphabet():
    result = score_assessment(F44, {"temples": (1, None), "cheek": (1, None)})
    assert result.extra_zones == ("temples", "cheek")


def test_a_case_with_nothing_to_grade_scores_100():
    result = score_assessment(make_case(zref("glabella", "ona", 20, 20, 30)), {})
    assert (result.total, result.score) == (0, 100)


def test_red_flag_score_stops_at_0_and_names_unknown_ids():
    case = make_case(zref("glabella", "ona", 20, 20, 30))
    many = ["pregnancy", "bdd_signs", "anticoagulants", "under_18", "allergy_history"]
    many += ["infection_at_site", "active_autoimmune", "neuromuscular_disease", "over_65_label"]
    many += ["breastfeeding", "already_overfilled"]
    assert score_red_flags(case, many).score == 0  # 100 - 10 x 11 would be -10
    with pytest.raises(ValueError, match="unknown red flag id"):
        score_red_flags(case, ["not_a_flag"])


def test_a_right_disposition_says_so():
    case = make_case(disposition=Disposition.DEFER, flags=(FlagPresence("pregnancy"),))
    result = score_disposition(case, "defer")
    assert (result.correct, result.score, result.reason) == (True, 100, "Right disposition.")


def test_attempt_total_is_the_weighted_sum_rounded():
    # f44 with no grades (0), no flags ticked and none present (100), the right disposition
    # (100), and glabella 12 U with crow's feet 8 U: glabella conservative 20 * 8/20 = 8 points,
    # 75 + 14 * 0.92 = 87.88 -> 88. Total 0.2 * 0 + 0.2 * 100 + 0.2 * 100 + 0.4 * 88 = 75.2 -> 75.
    result = score_case_attempt(
        F44, {}, [], "treat", plan(item("glabella", "ona", 12), item("crows_feet", "ona", 8))
    )
    assert (result.assessment.score, result.red_flags.score, result.disposition.score) == (
        0,
        100,
        100,
    )
    assert result.plan.score == 88 and result.total == 75
