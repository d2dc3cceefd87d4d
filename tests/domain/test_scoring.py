"""Unit tests of the scoring engine: every zone verdict, every band, findings and totals."""

from __future__ import annotations

import json

import pytest

from quizapp.domain.case import FlagPresence, HistoryItem
from quizapp.domain.face import Family
from quizapp.domain.plan import Plan, PlanItem
from quizapp.domain.scoring import (
    UNSAFE_SCORE_CAP,
    W_OVER,
    W_UNDER,
    score_plan,
)
from quizapp.domain.terms import Band, Depth, Disposition, Severity, Side, Verdict

from ._casekit import cheek_case, glabella_case, item, make_case, plan, zref

T = Disposition.TREAT


def verdict_of(result, zone, family=None):
    hits = [z for z in result.zones if z.zone == zone and (family is None or z.family == family)]
    assert len(hits) == 1, result.zones
    return hits[0]


def codes(result):
    return {f.code for f in result.findings}


# -- zone verdicts -----------------------------------------------------------------------------


def test_on_target():
    result = score_plan(
        glabella_case(), plan(item("glabella", "ona", 20), item("crows_feet", "ona", 8))
    )
    assert verdict_of(result, "glabella").verdict == Verdict.ON_TARGET
    assert verdict_of(result, "crows_feet").verdict == Verdict.ON_TARGET
    assert result.score == 100 and result.band == Band.NATURAL


def test_conservative_under_and_missed():
    case = glabella_case()
    result = score_plan(case, plan(item("glabella", "ona", 10), item("crows_feet", "ona", 2)))
    glabella = verdict_of(result, "glabella")
    assert glabella.verdict == Verdict.CONSERVATIVE  # 10 is half of 20
    assert glabella.penalty == pytest.approx(W_UNDER * 10 / 20)
    assert verdict_of(result, "crows_feet").verdict == Verdict.UNDER  # 2 < 3
    missed = score_plan(case, plan(item("glabella", "ona", 20)))
    crows = verdict_of(missed, "crows_feet")
    assert crows.verdict == Verdict.MISSED and crows.penalty == pytest.approx(W_UNDER * 6 / 9)
    assert "untreated" in crows.reasons[0].text


def test_heavy_and_overfilled():
    case = glabella_case()
    heavy = score_plan(case, plan(item("glabella", "ona", 25), item("crows_feet", "ona", 8)))
    zone = verdict_of(heavy, "glabella")
    assert zone.verdict == Verdict.HEAVY and zone.penalty == pytest.approx(W_OVER * 5 / 20)
    over = score_plan(case, plan(item("glabella", "ona", 31), item("crows_feet", "ona", 8)))
    assert verdict_of(over, "glabella").verdict == Verdict.OVERFILLED


def test_not_indicated_and_wrong_product():
    case = glabella_case()
    result = score_plan(
        case,
        plan(
            item("glabella", "ona", 20), item("crows_feet", "ona", 8), item("masseter", "ona", 20)
        ),
    )
    assert verdict_of(result, "masseter").verdict == Verdict.NOT_INDICATED
    wrong = score_plan(
        case,
        plan(
            item("glabella", "ona", 20),
            item("crows_feet", "ona", 8),
            item("crows_feet", "ha_soft", 0.2),
        ),
    )
    assert verdict_of(wrong, "crows_feet", Family.FILLER).verdict == Verdict.WRONG_PRODUCT
    listed = make_case(zref("cheek", "ha_firm", 0.6, 1.0, 2.0))
    other = score_plan(listed, plan(item("cheek", "caha", 0.8)))
    zone = verdict_of(other, "cheek")
    assert zone.verdict == Verdict.WRONG_PRODUCT and zone.penalty == 10 + W_UNDER * 0.6 / 1.0


def test_unsafe_zone_through_a_red_flag():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        disposition=Disposition.TREAT_IN_PART,
        flags=(FlagPresence("infection_at_site", ("lips",)),),
    )
    result = score_plan(case, plan(item("glabella", "ona", 20), item("lips", "ha_soft", 1)))
    lips = verdict_of(result, "lips")
    assert lips.verdict == Verdict.UNSAFE
    assert result.band == Band.UNSAFE and result.score <= UNSAFE_SCORE_CAP
    assert result.candidacy.blocked_by == ("infection_at_site",)
    assert verdict_of(result, "glabella").verdict == Verdict.ON_TARGET


def test_a_facial_infection_rules_out_filler_anywhere_but_toxin_only_at_the_site():
    # ps-17, cd-24: no filler on the face while any facial infection is active (F55 F12 B1);
    # toxin away from the site is a separate judgement, at the site a label contraindication.
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        disposition=Disposition.TREAT_IN_PART,
        flags=(FlagPresence("infection_at_site", ("jawline",)),),
    )
    away = score_plan(case, plan(item("glabella", "ona", 20), item("cheek", "ha_firm", 0.5)))
    cheek = verdict_of(away, "cheek", Family.FILLER)
    assert cheek.verdict == Verdict.UNSAFE and away.band == Band.UNSAFE
    assert any("anywhere on the face" in r.text for r in cheek.reasons)
    assert verdict_of(away, "glabella").verdict == Verdict.ON_TARGET
    toxin_away = score_plan(case, plan(item("glabella", "ona", 20), item("masseter", "ona", 20)))
    assert verdict_of(toxin_away, "masseter").verdict != Verdict.UNSAFE
    on_site = verdict_of(
        score_plan(case, plan(item("jawline", "ha_firm", 0.5))), "jawline", Family.FILLER
    )
    assert on_site.verdict == Verdict.UNSAFE
    assert any("(a label contraindication)" in r.text for r in on_site.reasons)


def test_filler_in_a_danger_zone_without_filler_is_unsafe():
    result = score_plan(glabella_case(), plan(item("glabella", "ha_soft", 0.2)))
    assert verdict_of(result, "glabella", Family.FILLER).verdict == Verdict.UNSAFE


def test_toxin_conversion_is_explained():
    result = score_plan(
        glabella_case(), plan(item("glabella", "abo", 50), item("crows_feet", "abo", 20))
    )
    glabella = verdict_of(result, "glabella")
    assert dict(glabella.amounts) == {"total": 20.0}
    assert glabella.verdict == Verdict.ON_TARGET
    assert any("approximation" in r.text and "B25" in r.references for r in glabella.reasons)


# -- bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("glabella", "crows", "band"),
    [
        (20, 8, Band.NATURAL),
        (12, 8, Band.CONSERVATIVE),
        (8, 8, Band.UNDER_TREATED),
        (20, 0, Band.UNDER_TREATED),
        (25, 8, Band.OVERDONE),
        (40, 8, Band.OVERFILLED),
        (12, 12, Band.OVERDONE),  # over beats under
    ],
)
def test_band_ladder(glabella, crows, band):
    items = [item("glabella", "ona", glabella)]
    if crows:
        items.append(item("crows_feet", "ona", crows))
    assert score_plan(glabella_case(), plan(*items)).band == band


def test_unsafe_band_when_the_patient_should_be_deferred():
    case = make_case(disposition=Disposition.DEFER, flags=(FlagPresence("pregnancy"),))
    result = score_plan(case, plan(item("glabella", "ona", 20)))
    assert result.band == Band.UNSAFE and "candidacy" in codes(result)
    assert not result.candidacy.ok
    assert verdict_of(result, "glabella").verdict == Verdict.UNSAFE
    right = score_plan(case, Plan(Disposition.DEFER, (), 12))
    assert right.band == Band.NATURAL and right.score == 100 and right.candidacy.ok
    other = score_plan(case, Plan(Disposition.REFER))
    assert other.band == Band.CONSERVATIVE and other.score == 88  # 75 + 14 x 0.9


def test_not_treating_a_treatable_patient_is_under_treated():
    result = score_plan(glabella_case(), Plan(Disposition.DEFER))
    assert result.band == Band.UNDER_TREATED
    assert "disposition" in codes(result)


# -- findings --------------------------------------------------------------------------------


def test_facial_units_over_the_limit():
    tight = make_case(zref("glabella", "ona", 20, 20, 30), zref("cheek", "ha_firm", 0, 1.0, 2.0))
    over = score_plan(
        tight,
        plan(
            item("cheek", "ha_firm", 0.8),
            item("lips", "ha_soft", 0.5),
            item("marionette", "ha_soft", 0.3),
        ),
    )
    assert "facial_units" in codes(over)


def test_upper_face_label_total():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        zref("forehead", "ona", 10, 20, 20),
        zref("crows_feet", "ona", 6, 12, 12),
    )
    ok = score_plan(
        case,
        plan(
            item("glabella", "ona", 20), item("forehead", "ona", 20), item("crows_feet", "ona", 12)
        ),
    )
    assert ok.totals.upper_face_ona_equivalent == 64 and "upper_face_total" not in codes(ok)
    over = score_plan(
        case,
        plan(
            item("glabella", "ona", 28), item("forehead", "ona", 20), item("crows_feet", "ona", 12)
        ),
    )
    assert "upper_face_total" in codes(over)


def test_male_glabella_40_is_natural_and_80_is_heavy():
    case = make_case(zref("glabella", "ona"), grades={"glabella": (1, 3)}, sex="M")
    assert score_plan(case, plan(item("glabella", "ona", 40))).band == Band.NATURAL
    assert score_plan(case, plan(item("glabella", "ona", 20))).band == Band.CONSERVATIVE
    heavy = score_plan(case, plan(item("glabella", "ona", 80)))
    assert verdict_of(heavy, "glabella").verdict == Verdict.HEAVY


def test_permanent_filler_findings():
    case = cheek_case()
    outside = score_plan(case, plan(item("cheek", "pmma", 0.8)))
    assert "permanent_filler" in codes(outside)
    assert verdict_of(outside, "cheek").verdict == Verdict.WRONG_PRODUCT
    danger = score_plan(case, plan(item("cheek", "ha_firm", 0.8), item("lips", "silicone", 1)))
    assert "permanent_danger_zone" in codes(danger) and danger.band == Band.UNSAFE


def test_layering_over_slow_and_permanent_fillers():
    caha = cheek_case(history=(HistoryItem("cheek", "caha", 1.0, Side.BOTH, months_ago=6),))
    result = score_plan(caha, plan(item("cheek", "ha_firm", 0.8)))
    assert "layering_slow" in codes(result) and result.band == Band.OVERDONE
    old = cheek_case(history=(HistoryItem("cheek", "caha", 1.0, Side.BOTH, months_ago=30),))
    assert "layering_slow" not in codes(score_plan(old, plan(item("cheek", "ha_firm", 0.8))))
    silicone = cheek_case(
        history=(HistoryItem("cheek", "silicone", None, Side.BOTH, months_ago=100),)
    )
    unsafe = score_plan(silicone, plan(item("cheek", "ha_firm", 0.8)))
    assert "layering_permanent" in codes(unsafe) and unsafe.band == Band.UNSAFE


def test_cumulative_filler_counts_against_the_ceiling():
    history = (HistoryItem("cheek", "ha_firm", 1.0, Side.BOTH, months_ago=3),)
    case = cheek_case(history=history)
    load = score_plan(case, plan(item("cheek", "ha_firm", 1.0)))
    left = next(z for z in load.cumulative.filler if z.side == "left")
    assert left.earlier_ml == pytest.approx(0.6) and left.total_ml == pytest.approx(1.6)
    # What remains counts against the case's range (0.6-1.0): 1.6 mL held is heavy.
    assert not left.over and load.band == Band.OVERDONE
    assert verdict_of(load, "cheek").verdict == Verdict.HEAVY
    over = score_plan(
        case,
        plan(
            item("cheek", "ha_firm", 1.0, "left"),
            item("cheek", "ha_firm", 1.0, "right"),
            item("cheek", "ha_firm", 0.5),
        ),
    )
    zone = verdict_of(over, "cheek")
    assert zone.verdict == Verdict.OVERFILLED
    assert any("remain from earlier filler" in r.text for r in zone.reasons)


def test_toxin_within_three_months_is_a_booster_even_if_not_listed():
    case = glabella_case(history=(HistoryItem("glabella", "ona", 20, Side.MIDLINE, months_ago=1),))
    result = score_plan(case, plan(item("glabella", "ona", 20), item("crows_feet", "ona", 8)))
    assert result.band == Band.OVERDONE and "booster" in codes(result)
    assert result.cumulative.recent_toxin[0].months_ago == 1


def test_ona_three_month_label_maximum():
    case = make_case(zref("masseter", "ona", 20, 40), grades={"masseter": (None, 3)})
    result = score_plan(case, plan(item("masseter", "ona", 250)))
    assert "ona_3_month_limit" in codes(result) and result.band == Band.OVERFILLED


def test_yearly_filler_label_ceiling():
    case = make_case(
        zref("jawline", "ha_firm", 1.5, 3.4, 4.5, refs=("F12",)),
        weight=30,
        history=(HistoryItem("cheek", "ha_firm", 2.0, Side.BOTH, months_ago=4),),
    )
    result = score_plan(case, plan(item("jawline", "ha_firm", 3.0)))
    assert result.totals.filler_year_limit_ml == 10
    assert result.totals.filler_year_ml == 10
    assert "filler_year_limit" not in codes(result)
    more = score_plan(case, plan(item("jawline", "ha_firm", 3.2)))
    assert "filler_year_limit" in codes(more) and more.band == Band.OVERFILLED


def test_identity_feature_to_preserve():
    case = glabella_case(preserve=("brow",))
    heavy = score_plan(case, plan(item("glabella", "ona", 26), item("crows_feet", "ona", 8)))
    assert "identity" in codes(heavy)
    fine = score_plan(case, plan(item("glabella", "ona", 20), item("crows_feet", "ona", 8)))
    assert "identity" not in codes(fine)
    forehead = score_plan(
        case,
        plan(
            item("glabella", "ona", 20), item("crows_feet", "ona", 8), item("forehead", "ona", 10)
        ),
    )
    assert "identity" in codes(forehead)


def test_cautions_and_depth():
    case = make_case(
        zref("tear_trough", "ha_soft", 0.5, 1.0),
        flags=(FlagPresence("anticoagulants"),),
        age=70,
    )
    items = (PlanItem("tear_trough", "ha_soft", 0.5, Side.BOTH, Depth.INTRADERMAL),)
    result = score_plan(case, Plan(T, items))
    assert {"caution_anticoagulants", "superficial_tear_trough", "danger_zone"} <= codes(result)
    assert next(f for f in result.findings if f.code == "superficial_tear_trough").penalty == 5
    # Wrong depth under the eye is more than a quibble: swelling and Tyndall make it overdone.
    assert result.band == Band.OVERDONE
    abo = make_case(
        zref("glabella", "ona abo", 20, 20, 30), age=70, flags=(FlagPresence("over_65_label"),)
    )
    assert "caution_over_65_label" in codes(score_plan(abo, plan(item("glabella", "abo", 50))))


# -- projected look ----------------------------------------------------------------------------


def test_projected_look_refreshed_capped_and_erased():
    case = glabella_case()
    natural = score_plan(case, plan(item("glabella", "ona", 20), item("crows_feet", "ona", 8)))
    assert natural.look.label == "refreshed"
    assert natural.look.years_younger == 3.0 and natural.look.apparent_age == 41
    assert natural.look.fade[0][1] > natural.look.fade[-1][1] == 0  # toxin fades
    erased = score_plan(
        case,
        plan(
            item("glabella", "ona", 30),
            item("crows_feet", "ona", 12),
            item("forehead", "ona", 20),
            item("bunny_lines", "ona", 3),
        ),
    )
    assert erased.look.label == "altered" and "erased" in codes(erased)
    assert erased.look.years_younger <= erased.look.cap_years
    nothing = score_plan(case, Plan(Disposition.DEFER))
    assert nothing.look.label == "unchanged" and nothing.look.years_younger == 0


def test_filler_and_toxin_together_raise_the_cap():
    case = make_case(zref("glabella", "ona", 20, 20, 30), zref("cheek", "ha_firm", 0.6, 1.0, 2.0))
    result = score_plan(case, plan(item("glabella", "ona", 20), item("cheek", "ha_firm", 0.8)))
    assert result.look.cap_years == 6 and result.look.fade[-1][1] > 0  # HA outlasts toxin


# -- output ----------------------------------------------------------------------------------


def test_to_dict_is_json_safe_and_stable():
    case = cheek_case(history=(HistoryItem("cheek", "ha_firm", 1.0, Side.BOTH, months_ago=3),))
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8), item("lips", "ha_soft", 1)))
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert list(data) == [
        "case_id",
        "band",
        "band_label",
        "score",
        "penalty",
        "zones",
        "totals",
        "cumulative",
        "findings",
        "candidacy",
        "look",
        "band_reasons",
        "references",
    ]
    assert data["zones"][0]["verdict"] in {v.value for v in Verdict}
    assert all(f["severity"] in {s.value for s in Severity} for f in data["findings"])
    assert data["references"] == sorted(data["references"], key=lambda k: (k[0], int(k[1:])))


def test_every_reason_is_a_sentence_with_known_sources():
    from quizapp.domain.sources import SOURCES

    case = glabella_case(preserve=("brow",))
    result = score_plan(
        case,
        plan(item("glabella", "ona", 40), item("forehead", "ona", 20), item("lips", "ha_soft", 1)),
    )
    for zone in result.zones:
        assert zone.reasons
        for reason in zone.reasons:
            assert reason.text.endswith(".") and set(reason.references) <= set(SOURCES)
    for finding in result.findings:
        assert set(finding.references) <= set(SOURCES)
    assert set(result.references) <= set(SOURCES)


def test_forehead_toxin_without_the_glabella_is_overdone():
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        zref("forehead", "ona", 10, 20, 20),
        grades={"glabella": (1, 3), "forehead": (0, 2)},
    )
    alone = score_plan(case, plan(item("forehead", "ona", 15)))
    finding = next(f for f in alone.findings if f.code == "forehead_without_glabella")
    assert finding.severity.value == "overdone" and finding.penalty == 10
    assert alone.band == Band.OVERDONE
    together = score_plan(case, plan(item("glabella", "ona", 20), item("forehead", "ona", 15)))
    assert "forehead_without_glabella" not in codes(together)
    assert together.band == Band.NATURAL
