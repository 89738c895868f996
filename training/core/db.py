"""The declarative base, shared column types and database-engine behaviour."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

# Named constraints make migrations reproducible and let Alembic's batch mode
# rebuild SQLite tables without losing them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on every database.

    PostgreSQL keeps ``timestamp with time zone``; SQLite has no zones, so the
    value is stored as naive UTC and made aware again when read. Naive values
    are refused on the way in: a wall-clock time without a zone is a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def enum_column(enum_class: type[enum.Enum], **kwargs: Any) -> Any:
    """A portable enum column: VARCHAR of the values, guarded by a CHECK constraint."""
    return mapped_column(
        sa.Enum(
            enum_class,
            name=enum_class.__name__.lower(),
            native_enum=False,
            create_constraint=True,
            validate_strings=True,
            length=max(len(member.value) for member in enum_class),
            values_callable=lambda members: [member.value for member in members],
        ),
        **kwargs,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            dict[str, Any]: JSONType,
            list[str]: JSONType,
            list[dict[str, Any]]: JSONType,
        },
    )


class IdMixin:
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)


class TimestampMixin:
    # Callables, so each row gets the time of its own insert or update.
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Session(FlaskSession):
    """Flask-SQLAlchemy's session, but honouring an explicit ``bind``.

    Flask-SQLAlchemy picks the engine itself and ignores a connection given to
    the session. The test suite binds the session to a connection inside an
    outer transaction so that every test is rolled back.
    """

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def affected_rows(result: sa.Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run with ``session.execute`` changed (typed as a
    plain Result, such a statement's result is a CursorResult)."""
    return cast("sa.CursorResult[Any]", result).rowcount


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_reading: contextvars.ContextVar[bool] = contextvars.ContextVar("reading", default=False)


@contextmanager
def reading() -> Iterator[None]:
    """A stretch of work that only reads: on SQLite its transaction does not take the
    write lock, so a task lets other writers in meanwhile. The transaction ends with
    the stretch (rolled back: it wrote nothing), so what follows may write."""
    token = _reading.set(True)
    try:
        yield
    finally:
        # The app's Flask-SQLAlchemy (training.extensions.db, which builds on this module).
        current_app.extensions["sqlalchemy"].session.rollback()
        _reading.reset(token)


def configure_engine(engine: sa.Engine) -> None:
    """Engine behaviour that every part of the app relies on."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # A request that may write takes SQLite's write lock when its
        # transaction starts. Upgrading a read transaction to a write one
        # later fails at once ("database is locked") instead of waiting for
        # the busy timeout; taking it up front makes writers queue politely.
        # Reads (GET) stay concurrent. Outside a request (CLI, tasks) we write.
        only_reads = _reading.get() or (has_request_context() and request.method in SAFE_METHODS)
        connection.exec_driver_sql("BEGIN" if only_reads else "BEGIN IMMEDIATE")
