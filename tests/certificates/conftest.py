"""Certificates tests: the made-up evidence of the other capabilities (see
tests/support/evidence.py), and an instance folder of their own for each test
(stored PDFs and the issuer key), since what a test writes to disk is not
rolled back with its database work."""

import pytest

from tests.support.evidence import evidence  # noqa: F401  (the fixture, for every test here)


@pytest.fixture(autouse=True)
def own_instance_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path / "instance"))
