"""What certificates look like beyond their text: the programme's seal (or logo),
uploaded by an admin, and the signature image a certifier may upload.

Images are checked and stored by core/uploads.py under new random names; a
replaced image's file is kept, because the snapshot of every certificate issued
with it names the file and its digest. Rendering a snapshot reads exactly those
files, so a later change of seal or signature alters no issued certificate.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import sqlalchemy as sa
from flask import current_app

from training.accounts.models import Role, User
from training.certificates.models import CertificateDesign, CertifierSignature
from training.core import audit, pdf, uploads
from training.core.errors import InvalidInput
from training.extensions import db

SEAL_KIND = "certificate-seals"
SIGNATURE_KIND = "certifier-signatures"
DEFAULT_SEAL = "img/seal.svg"  # in the static folder
SEAL_LIMITS = uploads.ImageLimits(
    max_bytes=2 * 1024 * 1024, min_side=64, max_side=4000, formats=("PNG", "JPEG"), also_named=("SVG",)
)
SEAL_SVG_LIMITS = uploads.SvgLimits(max_bytes=512 * 1024)
# A signature is wide and short: a scan of 400 x 120 pixels is usual.
SIGNATURE_LIMITS = uploads.ImageLimits(
    max_bytes=1024 * 1024, min_side=32, max_side=3000, formats=("PNG", "JPEG")
)


def current_design() -> CertificateDesign | None:
    return db.session.get(CertificateDesign, 1)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_seal(data: bytes) -> uploads.CheckedImage:
    """A PNG or JPEG (re-encoded) or an SVG (cleaned), told apart by the content."""
    if uploads.looks_like_svg(data):
        return uploads.check_svg(data, SEAL_SVG_LIMITS, field="seal")
    return uploads.check_image(data, SEAL_LIMITS, field="seal")


def set_seal(data: bytes, *, actor: User) -> CertificateDesign:
    checked = check_seal(data)
    name = uploads.store(checked, SEAL_KIND)
    row = current_design()
    if row is None:
        row = CertificateDesign(id=1)
        db.session.add(row)
    old = row.seal_file
    row.seal_file, row.seal_sha256, row.updated_by_id = name, _digest(checked.data), actor.id
    audit.record(
        "certificates.seal_changed",
        row,
        actor=actor,
        summary=f"Certificate seal replaced by an uploaded {checked.extension.upper()} image "
        f"({checked.width} x {checked.height})",
        old={"seal": old or "default"},
        new={"seal": name},
    )
    return row


def remove_seal(*, actor: User) -> None:
    """Back to the default seal. The uploaded file stays for the certificates issued with it."""
    row = current_design()
    if row is None or row.seal_file is None:
        raise InvalidInput({"seal": ["The certificates already carry the default seal."]})
    old = row.seal_file
    row.seal_file, row.seal_sha256, row.updated_by_id = None, None, actor.id
    audit.record(
        "certificates.seal_changed",
        row,
        actor=actor,
        summary="Certificate seal set back to the default",
        old={"seal": old},
        new={"seal": "default"},
    )


def may_sign(user: User) -> bool:
    """Who may keep a signature image: the people who can issue certificates."""
    return user.has_role(Role.FACULTY) or user.has_role(Role.ADMIN)


def signature_of(user: User) -> CertifierSignature | None:
    return db.session.scalar(sa.select(CertifierSignature).where(CertifierSignature.user_id == user.id))


def set_signature(data: bytes, *, actor: User) -> CertifierSignature:
    """The actor's own signature image, replacing any earlier one for certificates issued from now on."""
    checked = uploads.check_image(data, SIGNATURE_LIMITS, field="signature")
    name = uploads.store(checked, SIGNATURE_KIND)
    row = signature_of(actor)
    old = row.file if row is not None else None
    if row is None:
        row = CertifierSignature(user_id=actor.id, file=name, sha256=_digest(checked.data))
        db.session.add(row)
    else:
        row.file, row.sha256 = name, _digest(checked.data)
    audit.record(
        "certificates.signature_changed",
        row,
        actor=actor,
        summary=f"{actor.full_name} uploaded a signature image for certificates",
        old={"signature": old} if old else None,
        new={"signature": name},
    )
    return row


def remove_signature(*, actor: User) -> None:
    row = signature_of(actor)
    if row is None:
        raise InvalidInput({"signature": ["You have no signature image to remove."]})
    audit.record(
        "certificates.signature_changed",
        row,
        actor=actor,
        summary=f"{actor.full_name} removed their signature image from future certificates",
        old={"signature": row.file},
        new={"signature": None},
    )
    db.session.delete(row)


def erase_signature(user: User) -> None:
    """On erasure of a person's data: the row and the file go. Issued PDFs keep what they show."""
    row = signature_of(user)
    if row is None:
        return
    uploads.remove(SIGNATURE_KIND, row.file)
    db.session.delete(row)


# --- what a snapshot freezes, and what rendering it reads ------------------------------


def snapshot_images(actor: User | None) -> dict[str, Any]:
    """The seal and the issuer's signature as a certificate's snapshot records them."""
    design = current_design()
    seal = (
        {"file": design.seal_file, "sha256": design.seal_sha256}
        if design is not None and design.seal_file and design.seal_sha256
        else None
    )
    signature = signature_of(actor) if actor is not None else None
    return {
        "seal": seal,
        "signature": {"file": signature.file, "sha256": signature.sha256} if signature is not None else None,
    }


def image_uri(kind: str, frozen: dict[str, Any] | None) -> str | None:
    """The ``data:`` URI of the image a snapshot names, if its file is there as it was
    (WeasyPrint reads only static files and data URIs); None otherwise."""
    if not frozen:
        return None
    name = frozen.get("file")
    data = uploads.read(kind, name)
    if data is None or not isinstance(name, str):
        current_app.logger.warning("certificate image %s/%s is missing", kind, name)
        return None
    if _digest(data) != frozen.get("sha256"):
        current_app.logger.error("certificate image %s/%s does not match its digest", kind, name)
        return None
    return f"data:{uploads.mime_of(name)};base64,{base64.b64encode(data).decode()}"


def seal_uri(frozen: dict[str, Any] | None) -> str:
    return image_uri(SEAL_KIND, frozen) or pdf.static_uri(DEFAULT_SEAL)


def signature_uri(frozen: dict[str, Any] | None) -> str | None:
    return image_uri(SIGNATURE_KIND, frozen)
