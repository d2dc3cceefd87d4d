"""`flask cases`, `flask plan` and `flask content` on real files and a real database."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from quizapp.models import CaseRecord, CaseVersion, ModuleRecord

BANK = Path(__file__).resolve().parents[2] / "cases"
NATURAL_PLAN = """\
disposition: treat
items:
  - {zone: glabella, product: ona, amount: 20, side: midline}
  - {zone: crows_feet, product: ona, amount: 8, side: both}
"""


@pytest.fixture()
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture()
def small_bank(tmp_path):
    shutil.copy(BANK / "f44-frown-lines.yaml", tmp_path)
    shutil.copy(BANK / "f57-midface-volume.yaml", tmp_path)
    return tmp_path


def _count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_content_check_passes_on_the_shipped_bank(runner):
    result = runner.invoke(args=["content", "check", str(BANK)])
    assert result.exit_code == 0, result.output
    assert "Content OK" in result.output


def test_content_check_fails_on_source_keys_nothing_cites(runner, small_bank):
    result = runner.invoke(args=["content", "check", str(small_bank)])
    assert result.exit_code == 1, result.output
    unused = {
        line.split(": ")[1]
        for line in result.output.splitlines()
        if line.startswith("quizapp/domain/sources.py:")
    }
    # The frown and midface cases cite no vascular-occlusion source; the CPD keys (R) are not
    # clinical sources and are never listed.
    assert {"F38", "F53", "F56"} <= unused
    assert not {"B1", "F3", "R1"} & unused
    assert "no case, drill or module cites this source key" in result.output


def test_content_check_fails_without_an_overfilled_candidate(runner, small_bank):
    path = small_bank / "f57-midface-volume.yaml"
    text = path.read_text()
    start = text.index("    - label:", text.index("candidate_plans"))
    # Keep only the first candidate plan of the file.
    second = text.index("    - label:", start + 10)
    end = text.find("\nlearning_points", second)
    path.write_text(text[:second] + text[end + 1 :] if end != -1 else text[:second])
    result = runner.invoke(args=["content", "check", str(small_bank)])
    assert result.exit_code == 1
    assert "needs a candidate plan whose band is" in result.output


def test_content_check_reports_a_module_naming_a_missing_case(runner, small_bank):
    (small_bank / "modules").mkdir()
    module = (BANK / "modules" / "01-natural-results.yaml").read_text()
    module = re.sub(r"^cases: .*$", "cases: [no-such-case]", module, flags=re.M)
    (small_bank / "modules" / "01-natural-results.yaml").write_text(module)
    result = runner.invoke(args=["content", "check", str(small_bank)])
    assert result.exit_code == 1
    assert "no case file with id 'no-such-case'" in result.output


def test_validate_lists_every_error_with_file_line_and_field(runner, small_bank):
    bad = small_bank / "f44-frown-lines.yaml"
    bad.write_text(bad.read_text().replace("age: 44", "age: old").replace("sex: F", "sex: Q"))
    result = runner.invoke(args=["cases", "validate", str(small_bank)])
    assert result.exit_code == 1
    assert "f44-frown-lines.yaml:" in result.output
    assert "patient.age" in result.output and "patient.sex" in result.output


def test_import_is_all_or_nothing_and_idempotent(runner, small_bank, db):
    broken = small_bank / "zz-broken.yaml"
    broken.write_text("id: zz-broken\ntitle: [unclosed\n")
    result = runner.invoke(args=["cases", "import", str(small_bank)])
    assert result.exit_code == 1 and "Nothing was imported" in result.output
    assert _count(db, CaseRecord) == 0
    broken.unlink()
    first = runner.invoke(args=["cases", "import", str(small_bank)])
    assert first.exit_code == 0, first.output
    assert "2 new" in first.output
    again = runner.invoke(args=["cases", "import", str(small_bank)])
    assert "0 new, 0 updated, 2 unchanged" in again.output
    assert _count(db, CaseVersion) == 2


def test_changed_file_becomes_a_new_version_and_export_prints_it(runner, small_bank, db):
    runner.invoke(args=["cases", "import", str(small_bank)])
    path = small_bank / "f44-frown-lines.yaml"
    path.write_text(
        path.read_text().replace(
            "title: Frown lines and crow's feet at 44", "title: Frown lines at 44"
        )
    )
    result = runner.invoke(args=["cases", "import", str(path)])
    assert result.exit_code == 0 and "1 updated" in result.output
    numbers = db.session.scalars(
        select(CaseVersion.number).join(CaseRecord).where(CaseRecord.slug == "f44-frown-lines")
    ).all()
    assert sorted(numbers) == [1, 2]
    latest = runner.invoke(args=["cases", "export", "f44-frown-lines"])
    assert "title: Frown lines at 44" in latest.output
    first = runner.invoke(args=["cases", "export", "f44-frown-lines", "--version", "1"])
    assert "title: Frown lines and crow's feet at 44" in first.output
    missing = runner.invoke(args=["cases", "export", "nope"])
    assert missing.exit_code != 0


def test_plan_score_prints_table_and_json(runner, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(NATURAL_PLAN)
    case = str(BANK / "f44-frown-lines.yaml")
    table = runner.invoke(args=["plan", "score", case, str(plan)])
    assert table.exit_code == 0, table.output
    assert "natural" in table.output.lower() and "glabella" in table.output.lower()
    as_json = runner.invoke(args=["plan", "score", case, str(plan), "--json"])
    data = json.loads(as_json.output)
    assert data["band"] == "natural" and data["score"] == 100


def test_plan_score_reports_a_bad_plan_file(runner, tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "disposition: treat\nitems:\n  - {zone: lips, product: ha_soft, amount: 1, side: both}\n"
    )
    result = runner.invoke(args=["plan", "score", str(BANK / "f44-frown-lines.yaml"), str(plan)])
    assert result.exit_code == 1
    assert "plan.yaml:3" in result.output and "items[0].side" in result.output


def test_content_stats_counts_the_bank(runner):
    result = runner.invoke(args=["content", "stats", str(BANK)])
    assert result.exit_code == 0, result.output
    assert "Questions:" in result.output and "by Fitzpatrick" in result.output


def test_demo_imports_the_modules(runner, db):
    result = runner.invoke(args=["demo", "--quiet"])
    assert result.exit_code == 0, result.output
    assert _count(db, ModuleRecord) == len(list((BANK / "modules").glob("*.yaml")))


def test_shipped_bank_meets_the_curriculum_targets():
    """Issue targets: 20+ cases, 3+ per decade, 6+ men, every skin type; 150+ questions in 7+
    modules, with every question type used."""
    from quizapp.services.authoring.content import bank_stats

    stats = bank_stats(BANK)
    assert sum(stats.cases_by_sex.values()) >= 20
    assert all(stats.cases_by_decade[d] >= 3 for d in ("20s-30s", "40s", "50s", "60s", "70s+"))
    assert stats.cases_by_sex["M"] >= 6
    assert all(stats.cases_by_fitzpatrick[t] >= 1 for t in ("I", "II", "III", "IV", "V", "VI"))
    assert len(stats.cases_by_glogau) >= 3
    assert sum(stats.questions_by_module.values()) >= 150
    assert len(stats.questions_by_module) >= 7
    assert set(stats.questions_by_type) == {
        "single",
        "multi",
        "truefalse",
        "numeric",
        "ordering",
        "hotspot",
        "plan_compare",
    }
