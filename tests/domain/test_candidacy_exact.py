"""Candidacy and disposition, pinned exactly (issue 23: scoring/candidacy.py).

The rules (docs/scoring.md): a patient who should not be treated today and is treated loses 40
points, unsafe, with the flags named and their sources; a plan that treats what a red flag rules
out is not ok; a wrong disposition costs 5 points when both treat (a near miss) and 10 otherwise."""

from __future__ import annotations

from quizapp.domain.case import FlagPresence
from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.scoring import case_tables
from quizapp.domain.scoring.candidacy import judge_candidacy
from quizapp.domain.scoring.tables import Run
from quizapp.domain.terms import Disposition, Side

from ._casekit import make_case

GLABELLA = (PlanItem("glabella", "ona", 20, Side.MIDLINE),)


def _run(case, disposition: Disposition, items=GLABELLA) -> Run:
    return Run(case, Plan(disposition, items), case_tables(case), [], [], {}, 0.0)


def test_treating_a_patient_who_must_not_be_treated_names_the_flags_and_their_sources():
    case = make_case(
        disposition=Disposition.DEFER,
        flags=(FlagPresence("pregnancy"), FlagPresence("bdd_signs")),
    )
    run = _run(case, Disposition.TREAT)
    result = judge_candidacy(run, True, [])
    (reason,) = result.reasons
    assert reason.text == (
        "This patient should not be treated today (signs of body dysmorphic disorder, pregnancy); "
        "the right disposition is defer. Treating is unsafe whatever the doses."
    )
    assert reason.references == ("F45", "F46", "B43", "B50", "B51", "B52", "F42")
    (finding,) = run.findings
    assert (finding.code, finding.penalty, finding.references) == (
        "candidacy",
        40.0,
        reason.references,
    )
    assert (result.treats, result.ok, result.blocked_by) == (True, False, ())


def test_without_named_flags_the_reason_speaks_of_the_case_findings():
    run = _run(make_case(disposition=Disposition.DEFER), Disposition.TREAT)
    (reason,) = judge_candidacy(run, True, []).reasons
    assert reason.text.startswith("This patient should not be treated today (the case findings);")
    assert reason.references == ()


def test_a_plan_that_treats_what_a_flag_rules_out_is_not_ok_and_says_which():
    case = make_case(flags=(FlagPresence("pregnancy"),))
    result = judge_candidacy(_run(case, Disposition.TREAT), False, ["pregnancy"])
    (reason,) = result.reasons
    assert reason.text == "Part of the plan treats what a red flag rules out: pregnancy."
    assert reason.references == ("B43", "B50", "B51", "B52", "F42")
    assert (result.ok, result.blocked_by) == (False, ("pregnancy",))


def test_a_plan_with_no_items_does_not_treat():
    result = judge_candidacy(_run(make_case(), Disposition.TREAT, ()), False, [])
    assert (result.treats, result.ok, result.reasons) == (False, True, ())


def test_treating_in_part_where_treating_fits_is_a_near_miss_of_five_points():
    run = _run(make_case(disposition=Disposition.TREAT), Disposition.TREAT_IN_PART)
    judge_candidacy(run, False, [])
    (finding,) = run.findings
    assert (finding.code, finding.penalty) == ("disposition", 5.0)
    assert finding.text == (
        "Disposition treat in part where treat fits: close, but say plainly what is treated "
        "today and what waits."
    )


def test_not_treating_a_patient_who_can_be_treated_costs_ten_points():
    run = _run(make_case(disposition=Disposition.TREAT), Disposition.DEFER, ())
    judge_candidacy(run, False, [])
    (finding,) = run.findings
    assert finding.penalty == 10.0
    assert finding.text == (
        "Disposition defer where treat fits: this patient can be treated today."
    )


def test_the_wrong_way_of_not_treating_costs_ten_points_and_says_not_treating_was_right():
    run = _run(make_case(disposition=Disposition.DEFER), Disposition.REFER, ())
    judge_candidacy(run, False, [])
    (finding,) = run.findings
    assert finding.penalty == 10.0
    assert finding.text == (
        "Disposition refer where defer fits: not treating was right, but the next step differs."
    )


def test_the_right_disposition_costs_nothing():
    run = _run(make_case(disposition=Disposition.TREAT), Disposition.TREAT)
    result = judge_candidacy(run, False, [])
    assert run.findings == [] and result.ok and result.reasons == ()
