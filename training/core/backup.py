"""Backups of a SQLite installation: the database and the instance folder.

``backup`` copies a live database with SQLite's online backup API (a
consistent snapshot even while workers write; with the default store it holds
the certificate PDFs, uploads and exports, see core/storage.py) together with the
instance folder's keys, into one ``.tar.gz`` file with a manifest of SHA-256
checksums. ``restore`` checks every checksum before it touches anything, then puts
the database and the files back.

PostgreSQL installations use ``pg_dump`` / ``pg_restore`` for the database
(see the README) and this for the instance folder.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext

from training.core.db import utcnow
from training.core.errors import DomainError

FORMAT = 1
DATABASE_NAME = "database.sqlite3"
# Files of the instance folder that are not copied: the databases (copied through the
# backup API instead), their journals, and the task queue (rebuilt from the database).
SKIPPED_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal", ".sqlite3", ".sqlite3-wal", ".sqlite3-shm")


class BackupError(DomainError):
    pass


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    database_bytes: int
    revision: str | None


def sqlite_path(url: sa.URL) -> Path:
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            "This command backs up SQLite databases. For PostgreSQL use pg_dump (see the README); "
            "the instance folder can be copied with --instance-only."
        )
    return Path(url.database).resolve()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _instance_files(instance: Path, exclude: set[Path]) -> list[Path]:
    files = []
    for path in sorted(instance.rglob("*")):
        if not path.is_file() or path.is_symlink() or path.resolve() in exclude:
            continue
        if path.name.endswith(SKIPPED_SUFFIXES):
            continue
        files.append(path)
    return files


def _revision(database: Path) -> str | None:
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def backup(*, database_url: sa.URL | None, instance: Path, target: Path) -> BackupSummary:
    """Write a backup archive to ``target`` (a new ``.tar.gz`` file)."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name.")
    if not target.name.endswith(".tar.gz"):
        raise BackupError("Name the backup file something.tar.gz.")
    database = sqlite_path(database_url) if database_url is not None else None
    with tempfile.TemporaryDirectory(prefix="training-backup-") as scratch:
        staging = Path(scratch)
        manifest: dict[str, object] = {"format": FORMAT, "created_at": utcnow().isoformat(), "revision": None}
        files: dict[str, str] = {}
        database_bytes = 0
        if database is not None:
            if not database.is_file():
                raise BackupError(f"There is no database at {database}.")
            copy = staging / DATABASE_NAME
            source = sqlite3.connect(database)
            destination = sqlite3.connect(copy)
            try:
                # The online backup API copies a consistent snapshot, even from a live database in WAL mode.
                source.backup(destination)
                destination.execute("PRAGMA journal_mode=DELETE")
            finally:
                destination.close()
                source.close()
            files[DATABASE_NAME] = _sha256(copy)
            database_bytes = copy.stat().st_size
            manifest["revision"] = _revision(copy)
        exclude = {target.resolve()} | ({database} if database else set())
        for path in _instance_files(instance, exclude):
            relative = path.relative_to(instance)
            destination_path = staging / "instance" / relative
            destination_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination_path)
            files[f"instance/{relative.as_posix()}"] = _sha256(destination_path)
        manifest["files"] = files
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            for path in sorted(staging.rglob("*")):
                if path.is_file():
                    archive.add(path, arcname=path.relative_to(staging).as_posix())
        partial.chmod(0o600)  # it holds the secret key and the signing key
        partial.rename(target)
    return BackupSummary(target, len(files), database_bytes, manifest["revision"])  # type: ignore[arg-type]


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"The archive holds an unsafe entry: {member.name}")
    return members


def restore(*, archive_path: Path, database_url: sa.URL | None, instance: Path, force: bool) -> BackupSummary:
    """Check the archive, then put the database and the instance files back."""
    if not archive_path.is_file():
        raise BackupError(f"There is no backup file at {archive_path}.")
    database = sqlite_path(database_url) if database_url is not None else None
    with tempfile.TemporaryDirectory(prefix="training-restore-") as scratch:
        staging = Path(scratch)
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(staging, members=_safe_members(archive), filter="data")
            manifest = json.loads((staging / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError) as error:
            raise BackupError(f"{archive_path} is not a readable backup: {error}") from error
        if manifest.get("format") != FORMAT:
            raise BackupError("This backup was written by an incompatible version.")
        files: dict[str, str] = manifest.get("files", {})
        for name, checksum in files.items():
            path = staging / name
            if not path.is_file() or _sha256(path) != checksum:
                raise BackupError(f"The backup is damaged: {name} does not match its checksum.")
        if database is not None and DATABASE_NAME in files:
            if database.exists() and database.stat().st_size > 0 and not force:
                raise BackupError(f"{database} exists already: pass --force to replace it.")
            database.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(staging / DATABASE_NAME)
            destination = sqlite3.connect(database)
            try:
                source.backup(destination)
            finally:
                destination.close()
                source.close()
        restored = 0
        for name in files:
            if not name.startswith("instance/"):
                continue
            relative = Path(name).relative_to("instance")
            destination_path = instance / relative
            destination_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(staging / name, destination_path)
            restored += 1
        size = (staging / DATABASE_NAME).stat().st_size if DATABASE_NAME in files else 0
    return BackupSummary(archive_path, restored, size, manifest.get("revision"))
