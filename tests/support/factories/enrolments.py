"""Enrolments factories, and a way to use every factory against a live app."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from tests.support import database
from training.extensions import db


class EnrolmentsFactories:
    app: Flask


class _ThisThreadOnly:
    """``db.session`` for the thread that builds the data; every other thread (a
    live server's, a task consumer's) keeps the app's own sessions."""

    def __init__(self, mine: Any, original: Any) -> None:
        self._mine, self._original, self._thread = mine, original, threading.get_ident()

    def _pick(self) -> Any:
        return self._mine if threading.get_ident() == self._thread else self._original

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._pick()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pick(), name)


@contextmanager
def committing_session(app: Flask) -> Iterator[None]:
    """Let the factories build data in ``app``'s own database (a live server's),
    really committed, with their objects usable after each factory call as in
    the other tests. Outside the ``session`` fixture only."""
    with app.app_context():
        connection = db.engine.connect()
    original = db.session
    mine = database.shared_session(connection)
    db.session = _ThisThreadOnly(mine, original)
    try:
        yield
    finally:
        mine.close()
        connection.close()
        db.session = original
