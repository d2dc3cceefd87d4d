"""CPD rules pinned exactly (issue 23): every field a scheme factory sets, percentages at their
bounds, the last day of a pair and of a year, and the yearly totals of a cycle.

Figures are those of tests/domain/test_cpd.py's sources (R1 NMC: 35 h, 20 participatory, three
years; R2 GDC: five years, 10 verifiable hours in every two consecutive CPD years)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quizapp.domain.cpd import (
    _GDC_NOTES,
    SCHEMES,
    Activity,
    Requirement,
    _gdc_scheme,
    as_hours,
    in_words,
    summarise,
)

NMC = SCHEMES["nmc"]
GMC = SCHEMES["gmc"]
DENTIST = SCHEMES["gdc-dentist"]


def act(day: date, hours, participatory=0, verifiable=True) -> Activity:
    return Activity(day, Decimal(hours), Decimal(participatory), verifiable)


@pytest.mark.parametrize("dentist", [True, False])
def test_gdc_scheme_factory_sets_every_field(dentist):
    kwargs = {"dentist": True} if dentist else {}
    scheme = _gdc_scheme("k", "a group", "Someone", hours=42, **kwargs)
    assert (scheme.key, scheme.regulator, scheme.title, scheme.who) == (
        "k",
        "GDC",
        "GDC enhanced CPD: a group",
        "Someone",
    )
    assert scheme.cycle_years == 5 and scheme.whole_cpd_years is True
    assert scheme.hours_target == Decimal(42) and scheme.counts == "verifiable"
    assert scheme.pair_minimum == Decimal(10) and scheme.participatory_target is None
    assert scheme.sources == ("R2",)
    year = (
        "A dentist's CPD year runs from 1 January to 31 December."
        if dentist
        else "A dental care professional's CPD year runs 1 August to 31 July."
    )
    assert scheme.notes == (*_GDC_NOTES, year)
    assert scheme.year_starts == ((1, 1) if dentist else (8, 1))


def test_the_tables_gdc_schemes_hold_their_figures():
    assert DENTIST.year_starts == (1, 1) and DENTIST.hours_target == 100
    assert SCHEMES["gdc-dcp-75"].year_starts == (8, 1) and SCHEMES["gdc-dcp-75"].hours_target == 75
    assert SCHEMES["gdc-dcp-50"].hours_target == 50


@pytest.mark.parametrize(
    ("logged", "target", "percent"),
    [
        (0, 0, 100),  # no target: nothing to do
        (5, 0, 100),
        (0, 20, 0),
        (5, 20, 25),  # 5 * 100 / 20
        (1, 3, 33),  # 33.3 rounded down
        (20, 20, 100),
        (30, 20, 100),  # capped at 100, not 150
        (100, 101, 99),  # 99.0099 rounded down
    ],
)
def test_requirement_percent(logged, target, percent):
    req = Requirement("x", Decimal(target), Decimal(logged), date(2025, 1, 1))
    assert req.percent == percent


def test_bool_hours_are_refused_with_a_reason():
    with pytest.raises(TypeError, match="not true/false"):
        as_hours(True)


def test_an_activity_of_zero_hours_is_allowed():
    assert act(date(2025, 1, 1), 0).hours == Decimal("0.00")


def test_a_short_pair_ending_today_is_still_open():
    # Dentist pair 2025-2026 ends 31 December 2026; on that day it can still be met.
    end = date(2027, 12, 31)
    on_the_day = summarise(DENTIST, [], end, today=date(2026, 12, 31))
    after = summarise(DENTIST, [], end, today=date(2027, 1, 1))
    pair = [p for p in on_the_day.pairs if p.start == date(2025, 1, 1)][0]
    assert pair.end == date(2026, 12, 31) and pair.status == "open"
    assert [p for p in after.pairs if p.start == date(2025, 1, 1)][0].status == "short"


def test_nmc_summary_fields_and_yearly_totals():
    # NMC cycle ending 30 June 2025 starts 1 July 2022; years are calendar years (1 January).
    logged = [
        act(date(2022, 7, 1), 3, 1),  # first day of the cycle
        act(date(2022, 12, 31), 2, 2, verifiable=False),  # last day of a year
        act(date(2023, 1, 1), 4, 0),  # first day of the next
        act(date(2025, 6, 30), 1, 1),  # last day of the cycle
        act(date(2022, 6, 30), 9, 9),  # the day before: outside
    ]
    today = date(2025, 3, 1)
    s = summarise(NMC, logged, date(2025, 6, 30), today)
    assert (s.start, s.end, s.today) == (date(2022, 7, 1), date(2025, 6, 30), today)
    assert (s.activities, s.outside) == (4, 1)
    assert (s.hours, s.verifiable_hours, s.participatory_hours) == (10, 8, 4)
    hours, participatory = s.requirements
    assert (hours.label, hours.target, hours.logged) == ("Hours of CPD", 35, 10)
    assert (participatory.label, participatory.target, participatory.logged) == (
        "Participatory hours",
        20,
        4,
    )
    years = [(y.start, y.end, y.hours, y.verifiable_hours, y.participatory_hours) for y in s.years]
    assert years == [
        (date(2022, 7, 1), date(2022, 12, 31), 5, 3, 3),  # starts at the cycle, not 1 January
        (date(2023, 1, 1), date(2023, 12, 31), 4, 4, 0),
        (date(2024, 1, 1), date(2024, 12, 31), 0, 0, 0),
        (date(2025, 1, 1), date(2025, 6, 30), 1, 1, 1),  # ends with the cycle
    ]


def test_gmc_years_start_with_the_earliest_records_year():
    s = summarise(
        GMC,
        [act(date(2023, 5, 2), 2), act(date(2024, 12, 31), 1)],
        date(2025, 3, 1),
        date(2025, 3, 1),
    )
    assert s.start is None
    assert [(y.start, y.end, y.hours) for y in s.years] == [
        (date(2023, 1, 1), date(2023, 12, 31), 2),
        (date(2024, 1, 1), date(2024, 12, 31), 1),
        (date(2025, 1, 1), date(2025, 3, 1), 0),
    ]
    assert summarise(GMC, [], date(2025, 3, 1), date(2025, 3, 1)).years == ()


def test_gdc_label_and_met_sentence():
    logged = [act(date(2023 + i, 6, 1), 20) for i in range(5)]
    s = summarise(DENTIST, logged, date(2027, 12, 31), today=date(2028, 1, 1))
    assert s.requirements[0].label == "Verifiable hours"
    assert in_words(s)[0] == "Verifiable hours: 100 of 100 (met)."


def test_a_cycle_ending_on_1_january_has_a_last_year_of_one_day():
    # NMC cycle ending 1 January 2025: 2 January 2022 to 1 January 2025; the last calendar year
    # holds one day.
    s = summarise(NMC, [act(date(2025, 1, 1), 2)], date(2025, 1, 1), date(2025, 1, 1))
    assert s.start == date(2022, 1, 2)
    assert [(y.start, y.end, y.hours) for y in s.years][-1] == (
        date(2025, 1, 1),
        date(2025, 1, 1),
        2,
    )
    assert len(s.years) == 4
