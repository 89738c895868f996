"""The instance folder holds password hashes, personal data and queued mails with
live reset links: only the installation's own user may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from training import create_app
from training.config import TestConfig
from training.core.queue import make_huey
from training.extensions import db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    """A process started with the usual umask (files 0644, folders 0755)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_database_and_its_wal_file_are_private(tmp_path, loose_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    old_file = instance / "left-by-an-older-version.db"
    old_file.write_text("x")
    old_file.chmod(0o644)
    (instance / "uploads").mkdir(mode=0o755)

    app = create_app(TestConfig(instance, f"sqlite:///{instance / 'training.db'}"))
    try:
        with app.app_context():
            db.session.execute(sa.text("CREATE TABLE notes (body TEXT)"))
            db.session.execute(sa.text("INSERT INTO notes VALUES ('a password hash')"))
            db.session.commit()
            assert (instance / "training.db-wal").exists()
            for name in ("training.db", "training.db-wal", "left-by-an-older-version.db"):
                assert mode(instance / name) == 0o600, name
    finally:
        with app.app_context():
            db.engine.dispose()
    assert mode(instance) == 0o700
    assert mode(instance / "uploads") == 0o700


def test_the_task_queue_file_is_private(tmp_path, loose_umask, monkeypatch):
    monkeypatch.setenv("TRAINING_INSTANCE_PATH", str(tmp_path / "queue"))
    huey = make_huey()
    huey.storage.enqueue(b"a mail with a live reset link")
    assert mode(tmp_path / "queue") == 0o700
    assert mode(tmp_path / "queue" / "tasks.db") == 0o600
