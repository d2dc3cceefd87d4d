"""The text and JSON renderings of a PlanScore used by `flask plan score`."""

from __future__ import annotations

import json

from quizapp.domain.case import FlagPresence
from quizapp.domain.plan import Plan
from quizapp.domain.scoring import score_plan
from quizapp.domain.terms import Disposition
from quizapp.formats.report import plan_score_json, render_plan_score

from ._casekit import example, item, make_case, plan, zref


def test_text_report_has_table_findings_and_sources():
    case = example("f57-midface-volume")
    result = score_plan(
        case,
        plan(
            item("cheek", "ha_firm", 2.5),
            item("nasolabial", "ha_medium", 1.5),
            item("lips", "ha_soft", 1.5),
        ),
    )
    text = render_plan_score(result)
    lines = text.splitlines()
    assert lines[0] == f"Case f57-midface-volume: score {result.score}/100, band OVERFILLED"
    header = next(i for i, line in enumerate(lines) if line.startswith("Zone"))
    assert lines[header + 1].startswith("----")
    rows = lines[header + 2 : header + 5]
    assert [r.split()[0] for r in rows] == ["cheek", "nasolabial", "lips"]
    assert "L 2.5 / R 2.5" in rows[0] and "overfilled" in rows[0]
    assert "not indicated" in rows[2]
    assert "Findings" in lines and "[overdone]" in text and "F15" in text
    assert "Teaching heuristic" in text
    assert lines[-1] == "  it cannot be more precise than that."  # the heuristic's note ends it
    sources = next(line for line in lines if line.startswith("Sources: "))
    assert sources.split(": ", 1)[1].split(", ")[:3] == ["F1", "F2", "F3"]
    assert all(
        len(line) <= 100
        for line in lines
        if not line.startswith(("Zone", "----", "cheek", "nasolabial", "lips"))
    )


def test_text_report_for_a_deferral_and_history():
    text = render_plan_score(score_plan(example("f62-permanent-filler"), Plan(Disposition.DEFER)))
    assert "No injections planned." in text
    assert "Earlier treatments still present" in text and "cheek left: 0.39 left" in text
    assert "under_treated" in text or "UNDER_TREATED" in text


def test_json_rendering_holds_the_figures_worked_out_by_hand():
    # Glabella 8 U against 20-20 (ceiling 30): below half the minimum, "under":
    # 20 * (20 - 8) / 20 = 12 points; under_treated 55 + 19 * (100 - 12) / 100 = 71.72 -> 72.
    result = score_plan(example("f44-frown-lines"), plan(item("glabella", "ona", 8)))
    data = json.loads(json.dumps(plan_score_json(result)))
    assert (data["case_id"], data["band"], data["score"], data["penalty"]) == (
        "f44-frown-lines",
        "under_treated",
        72,
        12.0,
    )
    (zone,) = data["zones"]
    assert (zone["zone"], zone["verdict"], zone["penalty"], zone["amounts"]) == (
        "glabella",
        "under",
        12.0,
        {"total": 8.0},
    )
    assert (zone["range"]["min"], zone["range"]["max"], zone["range"]["ceiling"]) == (20, 20, 30)
    assert data["findings"] == [] and data["band_reasons"] == ["glabellar (frown) lines: under"]
    assert data["totals"]["toxin_units"] == {"ona": 8.0}
    assert data["cumulative"]["ona_units_3_months"] == 8.0
    assert data["candidacy"]["ok"] is True and data["look"]["label"] == "refreshed"


def test_the_report_names_a_toxin_band_and_never_pairs_altered_with_younger():
    case = make_case(zref("glabella", "ona", 20, 20, 30), age=60)
    text = render_plan_score(score_plan(case, plan(item("glabella", "ona", 80))))
    first, _, look = text.splitlines()[:3]
    assert first.endswith("band OVERFILLED (over-treated (toxin))")
    assert "altered or erased" in look and "younger (" not in look


def test_the_report_projects_no_look_for_an_unsafe_plan():
    # Lip filler through an infection at the lips: unsafe; the look line says it is not projected.
    case = make_case(
        zref("glabella", "ona", 20, 20, 30),
        zref("lips", "ha_soft", 0.5, 1.0, 1.5),
        disposition=Disposition.TREAT_IN_PART,
        flags=(FlagPresence("infection_at_site", ("lips",)),),
    )
    chosen = plan(
        item("glabella", "ona", 20),
        item("lips", "ha_soft", 0.5),
        disposition=Disposition.TREAT_IN_PART,
    )
    result = score_plan(case, chosen)
    assert result.band.value == "unsafe"
    look = render_plan_score(result).splitlines()[2]
    assert look.startswith("Look: withheld, not projected: an unsafe plan should not go ahead")
    assert "younger (" not in look
