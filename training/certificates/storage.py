"""Where certificates' PDFs are kept, and reading them back exactly as issued.

A PDF is a blob of core/storage.py, put in the transaction that records its
certificate: in the database (the default) they commit or roll back together; in an
object store the object is removed again if the transaction does not commit. So
there is never a row without its PDF nor a PDF without its row, and every host of
the installation serves the same PDF. Downloads serve the stored bytes, checked
against the digest kept in the row: never re-rendered.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from flask import current_app

from training.certificates import rules
from training.certificates.models import Certificate
from training.core import storage
from training.core.errors import DomainError

STORAGE = "certificates"
PDF = "application/pdf"


def stored_key(certificate: Certificate) -> str:
    """The storage key of the certificate's PDF (``certificates/<workshop>/<serial>.pdf``)."""
    return certificate.pdf_file


def stored_keys() -> list[str]:
    return storage.keys(f"{STORAGE}/")


def write_atomically(relative: str, content: bytes) -> storage.BlobRef:
    """Keep ``content`` under ``relative``, with the current transaction."""
    return storage.put(relative, content, PDF)


class StoredFileProblem(DomainError):
    status_code = 410


def stored_pdf(certificate: Certificate) -> bytes:
    """The stored PDF, exactly as issued: never re-rendered. Refused if it changed in storage."""
    try:
        return storage.get(stored_key(certificate), sha256=certificate.pdf_sha256)
    except storage.BlobMissing:
        current_app.logger.error(
            "certificate %s: stored PDF %s is missing", certificate.serial, certificate.pdf_file
        )
        raise StoredFileProblem(
            f"The PDF of certificate {certificate.serial} is missing from storage. "
            "An administrator has been told; it is not re-made silently."
        ) from None
    except storage.BlobChanged:
        current_app.logger.error(
            "certificate %s: stored PDF %s does not match its digest",
            certificate.serial,
            certificate.pdf_file,
        )
        raise StoredFileProblem(
            f"The stored PDF of certificate {certificate.serial} does not match what was issued; "
            "it is not served."
        ) from None


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
