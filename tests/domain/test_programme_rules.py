"""Programme rules on known histories: plain values in, a decision out (no app, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quizapp.domain.certification import (
    CaseOutcome,
    HeldCertificate,
    ModuleStanding,
    Rules,
    add_months,
    check_rules,
    decide,
    expiry,
    recertification_text,
)

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
RULES = Rules(("basics", "advanced"), min_good_cases=2, no_unsafe_in_last=3, validity_months=24)


def standing(slug, *scores, grading="highest", pass_mark=70.0):
    return ModuleStanding(slug, slug.title(), pass_mark, grading, tuple(scores))


def cases(*bands, start=T0, case_ids=None):
    ids = case_ids or range(1, len(bands) + 1)
    return [
        CaseOutcome(case_id, band, start + timedelta(days=i))
        for i, (case_id, band) in enumerate(zip(ids, bands, strict=True))
    ]


PASSED = {"basics": standing("basics", 50, 80), "advanced": standing("advanced", 75)}


def test_met_when_every_requirement_is_met():
    history = cases("overdone", "natural", "conservative")
    check = check_rules(RULES, PASSED, history)
    assert check.met
    assert [r.met for r in check.requirements] == [True, True, True, True]
    decision = decide(RULES, PASSED, history, [], T0 + timedelta(days=5))
    assert decision.issue and decision.cycle == 1 and decision.reason == "earned"


@pytest.mark.parametrize(
    "modules, bands, failing",
    [
        ({"basics": standing("basics", 80)}, ("natural", "natural"), "Module advanced"),
        ({**PASSED, "advanced": standing("advanced", 69.9)}, ("natural", "natural"), "Advanced"),
        (PASSED, ("natural", "overfilled"), "2 different case studies"),
        (PASSED, ("natural", "natural", "unsafe"), "No unsafe plan"),
    ],
    ids=["module missing", "below pass mark", "too few good cases", "unsafe recently"],
)
def test_not_met(modules, bands, failing):
    check = check_rules(RULES, modules, cases(*bands))
    assert not check.met
    unmet = [r.label for r in check.requirements if not r.met]
    assert len(unmet) == 1 and failing in unmet[0]
    assert not decide(RULES, modules, cases(*bands), [], T0).issue


def test_grading_last_uses_the_last_attempt_like_the_dashboard():
    assert standing("basics", 90, 40, grading="highest").passed
    assert not standing("basics", 90, 40, grading="last").passed
    assert standing("basics", 40, 90, grading="last").passed
    assert standing("basics", 70, pass_mark=70).passed  # the pass mark itself passes


def test_good_cases_are_distinct_cases():
    repeated = cases("natural", "natural", "natural", case_ids=[7, 7, 7])
    assert not check_rules(RULES, PASSED, repeated).met
    assert check_rules(RULES, PASSED, cases("natural", "conservative", case_ids=[7, 8])).met


def test_unsafe_long_ago_no_longer_counts():
    history = cases("unsafe", "natural", "natural", "overdone")
    assert check_rules(RULES, PASSED, history).met  # the unsafe one is the 4th from last
    assert not check_rules(RULES, PASSED, history[:3]).met


def test_no_unsafe_rule_with_fewer_attempts_looks_at_all_of_them():
    rules = Rules((), min_good_cases=1, no_unsafe_in_last=10)
    assert check_rules(rules, {}, cases("natural")).met
    assert not check_rules(rules, {}, cases("unsafe", "natural")).met


def test_a_valid_certificate_holds_and_nothing_new_is_issued():
    held = [HeldCertificate(1, T0, add_months(T0, 24))]
    decision = decide(RULES, PASSED, cases("natural", "natural"), held, T0 + timedelta(days=30))
    assert not decision.issue and decision.reason == "holds"


def test_met_then_expired_needs_fresh_case_evidence_for_the_next_cycle():
    old = cases("natural", "conservative", start=T0 - timedelta(days=10))
    held = [HeldCertificate(1, T0, add_months(T0, 24))]
    after_expiry = add_months(T0, 24) + timedelta(days=1)
    # The evidence that earned cycle 1 does not earn cycle 2.
    decision = decide(RULES, PASSED, old, held, after_expiry)
    assert not decision.issue and decision.reason == "not_met" and decision.cycle == 2
    fresh = old + cases("natural", "conservative", start=T0 + timedelta(days=400), case_ids=[3, 4])
    decision = decide(RULES, PASSED, fresh, held, after_expiry)
    assert decision.issue and decision.cycle == 2 and decision.reason == "recertified"
    # Modules passed once stay passed (their attempts are limited).
    assert all(r.met for r in decision.check.requirements if r.label.startswith("Pass"))


def test_recertification_asks_at_least_one_good_case_even_for_module_only_programmes():
    rules = Rules(("basics",), min_good_cases=0, validity_months=12)
    held = [HeldCertificate(1, T0, add_months(T0, 12))]
    later = add_months(T0, 13)
    assert not decide(rules, PASSED, [], held, later).issue
    assert decide(rules, PASSED, cases("natural", start=T0 + timedelta(days=1)), held, later).issue


def test_a_revoked_certificate_stops_automatic_issuing():
    held = [HeldCertificate(1, T0, add_months(T0, 24), revoked_at=T0 + timedelta(days=3))]
    history = cases("natural", "natural", "natural", start=T0 + timedelta(days=5))
    decision = decide(RULES, PASSED, history, held, T0 + timedelta(days=10))
    assert not decision.issue and decision.reason == "revoked"
    # ... even long after the revoked certificate would have expired.
    assert decide(RULES, PASSED, history, held, add_months(T0, 30)).reason == "revoked"


def test_the_latest_cycle_decides():
    held = [
        HeldCertificate(1, T0, add_months(T0, 24)),
        HeldCertificate(2, add_months(T0, 25), add_months(T0, 49)),
    ]
    decision = decide(RULES, PASSED, cases("natural", "natural"), held, add_months(T0, 26))
    assert decision.reason == "holds" and decision.cycle == 2


def test_status_by_the_clock():
    held = HeldCertificate(1, T0, T0 + timedelta(days=1))
    assert held.status(T0) == "valid"
    assert held.status(T0 + timedelta(days=1)) == "expired"
    assert HeldCertificate(1, T0, None).status(T0 + timedelta(days=9999)) == "valid"


def test_calendar_months():
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 24) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 5, tzinfo=UTC), 3) == datetime(2027, 2, 5, tzinfo=UTC)
    assert expiry(T0, 24) == datetime(2028, 1, 10, 12, 0, tzinfo=UTC)
    assert expiry(T0, 0) is None


def test_recertification_is_stated_in_words():
    text = recertification_text(RULES)
    assert "24 months" in text and "2 different cases" in text and "last 3 case studies" in text
    assert "do not expire" in recertification_text(Rules(("basics",), validity_months=0))
