"""The tests mirror the house: tests/domain needs no app, so it runs without Flask or SQLAlchemy
ever being imported (the root conftest loads them only for fixtures that need an app)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
APP_FIXTURES = {"app", "db", "client", "factory", "count_queries", "database_url", "live"}
APP_MODULES = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug")


def test_domain_tests_import_neither_flask_nor_sqlalchemy():
    modules = sorted(
        "tests.domain." + path.stem for path in (TESTS / "domain").glob("*.py") if path.stem
    )
    script = (
        "import importlib, json, sys\n"
        "importlib.import_module('tests.conftest')\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {APP_MODULES!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=TESTS.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_domain_tests_ask_for_no_app_fixture():
    asked = {}
    for path in (TESTS / "domain").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                wanted = {arg.arg for arg in node.args.args} & APP_FIXTURES
                if wanted:
                    asked[f"{path.name}::{node.name}"] = sorted(wanted)
    assert asked == {}
