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
