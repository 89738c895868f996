"""The bytes the app keeps (certificate PDFs, uploaded images, export files), in one
place every host of an installation shares.

One interface: ``put(key, data, content_type)`` returns a ``BlobRef`` (size, SHA-256,
type); ``get(key)`` returns the bytes checked against the digest recorded at ``put``;
``open_stream``, ``exists`` and ``delete``. Every blob has a row in the ``blobs`` table,
added in the caller's transaction, so a blob and the row that names it commit or roll
back together.

Where the bytes go (``TRAINING_STORAGE_URL``):

- ``database`` (the default): in the row itself. Nothing can be stray or missing,
  and a database backup holds the files.
- ``s3://bucket/prefix``: in an S3-compatible object store (core/storage_s3.py). The
  object is written before the transaction commits and deleted again if it rolls back;
  a worker killed in between leaves an object no row names, which
  ``flask storage sweep`` removes.

Rows written while the database was the store keep their bytes there; reading them
works whichever store is configured now.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any, Protocol

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Mapped, mapped_column

from training.core import storage_s3
from training.core.db import Session, utcnow
from training.extensions import Model, db

DATABASE = "database"
log = logging.getLogger("training.storage")


class Blob(Model):
    __tablename__ = "blobs"
    __table_args__ = (sa.CheckConstraint("size >= 0", name="size_not_negative"),)

    key: Mapped[str] = mapped_column(sa.String(300), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # None when the bytes are kept in the object store.
    data: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class BlobRef:
    key: str
    content_type: str
    size: int
    sha256: str


class StorageProblem(Exception):
    """A stored blob that cannot be served as it was stored."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


class BlobMissing(StorageProblem):
    pass


class BlobChanged(StorageProblem):
    pass


class Backend(Protocol):
    """Where the bytes of blobs go; the ``blobs`` row is written by this module."""

    def write(self, key: str, sha256: str, content_type: str, data: bytes) -> bytes | None:
        """Store ``data``; return what the row keeps itself (None: nothing)."""
        ...

    def open(self, key: str, sha256: str) -> IO[bytes] | None: ...

    def forget(self, key: str, sha256: str) -> None: ...


class DatabaseBackend:
    def write(self, key: str, sha256: str, content_type: str, data: bytes) -> bytes | None:
        return data

    def open(self, key: str, sha256: str) -> IO[bytes] | None:
        return None  # every byte is in the row

    def forget(self, key: str, sha256: str) -> None:
        pass  # deleting or rewriting the row does it


def storage_url() -> str:
    return current_app.config.get("STORAGE_URL") or DATABASE


def backend() -> Backend:
    """The configured store, one per app."""
    url = storage_url()
    cached = current_app.extensions.get("training_storage")
    if cached is not None and cached[0] == url:
        return cached[1]
    chosen: Backend
    if url == DATABASE:
        chosen = DatabaseBackend()
    elif url.startswith("s3://"):
        chosen = storage_s3.S3Backend.from_config(
            url, current_app.config, on_rollback=after_rollback, on_commit=after_commit
        )
    else:
        raise ValueError(f"TRAINING_STORAGE_URL is {url!r}: use 'database' or s3://bucket/prefix")
    current_app.extensions["training_storage"] = (url, chosen)
    return chosen


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(key: str, data: bytes, content_type: str) -> BlobRef:
    """Store ``data`` under ``key`` in the current transaction (replacing what was there)."""
    if not key or len(key) > 300 or key.startswith("/") or ".." in key.split("/"):
        raise ValueError(f"not a blob key: {key!r}")
    sha256 = digest(data)
    row = db.session.get(Blob, key)
    if row is not None and row.sha256 == sha256:
        # The same bytes again: an object store's object is already there (and is named
        # by a committed row, so it must not go with a rollback).
        row.content_type = content_type
        db.session.flush()
        return BlobRef(key, content_type, row.size, sha256)
    if row is None:
        row = Blob(key=key)
        db.session.add(row)
    else:
        backend().forget(row.key, row.sha256)
    row.content_type = content_type
    row.size = len(data)
    row.sha256 = sha256
    row.created_at = utcnow()
    row.data = backend().write(key, sha256, content_type, data)
    db.session.flush()
    return BlobRef(key, content_type, row.size, row.sha256)


def _row(key: str) -> Blob:
    row = db.session.get(Blob, key)
    if row is None:
        raise BlobMissing(key, f"{key} is missing from storage")
    return row


def info(key: str) -> BlobRef | None:
    row = db.session.get(Blob, key)
    return None if row is None else BlobRef(row.key, row.content_type, row.size, row.sha256)


def exists(key: str) -> bool:
    return db.session.get(Blob, key) is not None


def _kept_in_row(row: Blob) -> bytes | None:
    return db.session.scalar(sa.select(Blob.data).where(Blob.key == row.key))


def _stored_bytes(row: Blob) -> bytes | None:
    kept = _kept_in_row(row)
    if kept is not None:
        return kept
    stream = backend().open(row.key, row.sha256)
    if stream is None:
        return None
    with stream:
        return stream.read()


def get(key: str, *, sha256: str | None = None) -> bytes:
    """The bytes stored under ``key``, exactly as put: refused (``BlobChanged``) if they
    no longer match the digest recorded then, or ``sha256`` when the caller names one."""
    row = _row(key)
    data = _stored_bytes(row)
    if data is None:
        raise BlobMissing(key, f"{key} is missing from storage")
    found = digest(data)
    if found != row.sha256 or (sha256 is not None and found != sha256):
        raise BlobChanged(key, f"{key} does not match its digest")
    return data


def open_stream(key: str) -> IO[bytes]:
    """The bytes as a stream, checked against the digest as they are read (a mismatch
    raises ``BlobChanged`` at the end of the stream)."""
    row = _row(key)
    stream = backend().open(row.key, row.sha256) if _kept_in_row(row) is None else None
    if stream is None:
        return io.BytesIO(get(key))
    return io.BufferedReader(_CheckedStream(row.key, stream, row.sha256))


class _CheckedStream(io.RawIOBase):
    def __init__(self, key: str, inner: IO[bytes], expected: str) -> None:
        self.key, self.inner, self.expected = key, inner, expected
        self.hash = hashlib.sha256()
        self.checked = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.inner.read(len(buffer))
        if not chunk:
            if not self.checked and self.hash.hexdigest() != self.expected:
                raise BlobChanged(self.key, f"{self.key} does not match its digest")
            self.checked = True
            return 0
        self.hash.update(chunk)
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self.inner.close()
        super().close()


def delete(key: str) -> None:
    """Remove the blob with the current transaction (nothing if there is none)."""
    row = db.session.get(Blob, key)
    if row is None:
        return
    backend().forget(row.key, row.sha256)
    db.session.delete(row)
    db.session.flush()


def keys(prefix: str) -> list[str]:
    return list(db.session.scalars(sa.select(Blob.key).where(Blob.key.startswith(prefix, autoescape=True))))


# Work an object store does once the transaction has ended ---------------------------------

WRITTEN = "storage_objects_written"  # removed if the transaction rolls back
DOOMED = "storage_objects_doomed"  # removed once it commits


def after_rollback(name: str, remove: Any) -> None:
    db.session.info.setdefault(WRITTEN, []).append((name, remove))


def after_commit(name: str, remove: Any) -> None:
    db.session.info.setdefault(DOOMED, []).append((name, remove))


def _remove_all(pending: list[tuple[str, Any]]) -> None:
    for name, remove in pending:
        try:
            remove(name)
        except Exception:
            # The transaction has ended either way; ``flask storage sweep`` removes it later.
            log.exception("could not remove the stored object %s", name)


@sa.event.listens_for(Session, "after_commit")
def _commit_done(session: Any) -> None:
    session.info.pop(WRITTEN, None)
    _remove_all(session.info.pop(DOOMED, []))


@sa.event.listens_for(Session, "after_soft_rollback")
def _rollback_done(session: Any, previous_transaction: Any) -> None:
    session.info.pop(DOOMED, None)
    _remove_all(session.info.pop(WRITTEN, []))


# flask storage ... ---------------------------------------------------------------------


@click.group("storage")
def storage_group() -> None:
    """The store of certificate PDFs, uploads and export files."""


@storage_group.command("sweep")
@click.option(
    "--older-than",
    "minutes",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="Leave objects younger than this many minutes (a transaction may still commit them).",
)
@with_appcontext
def sweep_command(minutes: int) -> None:
    """Remove objects of the object store that no row names (left by a worker that died)."""
    removed = sweep(older_than=timedelta(minutes=minutes))
    if removed is None:
        click.echo("The files are kept in the database: nothing can be stray.")
    else:
        click.echo(f"{removed} stray object(s) removed.")


def sweep(*, older_than: timedelta) -> int | None:
    """Remove the object store's objects no row names; None when the database is the store."""
    store = backend()
    if not isinstance(store, storage_s3.S3Backend):
        return None
    named = {
        (key, sha256)
        for key, sha256 in db.session.execute(sa.select(Blob.key, Blob.sha256).where(Blob.data.is_(None)))
    }
    return store.sweep(named, older_than=older_than)
