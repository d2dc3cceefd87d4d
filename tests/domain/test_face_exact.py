"""The face catalogue's functions pinned exactly (issue 23): the persistence and effect curves at
figures worked out by hand from the curve points and their sources (the arithmetic is in the
comments), both sides of every bend, the unit conversions, the range labels, the sex-specific
doses and the grade scaling of the catalogue defaults, and the builders the catalogue is typed
with (run only at import, so called here directly)."""

from __future__ import annotations

import pytest

from quizapp.domain import face
from quizapp.domain.face import (
    PRODUCTS,
    ZONES,
    DefaultRange,
    Family,
    Product,
    Region,
    TypicalDose,
    Zone,
    default_range,
    effect_fraction,
    from_ona_units,
    remaining_fraction,
    to_ona_units,
    zone_units_label,
)

# --------------------------------------------------------------------------------------------
# What is left in the tissue: remaining_fraction
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "months", "fraction"),
    [
        # HA: 1.0 at 0, 0.6 at 3 months (P16), 0.3 at 24 (heuristic, F18), 0 at 180 (F18).
        ("ha_soft", 0, 1.0),
        ("ha_soft", 0.5, 0.9333333),  # 1 - 0.4 * 0.5 / 3
        ("ha_medium", 1.5, 0.8),  # 1 - 0.4 * 1.5 / 3
        ("ha_firm", 3, 0.6),  # the P16 point itself
        ("ha_firm", 13.5, 0.45),  # 0.6 - 0.3 * (13.5 - 3) / 21
        ("ha_firm", 24, 0.3),
        ("ha_firm", 102, 0.15),  # 0.3 - 0.3 * (102 - 24) / 156
        ("ha_firm", 180, 0.0),
        ("ha_firm", 400, 0.0),  # held flat after the last point
        # CaHA: 0.1 at 12 months (F19, "mostly gone"), 0 at 24 (heuristic).
        ("caha", 6, 0.55),  # 1 - 0.9 * 6 / 12
        ("caha", 12, 0.1),
        ("caha", 18, 0.05),  # 0.1 - 0.1 * 6 / 12
        ("caha", 30, 0.0),
        # PLLA: a straight line to 0 at 25 months (F22).
        ("plla", 10, 0.6),  # 1 - 10 / 25
        ("plla", 25, 0.0),
        # Permanent and unknown products stay in full (F23-F25; U9).
        ("pmma", 50, 1.0),
        ("silicone", 0.5, 1.0),
        ("unknown", 240, 1.0),
        # Toxins and the enzyme leave no volume behind.
        ("ona", 0, 0.0),
        ("ona", 0.5, 0.0),
        ("hyaluronidase", 0, 0.0),
    ],
)
def test_remaining_fraction_at_hand_worked_points(product, months, fraction):
    assert remaining_fraction(product, months) == pytest.approx(fraction)


def test_remaining_fraction_before_the_injection_is_all_of_it():
    # A date after today (negative months) counts as just injected, never more than injected.
    assert remaining_fraction("ha_soft", -2) == 1.0
    assert remaining_fraction("plla", -0.5) == 1.0


# --------------------------------------------------------------------------------------------
# What is left of the visible effect: effect_fraction
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "months", "fraction"),
    [
        # Toxin: a straight line from 1 to 0 at the median duration: ona 19.7 weeks (P18) is
        # 19.7 * 12 / 52 = 4.546 months, daxi 24 weeks (P20) 5.538, abo 4 months (P19).
        ("ona", 0, 1.0),
        ("ona", 2, 1 - 2 / 4.546),  # 0.56005...
        ("ona", 4.546, 0.0),
        ("ona", 6, 0.0),  # never below 0
        ("abo", 1, 0.75),  # 4 months (P19): 1 - 1/4
        ("abo", 3, 0.25),
        ("abo", 4, 0.0),
        ("abo", 5, 0.0),
        ("daxi", 2, 1 - 2 / 5.538),  # 0.63886...
        ("daxi", 5, 1 - 5 / 5.538),  # still some effect at 5 months
        # inco, prabo, leti and rela have no duration: they borrow ona's 4.546 months.
        ("inco", 2, 1 - 2 / 4.546),
        ("rela", 1, 1 - 1 / 4.546),
        # HA: full to 6 months, 60% at 24 months (P3), then held.
        ("ha_soft", 3, 1.0),
        ("ha_soft", 6, 1.0),
        ("ha_medium", 15, 0.8),  # 1 - 0.4 * (15 - 6) / 18
        ("ha_firm", 24, 0.6),
        ("ha_firm", 30, 0.6),
        # Biostimulators follow their own curves (F19, F22).
        ("caha", 6, 0.55),
        ("plla", 5, 0.8),  # 1 - 5 / 25
        ("pmma", 100, 1.0),
        # The enzyme has no visible effect of its own.
        ("hyaluronidase", 0, 0.0),
        ("hyaluronidase", 3, 0.0),
    ],
)
def test_effect_fraction_at_hand_worked_points(product, months, fraction):
    assert effect_fraction(product, months) == pytest.approx(fraction, abs=1e-9)


def test_toxin_durations_are_the_sources_weeks_in_months():
    assert face._weeks(19.7) == 4.546  # 19.7 * 12 / 52 = 4.54615..., 3 decimals
    assert face._weeks(24) == 5.538  # 24 * 12 / 52 = 5.53846...
    assert face._weeks(52) == 12.0
    assert PRODUCTS["ona"].effect_months == 4.546
    assert PRODUCTS["daxi"].effect_months == 5.538


def test_effect_before_the_injection_is_full_not_more():
    # Without the clamp a toxin 1 month in the future would give 1 + 1/4 = 1.25.
    assert effect_fraction("abo", -1) == 1.0
    assert effect_fraction("ona", -3) == 1.0
    assert effect_fraction("ha_soft", -1) == 1.0


# --------------------------------------------------------------------------------------------
# The curve itself
# --------------------------------------------------------------------------------------------


def test_interpolate_between_held_and_after_points():
    curve = ((2.0, 0.5), (4.0, 1.0), (8.0, 0.0))
    assert face._interpolate(curve, 0) == 0.5  # before the first point: its value
    assert face._interpolate(curve, 2) == 0.5
    assert face._interpolate(curve, 3) == 0.75  # 0.5 + 0.5 * 1 / 2
    assert face._interpolate(curve, 4) == 1.0
    assert face._interpolate(curve, 7) == 0.25  # 1 - 1 * 3 / 4
    assert face._interpolate(curve, 8) == 0.0
    assert face._interpolate(curve, 9) == 0.0
    assert face._interpolate(((0.0, 1.0),), 5) == 1.0  # one point: held flat


# --------------------------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product", "own", "ona"),
    [
        ("ona", 20, 20),
        ("abo", 50, 20),  # the glabella label doses: 50 Speywood U = 20 U (B9, B1)
        ("abo", 10, 4),
        ("daxi", 40, 20),  # 40 U = 20 U (B8)
        ("inco", 30, 30),
        ("rela", 110, 44),  # 50 U = 20 U (B41)
        ("ha_soft", 1.5, 1.5),  # fillers have a factor of 1
    ],
)
def test_units_convert_both_ways(product, own, ona):
    assert to_ona_units(product, own) == pytest.approx(ona)
    assert from_ona_units(product, ona) == pytest.approx(own)


@pytest.mark.parametrize(
    ("zone", "family", "label"),
    [
        ("crows_feet", Family.TOXIN, "U (ona-eq) per side"),
        ("glabella", Family.TOXIN, "U (ona-eq) in total"),
        ("cheek", Family.FILLER, "mL per side"),
        ("lips", Family.FILLER, "mL in total"),
        ("chin", Family.FILLER, "mL in total"),
        ("chin", Family.TOXIN, "U (ona-eq) in total"),
    ],
)
def test_zone_units_label(zone, family, label):
    assert zone_units_label(ZONES[zone], family) == label


# --------------------------------------------------------------------------------------------
# Typical doses by sex
# --------------------------------------------------------------------------------------------


def test_men_get_their_own_glabella_dose_and_nothing_else_changes():
    glabella = ZONES["glabella"]
    assert (glabella.typical(Family.TOXIN, "F").low, glabella.typical(Family.TOXIN).low) == (20, 20)
    male = glabella.typical(Family.TOXIN, "M")
    assert (male.low, male.high, male.ceiling) == (40, 40, 80)  # P26
    # The male entry is a toxin dose: it is not offered for filler.
    assert glabella.typical(Family.FILLER, "M") is None
    assert glabella.typical(Family.FILLER, "F") is None
    # Without a male entry, men get the common one.
    assert ZONES["crows_feet"].typical(Family.TOXIN, "M").high == 12


def test_a_zone_with_two_families_gives_each_its_own_dose():
    chin = ZONES["chin"]
    assert (chin.typical(Family.TOXIN).low, chin.typical(Family.TOXIN).high) == (4, 10)
    assert chin.typical(Family.FILLER).ceiling == 4.0
    assert chin.typical(Family.FILLER, "M").ceiling == 4.0
    assert chin.typical(Family.ENZYME) is None


def probe_zone(zone_id: str, *doses: TypicalDose, male: tuple[TypicalDose, ...] = ()) -> Zone:
    """A made-up zone with the given doses, for shapes the catalogue does not hold yet."""
    return Zone(
        zone_id,
        zone_id,
        Region.MID,
        "cheek",
        per_side=True,
        danger_zone=False,
        products=frozenset(),
        doses=doses,
        male_doses=male,
    )


def test_male_entries_are_searched_for_the_family_asked():
    # A zone whose male entries hold a filler dose before a toxin dose: men asking for toxin get
    # the male toxin dose, not the first male entry.
    zone = probe_zone(
        "probe",
        face._toxin(1, 2, 3, "B1"),
        male=(face._filler(0.5, 1.0, 2.0, "F1"), face._toxin(5, 6, 7, "B1")),
    )
    assert zone.typical(Family.TOXIN, "M").low == 5
    assert zone.typical(Family.FILLER, "M").low == 0.5
    assert zone.typical(Family.TOXIN, "F").low == 1
    assert zone.typical(Family.FILLER, "F") is None


# --------------------------------------------------------------------------------------------
# Catalogue defaults scaled by grade
# --------------------------------------------------------------------------------------------

CROWS_REFS = ("B1", "B6", "B7", "B9", "B25")


@pytest.mark.parametrize(
    ("grade", "low", "high", "words"),
    [
        # Crow's feet 6-12 U per side, ceiling 12 (B1 B6 B7 B9 B25); the middle is 9.
        (None, 6, 12, "the whole typical range at no grade"),
        (0, 6, 9, "the lower half of the typical range at grade 0"),
        (1, 6, 9, "the lower half of the typical range at grade 1"),
        (2, 6, 9, "the lower half of the typical range at grade 2"),
        (3, 6, 12, "the whole typical range at grade 3"),
        (4, 9, 12, "the upper half of the typical range at grade 4"),
    ],
)
def test_default_range_by_grade(grade, low, high, words):
    assert default_range("crows_feet", Family.TOXIN, grade, "F") == DefaultRange(
        low, high, 12, CROWS_REFS, f"catalogue default: {words}"
    )


def test_default_range_with_an_uneven_middle_and_the_fallback_ceiling():
    # Brow 3.5-5 U per side, no cap: the middle is 4.25 and the ceiling 5 * 1.5 = 7.5.
    assert default_range("brow", Family.TOXIN, 2, "F") == DefaultRange(
        3.5,
        4.25,
        7.5,
        ("B20",),
        "catalogue default: the lower half of the typical range at grade 2",
    )
    # Tear trough 0.3-0.55 mL per side: middle 0.425 (0.3 + 0.55 is 0.8500000000000001 in
    # floating point, so the middle is rounded), ceiling 1.0 (F6).
    tear = default_range("tear_trough", Family.FILLER, 4, "F")
    assert (tear.low, tear.high, tear.ceiling) == (0.425, 0.55, 1.0)
    assert default_range("tear_trough", Family.FILLER, 1, "F").high == 0.425
    # Masseter 20-40 U, no cap: ceiling 60.
    assert default_range("masseter", Family.TOXIN, 4, "F").ceiling == 60


def test_the_middle_of_a_range_is_kept_to_four_decimals(monkeypatch):
    # No catalogue range has a middle past 4 decimals yet; the rounding only clears float noise
    # such as 0.42500000000000004. A range of 0.1-0.12345 mL: middle 0.111725, kept as 0.1117.
    fine = probe_zone("fine", face._filler(0.1, 0.12345, 0.2, "F1"))
    monkeypatch.setitem(face.ZONES, "fine", fine)
    assert default_range("fine", Family.FILLER, 1, "F").high == 0.1117
    assert default_range("fine", Family.FILLER, 4, "F").low == 0.1117


def test_default_range_for_men_reads_the_male_entry():
    assert default_range("glabella", Family.TOXIN, 4, "M") == DefaultRange(
        40,
        40,
        80,
        ("P26", "B1"),
        "catalogue default: the upper half of the typical range at grade 4",
    )
    assert default_range("glabella", Family.TOXIN, 4, "F").ceiling == 30


def test_no_default_range_without_both_ends(monkeypatch):
    assert default_range("nose", Family.FILLER, 3, "F") is None  # nothing offered
    assert default_range("cheek", Family.TOXIN, 3, "F") is None  # no toxin entry
    assert default_range("marionette", Family.FILLER, None, "F") is None  # ceiling only
    # An entry with a low end but no high end (none in the catalogue yet) has no range either.
    monkeypatch.setitem(face.ZONES, "half", probe_zone("half", face._filler(0.5, None, 2.0, "F1")))
    monkeypatch.setitem(
        face.ZONES, "high_only", probe_zone("high_only", face._filler(None, 1.0, 2.0, "F1"))
    )
    assert default_range("half", Family.FILLER, 3, "F") is None
    assert default_range("high_only", Family.FILLER, 3, "F") is None


# --------------------------------------------------------------------------------------------
# The builders the catalogue is typed with (run at import)
# --------------------------------------------------------------------------------------------


def test_toxin_and_filler_entries_split_their_references():
    assert face._toxin(10, 20, 20, "B1 B6", "a note") == TypicalDose(
        Family.TOXIN, 10, 20, 20, ("B1", "B6"), "a note"
    )
    assert face._toxin(3.5, 5, None, "B20").effective_ceiling == 7.5  # no cap: 5 x 1.5
    assert face._toxin(1, 2, 3, "B14").note == ""
    assert face._filler(0.3, 0.55, 1.0, "P22 F6 U2", "n") == TypicalDose(
        Family.FILLER, 0.3, 0.55, 1.0, ("P22", "F6", "U2"), "n"
    )
    assert face._filler(None, None, 2.0, "P24").note == ""


def test_an_ha_gel_is_a_dissolvable_filler_with_the_ha_curves():
    gel = face._ha("gel", "A gel", "medium", "Some note.")
    assert gel == Product(
        "gel",
        "A gel",
        Family.FILLER,
        "mL",
        ("F13", "F18", "P28"),  # label, MRI persistence, rheology
        filler_class="ha",
        degradable=True,
        reversible=True,  # hyaluronidase dissolves HA (F13)
        gprime="medium",
        remaining_curve=face.HA_REMAINING,
        effect_curve=face.HA_EFFECT,
        note="Some note.",
    )
    # The parts that matter to the rules, one by one, so a change names itself.
    assert gel.is_filler and not gel.is_toxin
    assert gel.reversible and gel.degradable and not gel.permanent and not gel.slow_degrading
    assert not gel.history_only and gel.ona_factor == 1.0
    assert gel.remaining_curve == ((0, 1.0), (3, 0.6), (24, 0.3), (180, 0.0))
    assert gel.effect_curve == ((0, 1.0), (6, 1.0), (24, 0.6))
    assert gel.references == ("F13", "F18", "P28")
    assert (gel.unit, gel.filler_class, gel.gprime) == ("mL", "ha", "medium")
    assert PRODUCTS["ha_soft"].gprime == "low" and PRODUCTS["ha_firm"].gprime == "high"
