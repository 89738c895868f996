"""The declarative base, shared column types and database-engine behaviour."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import click
import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    RelationshipProperty,
    mapped_column,
    registry,
)

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


class LazyLoadRefused(RuntimeError):
    """A relationship was about to be loaded for one object after another: the N+1 pattern."""


# None: watch requests and commands, as their context says; True or False: as told.
_lazy_load_watch: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "lazy_load_watch", default=None
)


@contextmanager
def watching_lazy_loads(watch: bool | None = True) -> Iterator[None]:
    """Watch for lazy loads in a stretch of work that is neither a request nor a command
    (a queued task), or stop watching (a test's own code, which may load as it likes)."""
    token = _lazy_load_watch.set(watch)
    try:
        yield
    finally:
        _lazy_load_watch.reset(token)


def lazy_loads_watched() -> bool:
    told = _lazy_load_watch.get()
    if told is not None:
        return told
    return has_request_context() or click.get_current_context(silent=True) is not None


_RELOADS_EXPECTED = "lazy_reloads_expected"


def reloads_expected() -> None:
    """The request ended its transaction early (a refusal rolled back, or work committed
    for another process): what the page shows next reloads from expired objects, which
    is not the N+1 pattern of the page's own queries, and is not refused."""
    setattr(g, _RELOADS_EXPECTED, True)


_LAZY_LOADED = "lazy_loaded_relationships"


@sa.event.listens_for(Session, "do_orm_execute")
def _watch_lazy_loads(state: ORMExecuteState) -> None:
    """Refuse the N+1 pattern: one relationship loaded lazily for object after object.

    A page that walks a list and touches each row's relationship runs one query per
    row; the query that loads the list must name what the page needs instead
    (``selectinload``/``joinedload``), or the model declares it eager when every use
    needs it. So the second lazy load of the same relationship, for another object, in
    one request, command or queued task is refused in development and in
    the tests, and logged in production (``LAZY_LOADS``). One object's relationship
    loaded once is not refused: it costs one query however much data there is.
    Many-to-one loads found in the session's identity map run no SQL and are not seen
    here, nor is test code outside a request."""
    if not state.is_select or state.lazy_loaded_from is None:
        return
    if not has_app_context() or not lazy_loads_watched() or g.get(_RELOADS_EXPECTED):
        return
    path = state.loader_strategy_path
    relationship = path[-1] if path is not None and len(path) >= 2 else None
    if not isinstance(relationship, RelationshipProperty) or relationship.lazy != "select":
        return
    owner = state.lazy_loaded_from.identity_key or id(state.lazy_loaded_from)
    # Per app context: one request, command or task.
    loaded = g.setdefault(_LAZY_LOADED, {})
    first_owner = loaded.setdefault(relationship, owner)
    if first_owner == owner:
        return
    message = (
        f"lazy load of {relationship.parent.class_.__name__}.{relationship.key} for one object after "
        "another (N+1 queries): name it in the query that loaded the objects (selectinload/joinedload)"
    )
    if current_app.config.get("LAZY_LOADS", "raise") == "raise":
        raise LazyLoadRefused(message)
    current_app.logger.warning(message)


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
