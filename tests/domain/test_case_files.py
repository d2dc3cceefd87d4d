"""Case files: examples load, every class of error names its line and field, round trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizapp.domain.face import Family
from quizapp.domain.terms import Band, Disposition
from quizapp.formats.cases import (
    CaseFileError,
    case_to_dict,
    dump_case,
    load_case_file,
    load_case_text,
)

from ._casekit import CASES_DIR, EXAMPLE_IDS, example

BASE = """\
id: t-case
title: Test
summary: A test case.
patient:
  age: 44
  sex: F
  fitzpatrick: III
  glogau: II
history:
  - {zone: cheek, product: ha_firm, amount: 0.5, side: both, months_ago: 30}
assessment:
  glabella: {rest: 1, moving: 3}
  cheek: {rest: 2}
reference:
  disposition: treat
  zones:
    glabella:
      products: [ona]
      dose: {min: 20, max: 20, ceiling: 30}
      references: [B1, B6]
    cheek:
      products: [ha_firm]
      dose: {min: 0.6, max: 1.0, ceiling: 2.0}
      references: [F3]
learning_points: [Start low.]
references: [B1, B6, F3]
"""


def issues_for(text: str) -> list:
    with pytest.raises(CaseFileError) as info:
        load_case_text(text, "t.yaml")
    return info.value.issues


def line_of(text: str, snippet: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if snippet in line:
            return number
    raise AssertionError(f"{snippet!r} not in text")


def edit(old: str, new: str, text: str = BASE) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_base_is_valid():
    case = load_case_text(BASE, "t.yaml")
    assert case.id == "t-case"
    assert [r.zone for r in case.ranges] == ["glabella", "cheek"]


# Each malformed file: (edit old, edit new, expected field, message fragment, line snippet).
MALFORMED = [
    ("  sex: F\n", "  sex: [F\n", "", "YAML syntax", None),
    ("title: Test\n", "", "title", "missing", "id: t-case"),
    ("  sex: F\n", "  sex: F\n  hobby: golf\n", "patient.hobby", "unknown field", "hobby"),
    ("  age: 44\n", "  age: forty\n", "patient.age", "whole number", "age: forty"),
    ("  fitzpatrick: III\n", "  fitzpatrick: VII\n", "patient.fitzpatrick", "I-VI", "VII"),
    (
        "    cheek:\n      products: [ha_firm]",
        "    cheeks:\n      products: [ha_firm]",
        "reference.zones.cheeks",
        'did you mean "cheek"',
        "cheeks:",
    ),
    (
        "products: [ona]",
        "products: [botox]",
        "reference.zones.glabella.products[0]",
        "unknown product",
        "botox",
    ),
    (
        "  disposition: treat\n",
        "  disposition: treat\n  red_flags: [pregnant]\n",
        "reference.red_flags[0]",
        'did you mean "pregnancy"',
        "pregnant",
    ),
    (
        "references: [B1, B6, F3]",
        "references: [B1, B6, F3, X1]",
        "references[3]",
        "unknown source key",
        "X1",
    ),
    (
        "dose: {min: 20, max: 20, ceiling: 30}",
        "dose: {min: 25, max: 20, ceiling: 30}",
        "reference.zones.glabella.dose.min",
        "above max",
        "min: 25",
    ),
    (
        "dose: {min: 20, max: 20, ceiling: 30}",
        "dose: {min: 20, max: 35, ceiling: 30}",
        "reference.zones.glabella.dose.max",
        "above the ceiling",
        "max: 35",
    ),
    (
        "dose: {min: 0.6, max: 1.0, ceiling: 2.0}",
        "dose: {min: 0.6, max: 1.0, ceiling: 3.0}",
        "reference.zones.cheek.dose.ceiling",
        "above the catalogue ceiling 2",
        "ceiling: 3.0",
    ),
    (
        "products: [ha_firm]",
        "products: [ha_soft]",
        "reference.zones.cheek.products[0]",
        "not suited to cheek",
        "ha_soft",
    ),
    (
        "      references: [F3]\n",
        "",
        "reference.zones.cheek.references",
        "source keys",
        "    cheek:",
    ),
    (
        "{zone: cheek, product: ha_firm, amount: 0.5, side: both, months_ago: 30}",
        "{zone: lips, product: ha_soft, amount: 0.5, side: both, months_ago: 30}",
        "history[0].side",
        "dosed as one total",
        "zone: lips",
    ),
    ("  age: 44\n", "  age: 44\n  age: 45\n", "patient.age", "duplicate field", "age: 45"),
    ("title: Test\n", "title: &t Test\n", "", "anchors", "title:"),
    (
        "  disposition: treat\n",
        "  disposition: treatt\n",
        "reference.disposition",
        'did you mean "treat"',
        "treatt",
    ),
    ("  age: 44\n", "  age: 67\n", "reference.red_flags", "over_65_label", "reference:"),
    (
        "months_ago: 30}",
        "months_ago: 30}\n  - {zone: glabella, product: ona, amount: 20, "
        "side: midline, months_ago: 1}",
        "history[1].months_ago",
        "toxin_within_3_months",
        "months_ago: 1}",
    ),
    ("months_ago: 30}", "date: 2024-01-01}", "history[0].date", "visit_date", "2024-01-01"),
    (
        "{zone: cheek, product: ha_firm, amount: 0.5, side: both, months_ago: 30}",
        "{zone: cheek, product: caha, amount: 0.5, side: both, months_ago: 6}",
        "reference.zones.cheek.products",
        "still active",
        "products: [ha_firm]",
    ),
    (
        "{zone: cheek, product: ha_firm, amount: 0.5, side: both, months_ago: 30}",
        "{zone: cheek, product: ha_firm, amount: 1.8, side: both, months_ago: 2}",
        "reference.zones.cheek.dose.max",
        "remain from earlier filler",
        "ceiling: 2.0",
    ),
    (
        "  zones:\n",
        # Two filler units (cheek, lips); the glabella's toxin does not count (F15).
        "  max_facial_units: 1\n  zones:\n    lips:\n      products: [ha_soft]\n"
        "      dose: {min: 0.5, max: 1.0, ceiling: 1.5}\n      references: [F3]\n",
        "reference.max_facial_units",
        "2 facial units",
        "max_facial_units",
    ),
    (
        "products: [ona]",
        "products: [ona, ha_soft]",
        "reference.zones.glabella.products[1]",
        "not suited to glabella",
        "ha_soft",
    ),
    (
        "learning_points: [Start low.]",
        "learning_points: []",
        "learning_points",
        "at least 1",
        "learning_points",
    ),
    (
        "  disposition: treat\n",
        "  disposition: treat\n  red_flags: [pregnancy]\n",
        "reference.disposition",
        "cannot be a plain treat",
        "disposition: treat",
    ),
    (
        "references: [B1, B6, F3]",
        "references: [B1, F3]",
        "references",
        "add the keys the zones cite: B6",
        "references: [B1, F3]",
    ),
]


@pytest.mark.parametrize(("old", "new", "field", "fragment", "snippet"), MALFORMED)
def test_malformed_file_names_line_and_field(old, new, field, fragment, snippet):
    text = edit(old, new)
    issues = issues_for(text)
    matching = [i for i in issues if i.field == field and fragment in i.message]
    assert matching, "\n".join(str(i) for i in issues)
    issue = matching[0]
    assert issue.source == "t.yaml"
    if snippet is not None:
        assert issue.line == line_of(text, snippet), str(issue)
    else:
        assert issue.line is not None


def test_all_problems_are_reported_at_once():
    text = edit("  age: 44\n", "  age: forty\n")
    text = edit("products: [ona]", "products: [botox]", text)
    text = edit("  sex: F\n", "  sex: X\n", text)
    text = edit("references: [B1, B6, F3]", "references: [B1, B6, F3, X1]", text)
    fields = {i.field for i in issues_for(text)}
    assert {
        "patient.age",
        "patient.sex",
        "reference.zones.glabella.products[0]",
        "references[3]",
    } <= fields


def test_mixed_families_need_a_dose_per_family():
    text = edit(
        "    cheek:\n      products: [ha_firm]\n      dose: {min: 0.6, max: 1.0, ceiling: 2.0}",
        "    chin:\n      products: [ona, ha_firm]\n      dose: {min: 0.6, max: 1.0}",
    )
    issues = issues_for(text)
    assert any(i.field == "reference.zones.chin.dose" and "per family" in i.message for i in issues)
    good = edit(
        "    cheek:\n      products: [ha_firm]\n      dose: {min: 0.6, max: 1.0, ceiling: 2.0}",
        "    chin:\n      products: [ona, ha_firm]\n"
        "      dose: {toxin: {min: 4, max: 6}, filler: {min: 0.5, max: 1, ceiling: 2}}\n"
        "      justification: No chin-only figure in the catalogue; capped at 2 per site.",
    )
    good = good.replace("references: [F3]", "references: [F3, P24, B18]")
    good = good.replace("references: [B1, B6, F3]", "references: [B1, B6, F3, P24, B18]")
    case = load_case_text(good, "t.yaml")
    chin = [r for r in case.ranges if r.zone == "chin"]
    assert [r.family for r in chin] == [Family.TOXIN, Family.FILLER]
    assert load_case_text(dump_case(case)) == case


def test_candidate_plan_errors_point_inside_the_plan():
    text = BASE.replace(
        "  disposition: treat\n",
        "  disposition: treat\n  candidate_plans:\n    - label: x\n      band: natural\n"
        "      rationale: y\n      plan:\n        disposition: treat\n        items:\n"
        "          - {zone: glabella, product: ona, amount: 20, side: both}\n",
    )
    issues = issues_for(text)
    issue = next(i for i in issues if i.field.endswith("plan.items[0].side"))
    assert issue.field == "reference.candidate_plans[0].plan.items[0].side"
    assert issue.line == line_of(text, "side: both}")


def test_candidate_plan_band_must_match_the_engine():
    text = BASE.replace(
        "  disposition: treat\n",
        "  disposition: treat\n  candidate_plans:\n    - label: x\n      band: natural\n"
        "      rationale: y\n      plan:\n        disposition: treat\n        items:\n"
        "          - {zone: glabella, product: ona, amount: 40, side: midline}\n"
        "          - {zone: cheek, product: ha_firm, amount: 0.8, side: both}\n",
    )
    issues = issues_for(text)
    issue = next(i for i in issues if i.field == "reference.candidate_plans[0].band")
    assert "overfilled" in issue.message and issue.line == line_of(text, "band: natural")
    assert load_case_text(text, "t.yaml", check_bands=False).id == "t-case"


def test_disposition_needs_zones_and_defer_forbids_them():
    no_zones = re.sub(r"  zones:\n(    .*\n|      .*\n)*", "", BASE)
    assert any(i.field == "reference.zones" for i in issues_for(no_zones))
    deferred = edit("  disposition: treat\n", "  disposition: defer\n")
    assert any("nothing is injected" in i.message for i in issues_for(deferred))


def test_permanent_filler_history_needs_its_flag():
    text = edit(
        "{zone: cheek, product: ha_firm, amount: 0.5, side: both, months_ago: 30}",
        "{zone: nasolabial, product: silicone, side: both, months_ago: 100}",
    )
    issues = issues_for(text)
    assert any(
        i.field == "history[0].product" and "permanent_filler_in_area" in i.message for i in issues
    )


def test_yearly_label_ceiling_with_weight():
    text = edit("  glogau: II\n", "  glogau: II\n  weight_kg: 3\n")
    assert any(i.field == "patient.weight_kg" for i in issues_for(text))
    heavy = edit("  glogau: II\n", "  glogau: II\n  weight_kg: 21\n")
    heavy = edit(
        "{zone: cheek, product: ha_firm, amount: 0.5, side: both, months_ago: 30}",
        "{zone: jawline, product: ha_firm, amount: 4.5, side: both, months_ago: 4}",
        heavy,
    )
    assert any("a year" in i.message for i in issues_for(heavy))


def test_file_name_must_match_id(tmp_path):
    path = tmp_path / "other-name.yaml"
    path.write_text(BASE, encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        load_case_file(path)
    issue = info.value.issues[0]
    assert issue.field == "id" and issue.line == 1 and "other-name" in issue.message
    good = tmp_path / "t-case.yaml"
    good.write_text(BASE, encoding="utf-8")
    assert load_case_file(good).id == "t-case"


def test_unreadable_file_is_an_issue(tmp_path):
    with pytest.raises(CaseFileError) as info:
        load_case_file(tmp_path / "missing.yaml")
    assert "cannot read" in info.value.issues[0].message


@pytest.mark.parametrize("case_id", EXAMPLE_IDS)
def test_example_cases_load_and_round_trip(case_id, tmp_path):
    case = example(case_id)
    assert case.id == case_id
    assert {c.band for c in case.reference.candidate_plans} >= {
        Band.CONSERVATIVE,
        Band.OVERFILLED,
    }
    text = dump_case(case)
    again = load_case_text(text, "dumped.yaml")
    assert again == case
    assert again.ranges == case.ranges
    (tmp_path / f"{case_id}.yaml").write_text(text, encoding="utf-8")
    assert load_case_file(tmp_path / f"{case_id}.yaml") == case


def test_every_case_file_in_the_bank_loads():
    files = sorted(CASES_DIR.glob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        assert load_case_file(path).id == path.stem


def test_round_trip_keeps_dates_history_and_multiline_text():
    text = edit("id: t-case\n", "id: t-case\nvisit_date: 2025-03-01\n")
    text = edit("months_ago: 30}", "date: 2022-09-01, note: given abroad}", text)
    text = edit("summary: A test case.\n", "summary: |\n  Line one.\n  Line two.\n", text)
    case = load_case_text(text, "t.yaml")
    assert case.months_ago(case.history[0]) == pytest.approx(30, abs=0.1)
    assert load_case_text(dump_case(case)) == case
    assert case_to_dict(case)["summary"] == "Line one.\nLine two."


def test_documented_example_loads(tmp_path):
    doc = (Path(__file__).resolve().parents[2] / "docs" / "case-format.md").read_text("utf-8")
    block = doc.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "f44-frown-lines.yaml"
    path.write_text(block, encoding="utf-8")
    case = load_case_file(path)
    assert case.reference.disposition == Disposition.TREAT
    crows = case.range_for("crows_feet", Family.TOXIN)
    assert (crows.min, crows.max, crows.ceiling, crows.source) == (6, 9, 12, "catalogue")
