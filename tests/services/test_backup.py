"""Backing up a live SQLite installation and restoring it into a fresh one."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support import database
from tests.support.detached_factories import factories
from training import create_app
from training.accounts.models import User
from training.certificates import services, signing
from training.certificates.models import Certificate, CertificateKind
from training.config import TestConfig
from training.core.db import utcnow
from training.extensions import db


def installation(folder: Path):
    """A SQLite installation of its own (whatever database the suite runs on)."""
    instance = folder / "instance"
    app = create_app(TestConfig(instance, f"sqlite:///{instance / 'training.db'}"))
    with app.app_context():
        database.migrate_to_head()
    return app


def cli(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def live(tmp_path: Path):
    app = installation(tmp_path / "live")
    assert cli(app, "create-user", "--email", "head@example.org", "--name", "Dr. Head", "--role", "admin",
               "--password", "theatre-list-monday").exit_code == 0  # fmt: skip
    (Path(app.instance_path) / "keys").mkdir()
    (Path(app.instance_path) / "keys" / "issuer.key").write_text("-----BEGIN PRIVATE KEY-----")
    (Path(app.instance_path) / "certificates").mkdir()
    (Path(app.instance_path) / "certificates" / "ABC.pdf").write_bytes(b"%PDF-1.7 stored certificate")
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_backup_taken_while_writers_work_is_consistent(live, tmp_path: Path):
    path = Path(live.instance_path) / "training.db"
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE ticks (n INTEGER PRIMARY KEY)")
    stop = threading.Event()

    def write() -> None:
        connection = sqlite3.connect(path, timeout=15)
        n = 0
        while not stop.is_set():
            n += 1
            with connection:
                connection.execute("INSERT INTO ticks (n) VALUES (?)", (n,))
        connection.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = cli(live, "backup", str(tmp_path / "live.tar.gz"))
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    assert "Backed up 3 files" in result.output  # the database, the signing key, one certificate

    with tarfile.open(tmp_path / "live.tar.gz") as archive:
        archive.extract("database.sqlite3", tmp_path, filter="data")
    copy = sqlite3.connect(tmp_path / "database.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    ticks = [n for (n,) in copy.execute("SELECT n FROM ticks ORDER BY n")]
    assert ticks == list(range(1, len(ticks) + 1))  # a prefix of the writes: nothing torn
    copy.close()


def test_restore_brings_back_the_database_and_the_instance_files(live, tmp_path: Path):
    assert cli(live, "backup", str(tmp_path / "b.tar.gz")).exit_code == 0
    fresh = installation(tmp_path / "fresh")
    result = cli(fresh, "restore", str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 1
    assert "pass --force" in result.output

    result = cli(fresh, "restore", "--force", str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 0, result.output
    instance = Path(fresh.instance_path)
    assert (instance / "certificates" / "ABC.pdf").read_bytes() == b"%PDF-1.7 stored certificate"
    assert (instance / "keys" / "issuer.key").read_text() == "-----BEGIN PRIVATE KEY-----"
    with fresh.app_context():
        assert db.session.scalar(sa.select(User.email)) == "head@example.org"
        db.engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_changes(live, tmp_path: Path):
    assert cli(live, "backup", str(tmp_path / "b.tar.gz")).exit_code == 0
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(tmp_path / "b.tar.gz") as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "instance/certificates/ABC.pdf":
                data = data.replace(b"stored", b"forged")
            target.addfile(member, io.BytesIO(data))
    fresh = installation(tmp_path / "fresh")
    result = cli(fresh, "restore", "--force", str(damaged))
    assert result.exit_code == 1
    assert "instance/certificates/ABC.pdf does not match its checksum" in result.output
    assert not (Path(fresh.instance_path) / "certificates").exists()


def test_backups_never_overwrite_and_postgres_is_sent_to_pg_dump(live, tmp_path: Path):
    target = tmp_path / "b.tar.gz"
    target.write_text("keep me")
    result = cli(live, "backup", str(target))
    assert result.exit_code == 1
    assert "exists already" in result.output
    assert target.read_text() == "keep me"

    from training.core.backup import BackupError, sqlite_path

    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path(sa.engine.make_url("postgresql+psycopg://u@h/db"))


def flask_command(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``flask --app training ...`` as an operator runs it, on the SQLite installation in ``instance``."""
    env = {
        **os.environ,
        "TRAINING_INSTANCE_PATH": str(instance),
        "TRAINING_DATABASE_URL": f"sqlite:///{instance / 'training.db'}",
    }
    env.pop("TRAINING_REDIS_URL", None)
    env.pop("TRAINING_SECRET_KEY", None)
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run(
        [str(flask), "--app", "training", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_certificate_issued_before_the_backup_verifies_in_the_restored_installation(tmp_path: Path):
    live = installation(tmp_path / "live")
    with factories(live) as make:
        # Held last week: a certificate counts only sessions that have ended.
        workshop = make.workshop(
            title="Microfat harvesting, Lyon", starts_on=utcnow().date() - timedelta(days=7)
        )
        make.session(workshop)
        trainee = make.enrolment(workshop).trainee
        make.attend_all(workshop, trainee)
        make.confirmed_name(workshop, trainee, "Dr. Anaïs Lefèvre")
        with live.test_request_context():
            issued = services.issue_certificate(
                db.session.merge(workshop), trainee.id, CertificateKind.ATTENDANCE, actor=None
            )
            db.session.commit()
            serial, pdf_file, digest = issued.serial, issued.pdf_file, issued.pdf_sha256
    with live.app_context():
        db.engine.dispose()
    live_instance = Path(live.instance_path)
    live_keys = {path.name: path.read_bytes() for path in (live_instance / "signing").iterdir()}
    assert len(live_keys) == 2, "issuing made the signing key and its certificate"

    archive = tmp_path / "backups" / "training.tar.gz"
    archive.parent.mkdir()
    backed_up = flask_command(live_instance, "backup", str(archive))
    assert backed_up.returncode == 0, backed_up.stderr

    fresh_instance = tmp_path / "fresh" / "instance"
    restored = flask_command(fresh_instance, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout
    restored_keys = {p.name: p.read_bytes() for p in (fresh_instance / "signing").iterdir()}
    assert restored_keys == live_keys
    assert (fresh_instance / "signing" / signing.KEY_FILE).stat().st_mode & 0o777 == 0o600

    # The restored installation, on its own database and instance folder only.
    fresh = create_app(TestConfig(fresh_instance, f"sqlite:///{fresh_instance / 'training.db'}"))
    try:
        page = fresh.test_client().get(f"/verify/{serial}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'data-status="valid"' in html
        assert "Dr. Anaïs Lefèvre" in html
        assert "Microfat harvesting, Lyon" in html
        with fresh.app_context():
            certificate = db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial))
            # The PDF came back inside the database: the instance folders hold no copy.
            assert services.stored_keys() == [pdf_file]
            assert not (live_instance / "certificates").exists()
            assert not (fresh_instance / "certificates").exists()
            content = services.stored_pdf(certificate)  # checked against the digest in the restored row
            assert hashlib.sha256(content).hexdigest() == digest
            check = signing.check(content)  # against the restored issuer certificate
            assert check.authentic, check.reasons
            assert serial in check.reason
    finally:
        with fresh.app_context():
            db.engine.dispose()
