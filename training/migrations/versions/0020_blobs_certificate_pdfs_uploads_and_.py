"""Blobs: certificate PDFs, uploads and export files in the database

Every file the app wrote to its instance folder (certificates/, uploads/, exports/) is
copied into the new ``blobs`` table under its path relative to that folder, which is
the name the rows already hold (``certificates.pdf_file``, ``jobs.result_file``) or
build (``uploads/<kind>/<name>``). The digest is that of the bytes as found on disk, so
a PDF changed on disk is still refused on download. The files are left where they were
(remove them once the upgrade is checked); the downgrade writes missing ones back.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-08 00:43:02.720481
"""

import hashlib
import mimetypes
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from flask import current_app, has_app_context

from training.config import instance_path

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

FOLDERS = ("certificates", "uploads", "exports")
TYPES = {".pdf": "application/pdf", ".csv": "text/csv", ".zip": "application/zip", ".svg": "image/svg+xml"}


def instance() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) if has_app_context() else instance_path()


def blobs_table() -> sa.Table:
    return sa.table(
        "blobs",
        sa.column("key", sa.String),
        sa.column("content_type", sa.String),
        sa.column("size", sa.BigInteger),
        sa.column("sha256", sa.String),
        sa.column("data", sa.LargeBinary),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )


def stored_files(root: Path):
    for folder in FOLDERS:
        for path in sorted((root / folder).rglob("*")):
            # A temporary file of a write that never finished is not a stored file.
            if path.is_file() and not path.name.startswith("."):
                yield path.relative_to(root).as_posix(), path


def upgrade():
    op.create_table(
        "blobs",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_blobs_size_not_negative")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_blobs")),
    )
    bind = op.get_bind()
    blobs = blobs_table()
    now = datetime.now(UTC)
    stamp = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    for key, path in stored_files(instance()):
        if len(key) > 300:
            continue
        data = path.read_bytes()
        content_type = TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
        bind.execute(
            blobs.insert().values(
                key=key,
                content_type=content_type or "application/octet-stream",
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
                created_at=stamp,
            )
        )


def downgrade():
    bind = op.get_bind()
    blobs = blobs_table()
    root = instance()
    for key, data in bind.execute(sa.select(blobs.c.key, blobs.c.data).where(blobs.c.data.is_not(None))):
        path = root / key
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    op.drop_table("blobs")
