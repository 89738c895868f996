"""Issuing a certificate: eligibility, snapshot, signed PDF, row.

A certificate is issued in one transaction: its row is flushed (the database refuses
a second live certificate of a kind), then its signed PDF is stored (``storage``).
The PDF is rendered once, at issue.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext

from training.accounts.models import User
from training.certificates import permissions, rules
from training.certificates.documents import (
    build_snapshot,
    ensure_fonts_installed,
    ensure_links_reach_the_public,
    render_certificate,
)
from training.certificates.eligibility import NotEligible, live_certificate
from training.certificates.evidence import gather
from training.certificates.models import Certificate, CertificateKind, CertificateState
from training.certificates.requirements import requirements
from training.certificates.storage import STORAGE, write_atomically
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, NotAllowed, NotFound
from training.core.i18n import language_of
from training.core.mail import queue_mail
from training.core.urls import external_url
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop
from training.workshops.permissions import judges


def new_serial() -> str:
    while True:
        serial = rules.serial_from_bytes(secrets.token_bytes(10))
        if db.session.scalar(sa.select(Certificate.id).where(Certificate.serial == serial)) is None:
            return serial


def _lock_enrolment(workshop: Workshop, trainee_id: int) -> Enrolment | None:
    """Serialises issuing for one trainee (a write transaction already does on SQLite)."""
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee_id)
        .with_for_update()
    )


def issue_certificate(
    workshop: Workshop,
    trainee_id: int,
    kind: CertificateKind,
    *,
    actor: User | None,
    evidence: dict[int, rules.TraineeEvidence] | None = None,
    needs: rules.Requirements | None = None,
    supersedes: Certificate | None = None,
) -> Certificate:
    """Issue one certificate: eligibility, snapshot, signed PDF, row. Raises
    ``NotEligible`` with every missing requirement, ``Conflict`` if one is live."""
    snapshot = draft_certificate(
        workshop, trainee_id, kind, actor=actor, evidence=evidence, needs=needs, supersedes=supersedes
    )
    return store_certificate(
        workshop, trainee_id, kind, snapshot, render_certificate(snapshot), actor=actor, supersedes=supersedes
    )


def draft_certificate(
    workshop: Workshop,
    trainee_id: int,
    kind: CertificateKind,
    *,
    actor: User | None,
    evidence: dict[int, rules.TraineeEvidence] | None = None,
    needs: rules.Requirements | None = None,
    supersedes: Certificate | None = None,
) -> dict[str, Any]:
    """The snapshot a certificate would freeze, after every check; writes nothing.

    Rendering the snapshot needs no database, so a caller may end the transaction
    between drafting and ``store_certificate`` (bulk issue renders outside it, so that
    parallel workers do not wait on each other's rendering)."""
    if actor is not None and not permissions.can_issue_certificates(actor, workshop):
        raise NotAllowed("Only certifying faculty of this workshop (or an admin) may issue its certificates.")
    if actor is not None and not judges(actor, workshop, trainee_id):
        raise NotAllowed("Nobody certifies themselves, nor a fellow trainee of a workshop they attend.")
    ensure_links_reach_the_public()
    ensure_fonts_installed()
    enrolment = _lock_enrolment(workshop, trainee_id)
    if enrolment is None or enrolment.state is not EnrolmentState.CONFIRMED:
        raise NotFound("This person has no confirmed place on this workshop.")
    existing = live_certificate(workshop, trainee_id, kind)
    if existing is not None and existing is not supersedes:
        raise Conflict(f"{existing.trainee.full_name} already holds {kind.label.lower()} {existing.serial}.")
    needs = needs or requirements(workshop)
    if evidence is None or trainee_id not in evidence:
        evidence = gather(workshop, [enrolment.trainee])
    trainee_evidence = evidence[trainee_id]
    issued_at = utcnow()
    result = rules.eligibility(kind, needs, trainee_evidence, now=issued_at)
    if not result.ok:
        raise NotEligible(enrolment.trainee.full_name, result.missing)
    snapshot = build_snapshot(
        workshop, kind, trainee_evidence, result, serial=new_serial(), issued_at=issued_at, actor=actor
    )
    # The holder's language (theirs, else the programme's); English too when the workshop asks.
    language = language_of(enrolment.trainee)
    snapshot["language"] = language
    snapshot["bilingual"] = needs.bilingual and language != "en"
    return snapshot


def store_certificate(
    workshop: Workshop,
    trainee_id: int,
    kind: CertificateKind,
    snapshot: dict[str, Any],
    document: bytes,
    *,
    actor: User | None,
    supersedes: Certificate | None = None,
) -> Certificate:
    """Record a drafted certificate and its signed PDF, queue the holder's mail and
    audit it. The database refuses a second live certificate of a kind."""
    serial = snapshot["serial"]
    issued_at = datetime.fromisoformat(snapshot["issued_at"])
    if supersedes is not None:
        supersedes.state = CertificateState.SUPERSEDED
        supersedes.superseded_at = issued_at
        db.session.flush()
    relative = f"{STORAGE}/{workshop.id}/{rules.link_serial(serial)}.pdf"
    certificate = Certificate(
        serial=serial,
        workshop_id=workshop.id,
        trainee_id=trainee_id,
        kind=kind,
        state=CertificateState.VALID,
        snapshot=snapshot,
        pdf_file=relative,
        pdf_sha256=hashlib.sha256(document).hexdigest(),
        issued_at=issued_at,
        issued_by_id=actor.id if actor else None,
        supersedes=supersedes,
    )
    db.session.add(certificate)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another request issued it a moment ago; the caller rolls back.
        raise Conflict(f"{snapshot['name']} already holds a {kind.label.lower()}.") from None
    write_atomically(relative, document)
    trainee = db.session.get(User, trainee_id)
    assert trainee is not None
    # In the holder's language (queue_mail renders the lazy texts in it).
    if kind is CertificateKind.ATTENDANCE:
        subject = lazy_gettext("Your certificate of attendance: %(title)s", title=workshop.title)
        kind_label = lazy_gettext("Certificate of attendance")
    else:
        subject = lazy_gettext("Your certificate of competence: %(title)s", title=workshop.title)
        kind_label = lazy_gettext("Certificate of competence")
    queue_mail(
        trainee,
        subject,
        "certificate_issued",
        topic="certificates",
        workshop_id=workshop.id,
        name=snapshot["name"],
        kind_label=kind_label,
        workshop_title=workshop.title,
        serial=serial,
        download_url=external_url("certificates.download", serial=serial),
        verify_url=external_url("certificates.verify", serial=serial),
    )
    audit.record(
        "certificates.reissued" if supersedes is not None else "certificates.issued",
        certificate,
        actor=actor,
        summary=f"{kind.label} {serial} issued to {snapshot['name']}"
        + (f", replacing {supersedes.serial}" if supersedes is not None else ""),
        new={"serial": serial, "kind": kind.value, "name": snapshot["name"]},
        old={"serial": supersedes.serial} if supersedes is not None else None,
        workshop_id=workshop.id,
    )
    return certificate


def count_issued_since(workshop_id: int, kind: CertificateKind, since: datetime) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(
                Certificate.workshop_id == workshop_id,
                Certificate.kind == kind,
                Certificate.issued_at >= since,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class BulkOutcome:
    issued: int
    already: int
    not_eligible: int
