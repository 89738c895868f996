"""Migration 0020 moves the files of the instance folder (certificate PDFs, uploads, job
results) into the ``blobs`` table under the names the rows hold, with their digests."""

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.support import database
from training import create_app
from training.config import TestConfig
from training.core import storage
from training.core.jobs import Job, result_content
from training.extensions import db

SCHEMA = "migration_0020"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SEAL = "0123456789abcdef0123456789abcdef.png"
FILES = {
    "certificates/5/ABCD-EFGH.pdf": b"%PDF-1.7 an issued certificate\n%%EOF\n",
    f"uploads/certificate-seals/{SEAL}": b"\x89PNG a seal",
    "exports/users-1.csv": b"\xef\xbb\xbfid,email\r\n1,a@example.org\r\n",
}


@pytest.fixture
def app_at_0019(run_dir, database_url, tmp_path):
    url = database.separate_url(database_url, run_dir, SCHEMA)
    database.recreate(url, schema=SCHEMA)
    app = create_app(TestConfig(tmp_path / "instance", url))
    with app.app_context():
        upgrade(revision="0019")
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop(url, SCHEMA)


def test_the_instance_folder_files_move_into_blobs_with_their_digests(app_at_0019):
    instance = Path(app_at_0019.config["INSTANCE_PATH"])
    for relative, data in FILES.items():
        (instance / relative).parent.mkdir(parents=True, exist_ok=True)
        (instance / relative).write_bytes(data)
    (instance / "certificates" / "5" / ".issuing-x1y2.pdf").write_bytes(b"half written")
    (instance / "secret_key").write_text("not a stored file")
    with app_at_0019.app_context(), db.engine.begin() as connection:
        jobs = sa.Table("jobs", sa.MetaData(), autoload_with=connection)
        connection.execute(
            jobs.insert().values(
                kind="users-csv",
                title="Export",
                state="done",
                params={},
                total=1,
                done=1,
                message="1 accounts exported.",
                result_file="exports/users-1.csv",
                created_at=NOW,
                updated_at=NOW,
            )
        )

    with app_at_0019.app_context():
        upgrade()
        assert sorted(storage.keys("")) == sorted(FILES)
        for key, data in FILES.items():
            ref = storage.info(key)
            assert (ref.size, ref.sha256) == (len(data), hashlib.sha256(data).hexdigest())
            assert storage.get(key) == data
        assert storage.info("certificates/5/ABCD-EFGH.pdf").content_type == "application/pdf"
        assert storage.info("exports/users-1.csv").content_type == "text/csv"
        assert storage.info(f"uploads/certificate-seals/{SEAL}").content_type == "image/png"
        job = db.session.scalar(sa.select(Job))
        assert result_content(job) == FILES["exports/users-1.csv"]
        db.session.rollback()

    # Going back writes the files that are no longer in the instance folder.
    (instance / "exports" / "users-1.csv").unlink()
    with app_at_0019.app_context():
        downgrade(revision="0019")
        assert "blobs" not in sa.inspect(db.engine).get_table_names()
    assert (instance / "exports" / "users-1.csv").read_bytes() == FILES["exports/users-1.csv"]
