"""A task worker killed (SIGKILL) in the middle of a bulk certificate issue: the job is
left running with some certificates issued. Running it again finishes it: one
certificate for every eligible trainee, no duplicate, none missing, every PDF stored
whole and signed, the job done. On SQLite and on PostgreSQL, with real processes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from huey.storage import SqliteStorage

from tests.certificates.pdfs import text_of
from tests.support import database
from tests.support.detached_factories import factories
from training.accounts.models import User
from training.certificates import rules, signing
from training.certificates.jobs import KIND
from training.certificates.models import Certificate, CertificateKind, CertificateState
from training.core import storage as blob_storage
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.jobs import Job, JobState, start_job
from training.core.mail import OutboxMessage
from training.core.queue import huey
from training.extensions import db

SCHEMA = "bulk_crash"
TRAINEES = 30
KILL_AFTER = 6  # certificates issued before the worker is killed


@pytest.fixture
def crash_app(run_dir, database_url, tmp_path):
    with database.separate_app(database_url, run_dir, tmp_path / "instance", SCHEMA) as app:
        yield app


def environment(app) -> dict[str, str]:
    """What the worker processes run with: this app's database and instance folder."""
    env = {
        **os.environ,
        "TRAINING_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "TRAINING_INSTANCE_PATH": app.config["INSTANCE_PATH"],
    }
    env.pop("TRAINING_REDIS_URL", None)
    return env


def issued_count(app, workshop_id: int) -> int:
    # Read as the job page's GET does: on SQLite a read outside a request would queue
    # for the write lock (BEGIN IMMEDIATE) behind the worker, and see only the end.
    with app.test_request_context(method="GET"):
        return db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(Certificate.workshop_id == workshop_id)
        )


def test_a_bulk_issue_killed_half_way_finishes_on_rerun_with_no_duplicate_and_none_missing(
    crash_app, tmp_path: Path
):
    instance = Path(crash_app.config["INSTANCE_PATH"])
    with factories(crash_app) as make:
        # Held last week: a certificate counts only sessions that have ended.
        workshop = make.workshop(capacity=TRAINEES + 5, starts_on=utcnow().date() - timedelta(days=7))
        make.session(workshop)
        eligible = make.enrolled_trainees(workshop, TRAINEES)
        for trainee in eligible:
            make.attend_all(workshop, trainee)
            make.confirmed_name(workshop, trainee)
        make.enrolment(workshop)  # confirmed, attended nothing: not eligible, never issued
        certifier_id = workshop.certifier.id

    # Queued as the page queues it, on the SQLite queue the consumer of this instance reads.
    storage = SqliteStorage(name="training", filename=str(instance / "tasks.db"))
    original = huey.storage
    huey.storage = storage
    try:
        with crash_app.test_request_context():
            job_id = start_job(
                KIND,
                "Issue every attendance certificate",
                actor=db.session.get(User, certifier_id),
                workshop_id=workshop.id,
                certificate_kind=CertificateKind.ATTENDANCE.value,
            ).id
            db.session.commit()
        assert storage.queue_size() == 1
    finally:
        huey.storage = original

    env = environment(crash_app)
    bin_dir = Path(sys.executable).parent
    log_path = tmp_path / "consumer.log"
    with log_path.open("wb") as log:
        consumer = subprocess.Popen(
            [str(bin_dir / "huey_consumer"), "training.tasks.huey", "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 90
        while issued_count(crash_app, workshop.id) < KILL_AFTER:
            assert consumer.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.05)
        consumer.send_signal(signal.SIGKILL)  # mid-way: no handler, no cleanup, no rollback
        consumer.wait(timeout=10)
    finally:
        if consumer.poll() is None:
            consumer.kill()
            consumer.wait(timeout=10)
    assert consumer.returncode == -signal.SIGKILL

    before_rerun = issued_count(crash_app, workshop.id)
    assert KILL_AFTER <= before_rerun < TRAINEES, "killed part-way, not before or after"
    with crash_app.app_context():
        assert db.session.get(Job, job_id).state is JobState.RUNNING  # nobody left to say otherwise

    # Its last report is recent: rerunning it needs the operator to say the worker is dead.
    refused = crash_app.test_cli_runner().invoke(args=["jobs", "rerun", str(job_id)])
    assert refused.exit_code == 1
    assert "pass --force" in refused.output

    flask = bin_dir / "flask"
    rerun = subprocess.run(
        [str(flask), "--app", "training", "jobs", "rerun", "--force", str(job_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"Job {job_id} (Issue every attendance certificate): done." in rerun.stdout

    with crash_app.app_context():
        job = db.session.get(Job, job_id)
        assert job.state is JobState.DONE
        assert job.finished_at is not None
        assert (job.done, job.total) == (TRAINEES - before_rerun, TRAINEES - before_rerun)
        assert job.message == f"Done: {TRAINEES} issued."  # the whole job, both runs

        certificates = db.session.scalars(
            sa.select(Certificate).where(Certificate.workshop_id == workshop.id).order_by(Certificate.id)
        ).all()
        # One each, for exactly the eligible trainees: no duplicate and no one missing.
        assert sorted(c.trainee_id for c in certificates) == sorted(t.id for t in eligible)
        assert {c.state for c in certificates} == {CertificateState.VALID}
        serials = [c.serial for c in certificates]
        assert len(set(serials)) == TRAINEES
        assert all(rules.normalise_serial(serial) == serial for serial in serials)  # check characters hold

        for certificate in certificates:
            content = blob_storage.get(certificate.pdf_file)
            assert hashlib.sha256(content).hexdigest() == certificate.pdf_sha256
            text = text_of(content)
            assert certificate.serial in text
            assert certificate.holder_name in text
            check = signing.check(content)
            assert check.authentic, (certificate.serial, check.reasons)

        # A certificate's row, its audit event and its e-mail commit together: one of each.
        issued_events = db.session.scalars(
            sa.select(AuditEvent.target_id).where(AuditEvent.action == "certificates.issued")
        ).all()
        assert sorted(issued_events) == sorted(c.id for c in certificates)
        mails = db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.workshop_id == workshop.id, OutboxMessage.topic == "certificates"
            )
        )
        assert mails == TRAINEES

        # Stored: every certificate's PDF and nothing else; the PDF of the certificate whose
        # transaction the kill cut short was never committed, so it is not there either.
        assert set(blob_storage.keys(f"certificates/{workshop.id}/")) == {c.pdf_file for c in certificates}
    assert not (instance / "certificates").exists()
