"""Fixtures for the service tests."""

from tests.support.s3 import s3_endpoint  # noqa: F401  (a real S3 server for the storage tests)
