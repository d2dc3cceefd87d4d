"""The projected look and the identity finding, pinned exactly (issue 23: scoring/look.py).

Each test builds the engine's working state (`Run`) by hand, so the figures below come from the
rules in docs/scoring.md, not from another scoring run: a look caps at 5 years (6 when toxin and
filler both give credit), an overreaching plan reads as altered, and a feature to preserve costs
10 points when it is treated heavily or next to a heavy or unneeded zone."""

from __future__ import annotations

from dataclasses import replace

from quizapp.domain.case import Preserve
from quizapp.domain.face import Family
from quizapp.domain.plan import Plan
from quizapp.domain.scoring import case_tables
from quizapp.domain.scoring.look import identity_findings, projected_look, settle_look
from quizapp.domain.scoring.results import ProjectedLook, ZoneVerdict
from quizapp.domain.scoring.tables import Run
from quizapp.domain.terms import Band, Disposition, Verdict

from ._casekit import make_case


def _run(case=None, zones=(), credit=None, overreach=0.0) -> Run:
    case = case or make_case(age=60)
    return Run(
        case,
        Plan(Disposition.TREAT, ()),
        case_tables(case),
        list(zones),
        [],
        credit or {},
        overreach,
    )


def _verdict(zone: str, verdict: Verdict, family: Family = Family.TOXIN) -> ZoneVerdict:
    return ZoneVerdict(zone, family, ("ona",), (("total", 1.0),), "U", None, verdict, (), 0.0)


# --- projected_look ---------------------------------------------------------------------------


def test_a_refreshed_look_keeps_the_patients_age_and_credits_whole_years():
    look = projected_look(_run(credit={("cheek", Family.FILLER): (3.2, "ha_firm")}))
    # 3.2 years credited, one family: cap 5; 3.2 rounds to 3 whole years.
    assert (look.age, look.years_younger, look.apparent_age) == (60, 3, 57)
    assert (look.aimed_years, look.cap_years, look.label) == (3, 5, "refreshed")


def test_a_family_with_no_credit_does_not_raise_the_cap():
    credit = {("glabella", Family.TOXIN): (0.0, "ona"), ("cheek", Family.FILLER): (3.0, "ha_firm")}
    assert projected_look(_run(credit=credit)).cap_years == 5


def test_two_families_each_with_some_credit_raise_the_cap_to_six():
    credit = {("glabella", Family.TOXIN): (0.5, "ona"), ("cheek", Family.FILLER): (5.4, "ha_firm")}
    look = projected_look(_run(credit=credit))
    # 0.5 + 5.4 = 5.9 credited, under the combined cap of 6: 6 whole years.
    assert (look.cap_years, look.years_younger, look.label) == (6, 6, "refreshed")


def test_any_overreach_reads_as_altered_even_below_the_cap():
    run = _run(credit={("cheek", Family.FILLER): (1.0, "ha_firm")}, overreach=0.5)
    look = projected_look(run)
    # aimed 1.0 + 0.5 = 1.5 years, under the cap of 5: altered, but not "erased".
    assert (look.age, look.years_younger, look.apparent_age) == (60, 0, 60)
    assert (look.aimed_years, look.cap_years, look.label) == (2, 5, "altered")
    assert run.findings == []


def test_no_overreach_at_all_is_not_altered():
    look = projected_look(_run(credit={("cheek", Family.FILLER): (2.0, "ha_firm")}, overreach=0.0))
    assert look.label == "refreshed"


def test_aiming_exactly_at_the_cap_is_altered_but_not_erased():
    run = _run(credit={("cheek", Family.FILLER): (4.0, "ha_firm")}, overreach=1.0)
    look = projected_look(run)
    assert look.label == "altered" and look.aimed_years == 5
    assert run.findings == []


def test_aiming_past_the_cap_is_erased_for_five_points():
    run = _run(credit={("cheek", Family.FILLER): (4.0, "ha_firm")}, overreach=1.6)
    projected_look(run)
    (erased,) = run.findings
    assert (erased.code, erased.penalty, erased.zone) == ("erased", 5.0, None)
    assert "about 6 years younger, past the 5" in erased.text and "A rested 60" in erased.text


# --- settle_look ------------------------------------------------------------------------------


def _look(label: str) -> ProjectedLook:
    return ProjectedLook(58, 3, 55, 4, 5, label, ((1, 3), (6, 2), (12, 1), (24, 0)))


def test_an_overdone_or_overfilled_band_turns_a_refreshed_look_into_altered():
    for band in (Band.OVERDONE, Band.OVERFILLED):
        settled = settle_look(_look("refreshed"), band)
        assert settled == replace(
            _look("refreshed"),
            years_younger=0,
            apparent_age=58,
            label="altered",
            fade=((1, 0), (6, 0), (12, 0), (24, 0)),
        )


def test_an_altered_look_or_a_safe_band_is_left_as_it_is():
    altered = _look("altered")
    assert settle_look(altered, Band.OVERDONE) is altered
    refreshed = _look("refreshed")
    for band in (Band.NATURAL, Band.CONSERVATIVE, Band.UNDER_TREATED):
        assert settle_look(refreshed, band) is refreshed


def test_an_unsafe_band_withholds_every_look():
    """An unsafe plan is not shown as refreshed (nor as anything else): it should not go ahead."""
    for label in ("refreshed", "unchanged", "altered"):
        assert settle_look(_look(label), Band.UNSAFE) == replace(
            _look(label),
            years_younger=0,
            apparent_age=58,
            label="withheld",
            fade=((1, 0), (6, 0), (12, 0), (24, 0)),
        )


# --- identity_findings ------------------------------------------------------------------------


def _preserving(zone: str, note: str = ""):
    return replace(make_case(age=60), preserve=(Preserve(zone, note),))


def test_every_zone_that_changes_a_preserved_feature_is_named_with_its_sources():
    run = _run(
        _preserving("lips", "her thin upper lip is part of her smile"),
        zones=[
            _verdict("lips", Verdict.OVERFILLED, Family.FILLER),
            _verdict("perioral", Verdict.HEAVY),
        ],
    )
    identity_findings(run)
    (found,) = run.findings
    assert (found.code, found.zone, found.penalty, found.references) == (
        "identity",
        "lips",
        10.0,
        ("B15",),
    )
    assert found.text == (
        "Treating the lips, perioral lines beyond what the case needs changes the lips, a feature "
        "to preserve (her thin upper lip is part of her smile). Every face is unique: keep what "
        "carries the person's expression."
    )


def test_a_feature_without_a_note_is_named_without_brackets():
    run = _run(_preserving("brow"), zones=[_verdict("forehead", Verdict.NOT_INDICATED)])
    identity_findings(run)
    (found,) = run.findings
    assert found.references == ("B33", "B34")
    assert found.text == (
        "Treating the forehead lines beyond what the case needs changes the brow position "
        "(lateral brow lift), a feature to preserve. Every face is unique: keep what carries the "
        "person's expression."
    )


def test_a_preserved_feature_treated_within_range_costs_nothing():
    run = _run(
        _preserving("lips"),
        zones=[
            _verdict("lips", Verdict.ON_TARGET, Family.FILLER),
            _verdict("perioral", Verdict.CONSERVATIVE),
        ],
    )
    identity_findings(run)
    assert run.findings == []
