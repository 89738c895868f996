"""Reaching into stored blobs the way a broken disk or a careless hand would."""

import sqlalchemy as sa

from training.core.storage import Blob
from training.extensions import db


def tamper(key: str, change) -> None:
    """Replace the bytes stored under ``key`` (database store) by ``change(bytes)``,
    leaving the recorded digest as it was."""
    data = db.session.scalar(sa.select(Blob.data).where(Blob.key == key))
    assert data is not None, f"no bytes stored in the database under {key}"
    db.session.execute(sa.update(Blob).where(Blob.key == key).values(data=change(data)))
    db.session.expire_all()


def lose(key: str) -> None:
    db.session.execute(sa.delete(Blob).where(Blob.key == key))
    db.session.expire_all()
