"""CPD rules: cycle dates, the NMC and GDC targets, the GDC 10-in-2 rule, the GMC's lack of one."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quizapp.domain.cpd import (
    SCHEMES,
    Activity,
    as_hours,
    cpd_year,
    cycle_period,
    format_hours,
    in_words,
    summarise,
    years_before,
)
from quizapp.domain.sources import SOURCES
from quizapp.formats.modules import ModuleFileError, dump_module, load_module_text

NMC = SCHEMES["nmc"]
DENTIST = SCHEMES["gdc-dentist"]
DCP75 = SCHEMES["gdc-dcp-75"]
DCP50 = SCHEMES["gdc-dcp-50"]
GMC = SCHEMES["gmc"]


def act(day: date, hours, participatory=0, verifiable: bool = True) -> Activity:
    return Activity(day, Decimal(str(hours)), Decimal(str(participatory)), verifiable)


def pair_of(summary, start: date):
    return next(p for p in summary.pairs if p.start == start)


# -- the rules as data ----------------------------------------------------------------------


def test_figures_are_those_of_the_sources():
    assert (NMC.hours_target, NMC.participatory_target, NMC.cycle_years) == (35, 20, 3)
    assert [SCHEMES[k].hours_target for k in ("gdc-dentist", "gdc-dcp-75", "gdc-dcp-50")] == [
        100,
        75,
        50,
    ]
    assert {s.pair_minimum for s in (DENTIST, DCP75, DCP50)} == {Decimal(10)}
    assert DENTIST.year_starts == (1, 1) and DCP75.year_starts == DCP50.year_starts == (8, 1)
    assert GMC.hours_target is None and GMC.cycle_years is None and GMC.sources == ()


def test_every_scheme_cites_known_sources():
    for scheme in SCHEMES.values():
        assert set(scheme.sources) <= set(SOURCES)
    assert "faculty.londondeanery.ac.uk" in SOURCES["R1"].citation
    assert "gdc-uk.org" in SOURCES["R2"].citation


def test_activity_checks_and_coerces_hours():
    assert act(date(2025, 1, 1), 1.1).hours == Decimal("1.10")
    assert Activity(date(2025, 1, 1), 0.1 + 0.2).hours == Decimal("0.30")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="participatory"):
        act(date(2025, 1, 1), 2, participatory=3)
    with pytest.raises(ValueError, match="negative"):
        act(date(2025, 1, 1), -1)
    with pytest.raises(ValueError, match="finite"):
        as_hours("NaN")
    with pytest.raises(TypeError):
        as_hours(True)


@pytest.mark.parametrize(
    ("hours", "text"),
    [("12.50", "12.5"), ("3.00", "3"), ("0.25", "0.25"), ("100", "100"), ("0", "0")],
)
def test_format_hours(hours, text):
    assert format_hours(Decimal(hours)) == text


# -- dates ----------------------------------------------------------------------------------


def test_years_before_handles_29_february():
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(date(2028, 2, 29), 4) == date(2024, 2, 29)
    assert years_before(date(2026, 4, 30), 3) == date(2023, 4, 30)


@pytest.mark.parametrize(
    ("end", "start"),
    [
        (date(2026, 4, 30), date(2023, 5, 1)),
        (date(2028, 2, 29), date(2025, 3, 1)),  # renewal on a leap day
        (date(2027, 2, 28), date(2024, 2, 29)),  # the period includes a leap day
        (date(2026, 12, 31), date(2024, 1, 1)),
    ],
)
def test_nmc_period_is_the_three_years_before_renewal(end, start):
    assert cycle_period(NMC, end) == (start, end)


def test_nmc_period_edges_count_exactly():
    end = date(2027, 2, 28)
    logged = [
        act(date(2024, 2, 28), 5),  # one day too early
        act(date(2024, 2, 29), 1),  # first day of the period
        act(end, 2),  # renewal day itself
        act(end + timedelta(days=1), 7),  # after renewal
    ]
    summary = summarise(NMC, logged, end, today=end)
    assert summary.hours == Decimal(3) and summary.activities == 2 and summary.outside == 2


def test_dcp_year_starts_on_1_august():
    assert cpd_year(DCP75, date(2024, 7, 31)) == (date(2023, 8, 1), date(2024, 7, 31))
    assert cpd_year(DCP75, date(2024, 8, 1)) == (date(2024, 8, 1), date(2025, 7, 31))
    assert cpd_year(DENTIST, date(2024, 8, 1)) == (date(2024, 1, 1), date(2024, 12, 31))


@pytest.mark.parametrize(
    ("scheme", "given", "period"),
    [
        (DENTIST, date(2027, 6, 15), (date(2023, 1, 1), date(2027, 12, 31))),
        (DENTIST, date(2027, 12, 31), (date(2023, 1, 1), date(2027, 12, 31))),
        (DCP50, date(2027, 7, 31), (date(2022, 8, 1), date(2027, 7, 31))),
        (DCP50, date(2027, 8, 1), (date(2023, 8, 1), date(2028, 7, 31))),
    ],
)
def test_gdc_cycles_run_in_whole_cpd_years(scheme, given, period):
    assert cycle_period(scheme, given) == period


# -- NMC ------------------------------------------------------------------------------------


def test_nmc_participatory_shortfall():
    end = date(2026, 4, 30)
    logged = [act(date(2025, 3, 1), 25, participatory=10), act(date(2024, 6, 1), 15, 5)]
    summary = summarise(NMC, logged, end, today=date(2025, 6, 1))
    hours, participatory = summary.requirements
    assert (hours.logged, hours.met, hours.still_needed) == (Decimal(40), True, 0)
    assert (participatory.logged, participatory.met) == (Decimal(15), False)
    assert participatory.still_needed == Decimal(5) and participatory.due == end
    assert summary.met is False
    assert "Participatory hours: 15 of 20; 5 more needed by 30 April 2026." in in_words(summary)


def test_nmc_counts_non_verifiable_hours():
    logged = [act(date(2025, 1, 1), 35, participatory=20, verifiable=False)]
    summary = summarise(NMC, logged, date(2026, 1, 1), today=date(2025, 2, 1))
    assert summary.met is True and summary.counted_hours == Decimal(35)


# -- GDC: hours and the 10-in-2 rule ----------------------------------------------------------


def test_gdc_counts_verifiable_hours_only():
    logged = [act(date(2024, 3, 1), 60), act(date(2025, 3, 1), 30, verifiable=False)]
    summary = summarise(DENTIST, logged, date(2027, 12, 31), today=date(2026, 1, 1))
    (requirement,) = summary.requirements
    assert summary.hours == Decimal(90) and requirement.logged == Decimal(60)
    assert requirement.still_needed == Decimal(40) and requirement.label == "Verifiable hours"


def test_zero_then_ten_in_the_next_year_passes():
    logged = [act(date(2024, 11, 30), 10)]
    summary = summarise(DENTIST, logged, date(2027, 12, 31), today=date(2028, 3, 1))
    assert [p.start.year for p in summary.pairs] == [2022, 2023, 2024, 2025, 2026]
    assert pair_of(summary, date(2023, 1, 1)).status == "met"  # 0 in 2023, 10 in 2024
    assert pair_of(summary, date(2024, 1, 1)).status == "met"  # 10 in 2024, 0 in 2025
    late = pair_of(summary, date(2025, 1, 1))
    assert (late.status, late.hours, late.still_needed) == ("short", 0, Decimal(10))
    assert late.end == date(2026, 12, 31)


def test_zero_then_nine_fails_by_one_hour():
    logged = [act(date(2024, 1, 1), 9)]
    summary = summarise(DENTIST, logged, date(2027, 12, 31), today=date(2028, 3, 1))
    pair = pair_of(summary, date(2023, 1, 1))
    assert (pair.status, pair.hours, pair.still_needed) == ("short", Decimal(9), Decimal(1))
    assert "1 January 2023 to 31 December 2024: 9 verifiable hours, 1 short of 10." in in_words(
        summary
    )
    assert summary.met is False


def test_non_verifiable_hours_do_not_meet_the_pair_rule():
    logged = [act(date(2024, 5, 1), 12, verifiable=False)]
    summary = summarise(DENTIST, logged, date(2027, 12, 31), today=date(2028, 1, 1))
    assert pair_of(summary, date(2023, 1, 1)).status == "short"


def test_pair_across_the_cycle_start_is_checked():
    end = date(2027, 12, 31)
    before = [act(date(2022, 12, 31), 10)]  # last day of the previous cycle
    summary = summarise(DENTIST, before, end, today=date(2028, 1, 1))
    first = summary.pairs[0]
    assert first.spans_cycle_start and first.start == date(2022, 1, 1)
    assert first.end == date(2023, 12, 31) and first.status == "met"
    assert summary.verifiable_hours == 0  # the hours belong to the previous cycle's total
    assert not any(p.spans_cycle_start for p in summary.pairs[1:])
    nothing = summarise(DENTIST, [], end, today=date(2028, 1, 1))
    assert nothing.pairs[0].status == "short"


def test_dcp_pairs_follow_the_1_august_year():
    end = date(2027, 7, 31)
    today = date(2027, 9, 1)
    on_31_july = summarise(DCP75, [act(date(2024, 7, 31), 10)], end, today)
    on_1_august = summarise(DCP75, [act(date(2024, 8, 1), 10)], end, today)
    met_july = [p.start for p in on_31_july.pairs if p.status == "met"]
    met_august = [p.start for p in on_1_august.pairs if p.status == "met"]
    assert met_july == [date(2022, 8, 1), date(2023, 8, 1)]
    assert met_august == [date(2023, 8, 1), date(2024, 8, 1)]
    assert on_31_july.pairs[0].start == date(2021, 8, 1)


def test_open_pairs_say_what_is_needed_by_when():
    logged = [act(date(2025, 6, 1), 4)]
    summary = summarise(DENTIST, logged, date(2027, 12, 31), today=date(2026, 3, 1))
    current = pair_of(summary, date(2025, 1, 1))
    assert (current.status, current.still_needed, current.end) == (
        "open",
        Decimal(6),
        date(2026, 12, 31),
    )
    future = pair_of(summary, date(2026, 1, 1))
    assert (future.status, future.still_needed) == ("open", Decimal(10))
    assert pair_of(summary, date(2024, 1, 1)).status == "short"  # 2024-2025 ended with 4 h
    assert "6 more needed by 31 December 2026." in " ".join(in_words(summary))


def test_gdc_cycle_met_in_full_and_not_by_a_late_rush():
    end, today = date(2027, 12, 31), date(2028, 1, 1)
    steady = summarise(DENTIST, [act(date(y, 6, 1), 20) for y in range(2023, 2028)], end, today)
    assert steady.met is True and steady.short_pairs == ()
    assert [y.hours for y in steady.years] == [Decimal(20)] * 5
    rush = summarise(DENTIST, [act(date(2027, 1, 1), 24)] * 5, end, today)
    assert rush.requirements[0].met and rush.met is False
    assert [p.start.year for p in rush.short_pairs] == [2022, 2023, 2024, 2025]


# -- GMC ------------------------------------------------------------------------------------


def test_gmc_has_no_target_and_says_so():
    logged = [act(date(2024, 3, 1), 3), act(date(2025, 3, 1), 2.5)]
    summary = summarise(GMC, logged, date(2025, 12, 31), today=date(2025, 6, 1))
    assert summary.requirements == () and summary.pairs == () and summary.met is None
    assert summary.hours == Decimal("5.5") and summary.start is None
    assert [(y.start.year, y.hours) for y in summary.years] == [
        (2024, Decimal(3)),
        (2025, Decimal("2.5")),
    ]
    assert in_words(summary) == [
        "5.5 hours logged up to 31 December 2025; no GMC target (no figure from a source)."
    ]


# -- properties -----------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def activities(draw) -> Activity:
    quarters = draw(st.integers(1, 96))
    participatory = draw(st.integers(0, quarters))
    return Activity(
        draw(DAYS),
        Decimal(quarters) / 4,
        Decimal(participatory) / 4,
        draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None)
@given(
    scheme=st.sampled_from(sorted(SCHEMES)),
    logged=st.lists(activities(), max_size=12),
    extra=activities(),
    end=DAYS,
    today=DAYS,
)
def test_adding_hours_never_increases_what_is_still_needed(scheme, logged, extra, end, today):
    before = summarise(SCHEMES[scheme], logged, end, today)
    after = summarise(SCHEMES[scheme], [*logged, extra], end, today)
    for was, now in zip(before.requirements, after.requirements, strict=True):
        assert now.still_needed <= was.still_needed
    for was, now in zip(before.pairs, after.pairs, strict=True):
        assert now.still_needed <= was.still_needed
        assert was.status != "met" or now.status == "met"
    assert after.hours - before.hours in (0, extra.hours)
    assert after.hours == sum((y.hours for y in after.years), Decimal(0))


# -- cpd_hours in module files ----------------------------------------------------------------

BANK = Path(__file__).resolve().parents[2] / "cases" / "modules"


def _with_cpd_hours(value: str) -> str:
    text = (BANK / "01-natural-results.yaml").read_text(encoding="utf-8")
    return re.sub(r"^cpd_hours: .*$", f"cpd_hours: {value}", text, count=1, flags=re.M)


def test_every_bank_module_sets_an_estimated_cpd_time():
    for path in sorted(BANK.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "OUR OWN ESTIMATE" in text, path.name
        assert 0.25 <= load_module_text(text, path.name).cpd_hours <= 100


@pytest.mark.parametrize(("value", "hours"), [("2", 2.0), ("0.25", 0.25), ("null", None)])
def test_module_cpd_hours_are_read(value, hours):
    module = load_module_text(_with_cpd_hours(value), "m.yaml")
    assert module.cpd_hours == hours
    assert load_module_text(dump_module(module), "again.yaml") == module


@pytest.mark.parametrize("value", ["0", "0.2", "101", "'two'", "true"])
def test_module_cpd_hours_out_of_range_are_refused(value):
    with pytest.raises(ModuleFileError) as error:
        load_module_text(_with_cpd_hours(value), "m.yaml")
    assert [issue.field for issue in error.value.issues] == ["cpd_hours"]
