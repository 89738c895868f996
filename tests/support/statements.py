"""Counting the SQL statements a piece of work sends: how the suite checks that pages
and services run a fixed number of queries, however much data there is."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from training.extensions import db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def recorded_statements(app: Flask | None = None, *, selects_only: bool = False) -> Iterator[list[str]]:
    """The statements sent while open, in order, leaving out transaction control (the
    test's own savepoints among it); ``selects_only`` keeps the reads alone. Without
    ``app``, call it inside an app context."""
    if app is not None:
        with app.app_context():
            engine = db.engine
    else:
        engine = db.engine
    statements: list[str] = []

    def record(_connection, _cursor, statement: str, *_args) -> None:
        text = statement.lstrip().upper()
        if text.startswith(TRANSACTION_CONTROL) or (selects_only and not text.startswith("SELECT")):
            return
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
