"""The logbook's validation pinned at its bounds (issue 23): lengths at the limit and one past it,
amounts at 0 and at the cap, grades 0-4, sides, flags and numbers as forms send them, and what
submission still asks for."""

from __future__ import annotations

import datetime as dt

import pytest

from quizapp.domain import logbook
from quizapp.domain.plan import MAX_ITEMS, MAX_TECHNIQUE_CHARS
from quizapp.domain.terms import Side

from .test_logbook import TODAY, raw


def errors(**overrides) -> dict[str, str]:
    return logbook.validate_entry(raw(**overrides), TODAY).errors


def row(**kw):
    base = {"zone": "glabella", "grade": "3", "product": "ona", "amount": "20"}
    return base | kw


def test_version_and_text_lengths_at_the_limit_and_one_past():
    assert errors(consent_form_version="v" * 40) == {}
    assert errors(consent_form_version="v" * 41) == {
        "consent_form_version": "At most 40 characters."
    }
    assert errors(review_outcome="x" * 4000) == {}
    assert errors(review_outcome="x" * 4001) == {"review_outcome": "At most 4000 characters."}
    assert errors(zones=[row(technique="t" * MAX_TECHNIQUE_CHARS)]) == {}
    assert errors(zones=[row(technique="t" * (MAX_TECHNIQUE_CHARS + 1))]) == {
        "zones-0-technique": f"At most {MAX_TECHNIQUE_CHARS} characters."
    }


def test_a_consent_version_is_needed_only_with_a_consultation():
    assert errors(consent_form_version="") == {
        "consent_form_version": "Give the version of the consent form used."
    }
    assert errors(consent_form_version="", consultation_done="no") == {}


def test_dates_at_both_ends():
    assert errors(treated_on=TODAY.isoformat()) == {}
    assert errors(treated_on=(TODAY + dt.timedelta(days=1)).isoformat()) == {
        "treated_on": "The treatment date is in the future."
    }
    assert errors(treated_on="2000-01-01") == {}
    assert errors(treated_on="1999-12-31") == {"treated_on": "The treatment date is before 2000."}
    assert errors(treated_on="yesterday") == {
        "treated_on": "Give the treatment date as YYYY-MM-DD."
    }
    moment = dt.datetime(2026, 11, 1, 9, 30)
    result = logbook.validate_entry(raw(treated_on=moment), TODAY)
    assert result.facts is not None and result.facts.treated_on == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("value", "flag"),
    [
        (True, True),
        (False, False),
        ("Y", True),
        ("yes", True),
        ("TRUE", True),
        ("1", True),
        ("on", True),
        ("n", False),
        ("No", False),
        ("false", False),
        ("0", False),
        ("", False),
        (None, False),
    ],
)
def test_flags_as_forms_send_them(value, flag):
    result = logbook.validate_entry(raw(contraindications_screened=value), TODAY)
    assert result.facts is not None and result.facts.contraindications_screened is flag


def test_a_flag_that_is_neither_yes_nor_no_is_refused():
    assert errors(consultation_done="perhaps") == {"consultation_done": "Answer yes or no."}


@pytest.mark.parametrize(
    ("amount", "parsed"),
    [("20", 20.0), (" 12,5 ", 12.5), (7, 7.0), (7.5, 7.5)],
)
def test_amounts_are_read_as_numbers(amount, parsed):
    result = logbook.validate_entry(raw(zones=[row(amount=amount)]), TODAY)
    assert result.facts is not None and result.facts.zones[0].amount == parsed


@pytest.mark.parametrize("amount", [True, "nan", "inf", "-inf", "twenty", None])
def test_amounts_that_are_not_numbers_are_refused(amount):
    assert errors(zones=[row(amount=amount)]) == {"zones-0-amount": "Give the amount as a number."}


def test_amounts_above_0_and_at_most_the_cap():
    cap = "The amount must be above 0 and at most 1000 U."
    assert errors(zones=[row(amount="1000")]) == {}
    assert errors(zones=[row(amount="1000.01")]) == {"zones-0-amount": cap}
    assert errors(zones=[row(amount="0")]) == {"zones-0-amount": cap}
    assert errors(zones=[row(amount="0.01")]) == {}


@pytest.mark.parametrize(("grade", "ok"), [("0", True), ("4", True), ("5", False), ("x", False)])
def test_grades_are_0_to_4(grade, ok):
    result = errors(zones=[row(grade=grade)])
    assert result == ({} if ok else {"zones-0-grade": "The grade is 0 to 4."})


def test_rows_count_and_shape():
    assert errors(zones=[]) == {"zones": "Record at least one treated zone."}
    assert errors(zones=None) == {"zones": "Record at least one treated zone."}
    assert errors(zones="glabella") == {"zones": "Zones must be a list of rows."}
    assert errors(zones=[row()] * MAX_ITEMS) == {}
    assert errors(zones=[row()] * (MAX_ITEMS + 1)) == {"zones": f"At most {MAX_ITEMS} rows."}
    # A malformed row does not stop the next from being checked.
    assert errors(zones=["glabella", row(amount="x")]) == {
        "zones-0": "Each row must give a zone, product and amount.",
        "zones-1-amount": "Give the amount as a number.",
    }


def test_sides_default_and_fit_the_zone():
    paired = logbook.validate_entry(raw(zones=[row(zone="crows_feet", amount="8")]), TODAY)
    midline = logbook.validate_entry(raw(zones=[row()]), TODAY)
    assert paired.facts.zones[0].side == Side.BOTH
    assert midline.facts.zones[0].side == Side.MIDLINE
    left = logbook.validate_entry(raw(zones=[row(zone="crows_feet", side="left")]), TODAY)
    assert left.facts.zones[0].side == Side.LEFT
    assert errors(zones=[row(side="sideways")]) == {
        "zones-0-side": "Choose left, right, both or midline."
    }
    assert errors(zones=[row(zone="crows_feet", side="midline")]) == {
        "zones-0-side": "A paired zone is left, right or both (both: each side)."
    }
    assert errors(zones=[row(side="left")]) == {
        "zones-0-side": "This zone is dosed as one total: use midline."
    }


def test_a_unit_that_matches_the_product_is_accepted():
    assert errors(zones=[row(unit="U")]) == {}
    assert errors(zones=[row(unit="mL")]) == {
        "zones-0-unit": "onabotulinumtoxinA is measured in U."
    }


def test_what_submission_still_asks_for():
    facts = logbook.validate_entry(
        raw(
            review_outcome="",
            reflection_change="",
            consultation_done="no",
            consent_form_version="",
            contraindications_screened="no",
        ),
        TODAY,
    ).facts
    assert logbook.submission_problems(facts) == [
        "Record the two-week review outcome.",
        "Say what you would change.",
        "A performed treatment needs a recorded consultation and consent.",
        "A performed treatment needs contraindications screened.",
    ]
    observed = logbook.validate_entry(
        raw(
            role="observed",
            consultation_done="no",
            consent_form_version="",
            contraindications_screened="no",
        ),
        TODAY,
    ).facts
    assert logbook.submission_problems(observed) == []


def test_zones_json_names_every_field():
    facts = logbook.validate_entry(raw(zones=[row(technique="3 points")]), TODAY).facts
    assert facts.zones_json() == [
        {
            "zone": "glabella",
            "grade": 3,
            "product": "ona",
            "amount": 20.0,
            "unit": "U",
            "side": "midline",
            "technique": "3 points",
        }
    ]


# -- scoring real practice ---------------------------------------------------------------------


def performed(zones, **kw):
    result = logbook.validate_entry(raw(zones=zones, **kw), TODAY)
    assert result.errors == {}
    return result.facts


def test_every_judged_row_gets_one_reference_whatever_comes_before():
    zones = [
        row(zone="glabella", grade="3", amount="10"),
        row(zone="glabella", grade="3", amount="10"),  # the same zone again: one reference
        row(zone="crows_feet", grade="0", amount="4"),  # graded 0: no reference
        row(zone="forehead", grade="2", amount="6"),
    ]
    case = logbook.practice_case(performed(zones))
    assert [(r.zone, r.family.value) for r in case.reference.zones] == [
        ("glabella", "toxin"),
        ("forehead", "toxin"),
    ]


def test_a_row_the_catalogue_cannot_judge_does_not_stop_the_next():
    zones = [
        row(zone="chin", grade="3", product="ha_firm", amount="1"),  # no catalogue range
        row(zone="cheek", grade="3", product="ha_firm", amount="1.5"),
    ]
    facts = performed(zones, modality="filler")
    case = logbook.practice_case(facts)
    assert [r.zone for r in case.reference.zones] == ["cheek"]


def test_the_practice_case_and_plan_carry_the_entry():
    facts = performed([row(zone="glabella", grade="3", technique="5 points")])
    case = logbook.practice_case(facts, "entry-7")
    assert (case.id, case.title, case.visit_date) == (
        "entry-7",
        "Logbook entry, 2026-11-01",
        dt.date(2026, 11, 1),
    )
    assert case.summary == (
        "Real practice, scored against catalogue defaults and the recorded assessment."
    )
    assert [(a.zone, a.rest, a.moving) for a in case.assessment] == [("glabella", 3, 3)]
    assert logbook.practice_case(facts).id == "logbook"
    assert [i.technique for i in logbook.practice_plan(facts).items] == ["5 points"]
    assert logbook.score_entry(facts, "entry-7").plan.case_id == "entry-7"
    assert logbook.score_entry(facts).plan.case_id == "logbook"


def test_choice_errors_say_what_to_choose():
    assert errors(modality="laser") == {"modality": "Choose toxin or filler."}


def test_zone_row_messages_and_an_ungraded_observed_row():
    assert errors(zones=[row(colour="red")]) == {
        "zones-0-colour": "Unknown field 'colour' in a zone row."
    }
    assert errors(zones=[row(grade="")]) == {
        "zones-0-grade": "Record the grade you assessed at consultation (0-4)."
    }
    observed = logbook.validate_entry(raw(role="observed", zones=[row(grade="")]), TODAY)
    assert observed.facts is not None and observed.facts.zones[0].grade is None
