"""Certificates tests: the made-up evidence of the other capabilities (see
tests/support/evidence.py), and an instance folder of their own for each test
(stored PDFs), since what a test writes to disk is not rolled back with its
database work. The issuer key is made once per run and copied in: making an
RSA key takes a noticeable fraction of a second."""

import shutil

import pytest

from tests.support.evidence import evidence  # noqa: F401  (the fixture, for every test here)
from training.certificates import signing


@pytest.fixture(scope="session")
def issuer_folder(app, tmp_path_factory):
    instance = tmp_path_factory.mktemp("issuer")
    original = app.config["INSTANCE_PATH"]
    app.config["INSTANCE_PATH"] = str(instance)
    try:
        with app.app_context():
            files = signing.issuer_files()
    finally:
        app.config["INSTANCE_PATH"] = original
    return files.key.parent


@pytest.fixture(autouse=True)
def own_instance_folder(app, tmp_path, monkeypatch, issuer_folder):
    instance = tmp_path / "instance"
    shutil.copytree(issuer_folder, instance / "signing")
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(instance))
