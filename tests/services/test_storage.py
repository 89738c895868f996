"""The one storage interface (core/storage.py), the same tests for both stores: the
database (the default) and an S3-compatible object store (a real S3 server over HTTP)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import sqlalchemy as sa

from tests.support import blobs, s3
from training.core import storage
from training.extensions import db


class Store:
    """The store under test, and a way to reach behind the interface as a broken disk would."""

    def __init__(self, kind: str, endpoint: str | None = None, bucket: str | None = None) -> None:
        self.kind, self.endpoint, self.bucket = kind, endpoint, bucket

    def objects(self) -> list[str]:
        return s3.objects(self.endpoint, self.bucket) if self.kind == "s3" else []

    def corrupt(self, key: str, change) -> None:
        if self.kind == "database":
            blobs.tamper(key, change)
            return
        ref = storage.info(key)
        name = f"blobs/{key}~{ref.sha256}"
        client = s3.client(self.endpoint)
        data = client.get_object(Bucket=self.bucket, Key=name)["Body"].read()
        client.put_object(Bucket=self.bucket, Key=name, Body=change(data))

    def lose_bytes(self, key: str) -> None:
        if self.kind == "database":
            db.session.execute(sa.update(storage.Blob).where(storage.Blob.key == key).values(data=None))
            db.session.expire_all()
            return
        ref = storage.info(key)
        s3.client(self.endpoint).delete_object(Bucket=self.bucket, Key=f"blobs/{key}~{ref.sha256}")


def use_s3(app, monkeypatch, endpoint: str) -> Store:
    bucket = f"test-{uuid.uuid4().hex[:12]}"
    s3.client(endpoint).create_bucket(Bucket=bucket)
    monkeypatch.setitem(app.config, "STORAGE_URL", f"s3://{bucket}/blobs")
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", endpoint)
    for name, value in s3.KEYS.items():
        monkeypatch.setitem(app.config, name, value)
    return Store("s3", endpoint, bucket)


@pytest.fixture(params=["database", "s3"])
def store(request, app, monkeypatch):
    if request.param == "database":
        monkeypatch.setitem(app.config, "STORAGE_URL", "database")
        return Store("database")
    return use_s3(app, monkeypatch, request.getfixturevalue("s3_endpoint"))


def test_put_then_get_gives_the_bytes_back_with_their_size_digest_and_type(ctx, store):
    data = b"%PDF-1.7 a certificate\n" * 10
    ref = storage.put("certificates/1/ABC.pdf", data, "application/pdf")
    assert ref == storage.BlobRef(
        "certificates/1/ABC.pdf", "application/pdf", len(data), hashlib.sha256(data).hexdigest()
    )
    db.session.commit()
    assert storage.exists("certificates/1/ABC.pdf")
    assert storage.info("certificates/1/ABC.pdf") == ref
    assert storage.get("certificates/1/ABC.pdf") == data
    assert storage.get("certificates/1/ABC.pdf", sha256=ref.sha256) == data
    assert storage.keys("certificates/1/") == ["certificates/1/ABC.pdf"]
    assert store.objects() == ([f"blobs/certificates/1/ABC.pdf~{ref.sha256}"] if store.kind == "s3" else [])


def test_a_blob_put_again_replaces_the_old_bytes(ctx, store):
    storage.put("exports/users-1.csv", b"id\n1\n", "text/csv")
    db.session.commit()
    ref = storage.put("exports/users-1.csv", b"id\n1\n2\n", "text/csv")
    db.session.commit()
    assert storage.get("exports/users-1.csv") == b"id\n1\n2\n"
    assert store.objects() == ([f"blobs/exports/users-1.csv~{ref.sha256}"] if store.kind == "s3" else [])


def test_the_same_bytes_put_again_stay_stored_whether_committed_or_rolled_back(ctx, store):
    ref = storage.put("uploads/tests/same.png", b"png bytes", "image/png")
    db.session.commit()
    storage.put("uploads/tests/same.png", b"png bytes", "image/png")
    db.session.rollback()
    assert storage.get("uploads/tests/same.png") == b"png bytes"
    storage.put("uploads/tests/same.png", b"png bytes", "image/png")
    db.session.commit()
    assert storage.get("uploads/tests/same.png") == b"png bytes"
    assert store.objects() == ([f"blobs/uploads/tests/same.png~{ref.sha256}"] if store.kind == "s3" else [])


def test_a_deleted_blob_is_gone(ctx, store):
    storage.put("uploads/tests/a.png", b"png", "image/png")
    db.session.commit()
    storage.delete("uploads/tests/a.png")
    db.session.commit()
    assert not storage.exists("uploads/tests/a.png")
    assert storage.info("uploads/tests/a.png") is None
    with pytest.raises(storage.BlobMissing):
        storage.get("uploads/tests/a.png")
    assert store.objects() == []
    storage.delete("uploads/tests/a.png")  # nothing to delete: no error


def test_a_big_blob_reads_as_a_stream(ctx, store):
    data = bytes(range(256)) * 16384  # 4 MiB
    storage.put("exports/big.zip", data, "application/zip")
    db.session.commit()
    with storage.open_stream("exports/big.zip") as stream:
        first = stream.read(1000)
        rest = stream.read()
    assert first + rest == data


def test_a_rolled_back_put_leaves_nothing_behind(ctx, store):
    storage.put("certificates/2/XYZ.pdf", b"%PDF never committed", "application/pdf")
    assert storage.exists("certificates/2/XYZ.pdf")
    db.session.rollback()
    assert not storage.exists("certificates/2/XYZ.pdf")
    assert store.objects() == []


def test_bytes_changed_in_storage_are_refused(ctx, store):
    storage.put("certificates/3/DEF.pdf", b"%PDF as issued", "application/pdf")
    db.session.commit()
    store.corrupt("certificates/3/DEF.pdf", lambda data: data + b" and changed")
    with pytest.raises(storage.BlobChanged):
        storage.get("certificates/3/DEF.pdf")
    with pytest.raises(storage.BlobChanged), storage.open_stream("certificates/3/DEF.pdf") as stream:
        stream.read()


def test_a_digest_the_caller_expects_is_checked_too(ctx, store):
    storage.put("certificates/4/GHI.pdf", b"%PDF", "application/pdf")
    with pytest.raises(storage.BlobChanged):
        storage.get("certificates/4/GHI.pdf", sha256="0" * 64)


def test_bytes_lost_from_storage_are_missing_not_made_up(ctx, store):
    storage.put("certificates/5/JKL.pdf", b"%PDF", "application/pdf")
    db.session.commit()
    store.lose_bytes("certificates/5/JKL.pdf")
    with pytest.raises(storage.BlobMissing):
        storage.get("certificates/5/JKL.pdf")


@pytest.mark.parametrize("key", ["", "/etc/passwd", "uploads/../secret_key", "x" * 301])
def test_keys_that_could_leave_their_place_are_refused(ctx, store, key):
    with pytest.raises(ValueError, match="not a blob key"):
        storage.put(key, b"data", "text/plain")


def test_blobs_stored_in_the_database_stay_readable_after_moving_to_an_object_store(
    ctx, app, monkeypatch, s3_endpoint
):
    monkeypatch.setitem(app.config, "STORAGE_URL", "database")
    storage.put("certificates/6/MNO.pdf", b"%PDF from before", "application/pdf")
    db.session.commit()
    moved = use_s3(app, monkeypatch, s3_endpoint)
    assert storage.get("certificates/6/MNO.pdf") == b"%PDF from before"
    storage.put("certificates/6/PQR.pdf", b"%PDF from after", "application/pdf")
    db.session.commit()
    assert storage.get("certificates/6/PQR.pdf") == b"%PDF from after"
    assert len(moved.objects()) == 1


def test_an_unknown_storage_url_is_refused_with_the_reason(ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_URL", "ftp://example.org/files")
    with pytest.raises(ValueError, match="use 'database' or s3://bucket/prefix"):
        storage.put("exports/x.csv", b"x", "text/csv")
