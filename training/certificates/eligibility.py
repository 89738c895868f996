"""Who may receive which certificate: each trainee's eligibility, from the one rule
(``rules.eligibility``), as certifying faculty and the trainee see it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from training.accounts.models import User
from training.certificates import rules
from training.certificates.evidence import confirmed_trainees, gather
from training.certificates.models import Certificate, CertificateKind, CertificateState
from training.certificates.requirements import requirements
from training.core.db import utcnow
from training.core.errors import DomainError
from training.core.venue_time import at_venue
from training.extensions import db
from training.workshops.models import SessionKind, Workshop, WorkshopSession


class NotEligible(DomainError):
    """Refused because requirements are missing; ``reasons`` lists all of them."""

    status_code = 409

    def __init__(self, name: str, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(f"{name} is not eligible yet: " + " ".join(self.reasons))


@dataclass
class EligibilityRow:
    trainee: User
    evidence: rules.TraineeEvidence
    results: dict[CertificateKind, rules.Eligibility]
    certificates: dict[CertificateKind, Certificate]


def live_certificates(workshop: Workshop) -> dict[tuple[int, CertificateKind], Certificate]:
    rows = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.workshop_id == workshop.id, Certificate.state == CertificateState.VALID
        )
    )
    return {(c.trainee_id, c.kind): c for c in rows}


def live_certificate(workshop: Workshop, trainee_id: int, kind: CertificateKind) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.workshop_id == workshop.id,
            Certificate.trainee_id == trainee_id,
            Certificate.kind == kind,
            Certificate.state == CertificateState.VALID,
        )
    )


def kinds_of(requirements_: rules.Requirements) -> list[CertificateKind]:
    kinds = [CertificateKind.ATTENDANCE]
    if requirements_.competence_enabled:
        kinds.append(CertificateKind.COMPETENCE)
    return kinds


def results_of(
    needs: rules.Requirements, evidence: rules.TraineeEvidence, now: datetime
) -> dict[CertificateKind, rules.Eligibility]:
    """A trainee's eligibility for each kind the workshop awards: what certifying faculty
    see in the table and the trainee sees on the workshop page, from the one rule."""
    return {kind: rules.eligibility(kind, needs, evidence, now=now) for kind in kinds_of(needs)}


def eligibility_table(workshop: Workshop) -> tuple[rules.Requirements, list[EligibilityRow]]:
    trainees = confirmed_trainees(workshop, order="name")
    needs = requirements(workshop)
    evidence = gather(workshop, trainees)
    live = live_certificates(workshop)
    now = utcnow()
    table = []
    for trainee in trainees:
        results = results_of(needs, evidence[trainee.id], now)
        certificates = {kind: live[(trainee.id, kind)] for kind in results if (trainee.id, kind) in live}
        table.append(EligibilityRow(trainee, evidence[trainee.id], results, certificates))
    return needs, table


def issue_refusal(workshop: Workshop) -> str | None:
    """Why no certificate of the workshop can be issued now (its counted sessions have not
    all ended), or None. The same words each trainee's eligibility gives."""
    last_ends_at = db.session.scalar(
        sa.select(WorkshopSession.ends_at)
        .where(
            WorkshopSession.workshop_id == workshop.id,
            WorkshopSession.kind != SessionKind.BREAK,
            WorkshopSession.cancelled.is_(False),
        )
        .order_by(WorkshopSession.ends_at.desc())
        .limit(1)
    )
    label = at_venue(last_ends_at, workshop, "%a %d %b %Y %H:%M")
    return rules.sessions_pending(last_ends_at, label, utcnow())


def trainee_eligibility(workshop: Workshop, trainee: User) -> dict[CertificateKind, rules.Eligibility]:
    """What one confirmed trainee meets and still misses, exactly as the table shows it."""
    evidence = gather(workshop, [trainee])
    return results_of(requirements(workshop), evidence[trainee.id], utcnow())


def eligible_to_issue(workshop: Workshop, kind: CertificateKind) -> list[int]:
    """Ids of trainees eligible for ``kind`` who do not hold a live one yet."""
    _, table = eligibility_table(workshop)
    return [
        row.trainee.id
        for row in table
        if kind in row.results and row.results[kind].ok and kind not in row.certificates
    ]
