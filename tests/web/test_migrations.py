"""The schema comes from Alembic: one head, and `upgrade` from empty matches the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from quizapp import MIGRATIONS_DIR, create_app
from quizapp.extensions import db
from tests.conftest import fresh_database


def test_single_head():
    from alembic.config import Config

    config = Config(str(Path(MIGRATIONS_DIR) / "alembic.ini"))
    config.set_main_option("script_location", MIGRATIONS_DIR)
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


@pytest.fixture()
def empty_database_url(tmp_path):
    with fresh_database(tmp_path) as url:
        yield url


def test_upgrade_from_empty_matches_models_and_downgrades_cleanly(empty_database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(directory=MIGRATIONS_DIR, revision="base")
        leftover = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert leftover == set()
        upgrade(directory=MIGRATIONS_DIR)  # and it can go up again
        db.engine.dispose()


def test_flag_results_are_backfilled_from_earlier_attempts(empty_database_url):
    """d8a4f6b2c317 copies each submitted attempt's found and missed flags into narrow rows."""
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "x"})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="c5e8f3a2b111")
        result = '{"red_flags": {"found": ["pregnancy"], "missed": ["bdd_signs"]}}'
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO users (id, email, display_name, password_hash, active, is_site_admin,"
                " session_version, created_at) VALUES (1, 'a@b.example', 'A', 'x', true, false,"
                " 1, CURRENT_TIMESTAMP)",
                "INSERT INTO academies (id, name, slug, created_at)"
                " VALUES (1, 'A', 'a', CURRENT_TIMESTAMP)",
                "INSERT INTO cases (id, slug, title, created_at)"
                " VALUES (1, 'c', 'C', CURRENT_TIMESTAMP)",
                "INSERT INTO case_versions (id, case_id, number, status, source_text,"
                " content_hash, summary, created_at)"
                " VALUES (1, 1, 1, 'published', 'x', 'h', '{}', CURRENT_TIMESTAMP)",
            ):
                connection.execute(text(statement))
            for attempt_id, status, payload in (
                (1, "submitted", result),
                (2, "in_progress", None),
            ):
                connection.execute(
                    text(
                        "INSERT INTO case_attempts (id, user_id, academy_id, case_id,"
                        " case_version_id, step, status, started_at, updated_at, grades,"
                        " red_flags, plan_items, result) VALUES (:id, 1, 1, 1, 1, 'result',"
                        " :status, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '{}', '[]', '[]', :r)"
                    ),
                    {"id": attempt_id, "status": status, "r": payload},
                )
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT attempt_id, flag, missed FROM case_flag_results ORDER BY flag")
            ).all()
        assert [(r[0], r[1], bool(r[2])) for r in rows] == [
            (1, "bdd_signs", True),
            (1, "pregnancy", False),
        ]
        db.engine.dispose()
