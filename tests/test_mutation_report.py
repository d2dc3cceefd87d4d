"""scripts/mutation_report.py turns `make mutation`'s MUTATE selection into the file it reports."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "mutation_report", Path(__file__).resolve().parents[1] / "scripts" / "mutation_report.py"
)
mutation_report = importlib.util.module_from_spec(_SPEC)
# Registered first: its dataclasses look their module up while the file runs.
sys.modules.setdefault("mutation_report", mutation_report)
_SPEC.loader.exec_module(mutation_report)


@pytest.mark.parametrize(
    ("only", "prefix"),
    [
        ("", ""),
        ("quizapp/domain/cpd", "quizapp/domain/cpd"),
        ("quizapp/domain/scoring", "quizapp/domain/scoring"),
        ("quizapp/domain/scoring/session/x_product_safety", "quizapp/domain/scoring/session.py"),
        (
            "quizapp/domain/scoring/results/x\u01c1Reason\u01c1__post_init__",
            "quizapp/domain/scoring/results.py",
        ),
        ("quizapp/domain/xylem/x_a", "quizapp/domain/xylem.py"),
    ],
)
def test_a_function_selection_reports_its_file(only, prefix):
    assert mutation_report.file_prefix(only) == prefix
