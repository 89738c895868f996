"""The certificates section of a person's data: their certificates (with the PDFs as
issued), the names they confirmed and their course evaluations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from training.accounts.models import User
from training.accounts.personal_data import forget_history, held_by, section
from training.certificates import design, rules
from training.certificates.models import Certificate, CertificateName, CourseEvaluation
from training.certificates.storage import StoredFileProblem, stored_pdf
from training.core.urls import external_url
from training.extensions import db


def certificate_files(user: User) -> Iterator[tuple[str, bytes]]:
    """Each certificate's PDF exactly as issued (a file missing from storage is left out,
    and the certificate's entry in certificates.json still names it)."""
    for certificate in held_by(Certificate, user):
        try:
            yield f"{rules.link_serial(certificate.serial)}.pdf", stored_pdf(certificate)
        except StoredFileProblem:
            continue


def erase_certificates(user: User) -> None:
    """Certificates stay valid and verifiable, but no longer say whose they are; the
    confirmed names go; evaluations keep their ratings (the workshop's averages) and
    lose the comments the person wrote."""
    certificates = held_by(Certificate, user)
    for certificate in certificates:
        # The PDF and its digest stay as issued: the signature still checks out.
        certificate.snapshot = {**certificate.snapshot, "name": None, "holder_erased": True}
    names = held_by(CertificateName, user)
    evaluations = held_by(CourseEvaluation, user)
    for evaluation in evaluations:
        evaluation.comments = ""
    forget_history("certificates", [c.id for c in certificates])
    forget_history("certificate_names", [n.id for n in names])
    forget_history("course_evaluations", [e.id for e in evaluations])
    for name in names:
        db.session.delete(name)
    design.erase_signature(user)  # certificates they issued keep it in their PDFs


@section("certificates", files=certificate_files, erase=erase_certificates)
def export_certificates(user: User) -> dict[str, Any]:
    return {
        "certificates": [
            {
                "serial": c.serial,
                "kind": c.kind,
                "state": c.state,
                "name": c.holder_name,
                "workshop": c.workshop.title,
                "issued_at": c.issued_at,
                "revoked_at": c.revoked_at,
                "revocation_reason": c.revocation_reason,
                "file": f"certificates/{rules.link_serial(c.serial)}.pdf",
                "verify_at": external_url("certificates.verify", serial=c.serial),
            }
            for c in held_by(Certificate, user)
        ],
        "confirmed_names": [
            {"workshop_id": n.workshop_id, "name": n.name, "confirmed_at": n.confirmed_at}
            for n in held_by(CertificateName, user)
        ],
        "evaluations": [
            {
                "workshop": e.workshop_id,
                "overall": e.overall,
                "comments": e.comments,
                "submitted_at": e.submitted_at,
                "ratings": [{"about": r.target, "id": r.target_id, "rating": r.rating} for r in e.ratings],
            }
            for e in held_by(CourseEvaluation, user)
        ],
    }
