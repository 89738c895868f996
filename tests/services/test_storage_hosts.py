"""Two hosts of one installation (one database, the same secret key, instance folders of
their own) serve the same stored files; a worker killed between storing a file and
committing leaves nothing stray (database), or an object the sweep removes (S3)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from tests.certificates.pdfs import text_of
from tests.support import blobs, database, s3
from tests.support.client import TestClient
from tests.support.detached_factories import factories
from training import create_app
from training.certificates import signing
from training.config import TestConfig
from training.core import storage
from training.extensions import db

SCHEMA = "blob_hosts"


@pytest.fixture
def hosts(app, run_dir, database_url, tmp_path):
    """Host A and host B on one database; each with an instance folder of its own."""
    with database.separate_app(database_url, run_dir, tmp_path / "host-a", SCHEMA) as host_a:
        host_b = create_app(TestConfig(tmp_path / "host-b", host_a.config["SQLALCHEMY_DATABASE_URI"]))
        host_b.config["SECRET_KEY"] = host_b.secret_key = host_a.secret_key
        # The hosts share the issuer key as an installation configures it (the settings).
        with host_a.app_context():
            issuer = signing.issuer_files()
        for host in (host_a, host_b):
            host.config["TRAINING_SIGNING_KEY"] = str(issuer.key)
            host.config["TRAINING_SIGNING_CERT"] = str(issuer.cert)
        host_b.test_client_class = TestClient
        try:
            yield host_a, host_b
        finally:
            with host_b.app_context():
                db.engine.dispose()


def test_a_certificate_issued_on_host_a_downloads_and_verifies_on_host_b(hosts):
    host_a, host_b = hosts
    with factories(host_a) as make:
        workshop = make.workshop()
        certificate = make.certificate(workshop)
        trainee = certificate.trainee
    client = host_b.test_client()
    client.login(trainee)

    response = client.get(f"/certificates/{certificate.serial}/pdf")
    assert response.status_code == 200
    assert hashlib.sha256(response.data).hexdigest() == certificate.pdf_sha256
    assert certificate.serial in text_of(response.data)
    with host_b.app_context():
        assert signing.check(response.data).authentic
    assert certificate.holder_name in client.get(f"/verify/{certificate.serial}").text
    for host in hosts:  # nothing of it in either instance folder
        assert not (os.path.exists(os.path.join(host.config["INSTANCE_PATH"], "certificates")))

    with host_a.app_context():  # changed in storage: refused on every host, never re-made
        blobs.tamper(certificate.pdf_file, lambda data: data + b"% changed\n")
        db.session.commit()
    refused = client.get(f"/certificates/{certificate.serial}/pdf")
    assert refused.status_code == 410
    assert "does not match what was issued" in refused.text


CRASH = textwrap.dedent(
    """
    import os, signal
    from training import create_app
    from training.core import storage
    from training.extensions import db

    app = create_app()
    with app.app_context():
        storage.put("certificates/9/CRASHED.pdf", b"%PDF half issued", "application/pdf")
        db.session.flush()
        os.kill(os.getpid(), signal.SIGKILL)  # between storing and committing
    """
)


def crash(host, **settings: str) -> None:
    env = {
        **os.environ,
        "TRAINING_DATABASE_URL": host.config["SQLALCHEMY_DATABASE_URI"],
        "TRAINING_INSTANCE_PATH": host.config["INSTANCE_PATH"],
        **settings,
    }
    worker = subprocess.run([sys.executable, "-c", CRASH], env=env, capture_output=True, timeout=120)
    assert worker.returncode == -9, worker.stderr.decode()


def test_a_worker_killed_between_storing_and_committing_leaves_no_blob(hosts):
    host_a, _ = hosts
    crash(host_a)
    with host_a.app_context():
        assert not storage.exists("certificates/9/CRASHED.pdf")
        assert storage.keys("") == []
    assert not os.path.exists(os.path.join(host_a.config["INSTANCE_PATH"], "certificates"))


def test_an_object_left_by_a_killed_worker_is_swept_and_named_ones_are_kept(hosts, s3_endpoint):
    host_a, _ = hosts
    bucket = f"sweep-{uuid.uuid4().hex[:12]}"
    s3.client(s3_endpoint).create_bucket(Bucket=bucket)
    settings = {"STORAGE_URL": f"s3://{bucket}/site", "S3_ENDPOINT_URL": s3_endpoint, **s3.KEYS}
    host_a.config.update(settings)
    with host_a.app_context():
        kept = storage.put("certificates/1/KEPT.pdf", b"%PDF committed", "application/pdf")
        db.session.commit()
    crash(host_a, **{f"TRAINING_{name}": value for name, value in settings.items()})
    stray = f"site/certificates/9/CRASHED.pdf~{hashlib.sha256(b'%PDF half issued').hexdigest()}"
    named = f"site/certificates/1/KEPT.pdf~{kept.sha256}"
    assert s3.objects(s3_endpoint, bucket) == [named, stray]

    runner = host_a.test_cli_runner()
    young = runner.invoke(args=["storage", "sweep"])  # a transaction may still commit it
    assert young.exit_code == 0, young.output
    assert "0 stray object(s) removed." in young.output
    swept = runner.invoke(args=["storage", "sweep", "--older-than", "0"])
    assert swept.exit_code == 0, swept.output
    assert "1 stray object(s) removed." in swept.output
    assert s3.objects(s3_endpoint, bucket) == [named]
    with host_a.app_context():
        assert storage.get("certificates/1/KEPT.pdf") == b"%PDF committed"


def test_the_sweep_says_there_is_nothing_to_sweep_in_the_database(hosts):
    host_a, _ = hosts
    result = host_a.test_cli_runner().invoke(args=["storage", "sweep"])
    assert result.exit_code == 0, result.output
    assert "kept in the database: nothing can be stray" in result.output
