"""The migrations build the schema the models describe, on this test's database."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from tests.support import database
from training import create_app
from training.config import TestConfig
from training.extensions import db

SCHEMA = "migration_check"


@pytest.fixture
def empty_database(run_dir, database_url, tmp_path):
    url = database.separate_url(database_url, run_dir, SCHEMA)
    database.recreate(url, schema=SCHEMA)
    app = create_app(TestConfig(tmp_path / "instance", url))
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop(url, SCHEMA)


def pending_changes(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names(app):
    with app.app_context():
        return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_builds_exactly_what_the_models_describe(empty_database):
    with empty_database.app_context():
        upgrade()
    assert pending_changes(empty_database) == []
    assert set(db.metadata.tables) <= table_names(empty_database)


def test_downgrade_removes_everything_and_upgrade_rebuilds_it(empty_database):
    with empty_database.app_context():
        upgrade()
        downgrade(revision="base")
    assert table_names(empty_database) <= {"alembic_version"}
    with empty_database.app_context():
        upgrade()
    assert pending_changes(empty_database) == []
