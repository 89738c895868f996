"""Factories for an app of its own (the browser tests' live app, a separate database):
outside the `session` fixture, whose shared session keeps factory objects usable.

``with factories(app) as make:`` writes through a session that nothing rolls back
or expires, so the objects returned stay readable after the block.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy.orm import scoped_session, sessionmaker

from tests.support.factories import Factories
from training.core.db import Session
from training.extensions import db


class KeepLoaded(scoped_session):
    """Survives the factories' app contexts: nothing is rolled back or expired."""

    def remove(self) -> None:
        pass


@contextmanager
def factories(app: Flask) -> Iterator[Factories]:
    with app.app_context():
        engine = db.engine
    original = db.session
    factory = sessionmaker(class_=Session, db=db, bind=engine, expire_on_commit=False, query_cls=db.Query)
    # Per thread: a live app's server and task consumer keep running meanwhile.
    db.session = KeepLoaded(factory, scopefunc=threading.get_ident)
    try:
        yield Factories(app)
    finally:
        sessions = list(db.session.registry.registry.values())
        db.session = original
        for built in sessions:
            built.close()
