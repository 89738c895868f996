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
    """For the test's own thread, a session that survives the factories' app contexts:
    nothing is rolled back or expired. Every other thread (the live app's server and
    task consumer, which keep running meanwhile) keeps the app's own sessions, removed
    as usual when its app context ends: a request served while the factories run must
    not leave its transaction open (on PostgreSQL, dropping the schema at the end of
    the module would then wait for it forever)."""

    def __init__(self, factory, original: scoped_session) -> None:
        super().__init__(factory, scopefunc=threading.get_ident)
        self.original = original
        self.owner = threading.get_ident()

    def _mine(self) -> bool:
        return threading.get_ident() == self.owner

    @property
    def _proxied(self):
        return self.registry() if self._mine() else self.original._proxied

    def __call__(self, **kwargs):
        return super().__call__(**kwargs) if self._mine() else self.original(**kwargs)

    def remove(self) -> None:
        if not self._mine():
            self.original.remove()


@contextmanager
def factories(app: Flask) -> Iterator[Factories]:
    with app.app_context():
        engine = db.engine
    original = db.session
    factory = sessionmaker(class_=Session, db=db, bind=engine, expire_on_commit=False, query_cls=db.Query)
    db.session = KeepLoaded(factory, original)
    try:
        yield Factories(app)
    finally:
        sessions = list(db.session.registry.registry.values())
        db.session = original
        for built in sessions:
            built.close()
