"""Timing pages in process, and counting the SQL statements each one runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask


@dataclass(frozen=True)
class Timing:
    name: str
    url: str
    role: str
    requests: int
    median_ms: float
    p95_ms: float
    statements: int  # per request (the same on every request of the page, or the maximum)
    status: int


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the value at or above ``fraction`` of the sample."""
    ordered = sorted(values)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil
    return ordered[rank - 1]


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class StatementCounter:
    """Counts statements sent to the database while ``counting()`` is open.
    Transaction control (BEGIN, COMMIT...) is not counted: it reads no data."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        self._on = False
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _connection: object, _cursor: object, statement: str, *_: object) -> None:
        if self._on and not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            self.count += 1

    @contextmanager
    def counting(self) -> Iterator[StatementCounter]:
        self.count = 0
        self._on = True
        try:
            yield self
        finally:
            self._on = False


def signed_in_client(app: Flask, user: str | None):
    """A test client holding a logged-in session; ``user`` is Flask-Login's id for
    the user (``"id:session-token"``), None for anonymous."""
    client = app.test_client()
    if user is not None:
        from training.accounts.models import User
        from training.accounts.services import start_login
        from training.extensions import db

        with app.test_request_context():
            key = start_login(db.session.get(User, int(user.partition(":")[0])), user_agent="bench")
            db.session.commit()
            db.session.remove()
        with client.session_transaction() as session:
            session["login"] = key  # the login on record (see accounts.services.current_login)
            session["_user_id"] = user
            session["_fresh"] = True
            session["seen"] = int(time.time())
            session["_id"] = "bench"
    return client


def time_page(
    app: Flask,
    counter: StatementCounter,
    *,
    name: str,
    url: str,
    role: str,
    user: str | None,
    requests: int = 30,
    warmup: int = 3,
) -> Timing:
    client = signed_in_client(app, user)
    for _ in range(warmup):
        response = client.get(url)
        response.close()
    samples: list[float] = []
    statements: list[int] = []
    status = 0
    for _ in range(requests):
        with counter.counting():
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            elapsed = time.perf_counter() - started
        status = response.status_code
        response.close()
        if status != 200:
            raise RuntimeError(f"{name}: GET {url} as {role} answered {status}: {body[:300]!r}")
        samples.append(elapsed * 1000)
        statements.append(counter.count)
    return Timing(
        name=name,
        url=url,
        role=role,
        requests=requests,
        median_ms=statistics.median(samples),
        p95_ms=percentile(samples, 0.95),
        statements=max(statements),
        status=status,
    )
