"""Two hosts behind one site, each gunicorn with two workers, keep their login limits in
the same Redis (``TRAINING_REDIS_URL``): guesses at one account's password spread over
both hosts are counted together, so the sixth from one address is refused whichever
host answers (kept per process, four processes would each have seen one or two)."""

from __future__ import annotations

import secrets

import pytest

from bench.load import Server
from tests.services.test_concurrent_writers import Browser, csrf_token
from tests.support import database
from tests.support.detached_factories import factories
from training.accounts import login_limits
from training.extensions import db

SCHEMA = "login_limits_shared"


@pytest.fixture
def hosts_app(run_dir, database_url, tmp_path):
    with database.separate_app(database_url, run_dir, tmp_path / "instance", SCHEMA) as app:
        yield app


def test_guesses_spread_over_two_hosts_are_counted_together(hosts_app, tmp_path, redis_url):
    with factories(hosts_app) as make:
        trainee = make.trainee()
    with hosts_app.app_context():
        db.engine.dispose()

    env = {"TRAINING_SECRET_KEY": secrets.token_urlsafe(32), "TRAINING_RATELIMITS": "on"}
    env["TRAINING_REDIS_URL"] = redis_url
    url = hosts_app.config["SQLALCHEMY_DATABASE_URI"]
    hosts = [
        Server(url, tmp_path / "instance", env=env, log=tmp_path / "first.log"),
    ]
    try:
        hosts.append(Server(url, tmp_path / "instance", env=env, log=tmp_path / "second.log"))
        # A fresh browser for each guess: a new connection, so any worker of either host.
        replies = []
        for n in range(6):
            browser = Browser(hosts[n % 2].base)
            token = csrf_token(browser.get("/login").body)
            replies.append(
                browser.post("/login", [("email", trainee.email), ("password", f"guess-{n}")], token)
            )
    finally:
        for host in hosts:
            host.stop()

    assert [reply.status for reply in replies] == [200] * 5 + [429]
    assert login_limits.REFUSED_FOR_ACCOUNT in replies[-1].body
    logs = "".join(host.stderr_text() for host in hosts)
    assert "Traceback" not in logs, logs[-3000:]
