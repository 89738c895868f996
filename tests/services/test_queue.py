"""The task queue on its real storages (SQLite file, Redis), and a real consumer process."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from huey.storage import RedisStorage, SqliteStorage

from tests.support import database
from training import create_app
from training.accounts.models import Role, User
from training.config import TestConfig
from training.core import storage
from training.core.db import utcnow
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
    content = storage.get(job.result_file).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    assert {row["email"] for row in rows} == {u.email for u in db.session.scalars(sa.select(User))}
    assert "'=HYPERLINK(1)" in {row["full_name"] for row in rows}


def test_mail_travels_through_the_queue(ctx, make, real_queue, app, smtp_server):
    from training.accounts import services

    app.config["SMTP_URL"] = smtp_server.url
    try:
        user = make.trainee()
        services.request_password_reset(user.email)
        db.session.commit()
        consume_one()  # looking the address up and writing the mail
        consume_one()  # sending it
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


def stalled_job(admin, *, silent: timedelta, state: JobState = JobState.RUNNING) -> Job:
    """A job as a worker leaves it when it dies: running, last report ``silent`` ago."""
    job = Job(
        kind="users-csv",
        title="Export",
        created_by_id=admin.id,
        state=state,
        done=1,
        total=5,
        message="1 of 5 accounts written.",
        updated_at=utcnow() - silent,
    )
    db.session.add(job)
    db.session.commit()
    return job


def test_the_sweep_takes_up_a_job_whose_worker_died_and_leaves_live_ones(ctx, make, run_tasks):
    from training.core.jobs import STALLED_AFTER, requeue_forgotten_jobs

    admin = make.admin()
    dead = stalled_job(admin, silent=STALLED_AFTER + timedelta(minutes=1))
    working = stalled_job(admin, silent=STALLED_AFTER - timedelta(minutes=1))

    requeue_forgotten_jobs()
    assert run_tasks() == 2  # the sweep, then the one job it queued again

    db.session.refresh(dead)
    db.session.refresh(working)
    assert dead.state is JobState.DONE
    assert (dead.done, dead.total) == (1, 1)  # the admin is the one account
    assert working.state is JobState.RUNNING  # still reporting: its worker is alive
    assert working.message == "1 of 5 accounts written."


def test_a_job_reports_a_heartbeat_even_when_its_figures_do_not_change(ctx, make):
    from training.core.jobs import Progress

    job = stalled_job(make.admin(), silent=timedelta(minutes=30))
    Progress(job)(job.done, job.total)
    db.session.refresh(job)
    assert utcnow() - job.updated_at < timedelta(minutes=1)


def test_jobs_are_listed_and_rerun_from_the_command_line(app, ctx, make):
    from training.core.jobs import STALLED_AFTER

    admin = make.admin()
    recent = stalled_job(admin, silent=timedelta(seconds=30))
    stalled = stalled_job(admin, silent=STALLED_AFTER + timedelta(minutes=1))
    failed = stalled_job(admin, silent=timedelta(hours=1), state=JobState.FAILED)
    cli = app.test_cli_runner()

    listed = cli.invoke(args=["jobs", "list"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == [str(stalled.id), str(recent.id)]
    assert "running (stalled: did its worker stop?)" in lines[0]
    assert "stalled" not in lines[1]

    refused = cli.invoke(args=["jobs", "rerun", str(recent.id)])
    assert refused.exit_code == 1
    assert "its worker reported 30 s ago" in refused.output
    assert "pass --force" in refused.output

    for job in (stalled, failed):
        result = cli.invoke(args=["jobs", "rerun", str(job.id)])
        assert result.exit_code == 0, result.output
        assert f"Job {job.id} (Export): done." in result.output
    forced = cli.invoke(args=["jobs", "rerun", "--force", str(recent.id)])
    assert forced.exit_code == 0, forced.output

    again = cli.invoke(args=["jobs", "rerun", str(recent.id)])
    assert again.exit_code == 1
    assert "has finished; start a new one instead" in again.output
    missing = cli.invoke(args=["jobs", "rerun", "999999"])
    assert missing.exit_code == 1
    assert "There is no job 999999." in missing.output


def _python(code: str, instance: str) -> str:
    env = {key: value for key, value in os.environ.items() if key != "TRAINING_REDIS_URL"}
    env["TRAINING_INSTANCE_PATH"] = instance
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout


def test_declaring_tasks_neither_loads_the_queue_nor_creates_its_file(tmp_path):
    instance = tmp_path / "instance"
    modules = "training.core.mail, training.core.jobs, training.accounts.services, training.quizzes.rules"
    loaded = _python(f"import sys, {modules}; print('huey' in sys.modules)", str(instance))
    assert loaded.strip() == "False"
    assert not (instance / "tasks.db").exists()


def test_the_consumer_finds_every_task_declared_by_the_app(tmp_path):
    code = "import training.tasks as t; print(' '.join(sorted(t.huey._registry._registry)))"
    names = _python(code, str(tmp_path / "instance")).split()
    for task in (
        "training.core.mail.deliver_outbox",
        "training.core.mail.deliver_outbox_every_minute",
        "training.core.jobs.run_job",
        "training.accounts.services.mail_password_reset",
        "training.accounts.services.remove_ended_logins",
        "training.accounts.personal_data.remove_old_exports",
    ):
        assert task in names
