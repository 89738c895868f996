"""Blobs in an S3-compatible object store (``TRAINING_STORAGE_URL=s3://bucket/prefix``).

An object is named after its key and its digest (``<prefix>/<key>~<sha256>``), so a
blob put again under the same key is a new object: the old one is deleted once the
transaction commits, the new one if it rolls back. Objects no ``blobs`` row names
(a worker killed between writing and committing) are removed by ``sweep``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import IO, Any
from urllib.parse import urlsplit

from training.core.db import utcnow

SEPARATOR = "~"
# Runs ``remove(name)`` when the current transaction rolls back / commits.
Deferred = Callable[[str, Callable[[str], None]], None]


class S3Backend:
    def __init__(
        self, client: Any, bucket: str, prefix: str, *, on_rollback: Deferred, on_commit: Deferred
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.on_rollback = on_rollback
        self.on_commit = on_commit

    @classmethod
    def from_config(
        cls, url: str, config: Mapping[str, Any], *, on_rollback: Deferred, on_commit: Deferred
    ) -> S3Backend:
        parts = urlsplit(url)
        if not parts.netloc:
            raise ValueError(f"TRAINING_STORAGE_URL {url!r} names no bucket: s3://bucket/prefix")
        # boto3 loads with the first object store built, not with every process.
        import boto3

        client = boto3.session.Session().client(
            "s3",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region_name=config.get("S3_REGION") or None,
            aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        )
        return cls(client, parts.netloc, parts.path, on_rollback=on_rollback, on_commit=on_commit)

    def object_name(self, key: str, sha256: str) -> str:
        return f"{self.prefix}{key}{SEPARATOR}{sha256}"

    def write(self, key: str, sha256: str, content_type: str, data: bytes) -> bytes | None:
        name = self.object_name(key, sha256)
        self.client.put_object(Bucket=self.bucket, Key=name, Body=data, ContentType=content_type)
        self.on_rollback(name, self.remove)
        return None  # nothing kept in the row

    def open(self, key: str, sha256: str) -> IO[bytes] | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_name(key, sha256))
        except self.client.exceptions.ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        return answer["Body"]

    def forget(self, key: str, sha256: str) -> None:
        self.on_commit(self.object_name(key, sha256), self.remove)

    def remove(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=name)

    def names(self) -> list[tuple[str, datetime]]:
        """Every object under the prefix, with when it was written."""
        found: list[tuple[str, datetime]] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        ):
            found.extend((item["Key"], item["LastModified"]) for item in page.get("Contents", []))
        return found

    def sweep(self, named: set[tuple[str, str]], *, older_than: timedelta) -> int:
        """Remove objects older than ``older_than`` but those of the (key, sha256) ``named``."""
        cutoff = utcnow() - older_than
        kept = {self.object_name(key, sha256) for key, sha256 in named}
        removed = 0
        for name, written in self.names():
            if name not in kept and written < cutoff:
                self.remove(name)
                removed += 1
        return removed
