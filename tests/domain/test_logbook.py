"""The logbook's pure core: validation with field errors, the Case/Plan adapter for real
practice, and the programme rules for signed entries, time limits and CPD hours."""

from __future__ import annotations

import datetime as dt

import pytest

from quizapp.domain import logbook
from quizapp.domain.certification import (
    Practice,
    Rules,
    check_rules,
    clean_extra_rules,
    decide,
)
from quizapp.domain.face import ZONES, Family, default_range
from quizapp.domain.terms import Band, Disposition, Side, Verdict

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC)


def raw(**overrides):
    data = {
        "treated_on": "2026-11-01",
        "modality": "toxin",
        "role": "performed",
        "age_band": "35-44",
        "sex": "F",
        "fitzpatrick": "III",
        "consultation_done": "yes",
        "consent_form_version": "v3",
        "contraindications_screened": "yes",
        "zones": [
            {"zone": "glabella", "grade": "3", "product": "ona", "amount": "20"},
            {"zone": "crows_feet", "grade": "2", "product": "ona", "amount": "8"},
        ],
        "review_outcome": "Symmetric at two weeks.",
        "complications": "",
        "reflection_went_well": "Careful marking.",
        "reflection_change": "Photograph at rest.",
    }
    data.update(overrides)
    return data


def facts(**overrides) -> logbook.LogbookFacts:
    result = logbook.validate_entry(raw(**overrides), TODAY)
    assert result.errors == {}
    assert result.facts is not None
    return result.facts


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def test_a_complete_entry_validates_into_facts():
    f = facts()
    assert f.treated_on == dt.date(2026, 11, 1) and f.performed
    assert [z.zone for z in f.zones] == ["glabella", "crows_feet"]
    # Sides default from the zone: unpaired midline, paired both; the unit comes from the product.
    assert [z.side for z in f.zones] == [Side.MIDLINE, Side.BOTH]
    assert f.zones_json()[0] == {
        "zone": "glabella",
        "grade": 3,
        "product": "ona",
        "amount": 20.0,
        "unit": "U",
        "side": "midline",
        "technique": "",
    }
    assert logbook.submission_problems(f) == []


@pytest.mark.parametrize(
    ("treated_on", "message"),
    [
        ("2026-11-21", "in the future"),
        ("1999-12-31", "before 2000"),
        ("01/11/2026", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_impossible_dates_are_refused(treated_on, message):
    result = logbook.validate_entry(raw(treated_on=treated_on), TODAY)
    assert result.facts is None and message in result.errors["treated_on"]


def test_the_first_and_last_possible_days_are_accepted():
    assert facts(treated_on="2000-01-01").treated_on == dt.date(2000, 1, 1)
    assert facts(treated_on=TODAY.isoformat()).treated_on == TODAY


@pytest.mark.parametrize("key", ["name", "patient_name", "date_of_birth", "dob", "photo", "nhs"])
def test_unknown_keys_are_refused_so_nothing_identifying_gets_in(key):
    result = logbook.validate_entry(raw(**{key: "x"}), TODAY)
    assert result.facts is None
    assert "de-identified" in result.errors[key]


def test_unknown_keys_in_a_zone_row_are_refused():
    zones = [{"zone": "glabella", "grade": 3, "product": "ona", "amount": 20, "photo": "a.jpg"}]
    result = logbook.validate_entry(raw(zones=zones), TODAY)
    assert "zones-0-photo" in result.errors


def test_choices_must_come_from_their_lists():
    result = logbook.validate_entry(
        raw(modality="laser", role="taught", age_band="40", sex="X", fitzpatrick="7"), TODAY
    )
    assert set(result.errors) == {"modality", "role", "age_band", "sex", "fitzpatrick"}


def test_unknown_zones_and_products_and_family_mismatch():
    zones = [
        {"zone": "earlobe", "grade": 2, "product": "ona", "amount": 4},
        {"zone": "glabella", "grade": 2, "product": "snake_oil", "amount": 4},
        {"zone": "glabella", "grade": 2, "product": "ha_soft", "amount": 1},
    ]
    errors = logbook.validate_entry(raw(zones=zones), TODAY).errors
    assert errors["zones-0-zone"] == "Choose a zone from the list."
    assert errors["zones-1-product"] == "Choose a product from the list."
    assert "this entry is toxin" in errors["zones-2-product"]


@pytest.mark.parametrize(
    ("product", "amount", "ok"),
    [
        ("ona", "0", False),
        ("ona", "-2", False),
        ("ona", "1000", True),
        ("ona", "1000.5", False),
        ("ona", "nan", False),
        ("ona", "twenty", False),
        ("abo", "50", True),
    ],
)
def test_amounts_must_be_in_the_products_unit_range(product, amount, ok):
    zones = [{"zone": "glabella", "grade": 3, "product": product, "amount": amount}]
    result = logbook.validate_entry(raw(zones=zones), TODAY)
    assert result.ok is ok
    if not ok:
        assert "zones-0-amount" in result.errors


def test_filler_amounts_are_capped_in_millilitres_and_units_must_match():
    zones = [{"zone": "cheek", "grade": 3, "product": "ha_firm", "amount": "101"}]
    errors = logbook.validate_entry(raw(modality="filler", zones=zones), TODAY).errors
    assert "at most 100 mL" in errors["zones-0-amount"]
    zones = [{"zone": "cheek", "grade": 3, "product": "ha_firm", "amount": "1", "unit": "U"}]
    errors = logbook.validate_entry(raw(modality="filler", zones=zones), TODAY).errors
    assert "measured in mL" in errors["zones-0-unit"]


def test_sides_must_fit_the_zone():
    zones = [{"zone": "glabella", "grade": 3, "product": "ona", "amount": 20, "side": "left"}]
    assert "zones-0-side" in logbook.validate_entry(raw(zones=zones), TODAY).errors
    zones = [{"zone": "crows_feet", "grade": 3, "product": "ona", "amount": 8, "side": "midline"}]
    assert "zones-0-side" in logbook.validate_entry(raw(zones=zones), TODAY).errors


def test_performed_rows_need_a_grade_observed_rows_do_not():
    zones = [{"zone": "glabella", "product": "ona", "amount": 20}]
    assert "zones-0-grade" in logbook.validate_entry(raw(zones=zones), TODAY).errors
    assert logbook.validate_entry(raw(zones=zones, role="observed"), TODAY).ok
    zones = [{"zone": "glabella", "grade": "5", "product": "ona", "amount": 20}]
    assert "0 to 4" in logbook.validate_entry(raw(zones=zones), TODAY).errors["zones-0-grade"]


def test_at_least_one_zone_and_consent_version_with_a_consultation():
    assert "zones" in logbook.validate_entry(raw(zones=[]), TODAY).errors
    errors = logbook.validate_entry(raw(consent_form_version=""), TODAY).errors
    assert "consent_form_version" in errors
    assert logbook.validate_entry(raw(consent_form_version="", consultation_done="no"), TODAY).ok


def test_a_draft_may_wait_for_the_review_but_submission_may_not():
    draft = facts(
        review_outcome="", reflection_went_well="", consultation_done="no", consent_form_version=""
    )
    problems = logbook.submission_problems(draft)
    assert "Record the two-week review outcome." in problems
    assert "Say what went well." in problems
    assert any("consultation" in p for p in problems)


# --------------------------------------------------------------------------------------------
# Scoring real practice
# --------------------------------------------------------------------------------------------


def test_the_case_uses_the_recorded_grades_and_catalogue_defaults():
    f = facts()
    case = logbook.practice_case(f)
    assert case.reference.disposition == Disposition.TREAT
    assert case.patient.age == 35 and case.patient.fitzpatrick == 3
    crows = case.range_for("crows_feet", Family.TOXIN)
    expected = default_range("crows_feet", Family.TOXIN, 2, "F")
    assert (crows.min, crows.max, crows.ceiling) == (expected.low, expected.high, expected.ceiling)
    assert case.assessment_for("crows_feet").moving == 2


def test_the_plan_holds_the_treated_zones():
    plan = logbook.practice_plan(facts())
    assert plan.disposition == Disposition.TREAT
    assert [(i.zone, i.product, i.amount, i.side) for i in plan.items] == [
        ("glabella", "ona", 20.0, Side.MIDLINE),
        ("crows_feet", "ona", 8.0, Side.BOTH),
    ]


def test_on_label_doses_score_natural_and_overdosing_scores_worse():
    good = logbook.score_entry(facts())
    assert good.plan.band == Band.NATURAL and good.plan.score == 100
    zones = [{"zone": "glabella", "grade": 3, "product": "ona", "amount": 40}]
    heavy = logbook.score_entry(facts(zones=zones))
    assert heavy.plan.band in (Band.OVERDONE, Band.OVERFILLED)
    assert heavy.plan.score < good.plan.score


def test_a_zone_graded_zero_had_nothing_to_treat():
    zones = [
        {"zone": "glabella", "grade": 3, "product": "ona", "amount": 20},
        {"zone": "crows_feet", "grade": 0, "product": "ona", "amount": 8},
    ]
    result = logbook.score_entry(facts(zones=zones))
    verdicts = {z.zone: z.verdict for z in result.plan.zones}
    assert verdicts["crows_feet"] == Verdict.NOT_INDICATED


def test_men_are_judged_against_the_male_ranges():
    zones = [{"zone": "glabella", "grade": 3, "product": "ona", "amount": 40}]
    man = logbook.score_entry(facts(sex="M", zones=zones))
    woman = logbook.score_entry(facts(sex="F", zones=zones))
    assert man.plan.score > woman.plan.score


def test_age_bands_keep_the_engines_age_flags():
    assert logbook.practice_case(facts(age_band="65+")).derived_flags() >= {"over_65_label"}
    assert "under_18" in logbook.practice_case(facts(age_band="under-18")).derived_flags()
    under = logbook.score_entry(facts(age_band="under-18"))
    assert under.plan.band == Band.UNSAFE


def test_rows_the_catalogue_cannot_judge_are_left_out_and_named():
    assert ZONES["chin"].typical(Family.FILLER).low is None  # the catalogue has no range
    zones = [{"zone": "chin", "grade": 3, "product": "ha_firm", "amount": 1}]
    result = logbook.score_entry(facts(modality="filler", zones=zones))
    assert result.plan is None and result.band is None
    assert "no range" in result.unscored[0]
    zones.append({"zone": "cheek", "grade": 3, "product": "ha_firm", "amount": 1.5})
    result = logbook.score_entry(facts(modality="filler", zones=zones))
    assert [z.zone for z in result.plan.zones] == ["cheek"] and len(result.unscored) == 1


def test_observed_entries_are_not_scored():
    assert logbook.score_entry(facts(role="observed")) is None


def test_facts_round_trip_through_stored_values():
    f = facts()
    stored = {
        "treated_on": f.treated_on,
        "modality": f.modality,
        "role": f.role,
        "age_band": f.age_band,
        "sex": f.sex,
        "fitzpatrick": f.fitzpatrick,
        "consultation_done": f.consultation_done,
        "consent_form_version": f.consent_form_version,
        "contraindications_screened": f.contraindications_screened,
        "zones": f.zones_json(),
        "review_outcome": f.review_outcome,
        "complications": f.complications,
        "reflection_went_well": f.reflection_went_well,
        "reflection_change": f.reflection_change,
    }
    assert logbook.facts_from_row(stored) == f


# --------------------------------------------------------------------------------------------
# Programme rules for practice
# --------------------------------------------------------------------------------------------


def _signed(n: int, modality="toxin", role="performed", when=NOW):
    return tuple((modality, role, when) for _ in range(n))


def test_extra_rules_are_cleaned():
    cleaned = clean_extra_rules(
        {
            "logbook": {"toxin": {"observed": 10, "performed": True, "taught": 3}, "laser": {}},
            "max_duration_months": -1,
            "cpd_hours": 12.5,
            "other": 1,
        }
    )
    assert cleaned == {"logbook": {"toxin": {"observed": 10}}, "cpd_hours": 12.5}
    assert clean_extra_rules("nonsense") == {}


def test_logbook_counts_per_modality_and_role():
    rules = Rules((), 0, 0, 24, logbook=(("toxin", "performed", 2), ("filler", "observed", 1)))
    practice = Practice(signed=_signed(1) + _signed(3, "filler", "performed"), now=NOW)
    check = check_rules(rules, {}, [], practice=practice)
    assert [(r.met, r.detail) for r in check.requirements] == [
        (False, "1 of 2 signed"),
        (False, "0 of 1 signed"),
    ]
    practice = Practice(signed=_signed(2) + _signed(1, "filler", "observed"), now=NOW)
    assert check_rules(rules, {}, [], practice=practice).met


def test_time_limit_counts_from_the_cohort_start():
    rules = Rules((), 0, 0, 24, max_duration_months=12)
    started = dt.date(2025, 11, 20)
    on_time = check_rules(rules, {}, [], practice=Practice(started_on=started, now=NOW))
    assert on_time.met and on_time.requirements[0].detail == "by 2026-11-20"
    late = Practice(started_on=dt.date(2025, 11, 19), now=NOW)
    (requirement,) = check_rules(rules, {}, [], practice=late).requirements
    assert not requirement.met and requirement.detail == "closed on 2026-11-19"
    (unknown,) = check_rules(rules, {}, []).requirements
    assert not unknown.met


def test_cpd_hours_count_inside_the_programme_window_only():
    rules = Rules((), 0, 0, 24, max_duration_months=6, cpd_hours=10)
    started = dt.date(2026, 6, 1)
    cpd = (
        (dt.date(2026, 5, 31), 50.0),  # before the start
        (dt.date(2026, 6, 1), 4.0),
        (dt.date(2026, 12, 1), 4.0),  # the last day of the window
        (dt.date(2026, 12, 2), 50.0),  # after the limit
    )
    practice = Practice(cpd=cpd, started_on=started, now=NOW)
    requirement = check_rules(rules, {}, [], practice=practice).requirements[-1]
    assert not requirement.met and requirement.detail == "8 of 10 hours"
    practice = Practice(cpd=cpd + ((dt.date(2026, 7, 1), 2.0),), started_on=started, now=NOW)
    assert check_rules(rules, {}, [], practice=practice).met


def test_recertification_asks_cpd_since_the_last_certificate_but_not_the_logbook():
    from quizapp.domain.certification import HeldCertificate

    rules = Rules(
        (), 0, 0, 12, logbook=(("toxin", "performed", 5),), max_duration_months=6, cpd_hours=3
    )
    recert = rules.for_recertification()
    assert recert.logbook == () and recert.max_duration_months == 0 and recert.cpd_hours == 3
    issued = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    held = [HeldCertificate(1, issued, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))]
    practice = Practice(cpd=((dt.date(2024, 6, 1), 10.0),), now=NOW)
    decision = decide(rules, {}, [], held, NOW, practice)
    assert not decision.issue
    assert any(
        r.label.startswith("3 hours of CPD since") and not r.met
        for r in decision.check.requirements
    )
