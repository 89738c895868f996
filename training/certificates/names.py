"""The name a trainee confirms, exactly as it must appear on their certificates."""

from __future__ import annotations

import sqlalchemy as sa

from training.accounts.models import User
from training.certificates.models import CertificateName
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop


def is_confirmed_trainee(workshop: Workshop, user: User) -> bool:
    return (
        db.session.scalar(
            sa.select(Enrolment.id).where(
                Enrolment.workshop_id == workshop.id,
                Enrolment.trainee_id == user.id,
                Enrolment.state == EnrolmentState.CONFIRMED,
            )
        )
        is not None
    )


def confirmed_name(workshop: Workshop, trainee: User) -> CertificateName | None:
    return db.session.scalar(
        sa.select(CertificateName).where(
            CertificateName.workshop_id == workshop.id, CertificateName.trainee_id == trainee.id
        )
    )


def confirm_name(workshop: Workshop, name: str, *, actor: User) -> CertificateName:
    """The trainee confirms the name, exactly as it must appear on their certificates."""
    name = " ".join(name.split())
    if not is_confirmed_trainee(workshop, actor):
        raise Conflict(
            "Only trainees with a confirmed place confirm a name for this workshop's certificates."
        )
    if not 2 <= len(name) <= 200:
        raise InvalidInput({"name": ["Enter your name as it must appear (2 to 200 characters)."]})
    if any(ord(char) < 32 for char in name):
        raise InvalidInput({"name": ["The name contains characters that cannot be printed."]})
    row = confirmed_name(workshop, actor)
    old = row.name if row else None
    if row is None:
        row = CertificateName(workshop_id=workshop.id, trainee_id=actor.id, name=name, confirmed_at=utcnow())
        db.session.add(row)
    else:
        row.name, row.confirmed_at = name, utcnow()
    db.session.flush()
    if old != name:
        audit.record(
            "certificates.name_confirmed",
            row,
            actor=actor,
            summary=f"Name for certificates confirmed as {name}",
            old={"name": old},
            new={"name": name},
            workshop_id=workshop.id,
        )
    return row
