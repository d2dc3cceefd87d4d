"""Issue 19: `flask content check` fails, naming file and key, on an untraced figure, an unknown
source key, a key nothing uses and a candidate plan whose band the engine does not give; and
`flask cases validate` / `export` handle drills as they handle cases."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from quizapp.services.authoring.content import BankIssue
from quizapp.services.authoring.content_rules import plan_compare_issues

from ..domain.test_plan_compare import _module

BANK = Path(__file__).resolve().parents[2] / "cases"
CASE = "f44-frown-lines.yaml"


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def one_case(tmp_path):
    shutil.copy(BANK / CASE, tmp_path)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _check(runner, path):
    return runner.invoke(args=["content", "check", str(path)])


def test_the_shipped_bank_passes_every_rule(runner):
    result = _check(runner, BANK)
    assert result.exit_code == 0, result.output
    assert "every figure traced, every source key used" in result.output


def test_an_untraced_figure_fails_with_file_line_and_keys(runner, one_case):
    _edit(
        one_case / CASE,
        "  - A forehead graded 1 needs nothing;",
        "  - A forehead graded 1 needs nothing (70 U would flatten it);",
    )
    result = _check(runner, one_case)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "untraced figure" in x)
    assert CASE in line and "learning_points" in line and "'70 U'" in line
    assert "cited: B1, B6" in line


def test_a_figure_its_cited_source_states_is_traced(runner, one_case):
    _edit(
        one_case / CASE,
        "  - A forehead graded 1 needs nothing;",
        "  - A forehead graded 1 needs nothing (the label's forehead dose is 20 U);",
    )
    result = _check(runner, one_case)
    assert "untraced figure" not in result.output


def test_an_unknown_source_key_fails(runner, one_case):
    _edit(one_case / CASE, "references: [B1, B6, B7,", "references: [B1, B99, B6, B7,")
    result = _check(runner, one_case)
    assert result.exit_code == 1
    assert CASE in result.output and "B99" in result.output


def test_a_key_nothing_cites_fails_naming_sources_py(runner, one_case):
    result = _check(runner, one_case)
    assert result.exit_code == 1
    assert any(
        line.startswith("quizapp/domain/sources.py:") and ": F53: no case, drill or module" in line
        for line in result.output.splitlines()
    ), result.output


def test_a_claimed_band_the_engine_does_not_give_fails(runner, one_case):
    _edit(
        one_case / CASE,
        "    - label: Half doses to see how she responds\n      band: conservative",
        "    - label: Half doses to see how she responds\n      band: natural",
    )
    result = _check(runner, one_case)
    assert result.exit_code == 1
    assert CASE in result.output and "conservative" in result.output


def test_cases_validate_reads_the_drills_of_the_bank(runner):
    result = runner.invoke(args=["cases", "validate"])
    assert result.exit_code == 0, result.output
    assert (
        "45 case file(s) and 4 drill file(s) valid" in result.output
        or "drill file(s) valid" in (result.output)
    )


def test_cases_validate_names_a_broken_drill_file(runner, tmp_path):
    drills = tmp_path / "drills"
    drills.mkdir()
    text = (BANK / "drills/delayed-nodule.yaml").read_text()
    (drills / "delayed-nodule.yaml").write_text(
        text.replace("references: [F25,", "references: [F999, F25,")
    )
    result = runner.invoke(args=["cases", "validate", str(tmp_path)])
    assert result.exit_code == 1
    assert "delayed-nodule.yaml" in result.output and "F999" in result.output
    one = runner.invoke(args=["cases", "validate", str(drills / "delayed-nodule.yaml")])
    assert one.exit_code == 1 and "F999" in one.output


def test_a_drill_is_imported_and_exported_like_a_case(runner, tmp_path):
    drills = tmp_path / "drills"
    drills.mkdir()
    shutil.copy(BANK / "drills/delayed-nodule.yaml", drills)
    imported = runner.invoke(args=["cases", "import", str(drills / "delayed-nodule.yaml")])
    assert imported.exit_code == 0, imported.output
    exported = runner.invoke(args=["cases", "export", "delayed-nodule"])
    assert exported.exit_code == 0, exported.output
    assert exported.output == (BANK / "drills/delayed-nodule.yaml").read_text()
    as_case = runner.invoke(args=["cases", "export", "delayed-nodule", "--kind", "case"])
    assert as_case.exit_code != 0 and "No case 'delayed-nodule'" in as_case.output


def test_a_question_whose_correct_plan_the_engine_agrees_with_passes():
    assert plan_compare_issues("m.yaml", _module(), BankIssue) == []


def test_content_check_fails_where_the_engine_disagrees_with_the_answer():
    issues = plan_compare_issues("m.yaml", _module(correct_first=False), BankIssue)
    assert len(issues) == 1
    assert "questions[0] (ex-01)" in str(issues[0]) and "options[0] natural" in str(issues[0])


def test_a_plan_compare_question_without_plans_fails():
    # The same question with its scenario and plans taken out: nothing the engine could check.
    lines = _module().splitlines(keepends=True)
    kept = [
        line
        for line in lines
        if not line.lstrip().startswith(("patient:", "assessment:", "glabella:", "treat:", "plan:"))
        and "{zone:" not in line
    ]
    issues = plan_compare_issues("m.yaml", "".join(kept), BankIssue)
    assert len(issues) == 1
    assert "questions[0] (ex-01)" in str(issues[0]) and "needs its plans" in str(issues[0])


def test_an_untraced_figure_in_a_drill_fails(runner, tmp_path):
    shutil.copytree(BANK / "drills", tmp_path / "drills")
    path = tmp_path / "drills/delayed-nodule.yaml"
    _edit(path, "dissolved with 1.5-9 U of", "dissolved with 1.5-77 U of")
    result = _check(runner, tmp_path)
    assert result.exit_code == 1
    line = next(x for x in result.output.splitlines() if "untraced figure" in x)
    assert "delayed-nodule.yaml" in line and "reference" in line and "77" in line
