"""A real S3-compatible HTTP server for the object-store tests: moto's server in a
subprocess on 127.0.0.1 (no mock inside this process: boto3 talks HTTP to it)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from tests.support.servers import free_port

KEYS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret", "S3_REGION": "us-east-1"}


def _accepting(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def s3_server(log: Path) -> Iterator[str]:
    """The endpoint URL of a running S3 server, stopped afterwards."""
    port = free_port()
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _accepting(port):  # waiting for the server to listen, not for a timing
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """One S3 server for the run; each test makes a bucket of its own."""
    with s3_server(tmp_path_factory.mktemp("s3") / "server.log") as endpoint:
        yield endpoint


def client(endpoint: str):
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=KEYS["S3_REGION"],
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
    )


def objects(endpoint: str, bucket: str) -> list[str]:
    answer = client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))
