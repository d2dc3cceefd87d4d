"""Certification rules pinned exactly (issue 23): both sides of every bound, the exact words of
each requirement, and evidence that must not count (before `since`, outside the window)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from quizapp.domain.certification import (
    CaseOutcome,
    HeldCertificate,
    ModuleStanding,
    Practice,
    Rules,
    add_months,
    check_rules,
    clean_extra_rules,
    decide,
    expiry,
    recertification_text,
)

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def programme(**kw):
    base = {
        "required_modules": None,
        "min_good_cases": None,
        "no_unsafe_in_last": None,
        "validity_months": None,
        "extra_rules": None,
    }
    return SimpleNamespace(**(base | kw))


def reqs(check):
    return [(r.label, r.met, r.detail) for r in check.requirements]


# -- Rules.of and clean_extra_rules ------------------------------------------------------------


def test_rules_of_an_empty_programme_are_all_zero():
    assert Rules.of(programme()) == Rules((), 0, 0, 0, (), 0, 0.0)


def test_rules_of_copy_every_column_and_extra_rule():
    rules = Rules.of(
        programme(
            required_modules=["a", "b"],
            min_good_cases="3",
            no_unsafe_in_last=4,
            validity_months=12,
            extra_rules={
                "logbook": {"toxin": {"observed": 2, "performed": 1}, "filler": {"performed": 5}},
                "max_duration_months": 18,
                "cpd_hours": 7,
            },
        )
    )
    assert rules == Rules(
        ("a", "b"),
        3,
        4,
        12,
        logbook=(("toxin", "observed", 2), ("toxin", "performed", 1), ("filler", "performed", 5)),
        max_duration_months=18,
        cpd_hours=7.0,
    )
    assert isinstance(rules.cpd_hours, float)


def test_recertification_keeps_case_rules_and_cpd_and_drops_the_rest():
    rules = Rules(("a",), 0, 3, 12, logbook=(("toxin", "observed", 2),), max_duration_months=6)
    rules = Rules(**{**rules.__dict__, "cpd_hours": 5.0})
    assert rules.for_recertification() == Rules(("a",), 1, 3, 12, cpd_hours=5.0)
    assert Rules(min_good_cases=4).for_recertification().min_good_cases == 4


@pytest.mark.parametrize(
    ("count", "kept"),
    [(0, False), (1, True), (500, True), (501, False), (True, False), (2.0, False), (-1, False)],
)
def test_logbook_counts_are_whole_numbers_from_1_to_500(count, kept):
    out = clean_extra_rules({"logbook": {"toxin": {"observed": count}}})
    assert out == ({"logbook": {"toxin": {"observed": count}}} if kept else {})


def test_a_malformed_modality_does_not_hide_the_next():
    out = clean_extra_rules(
        {"logbook": {"toxin": "ten", "filler": {"observed": 3, "bogus": 4}, "laser": {"x": 1}}}
    )
    assert out == {"logbook": {"filler": {"observed": 3}}}
    assert clean_extra_rules({"logbook": {"toxin": {"observed": 2, "performed": 0}}}) == {
        "logbook": {"toxin": {"observed": 2}}
    }


@pytest.mark.parametrize(
    ("months", "kept"), [(0, False), (1, True), (240, True), (241, False), (True, False)]
)
def test_duration_is_1_to_240_months(months, kept):
    out = clean_extra_rules({"max_duration_months": months})
    assert out == ({"max_duration_months": months} if kept else {})


@pytest.mark.parametrize(
    ("hours", "kept"),
    [
        (0, False),
        (0.5, True),
        (1, True),
        (1000, True),
        (1000.5, False),
        (True, False),
        ("5", False),
    ],
)
def test_cpd_hours_are_above_0_and_at_most_1000(hours, kept):
    out = clean_extra_rules({"cpd_hours": hours})
    assert out == ({"cpd_hours": float(hours)} if kept else {})
    if kept:
        assert isinstance(out["cpd_hours"], float)


def test_extra_rules_that_are_not_a_mapping_are_nothing():
    assert clean_extra_rules(["logbook"]) == {}
    assert clean_extra_rules({"logbook": ["toxin"]}) == {}


# -- modules, certificates ---------------------------------------------------------------------


def test_module_grading_and_pass_mark_bounds():
    assert ModuleStanding("m", "M", 70.0).graded is None
    assert not ModuleStanding("m", "M", 70.0).passed
    highest = ModuleStanding("m", "M", 70.0, "highest", (70.0, 40.0))
    assert highest.graded == 70.0 and highest.passed  # exactly the pass mark passes
    last = ModuleStanding("m", "M", 70.0, "last", (90.0, 69.9))
    assert last.graded == 69.9 and not last.passed


def test_certificate_status_at_the_instant_of_expiry():
    held = HeldCertificate(1, T0, T0 + DAY)
    assert held.status(T0 + DAY - timedelta(microseconds=1)) == "valid"
    assert held.status(T0 + DAY) == "expired"
    revoked = HeldCertificate(1, T0, T0 + DAY, revoked_at=T0)
    assert revoked.status(T0) == "revoked" and revoked.status(T0 + 2 * DAY) == "revoked"


# -- check_rules: modules and cases ------------------------------------------------------------


def test_module_requirements_in_words():
    rules = Rules(("gone", "new", "best", "last"))
    modules = {
        "new": ModuleStanding("new", "New", 70.0),
        "best": ModuleStanding("best", "Best", 70.0, "highest", (80.0, 60.0)),
        "last": ModuleStanding("last", "Last", 50.0, "last", (80.0, 40.0)),
    }
    assert reqs(check_rules(rules, modules, [])) == [
        ("Module gone", False, "not published in this academy"),
        ("Pass New", False, "not attempted yet; pass mark 70%"),
        ("Pass Best", True, "best score 80%; pass mark 70%"),
        ("Pass Last", False, "last score 40%; pass mark 50%"),
    ]


def test_good_cases_at_the_bound_and_after_since_only():
    rules = Rules(min_good_cases=2)
    at_since = CaseOutcome(1, "natural", T0)
    after = [CaseOutcome(2, "conservative", T0 + DAY), CaseOutcome(3, "natural", T0 + 2 * DAY)]
    met = check_rules(rules, {}, [at_since, *after], since=T0)
    assert reqs(met) == [
        (
            "2 different case studies planned conservatively or naturally since your last "
            "certificate",
            True,
            "2 of 2 done",
        )
    ]
    short = check_rules(rules, {}, [at_since, after[0]], since=T0)
    assert reqs(short)[0][1:] == (False, "1 of 2 done")
    one = check_rules(Rules(min_good_cases=1), {}, [CaseOutcome(1, "overfilled", T0)])
    assert reqs(one) == [
        ("1 different case study planned conservatively or naturally", False, "0 of 1 done")
    ]
    many = check_rules(Rules(min_good_cases=1), {}, after)
    assert reqs(many)[0][2] == "1 of 1 done"  # capped at what is needed


def test_unsafe_window_counts_the_last_attempts_only():
    rules = Rules(no_unsafe_in_last=2)
    history = [
        CaseOutcome(1, "unsafe", T0),
        CaseOutcome(2, "unsafe", T0 + DAY),
        CaseOutcome(3, "natural", T0 + 2 * DAY),
    ]
    assert reqs(check_rules(rules, {}, history)) == [
        ("No unsafe plan in your last 2 case studies", False, "1 unsafe among the last 2")
    ]
    later = [*history, CaseOutcome(4, "natural", T0 + 3 * DAY)]
    assert reqs(check_rules(rules, {}, later))[0][1:] == (True, "none unsafe")
    one = check_rules(Rules(no_unsafe_in_last=1), {}, history[:1])
    assert reqs(one)[0][0] == "No unsafe plan in your last 1 case study"
    # Sorted by time, not by the order given.
    assert reqs(check_rules(rules, {}, list(reversed(later))))[0][1] is True


def test_no_requirement_when_a_rule_is_zero():
    assert check_rules(Rules(), {}, [CaseOutcome(1, "unsafe", T0)]).requirements == ()


# -- check_rules: logbook, duration, CPD ---------------------------------------------------------


def test_signed_logbook_counts_by_modality_and_role_after_since():
    rules = Rules(logbook=(("toxin", "performed", 2), ("filler", "observed", 1)))
    signed = (
        ("toxin", "performed", T0),
        ("toxin", "performed", T0 + DAY),
        ("toxin", "observed", T0 + DAY),
        ("filler", "performed", T0 + DAY),
    )
    check = check_rules(rules, {}, [], practice=Practice(signed=signed))
    assert reqs(check) == [
        ("2 signed toxin treatments performed under supervision", True, "2 of 2 signed"),
        ("1 signed filler treatments observed", False, "0 of 1 signed"),
    ]
    since = check_rules(rules, {}, [], since=T0, practice=Practice(signed=signed))
    assert reqs(since)[0][1:] == (False, "1 of 2 signed")
    more = Practice(signed=signed * 2)
    assert reqs(check_rules(rules, {}, [], practice=more))[0][2] == "2 of 2 signed"


def test_duration_deadline_day_is_still_inside():
    rules = Rules(max_duration_months=1)
    start = date(2026, 1, 31)
    on_deadline = Practice(started_on=start, now=datetime(2026, 2, 28, 23, 0, tzinfo=UTC))
    after = Practice(started_on=start, now=datetime(2026, 3, 1, tzinfo=UTC))
    assert reqs(check_rules(rules, {}, [], practice=on_deadline)) == [
        ("Complete within 1 month", True, "by 2026-02-28")
    ]
    assert reqs(check_rules(rules, {}, [], practice=after)) == [
        ("Complete within 1 month", False, "closed on 2026-02-28")
    ]
    no_start = check_rules(Rules(max_duration_months=3), {}, [], practice=Practice(now=T0))
    assert reqs(no_start) == [("Complete within 3 months", False, "no programme start date")]
    no_clock = Practice(started_on=start)
    assert reqs(check_rules(rules, {}, [], practice=no_clock))[0][1:] == (
        False,
        "no programme start date",
    )


def test_cpd_hours_inside_the_programme_window_only():
    rules = Rules(max_duration_months=2, cpd_hours=3.0)
    start = date(2026, 1, 1)  # deadline 1 March 2026
    cpd = (
        (date(2025, 12, 31), 5.0),  # the day before the start: outside
        (start, 1.0),  # the first day counts
        (date(2026, 3, 1), 2.0),  # the deadline counts
        (date(2026, 3, 2), 5.0),  # after it: outside
    )
    practice = Practice(cpd=cpd, started_on=start, now=datetime(2026, 2, 1, tzinfo=UTC))
    check = check_rules(rules, {}, [], practice=practice)
    assert reqs(check)[1] == ("3 hours of CPD in the programme window", True, "3 of 3 hours")
    fewer = Practice(cpd=cpd[:2], started_on=start, now=practice.now)
    assert reqs(check_rules(rules, {}, [], practice=fewer))[1][1:] == (False, "1 of 3 hours")


def test_cpd_hours_without_a_time_limit_count_from_the_start_with_no_end():
    rules = Rules(cpd_hours=2.0)  # no max_duration_months: no deadline
    start = date(2026, 1, 1)
    cpd = ((date(2025, 12, 31), 9.0), (date(2026, 6, 1), 1.0), (date(2031, 1, 1), 1.0))
    check = check_rules(rules, {}, [], practice=Practice(cpd=cpd, started_on=start, now=T0))
    assert reqs(check) == [("2 hours of CPD in the programme window", True, "2 of 2 hours")]


def test_recertification_cpd_ignores_the_first_programme_deadline():
    # Started 1 January 2026 with a 2-month limit (deadline 1 March); since the certificate of
    # 10 January, CPD after the deadline counts.
    rules = Rules(max_duration_months=2, cpd_hours=1.0)
    practice = Practice(
        cpd=((date(2026, 6, 1), 1.0),),
        started_on=date(2026, 1, 1),
        now=datetime(2026, 7, 1, tzinfo=UTC),
    )
    check = check_rules(rules, {}, [], since=T0, practice=practice)
    assert reqs(check)[-1] == ("1 hours of CPD since your last certificate", True, "1 of 1 hours")


def test_cpd_hours_since_the_last_certificate_have_no_end():
    rules = Rules(cpd_hours=2.5)
    cpd = ((date(2026, 1, 9), 9.0), (T0.date(), 1.5), (date(2030, 1, 1), 1.0))
    check = check_rules(rules, {}, [], since=T0, practice=Practice(cpd=cpd))
    assert reqs(check) == [
        ("2.5 hours of CPD since your last certificate", True, "2.5 of 2.5 hours")
    ]
    # Without a start or an end every record counts; the total is capped in the detail.
    open_ended = check_rules(Rules(cpd_hours=2.0), {}, [], practice=Practice(cpd=cpd))
    assert reqs(open_ended)[0][1:] == (True, "2 of 2 hours")


def test_cpd_hours_that_add_up_in_floating_point_meet_the_target():
    rules = Rules(cpd_hours=0.3)
    practice = Practice(cpd=((date(2026, 1, 1), 0.1), (date(2026, 1, 2), 0.2)))
    assert check_rules(rules, {}, [], practice=practice).met  # 0.1 + 0.2 < 0.3 in binary
    short = Practice(cpd=((date(2026, 1, 1), 0.1), (date(2026, 1, 2), 0.1)))
    assert not check_rules(rules, {}, [], practice=short).met


# -- decide ------------------------------------------------------------------------------------


def test_decide_by_the_highest_cycle_not_the_last_given():
    rules = Rules(min_good_cases=1)
    good = [CaseOutcome(1, "natural", T0 + 10 * DAY)]
    expired = HeldCertificate(2, T0, T0 + DAY)
    valid = HeldCertificate(1, T0, None)
    decision = decide(rules, {}, good, [expired, valid], now=T0 + 20 * DAY)
    assert (decision.issue, decision.cycle, decision.reason) == (True, 3, "recertified")
    first = decide(rules, {}, [], [], now=T0)
    assert (first.issue, first.cycle, first.reason) == (False, 1, "not_met")
    assert reqs(first.check) == [
        ("1 different case study planned conservatively or naturally", False, "0 of 1 done")
    ]
    earned = decide(rules, {}, good, [], now=T0)
    assert (earned.issue, earned.cycle, earned.reason) == (True, 1, "earned")
    assert earned.check is not None and earned.check.met
    not_again = decide(rules, {}, [], [expired], now=T0 + 20 * DAY)
    assert (not_again.issue, not_again.cycle, not_again.reason) == (False, 3, "not_met")


def test_a_held_certificate_decides_without_checks():
    revoked = HeldCertificate(4, T0, None, revoked_at=T0)
    decision = decide(Rules(), {}, [], [revoked], now=T0 + DAY)
    assert (decision.issue, decision.cycle, decision.reason, decision.check) == (
        False,
        4,
        "revoked",
        None,
    )
    assert decision.issue is False
    holds = decide(Rules(), {}, [], [HeldCertificate(3, T0, None)], now=T0 + DAY)
    assert (holds.issue, holds.cycle, holds.reason, holds.check) == (False, 3, "holds", None)
    assert holds.issue is False


def test_decide_passes_practice_to_the_checks():
    rules = Rules(cpd_hours=1.0)
    practice = Practice(cpd=((date(2026, 2, 1), 1.0),))
    assert decide(rules, {}, [], [], now=T0, practice=practice).issue
    expired = HeldCertificate(1, T0, T0 + DAY)
    again = decide(rules, {}, [], [expired], now=T0 + 40 * DAY, practice=practice)
    assert reqs(again.check)[-1] == (
        "1 hours of CPD since your last certificate",
        True,
        "1 of 1 hours",
    )


# -- dates and words ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 1, 15), 11, date(2026, 12, 15)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 3, 31), 13, date(2027, 4, 30)),
        (date(2026, 5, 1), 0, date(2026, 5, 1)),
    ],
)
def test_add_months(start, months, end):
    assert add_months(start, months) == end


def test_expiry_of_one_month():
    assert expiry(T0, 1) == datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
    assert expiry(T0, -1) is None


def test_recertification_in_words_exactly():
    assert recertification_text(Rules(validity_months=0)) == (
        "Certificates of this programme do not expire."
    )
    assert recertification_text(Rules(validity_months=1)) == (
        "Certificates are valid for 1 month. After one expires, a new certificate is issued "
        "automatically when, since the previous one was issued, the holder has planned "
        "1 different case conservatively or naturally. Modules passed once stay passed."
    )
    assert recertification_text(
        Rules(min_good_cases=2, no_unsafe_in_last=1, validity_months=24)
    ) == (
        "Certificates are valid for 24 months. After one expires, a new certificate is issued "
        "automatically when, since the previous one was issued, the holder has planned "
        "2 different cases conservatively or naturally with no unsafe plan in their last "
        "1 case study. Modules passed once stay passed."
    )
