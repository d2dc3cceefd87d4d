"""The session findings pinned exactly (issue 23: scoring/session.py): product safety, the session
totals against the labels, what earlier visits left, cautions and forehead toxin alone.

Worked by hand from docs/scoring.md, section 3, and the catalogue (quizapp/domain/face.py):
danger zones among the zones used here: lips (F37 F30), tear trough (F37 F30), glabella; not the
cheek or the jawline. PMMA's sources F23 F24 F25; ona-eq factors abo 2.5, ona 1; the on-label
upper face 64 ona-eq U; ona's label maximum 400 U within 3 months.
"""

from __future__ import annotations

from quizapp.domain.case import FlagPresence, HistoryItem
from quizapp.domain.plan import PlanItem
from quizapp.domain.scoring import score_plan
from quizapp.domain.scoring.results import ZoneLoad
from quizapp.domain.terms import Depth, Disposition, Side

from ._casekit import cheek_case, finding_rows, item, make_case, plan, zref

LIPS = make_case(zref("lips", "ha_soft", 0.5, 1.5, 3))
JAWLINE = make_case(zref("jawline", "ha_firm", 0.75, 1.5, 4.5))
GLABELLA = make_case(zref("glabella", "ona abo", 20, 20, 30))


def codes(result):
    return [f.code for f in result.findings]


def earlier(zone, product, amount, months, side=Side.BOTH):
    return HistoryItem(zone, product, amount, side, months_ago=months)


# -- product safety ----------------------------------------------------------------------------


def test_permanent_filler_in_a_danger_zone_names_the_zone_and_its_sources():
    # PMMA with HA in the lips: 30 points, the lips' danger sources then PMMA's then F30 (once).
    result = score_plan(LIPS, plan(item("lips", "pmma", 0.5), item("lips", "ha_soft", 0.5)))
    assert finding_rows(result, "permanent_danger_zone") == [
        (
            "unsafe",
            "lips",
            ("F37", "F30", "F23", "F24", "F25"),
            30.0,
            "Permanent filler (Polymethyl methacrylate microspheres) in the lips, a danger zone: "
            "it can never be dissolved if a vessel is blocked, and late nodules and migration "
            "are more common.",
        )
    ]
    # Permanent filler there already says everything: no reminder, no second finding.
    assert codes(result) == ["permanent_danger_zone"]


def test_permanent_filler_elsewhere_costs_nothing_of_its_own():
    # The jawline is no danger zone: overdone, 0 points (the zone's wrong product carries them).
    result = score_plan(JAWLINE, plan(item("jawline", "pmma", 1)))
    assert finding_rows(result, "permanent_filler") == [
        (
            "overdone",
            "jawline",
            ("F23", "F24", "F25"),
            0.0,
            "Permanent filler (Polymethyl methacrylate microspheres) in the jawline: it stays in "
            "the tissue, can cause foreign-body reactions years later and cannot be taken back. "
            "Degradable, reversible HA comes first.",
        )
    ]
    assert codes(result) == ["permanent_filler"]


LAYERING_PERMANENT_TEXT = (
    "Filler over permanent material (Polymethyl methacrylate microspheres) already in the cheek "
    "and midface volume: layering is to be avoided and raises the risk of late inflammatory "
    "nodules and migration."
)


def test_layering_over_permanent_filler_is_charged_unless_a_red_flag_charged_the_zone():
    over_pmma = (earlier("cheek", "pmma", 0.5, 24),)
    # Deferring is right: the cheek is unsafe at 0 points (candidacy carries the 40), so the
    # layering still costs its 30.
    deferred = cheek_case(history=over_pmma, disposition=Disposition.DEFER)
    result = score_plan(deferred, plan(item("cheek", "ha_firm", 0.8)))
    assert result.zones[0].verdict.value == "unsafe" and result.zones[0].penalty == 0
    assert finding_rows(result, "layering_permanent") == [
        ("unsafe", "cheek", ("F44", "F25", "F30"), 30.0, LAYERING_PERMANENT_TEXT)
    ]
    # The permanent-filler flag makes the cheek unsafe with its 30 points: not charged twice.
    flagged = cheek_case(
        history=over_pmma,
        flags=(FlagPresence("permanent_filler_in_area", ("cheek",)),),
        disposition=Disposition.TREAT_IN_PART,
    )
    result = score_plan(flagged, plan(item("cheek", "ha_firm", 0.8)))
    assert result.zones[0].verdict.value == "unsafe" and result.zones[0].penalty == 30
    assert finding_rows(result, "layering_permanent") == [
        ("unsafe", "cheek", ("F44", "F25", "F30"), 0.0, LAYERING_PERMANENT_TEXT)
    ]
    # 30 (zone) + 0 (layering) + 5 (treat where treat in part fits): 20 * 0.65 = 13
    assert result.penalty == 35 and result.score == 13


def test_layering_slow_and_unknown_cost_10_and_permanent_comes_first():
    ha = plan(item("cheek", "ha_firm", 0.5))
    slow = score_plan(cheek_case(history=(earlier("cheek", "caha", 0.3, 6),)), ha)
    assert finding_rows(slow, "layering_slow") == [
        (
            "overdone",
            "cheek",
            ("F44", "F19", "F22"),
            10.0,
            "Filler over a biostimulator still active in the cheek and midface volume (Calcium "
            "hydroxylapatite): avoid layering over slowly degrading fillers.",
        )
    ]
    unknown = score_plan(cheek_case(history=(earlier("cheek", "unknown", 0.2, 6),)), ha)
    assert finding_rows(unknown, "layering_unknown") == [
        (
            "overdone",
            "cheek",
            ("F44", "F30", "F38"),
            10.0,
            "Filler over an earlier product the patient cannot name, in the cheek and midface "
            "volume: it may be permanent or a slowly degrading, non-HA filler, so layering over "
            "it is to be avoided and no hyaluronidase rescue can be assumed for what is already "
            "there.",
        )
    ]
    assert slow.score == unknown.score == 52  # 10 points, overdone: 35 + 19 * 0.9 = 52.1
    # One layering finding per zone, the worst: permanent over slow over unknown.
    both = score_plan(
        cheek_case(history=(earlier("cheek", "caha", 0.3, 6), earlier("cheek", "unknown", 0.2, 6))),
        ha,
    )
    assert [c for c in codes(both) if c.startswith("layering")] == ["layering_slow"]
    worst = score_plan(
        cheek_case(
            history=(earlier("cheek", "caha", 0.3, 6), earlier("cheek", "silicone", 0.2, 6))
        ),
        ha,
    )
    assert [c for c in codes(worst) if c.startswith("layering")] == ["layering_permanent"]
    # Nothing under the new filler: no layering finding at all.
    assert codes(score_plan(cheek_case(), ha)) == []


def test_the_danger_zone_reminder_names_what_cannot_be_dissolved():
    reversible = score_plan(LIPS, plan(item("lips", "ha_soft", 1)))
    assert finding_rows(reversible, "danger_zone") == [
        (
            "info",
            "lips",
            ("F37", "F30", "F34", "F38"),
            0.0,
            "Filler in the lips, a danger zone: placement, depth and volume carry real risk; "
            "hyaluronidase must be at hand.",
        )
    ]
    # CaHA and PLLA with HA: only the two that cannot be dissolved are named, in product order.
    mixed = score_plan(
        LIPS,
        plan(item("lips", "plla", 0.5), item("lips", "ha_soft", 0.5), item("lips", "caha", 0.2)),
    )
    assert finding_rows(mixed, "danger_zone") == [
        (
            "info",
            "lips",
            ("F37", "F30", "F38"),
            0.0,
            "Filler in the lips, a danger zone: calcium hydroxylapatite and poly-L-lactic acid "
            "cannot be dissolved, so there is no hyaluronidase rescue if a vessel is blocked.",
        )
    ]
    # Toxin in a danger zone (the glabella) is no filler: no reminder.
    assert codes(score_plan(GLABELLA, plan(item("glabella", "abo", 50)))) == []


TEAR_TROUGH = make_case(
    zref("tear_trough", "ha_soft ha_medium", 0.3, 0.55, 1), zref("cheek", "ha_soft", 0.6, 1.0, 2)
)


def test_superficial_tear_trough_only_for_intradermal_filler_there():
    deep = PlanItem("tear_trough", "ha_soft", 0.4, Side.BOTH, depth=Depth.SUPRAPERIOSTEAL)
    shallow = PlanItem("tear_trough", "ha_medium", 0.1, Side.BOTH, depth=Depth.INTRADERMAL)
    cheek_shallow = PlanItem("cheek", "ha_soft", 0.8, Side.BOTH, depth=Depth.INTRADERMAL)
    result = score_plan(TEAR_TROUGH, plan(deep, shallow, cheek_shallow))
    assert finding_rows(result, "superficial_tear_trough") == [
        (
            "overdone",
            "tear_trough",
            ("P28", "P22", "P29"),
            5.0,
            "Intradermal filler under the eye brings swelling and a blue Tyndall tint; place a "
            "low-G' gel deep.",
        )
    ]
    # Supraperiosteal filler in the tear trough, intradermal in the cheek: no depth finding.
    result = score_plan(TEAR_TROUGH, plan(deep, cheek_shallow))
    assert "superficial_tear_trough" not in codes(result)


# -- session totals ----------------------------------------------------------------------------


def test_session_totals_add_per_product_and_convert_to_ona_equivalents():
    case = make_case(
        zref("glabella", "ona abo", 20, 20, 30),
        zref("crows_feet", "ona", 6, 9, 12),
        zref("masseter", "ona", 20, 30, 40),
        zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
        zref("jawline", "ha_firm ha_medium", 0.75, 1.5, 4.5),
        max_units=1,
    )
    result = score_plan(
        case,
        plan(
            item("glabella", "abo", 50),  # 50 / 2.5 = 20 ona-eq, upper face
            item("crows_feet", "ona", 8),  # 8 a side = 16, upper face
            item("masseter", "ona", 25),  # 25 a side = 50, not upper face
            item("cheek", "ha_firm", 0.8),  # 1.6 mL
            item("jawline", "ha_firm", 1.0),  # 2 mL
            item("jawline", "ha_medium", 0.2),  # 0.4 mL
        ),
    )
    totals = result.totals
    assert totals.toxin_units == (("abo", 50.0), ("ona", 66.0))  # ona 16 + 50
    assert totals.toxin_ona_equivalent == 86.0  # 20 + 66
    assert totals.filler_ml == (("ha_firm", 3.6), ("ha_medium", 0.4))
    assert totals.filler_ml_total == 4.0
    assert totals.facial_units == ("cheek", "jawline")
    assert totals.facial_unit_limit == 1
    assert (totals.upper_face_ona_equivalent, totals.upper_face_limit) == (36.0, 64.0)
    assert (totals.filler_year_ml, totals.filler_year_limit_ml) == (None, None)
    # Two units where the case allows one: 5 points.
    assert finding_rows(result, "facial_units") == [
        (
            "overdone",
            None,
            ("F15",),
            5.0,
            "Filler in 2 facial units in one visit (cheek and midface, jawline and masseter); "
            "this case allows 1. The rule counts filler regions only: in one small series, HA "
            "filler in more than two units added no psychosocial benefit. Stage it.",
        )
    ]


def test_the_upper_face_limit_is_more_than_64_ona_eq_units():
    # 160 U of abo is 64 ona-eq: at the limit, no finding.
    at = score_plan(GLABELLA, plan(item("glabella", "abo", 160)))
    assert at.totals.upper_face_ona_equivalent == 64.0 and "upper_face_total" not in codes(at)
    # 162.5 U is 65: 10 + 20 * 1 / 64 = 10.3125 points.
    over = score_plan(GLABELLA, plan(item("glabella", "abo", 162.5)))
    assert finding_rows(over, "upper_face_total") == [
        (
            "overdone",
            None,
            ("B1", "B7", "B33", "B36"),
            10.3125,
            "65 ona-eq units in the upper face, above the 64 U of a full on-label upper face: a "
            "frozen, heavy brow is the risk.",
        )
    ]


def test_the_filler_year_finding_names_the_figures_and_weight():
    # 60 kg: 20 mL a year. 9.25 mL a side of jawline 6 months ago (18.5) + 1.6 today = 20.1.
    case = cheek_case(weight=60, history=(earlier("jawline", "ha_firm", 9.25, 6),))
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8)))
    assert finding_rows(result, "filler_year_limit") == [
        (
            "overfilled",
            None,
            ("F13", "F12"),
            20.0,
            "20.1 mL of filler within 12 months, above the label's 20 mL a year for 60 kg.",
        )
    ]
    assert (result.totals.filler_year_ml, result.totals.filler_year_limit_ml) == (20.1, 20.0)


# -- what earlier visits left ------------------------------------------------------------------


def test_cumulative_load_rows_in_zone_order_with_history_only_zones():
    # Jawline HA 1 mL a side 3 months ago: 60% left, 0.6 a side; nothing added there today.
    # Only ona counts towards the 400 U: 100 U a month ago + 290 U today = 390 (inco apart).
    case = cheek_case(
        history=(
            earlier("jawline", "ha_firm", 1.0, 3),
            earlier("glabella", "ona", 100, 1, Side.MIDLINE),
        )
    )
    result = score_plan(
        case,
        plan(
            item("cheek", "ha_firm", 0.8),
            item("glabella", "ona", 290),
            item("glabella", "inco", 50),
        ),
    )
    assert result.cumulative.filler == (
        ZoneLoad("cheek", "left", 0.0, 0.8, 0.8, 2.0),
        ZoneLoad("cheek", "right", 0.0, 0.8, 0.8, 2.0),
        ZoneLoad("jawline", "left", 0.6, 0.0, 0.6, 4.5),
        ZoneLoad("jawline", "right", 0.6, 0.0, 0.6, 4.5),
    )
    assert result.cumulative.ona_units_3_months == 390
    assert "ona_3_month_limit" not in codes(result)
    recent = result.cumulative.recent_toxin
    assert [(t.zone, t.product, t.months_ago, t.amount) for t in recent] == [
        ("glabella", "ona", 1, 100)
    ]


def test_cumulative_load_adds_the_plan_to_what_is_left():
    # Cheek HA 0.5 a side 3 months ago: 0.3 left; + 0.8 today = 1.1 a side.
    case = cheek_case(history=(earlier("cheek", "ha_firm", 0.5, 3),))
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8)))
    assert result.cumulative.filler == (
        ZoneLoad("cheek", "left", 0.3, 0.8, 1.1, 2.0),
        ZoneLoad("cheek", "right", 0.3, 0.8, 1.1, 2.0),
    )


def test_the_ona_limit_finding_names_the_total():
    result = score_plan(GLABELLA, plan(item("glabella", "ona", 401)))
    assert finding_rows(result, "ona_3_month_limit") == [
        (
            "overfilled",
            None,
            ("B1", "B2"),
            20.0,
            "401 U of onabotulinumtoxinA within 3 months, above the label maximum of 400 U "
            "across all indications.",
        )
    ]
    assert result.cumulative.ona_units_3_months == 401


# -- cautions and forehead toxin alone ----------------------------------------------------------


def test_cautions_fire_only_for_the_products_they_concern():
    flags = (FlagPresence("anticoagulants"), FlagPresence("over_65_label"))
    # Filler: the anticoagulant caution (filler and toxin), not the over-65 one (abo, inco, rela).
    filler = score_plan(cheek_case(flags=flags), plan(item("cheek", "ha_firm", 0.8)))
    assert finding_rows(filler, "caution_anticoagulants") == [
        (
            "info",
            None,
            ("F43",),
            0.0,
            "Caution: anticoagulant or antiplatelet medicine. A caution (one source): more "
            "bruising and bleeding; do not stop a prescribed medicine without the prescriber.",
        )
    ]
    assert codes(filler) == ["caution_anticoagulants"]
    over_65 = make_case(zref("glabella", "ona abo", 20, 20, 30), flags=flags[1:])
    assert codes(score_plan(over_65, plan(item("glabella", "ona", 20)))) == []
    abo = score_plan(over_65, plan(item("glabella", "abo", 50)))
    assert [(c, f[1]) for c in codes(abo) for f in finding_rows(abo, c)] == [
        ("caution_over_65_label", None)
    ]
    assert finding_rows(abo, "caution_over_65_label")[0][2] == ("B6", "B27", "B28", "B41")


def test_forehead_toxin_without_glabella_toxin_costs_10():
    case = make_case(zref("forehead", "ona", 6, 10, 15), zref("glabella", "ona", 20, 20, 30))
    alone = score_plan(case, plan(item("forehead", "ona", 8)))
    assert finding_rows(alone, "forehead_without_glabella") == [
        (
            "overdone",
            "forehead",
            ("B1", "B33"),
            10.0,
            "The label treats the forehead only together with the glabella; forehead toxin "
            "alone lets the depressors pull the brow down.",
        )
    ]
    # + the glabella missed, 20 * 20/20 = 20: 30 points, 35 + 19 * 0.7 = 48.3 -> 48
    assert alone.penalty == 30 and alone.score == 48
    both = score_plan(case, plan(item("forehead", "ona", 8), item("glabella", "ona", 20)))
    assert codes(both) == [] and both.score == 100
    # Glabella toxin alone is fine too.
    glabella_only = make_case(zref("glabella", "ona", 20, 20, 30))
    assert codes(score_plan(glabella_only, plan(item("glabella", "ona", 20)))) == []


def test_filler_in_the_glabella_does_not_stand_for_glabella_toxin():
    case = make_case(zref("forehead", "ona", 6, 10, 15), zref("glabella", "ha_soft", 0.1, 0.3, 1))
    result = score_plan(case, plan(item("forehead", "ona", 8), item("glabella", "ha_soft", 0.2)))
    assert [f[1] for f in finding_rows(result, "forehead_without_glabella")] == ["forehead"]


def test_totals_keep_fractions_to_six_places():
    # abo 51 U is 51 / 2.5 = 20.4 ona-eq; crow's feet 8.25 U a side, 16.5. abo 50.000001 U would
    # be 20.0000004 ona-eq, reported to six places as 20.0.
    case = make_case(zref("glabella", "ona abo", 20, 20, 30), zref("crows_feet", "ona", 6, 9, 12))
    result = score_plan(case, plan(item("glabella", "abo", 51), item("crows_feet", "ona", 8.25)))
    totals = result.totals
    assert totals.toxin_units == (("abo", 51.0), ("ona", 16.5))
    assert (totals.toxin_ona_equivalent, totals.upper_face_ona_equivalent) == (36.9, 36.9)
    tiny = score_plan(case, plan(item("glabella", "abo", 50.000001)))
    assert (tiny.totals.toxin_ona_equivalent, tiny.totals.upper_face_ona_equivalent) == (20.0, 20.0)


def test_cumulative_rows_follow_the_face_and_round_to_three_places():
    # The tear trough comes before the cheek on the face (not in the alphabet); 0.8004 mL a
    # side is reported as 0.8.
    case = make_case(
        zref("tear_trough", "ha_soft", 0.3, 0.55, 1),
        zref("cheek", "ha_firm", 0.6, 1.0, 2.0),
        history=(earlier("tear_trough", "ha_soft", 0.5, 3),),
    )
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8004)))
    assert result.cumulative.filler == (
        ZoneLoad("tear_trough", "left", 0.3, 0.0, 0.3, 1.0),
        ZoneLoad("tear_trough", "right", 0.3, 0.0, 0.3, 1.0),
        ZoneLoad("cheek", "left", 0.0, 0.8, 0.8, 2.0),
        ZoneLoad("cheek", "right", 0.0, 0.8, 0.8, 2.0),
    )
