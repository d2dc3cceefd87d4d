"""The worked-examples table of principles.md: each row gets the band an educator gave."""

from __future__ import annotations

import pytest

from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Band, Disposition
from quizapp.formats.cases import load_case_text

from ._casekit import example, item, plan

M46 = """\
id: m46-frown-lines
title: Frown lines in a man of 46
summary: A 46-year-old man with strong frown lines when he concentrates.
patient: {age: 46, sex: M, fitzpatrick: IV, glogau: II}
assessment:
  glabella: {rest: 1, moving: 3}
reference:
  disposition: treat
  zones:
    glabella:
      products: [ona, abo, inco, daxi]
learning_points: [Men usually need at least 40 U in the glabella.]
references: [P26, B1]
"""

F50 = """\
id: f50-cold-sore
title: Lip filler with a cold sore
summary: A 50-year-old woman with an active cold sore on her upper lip asks for lip filler.
patient: {age: 50, sex: F, fitzpatrick: II, glogau: III}
assessment:
  lips: {rest: 2}
reference:
  disposition: defer
  red_flags:
    - {id: infection_at_site, zones: [lips]}
learning_points: [Defer while the site is infected.]
references: [F12, B1, F44]
"""


def test_f44_on_label_glabella_and_gentle_crows_feet_is_natural():
    case = example("f44-frown-lines")
    result = score_plan(case, plan(item("glabella", "ona", 20), item("crows_feet", "ona", 8)))
    assert result.band == Band.NATURAL and result.score == 100


def test_f44_four_areas_with_forehead_at_grade_1_is_overdone():
    case = example("f44-frown-lines")
    result = score_plan(
        case,
        plan(
            item("glabella", "ona", 20),
            item("forehead", "ona", 20),
            item("crows_feet", "ona", 12),
            item("bunny_lines", "ona", 2),  # 4 U in all, 2 U a side
        ),
    )
    assert result.band == Band.OVERDONE
    verdicts = {z.zone: z.verdict.value for z in result.zones}
    assert verdicts["forehead"] == "not_indicated"
    # Four toxin areas are not four filler units (F15 counts filler only).
    assert "identity" in {f.code for f in result.findings}


def test_f57_firm_ha_cheek_is_natural():
    case = example("f57-midface-volume")
    result = score_plan(case, plan(item("cheek", "ha_firm", 0.8)))
    assert result.band == Band.NATURAL and result.score == 100


def test_f57_cheek_folds_and_lips_is_overfilled():
    case = example("f57-midface-volume")
    result = score_plan(
        case,
        plan(
            item("cheek", "ha_firm", 2.5),
            item("nasolabial", "ha_medium", 1.5),
            item("lips", "ha_soft", 1.5),
        ),
    )
    assert result.band == Band.OVERFILLED
    verdicts = {z.zone: z.verdict.value for z in result.zones}
    assert verdicts == {"cheek": "overfilled", "nasolabial": "heavy", "lips": "not_indicated"}
    assert "facial_units" in {f.code for f in result.findings}


def test_f50_lip_filler_on_a_cold_sore_is_unsafe():
    case = load_case_text(F50, "f50.yaml")
    result = score_plan(case, plan(item("lips", "ha_soft", 1)))
    assert result.band == Band.UNSAFE and result.score <= 20


def test_f50_deferring_gets_the_top_score():
    case = load_case_text(F50, "f50.yaml")
    result = score_plan(case, plan(disposition=Disposition.DEFER))
    assert result.band == Band.NATURAL and result.score == 100


@pytest.mark.parametrize(("units", "band"), [(20, Band.CONSERVATIVE), (40, Band.NATURAL)])
def test_m46_glabella(units, band):
    case = load_case_text(M46, "m46.yaml")
    assert score_plan(case, plan(item("glabella", "ona", units))).band == band


def test_example_case_candidate_plans_agree_with_the_engine():
    for case_id in ("f44-frown-lines", "f57-midface-volume", "f62-permanent-filler"):
        case = example(case_id)
        for candidate in case.reference.candidate_plans:
            assert score_plan(case, candidate.plan).band == candidate.band, candidate.label
