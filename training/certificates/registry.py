"""Finding certificates: by serial, the public verification, the administrators' registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import User
from training.certificates import rules
from training.certificates.models import Certificate, CertificateState
from training.core.urls import external_url
from training.extensions import db
from training.workshops.models import Workshop


def find_by_serial(text: str) -> Certificate | None:
    """The certificate a serial names, typed with its check character or as links write it."""
    serial = rules.serial_from_link(text)
    if serial is None:
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.serial == serial)
        .options(selectinload(Certificate.superseded_by), joinedload(Certificate.workshop))
    )


@dataclass(frozen=True)
class Verification:
    serial: str
    status: str  # valid, revoked, superseded, unknown
    certificate: Certificate | None = None

    def public(self) -> dict[str, Any]:
        """What anyone may learn: the name, the workshop, the dates, the kind and the status."""
        answer: dict[str, Any] = {"serial": self.serial, "status": self.status}
        certificate = self.certificate
        if certificate is None:
            return answer
        workshop = certificate.snapshot.get("workshop", {})
        answer.update(
            kind=certificate.kind.value,
            kind_label=certificate.kind.label,
            name=certificate.holder_name,
            workshop=workshop.get("title"),
            starts_on=workshop.get("starts_on"),
            ends_on=workshop.get("ends_on"),
            issued_on=certificate.issued_at.date().isoformat(),
        )
        if certificate.state is CertificateState.REVOKED:
            answer.update(
                revoked_on=certificate.revoked_at.date().isoformat() if certificate.revoked_at else None,
                revocation_reason=certificate.revocation_reason,
            )
        if certificate.state is CertificateState.SUPERSEDED and certificate.superseded_by is not None:
            newer = certificate.superseded_by
            answer.update(
                superseded_on=certificate.superseded_at.date().isoformat()
                if certificate.superseded_at
                else None,
                superseded_by=newer.serial,
                superseded_by_url=external_url("certificates.verify", serial=newer.serial),
            )
        return answer


def verify(text: str) -> Verification:
    certificate = find_by_serial(text)
    if certificate is None:
        return Verification(rules.normalise_serial(text) or text.strip()[:40], "unknown")
    return Verification(certificate.serial, certificate.state.value, certificate)


def serial_in(reason: str) -> str | None:
    """The serial named by a signature's reason ("Certificate XXXX-... issued by ...")."""
    for word in reason.split():
        serial = rules.normalise_serial(word)
        if serial is not None:
            return serial
    return None


def search_registry(query: str, state: CertificateState | None) -> sa.Select:
    """Certificates, newest first, whose holder, holder's email, workshop or serial
    contains ``query``. People and workshops are matched in their own (small) tables
    first, so the certificates are filtered by id, never joined row by row."""
    statement = (
        sa.select(Certificate)
        .options(
            # Names and titles are shown: not the holders' roles, nor the workshops' staff.
            selectinload(Certificate.trainee).lazyload(User.role_links),
            selectinload(Certificate.workshop).lazyload(Workshop.staff),
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    query = query.strip()
    if query:
        serial = rules.normalise_serial(query)
        pattern = f"%{query.lower()}%"
        people = sa.select(User.id).where(
            sa.or_(sa.func.lower(User.full_name).like(pattern), sa.func.lower(User.email).like(pattern))
        )
        workshops = sa.select(Workshop.id).where(sa.func.lower(Workshop.title).like(pattern))
        conditions: list[sa.ColumnElement[bool]] = [
            Certificate.trainee_id.in_(people),
            Certificate.workshop_id.in_(workshops),
            Certificate.serial.like(f"%{query.upper()}%"),
        ]
        if serial is not None:
            conditions.append(Certificate.serial == serial)
        statement = statement.where(sa.or_(*conditions))
    if state is not None:
        statement = statement.where(Certificate.state == state)
    return statement


def certificates_of(trainee: User) -> list[Certificate]:
    """Every certificate a person holds or held, newest first."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.trainee_id == trainee.id)
            .options(selectinload(Certificate.superseded_by))
            .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        )
    )


def valid_certificates_of(workshop: Workshop) -> list[Certificate]:
    """The workshop's valid certificates, in the order they were issued."""
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.workshop_id == workshop.id, Certificate.state == CertificateState.VALID)
            .order_by(Certificate.id)
        )
    )


def valid_certificates_held(workshop: Workshop, trainee: User) -> list[Certificate]:
    """The valid certificates one trainee holds for one workshop."""
    return list(
        db.session.scalars(
            sa.select(Certificate).where(
                Certificate.workshop_id == workshop.id,
                Certificate.trainee_id == trainee.id,
                Certificate.state == CertificateState.VALID,
            )
        )
    )


def valid_certificate_count(trainee: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Certificate)
            .where(Certificate.trainee_id == trainee.id, Certificate.state == CertificateState.VALID)
        )
        or 0
    )
