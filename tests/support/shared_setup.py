"""Factories against an app with its own database (a live server, a concurrency test).

The ``make`` fixture shares one session with the test; an app with its own database
has none, and each factory call would leave its objects detached. ``factories(app)``
gives the calling thread one session for the whole set-up (the server's threads keep
theirs) and puts everything back at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy.orm import sessionmaker

from tests.support.database import RollbackOnRemove
from tests.support.factories import Factories
from training.core.db import Session
from training.extensions import db


class OnThisThread:
    """The set-up session for the thread that made it; other threads keep the app's."""

    def __init__(self, mine: Any, original: Any) -> None:
        self.owner, self.mine, self.original = threading.get_ident(), mine, original

    def current(self) -> Any:
        return self.mine if threading.get_ident() == self.owner else self.original

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.current()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.current(), name)


@contextmanager
def factories(app: Flask) -> Iterator[Factories]:
    with app.app_context():
        engine = db.engine
    original = db.session
    mine = RollbackOnRemove(
        sessionmaker(class_=Session, db=db, bind=engine, query_cls=db.Query), scopefunc=lambda: "setup"
    )
    db.session = OnThisThread(mine, original)
    try:
        yield Factories(app)
    finally:
        mine.registry().close()
        db.session = original
