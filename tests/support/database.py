"""The database under test: which one, building it, and sessions that roll back."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import scoped_session, sessionmaker

from training.config import normalise_database_url
from training.core.db import Session
from training.extensions import db


def test_url(run_dir: Path) -> str:
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        return normalise_database_url(configured)
    return f"sqlite:///{run_dir / 'test.db'}"


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def describe(url: str) -> str:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite ({parsed.database})"
    return f"PostgreSQL ({parsed.host}:{parsed.port or 5432}/{parsed.database})"


def recreate(url: str, schema: str = "public") -> None:
    """An empty database (SQLite file) or an empty schema (PostgreSQL)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    engine = sa.create_engine(parsed.set(query={}))
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine.dispose()


def drop(url: str, schema: str) -> None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        recreate(url)
        return
    engine = sa.create_engine(parsed.set(query={}))
    with engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def separate_url(base_url: str, run_dir: Path, name: str) -> str:
    """Another empty database beside the main test database: a new SQLite file,
    or a new PostgreSQL schema reached through the search path."""
    if not is_postgres(base_url):
        return f"sqlite:///{run_dir / f'{name}.db'}"
    parsed = sa.engine.make_url(base_url)
    return parsed.set(query={"options": f"-csearch_path={name}"}).render_as_string(hide_password=False)


def migrate_to_head() -> None:
    from flask_migrate import upgrade

    upgrade()


@contextmanager
def separate_app(base_url: str, run_dir: Path, instance: Path, name: str) -> Iterator[Flask]:
    """An app on its own migrated database (see ``separate_url``), for tests whose
    processes or threads commit for real; the database is dropped afterwards."""
    from training import create_app
    from training.config import TestConfig

    url = separate_url(base_url, run_dir, name)
    recreate(url, schema=name)
    app = create_app(TestConfig(instance, url))
    with app.app_context():
        migrate_to_head()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        drop(url, name)


class RollbackOnRemove(scoped_session):
    """One session for the test and every request it makes.

    Flask-SQLAlchemy removes the session when an app context ends. Here that
    undoes only what was not committed (as a real request would lose it) and
    keeps the session open, so objects a test holds stay usable and are
    reloaded fresh after each request.
    """

    def remove(self) -> None:
        if self.registry.has():
            self.registry().rollback()


def shared_session(connection: sa.Connection) -> Any:
    factory = sessionmaker(
        class_=Session,
        db=db,
        bind=connection,
        join_transaction_mode="create_savepoint",
        query_cls=db.Query,
    )
    return RollbackOnRemove(factory, scopefunc=lambda: "test")
