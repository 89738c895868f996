"""A venue's morning (issue 21): under gunicorn, with the rate limits on and every
browser behind one address, 50 trainees log in at once through the login form while
20 others, already in, check in to the running session. Nobody is refused (no 429),
nothing fails (no 5xx, no "database is locked"): the password is checked outside any
write transaction, so on SQLite (a file, WAL) the check-ins do not queue behind the
Argon2 work of the logins. Every login and check-in is in the database afterwards, and
every password hash was re-made with the server's parameters at its owner's login."""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import extract_parameters

from bench.load import Server
from tests.services.test_concurrent_writers import Browser, csrf_token
from tests.support import database
from tests.support.detached_factories import factories
from training.accounts.models import LoginSession, User
from training.attendance import tokens
from training.attendance.models import AttendanceRecord
from training.config import Config
from training.core.db import utcnow
from training.extensions import db

SCHEMA = "login_burst"
LOGGING_IN = 50
CHECKING_IN = 20


@pytest.fixture
def burst_app(run_dir, database_url, tmp_path):
    with database.separate_app(database_url, run_dir, tmp_path / "instance", SCHEMA) as app:
        yield app


def test_fifty_logins_from_one_address_beside_check_ins_are_neither_refused_nor_locked_out(
    burst_app, tmp_path
):
    with factories(burst_app) as make:
        started = utcnow() - timedelta(minutes=1)
        workshop = make.workshop(starts_on=started.date(), timezone="UTC", capacity=LOGGING_IN + CHECKING_IN)
        session = make.running_session(workshop, started=timedelta(minutes=1))
        trainees = make.enrolled_trainees(workshop, LOGGING_IN + CHECKING_IN)
    arriving, present = trainees[:LOGGING_IN], trainees[LOGGING_IN:]
    with burst_app.app_context():
        db.engine.dispose()  # the server's workers are the only writers from here on

    secret = secrets.token_urlsafe(32)
    server = Server(
        burst_app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "instance",
        env={"TRAINING_SECRET_KEY": secret, "TRAINING_RATELIMITS": "on"},
        log=tmp_path / "gunicorn.log",
    )
    browsers = {trainee.id: Browser(server.base) for trainee in trainees}
    failures: list[str] = []
    ready = threading.Barrier(LOGGING_IN + CHECKING_IN, timeout=60)

    def log_in(trainee) -> None:
        browser = browsers[trainee.id]
        token = csrf_token(browser.get("/login").body)
        signed_in = browser.post("/login", [("email", trainee.email), ("password", trainee.password)], token)
        assert signed_in.status == 302, f"login answered {signed_in.status}: {signed_in.body[-300:]}"

    def check_in(trainee) -> None:
        browser = browsers[trainee.id]
        form = browser.get("/attendance/check-in")
        code = tokens.short_code(secret, session.id, tokens.window_at(utcnow()).number)
        checked_in = browser.post("/attendance/check-in", [("code", code)], csrf_token(form.body))
        assert checked_in.status == 302, f"check-in answered {checked_in.status}: {checked_in.body[-300:]}"

    def arrive(trainee) -> None:
        ready.wait()
        log_in(trainee)
        check_in(trainee)

    def already_in(trainee) -> None:
        ready.wait()
        check_in(trainee)

    def run(work, trainee) -> None:
        try:
            work(trainee)
        except BaseException as error:  # reported below, with every other trainee's
            failures.append(f"{trainee.email}: {type(error).__name__}: {error}")
            ready.abort()

    try:
        for trainee in present:  # in before the burst, from the same address
            log_in(trainee)
        began = time.monotonic()
        threads = [threading.Thread(target=run, args=(arrive, t)) for t in arriving]
        threads += [threading.Thread(target=run, args=(already_in, t)) for t in present]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        seconds = time.monotonic() - began
    finally:
        server.stop()
    log = server.stderr_text()

    statuses = Counter(status for browser in browsers.values() for _, _, status in browser.seen)
    assert failures == [], (failures[:5], statuses, log[-3000:])
    assert statuses[429] == 0
    assert all(200 <= status < 400 for status in statuses), statuses
    assert "database is locked" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    login_posts = sum(
        1 for b in browsers.values() for method, path, _ in b.seen if (method, path) == ("POST", "/login")
    )
    assert login_posts == LOGGING_IN + CHECKING_IN  # all from one address, well within a minute
    assert seconds < 60
    print(f"{LOGGING_IN} logins beside {CHECKING_IN} check-ins in {seconds:.1f} s: {dict(statuses)}")

    ids = [t.id for t in trainees]
    with burst_app.app_context():
        checked_in = db.session.scalars(
            sa.select(AttendanceRecord.trainee_id).where(AttendanceRecord.session_id == session.id)
        ).all()
        assert sorted(checked_in) == sorted(ids)
        logins = db.session.scalars(
            sa.select(LoginSession.user_id).where(LoginSession.user_id.in_(ids))
        ).all()
        assert sorted(logins) == sorted(ids)
        hashes = db.session.scalars(sa.select(User.password_hash).where(User.id.in_(ids))).all()
        made_with = {
            (p.time_cost, p.memory_cost, p.parallelism) for p in (extract_parameters(h) for h in hashes)
        }
        assert made_with == {
            (
                Config.PASSWORD_HASH_TIME_COST,
                Config.PASSWORD_HASH_MEMORY_KIB,
                Config.PASSWORD_HASH_PARALLELISM,
            )
        }
