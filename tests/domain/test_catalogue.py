"""The catalogues: every fixed id present, every figure sourced, scaling and persistence."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizapp.domain import face
from quizapp.domain.face import (
    FACIAL_UNITS,
    PRODUCTS,
    ZONES,
    Family,
    default_range,
    effect_fraction,
    remaining_fraction,
    to_ona_units,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.domain.sources import SOURCES, sorted_keys, unknown_sources
from quizapp.domain.terms import Disposition

ZONE_IDS = [
    "forehead",
    "glabella",
    "crows_feet",
    "brow",
    "bunny_lines",
    "temples",
    "tear_trough",
    "cheek",
    "nasolabial",
    "lips",
    "perioral",
    "marionette",
    "dao",
    "chin",
    "jawline",
    "masseter",
    "platysma",
    "nose",
]
PRODUCT_IDS = [
    "ona",
    "abo",
    "inco",
    "daxi",
    "prabo",
    "leti",
    "rela",
    "ha_soft",
    "ha_medium",
    "ha_firm",
    "caha",
    "plla",
    "pmma",
    "silicone",
    "paag",
    "unknown",
    "hyaluronidase",
]
REQUIRED_FLAGS = [
    "pregnancy",
    "breastfeeding",
    "infection_at_site",
    "active_autoimmune",
    "neuromuscular_disease",
    "anticoagulants",
    "bleeding_disorder",
    "bdd_signs",
    "unrealistic_expectations",
    "permanent_filler_in_area",
    "recent_filler",
    "toxin_within_3_months",
    "delayed_inflammatory_history",
    "allergy_history",
    "under_18",
    "laxity_beyond_filler",
    "already_overfilled",
    "over_65_label",
]
FACTS = Path(__file__).resolve().parents[3] / "shared" / "domain" / "facts.md"


def test_fixed_ids_are_all_there():
    assert list(ZONES) == ZONE_IDS
    assert list(PRODUCTS) == PRODUCT_IDS
    assert set(REQUIRED_FLAGS) <= set(RED_FLAGS)


@pytest.mark.parametrize("zone", ZONE_IDS)
def test_zone_entries_are_sourced_and_ordered(zone):
    entry = ZONES[zone]
    assert entry.unit in FACIAL_UNITS
    assert entry.suits in ("toxin", "filler", "both", "neither")
    assert set(entry.products) <= set(PRODUCTS)
    for dose in (*entry.doses, *entry.male_doses):
        assert dose.references and not unknown_sources(dose.references)
        assert all(PRODUCTS[p].family in entry.families for p in entry.products)
        assert dose.family in entry.families
        if dose.has_range:
            assert 0 < dose.low <= dose.high <= dose.effective_ceiling
    if entry.danger_zone:
        assert entry.danger_references and not unknown_sources(entry.danger_references)


def test_danger_zones_follow_f37_and_f35():
    danger = {z for z, e in ZONES.items() if e.danger_zone}
    assert {"temples", "glabella", "nose", "nasolabial", "tear_trough", "lips", "chin"} <= danger
    assert "forehead" in danger  # F35
    assert "masseter" not in danger


def test_suitability_examples():
    assert ZONES["glabella"].suits == "toxin"
    assert ZONES["cheek"].suits == "filler"
    assert ZONES["chin"].suits == "both"
    assert ZONES["nose"].suits == "neither"


def test_zones_without_a_figure_have_no_range():
    marionette = ZONES["marionette"].typical(Family.FILLER)
    assert marionette is not None and marionette.low is None and marionette.ceiling == 2.0
    assert ZONES["perioral"].typical(Family.FILLER) is None
    assert default_range("marionette", Family.FILLER, 2, "F") is None


def test_grade_scaling():
    crows = default_range("crows_feet", Family.TOXIN, 2, "F")
    assert (crows.low, crows.high, crows.ceiling) == (6, 9, 12)
    assert (default_range("crows_feet", Family.TOXIN, 3, "F").high) == 12
    assert (default_range("crows_feet", Family.TOXIN, 4, "F").low) == 9
    assert default_range("crows_feet", Family.TOXIN, None, "F").low == 6


def test_male_glabella_range_and_fallback_ceiling():
    male = default_range("glabella", Family.TOXIN, 3, "M")
    # One RCT: 40-80 U beat 20 U (P26); the label is 20 U for men too (B1). 40 U per session,
    # the trial's top arm as the ceiling.
    assert (male.low, male.high, male.ceiling) == (40, 40, 80)
    assert {"P26", "B1"} <= set(male.references)
    temples = ZONES["temples"].typical(Family.FILLER)
    assert temples.ceiling is None
    assert temples.effective_ceiling == pytest.approx(1.1 * face.FALLBACK_CEILING_FACTOR)


def test_toxin_units_convert_by_label_glabella_doses():
    assert PRODUCTS["abo"].label_glabella_units == 50
    assert to_ona_units("abo", 50) == pytest.approx(20)
    assert to_ona_units("daxi", 40) == pytest.approx(20)
    assert to_ona_units("inco", 20) == pytest.approx(20)
    assert to_ona_units("ona", 7) == 7


def test_filler_properties():
    assert PRODUCTS["ha_soft"].reversible and not PRODUCTS["ha_soft"].permanent
    assert not PRODUCTS["caha"].reversible and PRODUCTS["caha"].slow_degrading
    for pid in ("pmma", "silicone", "paag"):
        assert PRODUCTS[pid].permanent and not PRODUCTS[pid].degradable


@pytest.mark.parametrize("pid", [p for p in PRODUCT_IDS if PRODUCTS[p].is_filler])
def test_persistence_never_rises(pid):
    values = [remaining_fraction(pid, m) for m in range(0, 240, 3)]
    assert values[0] == 1.0
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    effects = [effect_fraction(pid, m) for m in range(0, 30)]
    assert all(a >= b for a, b in zip(effects, effects[1:], strict=False))


def test_persistence_anchor_points():
    assert remaining_fraction("ha_firm", 3) == pytest.approx(0.6)  # P16
    assert 0 < remaining_fraction("ha_firm", 24) < 0.6  # F18: still there at 2 years
    assert remaining_fraction("ha_firm", 200) == 0
    assert remaining_fraction("caha", 30) == 0
    assert remaining_fraction("silicone", 400) == 1.0
    assert remaining_fraction("ona", 1) == 0.0
    assert effect_fraction("ha_firm", 24) == pytest.approx(0.6)  # P3
    assert effect_fraction("ona", 0) == 1.0
    assert effect_fraction("ona", 5) == 0.0  # 19.7 weeks is about 4.5 months (P18)
    assert effect_fraction("daxi", 5) > 0  # 24 weeks (P20)


def test_red_flags_are_sourced():
    for flag in RED_FLAGS.values():
        assert flag.dispositions and all(isinstance(d, Disposition) for d in flag.dispositions)
        assert not unknown_sources(flag.references)
        assert flag.scope in ("patient", "zone")
    assert RED_FLAGS["neuromuscular_disease"].families == {Family.TOXIN}
    assert RED_FLAGS["over_65_label"].concerns(Family.TOXIN, "abo")
    assert not RED_FLAGS["over_65_label"].concerns(Family.TOXIN, "ona")
    assert RED_FLAGS["pregnancy"].blocks and not RED_FLAGS["anticoagulants"].blocks


def test_every_catalogue_reference_is_a_known_source():
    keys = []
    for product in PRODUCTS.values():
        keys += [*product.references, *product.effect_references]
    assert not unknown_sources(keys)
    assert SOURCES["B1"].tag == "L" and SOURCES["P26"].tag == "T"
    assert sorted_keys(["B10", "B2", "A1", "B2"]) == ("A1", "B2", "B10")


@pytest.mark.skipif(not FACTS.exists(), reason="shared/domain/facts.md not beside the checkout")
def test_sources_cover_every_key_in_facts():
    text = FACTS.read_text(encoding="utf-8")
    keys_part = text.split("## Source keys", 1)[1]
    plist = re.findall(r"\b(P\d+) [A-Z]", text)
    listed = set(re.findall(r"(?:^|· |\n)([ABFSP]\d+) ", keys_part)) | set(plist)
    assert listed, "no keys parsed"
    assert listed <= set(SOURCES)
    used = set(re.findall(r"\b([ABFSP]\d{1,2})\b", text))
    assert used <= set(SOURCES)
