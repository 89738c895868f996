"""Fixtures for the whole suite.

The suite runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set.
The schema is built once per run by the real migrations; each test then runs
inside a transaction that is rolled back at its end, so tests never see each
other's data. What a test or a request commits only releases a savepoint.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Before the app is imported: the task queue and the secret key live in the
# instance folder, which must not be the developer's own.
_RUN_DIR = Path(tempfile.mkdtemp(prefix="training-tests-"))
os.environ["TRAINING_INSTANCE_PATH"] = str(_RUN_DIR / "instance")
os.environ.pop("TRAINING_REDIS_URL", None)
# The suite's own worker processes and servers (configured from the environment) are
# not a production site: they may print links to this computer into certificates.
os.environ["TRAINING_ENV"] = "development"

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from flask import Flask, has_app_context  # noqa: E402

from tests.support import database  # noqa: E402
from tests.support.client import CliRunner, TestClient  # noqa: E402
from tests.support.factories import Factories  # noqa: E402
from tests.support.tasks import run_pending, use_memory_queue  # noqa: E402
from tests.support.translations import compile_stale_catalogues  # noqa: E402
from training import create_app  # noqa: E402
from training.config import TestConfig  # noqa: E402
from training.core.db import watching_lazy_loads  # noqa: E402
from training.extensions import db  # noqa: E402

SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # In CI a skipped test is a test that did not run: PostgreSQL or Chromium
    # missing must fail the build, not pass it quietly.
    if os.environ.get("CI") and SKIPPED and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if os.environ.get("CI") and SKIPPED:
        terminalreporter.write_line(f"CI=true: {len(SKIPPED)} skipped test(s) count as failures:", red=True)
        for nodeid in SKIPPED:
            terminalreporter.write_line(f"  {nodeid}", red=True)
    terminalreporter.write_line(f"database under test: {database.describe(database.test_url(_RUN_DIR))}")


@pytest.fixture(scope="session")
def run_dir() -> Path:
    return _RUN_DIR


@pytest.fixture(scope="session")
def database_url(run_dir: Path) -> str:
    url = database.test_url(run_dir)
    database.recreate(url)
    return url


@pytest.fixture(scope="session")
def app(database_url: str, run_dir: Path) -> Flask:
    compile_stale_catalogues()
    application = create_app(TestConfig(run_dir / "instance", database_url))
    application.test_cli_runner_class = CliRunner
    use_memory_queue()
    with application.app_context():
        database.migrate_to_head()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def run_tasks(app: Flask):
    """Run what the queue holds, as the consumer would: ``run_tasks()``."""

    def run() -> int:
        # Each task opens its own app context, and closing one ends the test's
        # uncommitted work (the session is shared): commit before running tasks.
        if has_app_context():
            return run_pending()
        with app.app_context():
            return run_pending()

    run()  # nothing left over from an earlier test
    return run


@pytest.fixture
def session(app: Flask):
    """The test's database session: everything it does is rolled back at the end."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = database.shared_session(connection)
    try:
        yield db.session
    finally:
        db.session.close()
        outer.rollback()
        connection.close()
        db.session = original


@pytest.fixture
def client(app: Flask, session, request: pytest.FixtureRequest) -> TestClient:
    from training.extensions import limiter

    if "ctx" in request.fixturenames:
        # A context held open by the test would be shared by its requests (and
        # Flask-Login's cached user with it): the requests would not be real.
        pytest.fail("use either `client` or `ctx` in a test, not both")
    # Rate limits are on in tests, as in production; each test starts afresh.
    limiter.reset()
    app.test_client_class = TestClient
    return app.test_client()


@pytest.fixture(autouse=True)
def _test_code_loads_as_it_likes():
    """A test's own code may touch any relationship; the requests it makes through the
    test client, the tasks it runs and the commands it invokes are watched for lazy
    loads (see training.core.db)."""
    with watching_lazy_loads(False):
        yield


@pytest.fixture
def ctx(app: Flask, session):
    """An app context for tests that call services directly (not through HTTP)."""
    with app.test_request_context():
        yield


@pytest.fixture
def make(app: Flask, session) -> Factories:
    return Factories(app)


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""
    from tests.support.servers import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis server of the machine; a test that needs it is skipped without it
    (and CI counts a skip as a failure)."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server at {url}")
    return url


@pytest.fixture
def mails(session):
    """The outbox, as the tests see it: every message queued so far."""
    from training.core.mail import OutboxMessage

    def read(recipient: str | None = None) -> list[OutboxMessage]:
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        return list(session.scalars(query))

    return read


@pytest.fixture
def running_job(make):
    """A running job made by an admin, for pages that show progress."""
    from training.core.jobs import Job, JobState

    admin = make.admin()
    job = Job(
        kind="users-csv", title="Export", created_by_id=admin.id, state=JobState.RUNNING, done=3, total=10
    )
    db.session.add(job)
    db.session.commit()
    return job
