"""Where certificates' PDFs are kept, and reading them back exactly as issued.

A PDF is written to a temporary file and renamed into place inside the transaction
that records its certificate. Should the transaction not commit, the file is removed
again, so there is never a row without its PDF nor a PDF without its row. Downloads
serve the stored bytes, checked against the digest kept in the row: never re-rendered.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from training.certificates import rules
from training.certificates.models import Certificate
from training.core.db import Session
from training.core.errors import DomainError
from training.extensions import db

STORAGE = "certificates"


def storage_root() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / STORAGE


def stored_path(certificate: Certificate) -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / certificate.pdf_file


# Files written in the current transaction: removed if it rolls back.
_PENDING = "certificate_files_written"


def write_atomically(relative: str, content: bytes) -> Path:
    path = Path(current_app.config["INSTANCE_PATH"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".issuing-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    db.session.info.setdefault(_PENDING, []).append(path)
    return path


@sa.event.listens_for(Session, "after_commit")
def _keep_written_files(session: Any) -> None:
    session.info.pop(_PENDING, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _remove_written_files(session: Any, previous_transaction: Any) -> None:
    for path in session.info.pop(_PENDING, []):
        Path(path).unlink(missing_ok=True)


class StoredFileProblem(DomainError):
    status_code = 410


def stored_pdf(certificate: Certificate) -> bytes:
    """The stored PDF, exactly as issued: never re-rendered. Refused if it changed on disk."""
    path = stored_path(certificate)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        current_app.logger.error("certificate %s: stored PDF %s is missing", certificate.serial, path)
        raise StoredFileProblem(
            f"The PDF of certificate {certificate.serial} is missing from storage. "
            "An administrator has been told; it is not re-made silently."
        ) from None
    if hashlib.sha256(content).hexdigest() != certificate.pdf_sha256:
        current_app.logger.error(
            "certificate %s: stored PDF %s does not match its digest", certificate.serial, path
        )
        raise StoredFileProblem(
            f"The stored PDF of certificate {certificate.serial} does not match what was issued; "
            "it is not served."
        )
    return content


def download_name(certificate: Certificate) -> str:
    """The file name a certificate's PDF is downloaded under."""
    safe = "".join(c if c.isalnum() else "-" for c in certificate.holder_name).strip("-")[:60]
    return f"{certificate.kind.value}-{safe or 'holder'}-{rules.link_serial(certificate.serial)}.pdf"


def zip_of(certificates: Iterable[Certificate]) -> io.BytesIO:
    """The certificates' stored PDFs in one ZIP file. One that cannot be served as issued
    is left out and named, with the reason, in the archive's PROBLEMS.txt."""
    buffer = io.BytesIO()
    problems = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            try:
                content = stored_pdf(certificate)
            except StoredFileProblem as error:
                problems.append(error.message)
                continue
            archive.writestr(download_name(certificate), content)
        if problems:
            archive.writestr("PROBLEMS.txt", "\n".join(problems) + "\n")
    buffer.seek(0)
    return buffer
