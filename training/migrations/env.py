"""Alembic environment: migrations run against the app's own engine and models.

Run through Flask-Migrate (``flask --app training db upgrade``) so that the
database URL and the models come from the application, not from alembic.ini.
"""

import logging

import sqlalchemy as sa
from alembic import context
from flask import current_app

from training.core.db import UTCDateTime

config = context.config
log = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]
engine = migrate_ext.db.engine
target_metadata = migrate_ext.db.metadata


def skip_empty_autogenerate(migration_context, revision, directives):
    # `flask db migrate` with no model change writes no empty revision file.
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        log.info("The models and the migrations agree: nothing to generate.")


def render_item(kind, obj, autogen_context):
    """Write the app's own column types as plain SQLAlchemy types, so that a
    migration keeps working when the app's code changes."""
    if kind != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, sa.JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def run_offline():
    context.configure(
        url=engine.url.render_as_string(hide_password=False),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
        **migrate_ext.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online():
    options = dict(migrate_ext.configure_args)
    options.setdefault("render_item", render_item)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    with engine.connect() as connection:
        # SQLite: batch migrations rebuild a table by copying it and dropping the old one.
        # With foreign keys on, that DROP deletes the old rows first and cascades to every
        # row that refers to them (dropping ``workshops`` would empty ``assessments``).
        # The pragma only takes effect outside a transaction, hence the raw connection.
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            context.configure(connection=connection, target_metadata=target_metadata, **options)
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                connection.commit()
                if broken:
                    raise RuntimeError(f"the migration left rows with missing parents: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


if context.is_offline_mode():
    run_offline()
else:
    run_online()
