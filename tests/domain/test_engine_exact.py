"""score_plan's own steps pinned exactly (issue 23: scoring/engine.py): the tables guard, the
order of zones and findings, the band ladder and its reasons, the band label, the score and the
sources.

Worked by hand from docs/scoring.md, sections 4 and 5: one band, the first that applies (unsafe,
overfilled, overdone, under_treated, conservative, natural); the score
low + (high - low) * max(0, 100 - points) / 100, rounded half up.
"""

from __future__ import annotations

import pytest

from quizapp.domain.case import FlagPresence, HistoryItem
from quizapp.domain.plan import Plan
from quizapp.domain.scoring import case_tables, score_plan
from quizapp.domain.terms import Disposition, Side

from ._casekit import item, make_case, plan, zref

GLABELLA = make_case(zref("glabella", "ona", 20, 20, 30))


def test_tables_must_be_the_cases_own():
    other = make_case(zref("glabella", "ona", 20, 20, 30))
    with pytest.raises(ValueError, match="tables were built for another case"):
        score_plan(GLABELLA, plan(item("glabella", "ona", 20)), case_tables(other))
    # The case's own tables give what building them afresh gives: 25 U heavy, 40 * 5/20 = 10.
    own = score_plan(GLABELLA, plan(item("glabella", "ona", 25)), case_tables(GLABELLA))
    assert (own.band.value, own.penalty, own.score) == ("overdone", 10.0, 52)


MANY = make_case(
    zref("lips", "ha_soft", 0.5, 1.5, 3),
    zref("tear_trough", "ha_soft", 0.3, 0.55, 1),
    zref("forehead", "ona", 6, 10, 15),
    zref("jawline", "ha_firm", 0.75, 1.5, 4.5),
)


def test_zones_in_face_order_and_findings_worst_first_then_by_code_zone_and_text():
    result = score_plan(
        MANY,
        plan(
            item("jawline", "pmma", 1),
            item("lips", "ha_soft", 1),
            item("tear_trough", "ha_soft", 0.4),
            item("forehead", "ona", 8),
        ),
    )
    assert [z.zone for z in result.zones] == ["forehead", "tear_trough", "lips", "jawline"]
    assert [(f.code, f.zone) for f in result.findings] == [
        ("facial_units", None),  # overdone, 3 units where 2 are allowed: 5
        ("forehead_without_glabella", "forehead"),  # overdone, 10
        ("permanent_filler", "jawline"),  # overdone, 0
        ("danger_zone", "lips"),  # info
        ("danger_zone", "tear_trough"),  # info
    ]
    # Overdone: the jawline's wrong product (20 for permanent, + 20 * 0.75/1.5 = 10 for the
    # right product missing) and the findings,
    # zones first; 30 + 5 + 10 = 45 points, 35 + 19 * 0.55 = 45.45 -> 45.
    assert result.band.value == "overdone" and result.band_label == "Overdone"
    assert result.band_reasons == (
        "jawline: wrong product",
        "Filler in 3 facial units in one visit (jawline and masseter, lips and perioral skin, "
        "around the eyes); this case allows 2. The rule counts filler regions only: in one "
        "small series, HA filler in more than two units added no psychosocial benefit. "
        "Stage it.",
        "The label treats the forehead only together with the glabella; forehead toxin alone "
        "lets the depressors pull the brow down.",
        "Permanent filler (Polymethyl methacrylate microspheres) in the jawline: it stays in the "
        "tissue, can cause foreign-body reactions years later and cannot be taken back. "
        "Degradable, reversible HA comes first.",
    )
    assert (result.penalty, result.score) == (45.0, 45)
    # Every source once, sorted: the zones', the findings', the look's.
    assert result.references == (
        "B1",
        "B33",
        "F15",
        "F23",
        "F24",
        "F25",
        "F30",
        "F34",
        "F37",
        "F38",
        "P1",
        "P2",
        "P3",
        "P4",
        "P5",
    )


def test_toxin_comes_before_filler_in_one_zone():
    case = make_case(zref("glabella", "ona", 20, 20, 30), zref("glabella", "ha_soft", 0.1, 0.3, 1))
    result = score_plan(case, plan(item("glabella", "ha_soft", 0.2), item("glabella", "ona", 20)))
    assert [(z.zone, z.family.value) for z in result.zones] == [
        ("glabella", "toxin"),
        ("glabella", "filler"),
    ]


def _past(zone, product, amount, months):
    side = Side.BOTH if zone == "jawline" else Side.MIDLINE
    return HistoryItem(zone, product, amount, side, months_ago=months)


# Glabella 20-20 (ceiling 30) and cheek 0.6-1.0 (ceiling 2); 60 kg: 20 mL of filler a year.
# 9.5 mL a side of jawline 6 months ago is 19 mL; 0.8 a side of cheek today makes 20.6.
TWO_LIMITS = make_case(
    zref("glabella", "ona", 20, 20, 30),
    zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
    weight=60,
    history=(_past("jawline", "ha_firm", 9.5, 6),),
)
ONA_401 = (
    "401 U of onabotulinumtoxinA within 3 months, above the label maximum of 400 U across all "
    "indications."
)
YEAR = "20.6 mL of filler within 12 months, above the label's 20 mL a year for 60 kg."


def test_an_overfilled_band_names_toxin_only_when_toxin_alone_drives_it():
    # Filler past the yearly limit alone: "Overfilled"; 20 points, 21 + 13 * 0.8 = 31.4 -> 31.
    filler = score_plan(
        TWO_LIMITS, plan(item("glabella", "ona", 20), item("cheek", "ha_firm", 0.8))
    )
    assert (filler.band.value, filler.band_label, filler.band_reasons) == (
        "overfilled",
        "Overfilled",
        (YEAR,),
    )
    assert (filler.penalty, filler.score) == (20.0, 31)
    # A toxin zone past its ceiling alone: 35 U, 40 * 15/20 + 10 = 40, and the cheek at 0.5 a
    # side conservative, 20 * 0.1/1 = 2: 42 points, 21 + 13 * 0.58 = 28.54 -> 29.
    toxin = score_plan(TWO_LIMITS, plan(item("glabella", "ona", 35), item("cheek", "ha_firm", 0.5)))
    assert (toxin.band_label, toxin.band_reasons) == (
        "Over-treated (toxin)",
        ("glabellar (frown) lines: overfilled",),
    )
    assert (toxin.penalty, toxin.score) == (42.0, 29)
    # The 400 U label limit alone is toxin too: 401 U in a glabella-only case.
    ona = score_plan(GLABELLA, plan(item("glabella", "ona", 401)))
    assert ona.band_label == "Over-treated (toxin)"
    assert ona.band_reasons == ("glabellar (frown) lines: overfilled", ONA_401)
    # Both: filler drives it too, so "Overfilled".
    both = score_plan(TWO_LIMITS, plan(item("glabella", "ona", 401), item("cheek", "ha_firm", 0.8)))
    assert both.band_label == "Overfilled"
    assert both.band_reasons == ("glabellar (frown) lines: overfilled", YEAR, ONA_401)


def test_a_score_never_falls_below_its_band():
    # 401 U: 40 * 381/20 + 10 = 772, + 20 (400 U), + 10 + 20 * 337/64 (upper face), + 5
    # (erased): far past 100 points, so the floor of overfilled, 21.
    result = score_plan(GLABELLA, plan(item("glabella", "ona", 401)))
    assert result.penalty == pytest.approx(772 + 20 + 10 + 20 * 337 / 64 + 5)
    assert result.score == 21


DEFER = make_case(disposition=Disposition.DEFER)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        (Disposition.TREAT, "Treat as planned"),
        (Disposition.DECLINE, "Decline (treatment would not serve this patient)"),
    ],
)
def test_injecting_nothing_with_a_wrong_disposition_is_conservative(given, words):
    # Nothing injected, the wrong disposition: conservative, the disposition's 10 points:
    # 75 + 14 * 0.9 = 87.6 -> 88.
    result = score_plan(DEFER, Plan(given))
    assert (result.band.value, result.band_label) == ("conservative", "Conservative")
    assert result.band_reasons == (
        f"{words} where defer (not today; review when the reason has passed) fits",
    )
    assert (result.penalty, result.score) == (10.0, 88)


def test_the_right_disposition_or_injections_within_range_stay_natural():
    right = score_plan(DEFER, Plan(Disposition.DEFER))
    assert (right.band.value, right.band_reasons, right.score) == ("natural", (), 100)
    # Treating in part where treating fits, every zone on target: natural with the near miss's
    # 5 points, 90 + 10 * 0.95 = 99.5 -> 100 (half up).
    near = score_plan(
        GLABELLA, plan(item("glabella", "ona", 20), disposition=Disposition.TREAT_IN_PART)
    )
    assert (near.band.value, near.band_label, near.band_reasons) == ("natural", "Natural", ())
    assert (near.penalty, near.score) == (5.0, 100)


def test_under_treated_lists_each_zone_missed():
    # Deferring where treating fits: glabella missed, 20 * 20/20 = 20, + 10 for the disposition:
    # 55 + 19 * 0.7 = 68.3 -> 68.
    result = score_plan(GLABELLA, Plan(Disposition.DEFER))
    assert (result.band.value, result.band_label) == ("under_treated", "Under-treated")
    assert result.band_reasons == ("glabellar (frown) lines: missed",)
    assert (result.penalty, result.score) == (30.0, 68)


def test_same_code_findings_are_ordered_by_zone_not_by_their_words():
    # PMMA in the cheek, silicone in the jawline: by zone the cheek comes first, by words
    # "Permanent filler (Liquid silicone) ..." would.
    case = make_case(
        zref("cheek", "ha_firm", 0.6, 1.0, 2.0), zref("jawline", "ha_firm", 0.75, 1.5, 4.5)
    )
    result = score_plan(case, plan(item("cheek", "pmma", 0.8), item("jawline", "silicone", 1.0)))
    assert [(f.code, f.zone) for f in result.findings] == [
        ("permanent_filler", "cheek"),
        ("permanent_filler", "jawline"),
    ]


def test_the_penalty_is_reported_to_four_places():
    # Crow's feet 12 U a side against 6-9: 40 * 3/9 = 13.3333...
    case = make_case(zref("crows_feet", "ona", 6, 9, 12))
    assert score_plan(case, plan(item("crows_feet", "ona", 12))).penalty == 13.3333


def test_an_overdone_band_alone_settles_the_look_as_altered():
    # Every zone on target, but forehead toxin on brows graded 2 (low_brows, 10): overdone, so
    # the face reads as treated: altered, 0 years younger (section 6).
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        zref("forehead", "ona", 10, 20, 20),
        grades={"brow": (2, None)},
    )
    result = score_plan(case, plan(item("glabella", "ona", 20), item("forehead", "ona", 10)))
    assert result.band.value == "overdone"
    assert (result.look.label, result.look.years_younger, result.look.apparent_age) == (
        "altered",
        0,
        44,
    )


# An infection at the lips rules out filler anywhere on the face (docs/scoring.md, rule 11).
INFECTED = make_case(
    zref("glabella", "ona", 20, 20, 30),
    zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
    disposition=Disposition.TREAT_IN_PART,
    flags=(FlagPresence("infection_at_site", ("lips",)),),
)


def test_a_blocking_flag_names_only_what_the_plan_treats():
    # Toxin alone: nothing blocked; the cheek missed, 20 * 0.6/1 = 12; 55 + 19 * 0.88 -> 72.
    toxin = score_plan(
        INFECTED, plan(item("glabella", "ona", 20), disposition=Disposition.TREAT_IN_PART)
    )
    assert (toxin.candidacy.ok, toxin.candidacy.blocked_by) == (True, ())
    assert (toxin.band.value, toxin.penalty, toxin.score) == ("under_treated", 12.0, 72)
    # Filler in the lips: blocked by the infection, the lips unsafe (30): 42 points,
    # 20 * 0.58 = 11.6 -> 12.
    filler = score_plan(
        INFECTED,
        plan(
            item("glabella", "ona", 20),
            item("lips", "ha_soft", 0.5),
            disposition=Disposition.TREAT_IN_PART,
        ),
    )
    assert (filler.candidacy.ok, filler.candidacy.blocked_by) == (False, ("infection_at_site",))
    assert (filler.band.value, filler.penalty, filler.score) == ("unsafe", 42.0, 12)
    # Glabellar toxin on target would credit years, but an unsafe plan's look is not projected.
    assert (filler.look.label, filler.look.years_younger, filler.look.apparent_age) == (
        "withheld",
        0,
        filler.look.age,
    )
    assert toxin.look.label != "withheld"
