"""The text and JSON renderings of a PlanScore used by `flask plan score`."""

from __future__ import annotations

import json

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
    assert lines[-1] or lines[-2]
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


def test_json_rendering_is_the_stable_dict():
    result = score_plan(example("f44-frown-lines"), plan(item("glabella", "ona", 8)))
    data = plan_score_json(result)
    assert data == result.to_dict()
    assert json.loads(json.dumps(data))["band"] == "under_treated"


def test_the_report_names_a_toxin_band_and_never_pairs_altered_with_younger():
    case = make_case(zref("glabella", "ona", 20, 20, 30), age=60)
    text = render_plan_score(score_plan(case, plan(item("glabella", "ona", 80))))
    first, _, look = text.splitlines()[:3]
    assert first.endswith("band OVERFILLED (over-treated (toxin))")
    assert "altered or erased" in look and "younger (" not in look
