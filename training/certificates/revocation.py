"""Revoking a certificate, and re-issuing one (a new certificate that supersedes it)."""

from __future__ import annotations

from flask_babel import lazy_gettext

from training.accounts.models import User
from training.certificates import rules
from training.certificates.issuing import issue_certificate
from training.certificates.models import Certificate, CertificateState
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.core.mail import queue_mail
from training.core.urls import external_url
from training.extensions import db


def revoke_certificate(
    certificate: Certificate,
    reason_code: str,
    *,
    actor: User,
    public_details: str = "",
    internal_note: str = "",
) -> None:
    """Revoke a valid certificate with a public reason (from the list, with optional
    details) and an internal note for staff; the holder is told by mail."""
    reason = rules.public_revocation_reason(reason_code, public_details or "")
    if reason.problems:
        raise InvalidInput(reason.problems)
    if certificate.state is not CertificateState.VALID:
        raise Conflict(
            f"Certificate {certificate.serial} is {certificate.state.value}; only a valid one is revoked."
        )
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_code = reason_code
    certificate.revocation_reason = reason.text
    certificate.revocation_note = (internal_note or "").strip()[:2000]
    db.session.flush()
    audit.record(
        "certificates.revoked",
        certificate,
        actor=actor,
        summary=f"Certificate {certificate.serial} of {certificate.holder_name} revoked",
        old={"state": "valid"},
        new={
            "state": "revoked",
            "reason": certificate.revocation_reason,
            "note": certificate.revocation_note,
        },
        workshop_id=certificate.workshop_id,
    )
    trainee = db.session.get_one(User, certificate.trainee_id)
    if trainee.erased_at is None:
        queue_mail(
            trainee,
            lazy_gettext("Your certificate %(serial)s was revoked", serial=certificate.serial),
            "certificate_revoked",
            topic="certificates",
            workshop_id=certificate.workshop_id,
            certificate=certificate,
            workshop_title=certificate.snapshot.get("workshop", {}).get("title", ""),
            verify_link=external_url("certificates.verify", serial=certificate.serial),
        )


def reissue_certificate(certificate: Certificate, *, actor: User) -> Certificate:
    """A new certificate (new serial, current evidence and confirmed name) replacing a valid one."""
    if certificate.state is not CertificateState.VALID:
        raise Conflict(
            f"Certificate {certificate.serial} is {certificate.state.value}; only a valid one is re-issued."
        )
    workshop = certificate.workshop
    return issue_certificate(
        workshop, certificate.trainee_id, certificate.kind, actor=actor, supersedes=certificate
    )
