"""Demo data for certificates: called by `flask seed-demo`, idempotent.

On each completed workshop where the demo trainee holds a confirmed place, the
trainee confirms their name and evaluates the course, and, if the evidence of
attendance, quizzes and skills makes them eligible, certifying faculty issue
their certificates. Nothing is invented: without real evidence (before the
attendance, quizzes and assessments demo data exist) no certificate is issued.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.accounts.models import User
from training.certificates import rules
from training.certificates.documents import ensure_links_reach_the_public
from training.certificates.eligibility import kinds_of, live_certificate
from training.certificates.evaluations import (
    evaluation_of,
    evaluation_open,
    evaluation_targets,
    submit_evaluation,
)
from training.certificates.evidence import gather
from training.certificates.issuing import issue_certificate
from training.certificates.names import confirm_name, confirmed_name
from training.certificates.requirements import requirements
from training.core.db import utcnow
from training.core.errors import DomainError
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Duty, Workshop, WorkshopState

DEMO_TRAINEE = "trainee@example.org"


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    trainee = db.session.scalar(sa.select(User).where(User.email == DEMO_TRAINEE))
    if trainee is None:
        return []
    workshops = db.session.scalars(
        sa.select(Workshop)
        .join(Enrolment, Enrolment.workshop_id == Workshop.id)
        .where(
            Enrolment.trainee_id == trainee.id,
            Enrolment.state == EnrolmentState.CONFIRMED,
            Workshop.state == WorkshopState.COMPLETED,
        )
        .order_by(Workshop.starts_on, Workshop.id)
    ).all()
    lines = []
    for workshop in workshops:
        lines.extend(_seed_workshop(workshop, trainee))
    return lines


def _seed_workshop(workshop: Workshop, trainee: User) -> list[str]:
    lines = []
    if confirmed_name(workshop, trainee) is None:
        confirm_name(workshop, trainee.full_name, actor=trainee)
        lines.append(f"certificates: {trainee.full_name} confirmed the name for {workshop.title}")
    if evaluation_of(workshop, trainee) is None and evaluation_open(workshop):
        targets = evaluation_targets(workshop)
        submit_evaluation(
            workshop,
            overall=5,
            # Lisbon had lectures and hands-on stations, no cadaver lab: praise what it had.
            comments="Making nanofat at the stations, 30 passes and one filtration, made the "
            "published method concrete. More time at the microneedling station, please.",
            session_ratings={
                session.id: 5 if i % 2 == 0 else 4 for i, session in enumerate(targets.sessions)
            },
            faculty_ratings={person.id: 5 for person in targets.faculty},
            actor=trainee,
        )
        lines.append(f"certificates: {trainee.full_name} evaluated {workshop.title}")
    try:
        ensure_links_reach_the_public()
    except DomainError as error:  # a production site whose TRAINING_BASE_URL is this computer
        return [*lines, f"certificates: none issued: {error}"]
    certifiers = workshop.staff_with(Duty.CERTIFIER)
    actor = certifiers[0] if certifiers else None
    needs = requirements(workshop)
    evidence = gather(workshop, [trainee])
    for kind in kinds_of(needs):
        if live_certificate(workshop, trainee.id, kind) is not None:
            continue
        result = rules.eligibility(kind, needs, evidence[trainee.id], now=utcnow())
        if not result.ok:
            lines.append(f"certificates: {trainee.full_name} is not yet eligible for a {kind.label.lower()}")
            continue
        certificate = issue_certificate(
            workshop, trainee.id, kind, actor=actor, evidence=evidence, needs=needs
        )
        db.session.commit()  # each certificate with its stored PDF, one at a time
        lines.append(f"certificates: issued {kind.label.lower()} {certificate.serial} to {trainee.full_name}")
    return lines
