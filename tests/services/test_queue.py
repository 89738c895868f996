"""The task queue on its real storages (SQLite file, Redis), and a real consumer process."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
import uuid

import pytest
import sqlalchemy as sa
from huey.storage import RedisStorage, SqliteStorage

from tests.support import database
from training import create_app
from training.accounts.models import Role, User
from training.config import TestConfig
from training.core.jobs import Job, JobState, start_job
from training.core.queue import huey
from training.extensions import db


@pytest.fixture(params=["sqlite", "redis"])
def real_queue(request, tmp_path):
    """Huey on the storage a real installation uses, instead of the test memory."""
    if request.param == "sqlite":
        storage = SqliteStorage(name="training", filename=str(tmp_path / "tasks.db"))
    else:
        storage = RedisStorage(
            name=f"training-test-{uuid.uuid4().hex}", url=request.getfixturevalue("redis_url")
        )
    original = huey.storage
    huey.storage = storage
    try:
        yield storage
    finally:
        storage.flush_all()
        huey.storage = original


def consume_one() -> None:
    task = huey.dequeue()
    assert task is not None, "nothing was queued"
    huey.execute(task)


def test_an_export_job_travels_through_the_queue(ctx, make, real_queue):
    admin = make.admin()
    make.trainee(full_name="=HYPERLINK(1)")
    job = start_job("users-csv", "Export", actor=admin)
    assert huey.pending_count() == 0  # not before the commit
    db.session.commit()
    assert huey.pending_count() == 1

    consume_one()

    assert job.state is JobState.DONE
    assert (job.done, job.total, job.percent) == (2, 2, 100)
    with job.result_path().open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["email"] for row in rows} == {u.email for u in db.session.scalars(sa.select(User))}
    assert "'=HYPERLINK(1)" in {row["full_name"] for row in rows}


def test_mail_travels_through_the_queue(ctx, make, real_queue, app, smtp_server):
    from training.accounts import services

    app.config["SMTP_URL"] = smtp_server.url
    try:
        user = make.trainee()
        services.request_password_reset(user.email)
        db.session.commit()
        consume_one()
    finally:
        app.config["SMTP_URL"] = None
    (received,) = smtp_server.inbox.to(user.email)
    assert received["Subject"] == "Reset your password"


def test_a_job_runs_once_even_if_queued_twice(ctx, make, run_tasks):
    from training.core.jobs import run_job

    job = start_job("users-csv", "Export", actor=make.admin())
    db.session.commit()
    run_job(job.id)  # a second copy, as a sweep after a lost queue would add
    assert run_tasks() == 2
    assert job.state is JobState.DONE


def test_a_failing_job_says_so(ctx, make, run_tasks, monkeypatch):
    from training.core import jobs

    def explode(job, progress):
        progress(1, 10, "Working")
        raise RuntimeError("disk full")

    monkeypatch.setitem(jobs.HANDLERS, "explodes", explode)
    job = start_job("explodes", "Doomed", actor=make.admin())
    db.session.commit()
    run_tasks()
    assert job.state is JobState.FAILED
    assert job.message == "Stopped: disk full"
    assert job.finished_at is not None


def test_unknown_job_kinds_are_refused(ctx, make):
    with pytest.raises(ValueError, match="no handler"):
        start_job("nonsense", "x", actor=make.admin())


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_a_real_consumer_process_runs_queued_work(backend, run_dir, database_url, tmp_path, request):
    """What `make run` starts beside the web server: huey_consumer on the app's queue."""
    name = f"consumer_{backend}"
    url = database.separate_url(database_url, run_dir, name)
    database.recreate(url, schema=name)
    instance = tmp_path / "instance"
    env = {**os.environ, "TRAINING_DATABASE_URL": url, "TRAINING_INSTANCE_PATH": str(instance)}
    env.pop("TRAINING_REDIS_URL", None)
    queue_name = "training"
    if backend == "redis":
        env["TRAINING_REDIS_URL"] = request.getfixturevalue("redis_url")
        storage = RedisStorage(name=queue_name, url=env["TRAINING_REDIS_URL"])
    else:
        instance.mkdir(parents=True)
        storage = SqliteStorage(name=queue_name, filename=str(instance / "tasks.db"))
    storage.flush_all()

    separate = create_app(TestConfig(instance, url))
    original_storage = huey.storage
    huey.storage = storage
    consumer = None
    try:
        with separate.app_context():
            database.migrate_to_head()
            admin = User(email="admin@example.org", full_name="Admin", session_token="x")
            admin.set_roles({Role.ADMIN})
            db.session.add(admin)
            db.session.flush()
            job_id = start_job("users-csv", "Export", actor=admin).id
            db.session.commit()

        bin_dir = os.path.dirname(sys.executable)
        log_path = tmp_path / "consumer.log"
        with log_path.open("wb") as log:
            consumer = subprocess.Popen(
                [os.path.join(bin_dir, "huey_consumer"), "training.tasks.huey", "--workers", "1"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        state = None
        while time.monotonic() < deadline and state not in (JobState.DONE, JobState.FAILED):
            time.sleep(0.2)
            with separate.app_context():
                state = db.session.get(Job, job_id).state
            if consumer.poll() is not None:
                break
        assert state is JobState.DONE, log_path.read_text()
    finally:
        if consumer is not None and consumer.poll() is None:
            consumer.terminate()
            consumer.wait(timeout=10)
        storage.flush_all()
        huey.storage = original_storage
        with separate.app_context():
            db.engine.dispose()
        database.drop(url, name)
