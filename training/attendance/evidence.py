"""Attendance evidence for certificates.

PLACEHOLDER until the attendance branch is merged: every confirmed trainee has
attended nothing yet. The attendance capability replaces this module with the
real provider (same function, same contract: ``training.core.evidence``).
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from training.core.evidence import AttendanceEvidence
from training.extensions import db
from training.workshops.models import Enrolment, EnrolmentState, Workshop


def attendance_evidence(workshop: Workshop) -> dict[int, AttendanceEvidence]:
    trainee_ids = db.session.scalars(
        sa.select(Enrolment.trainee_id).where(
            Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED
        )
    ).all()
    empty = AttendanceEvidence(
        attended_minutes=0,
        scheduled_minutes=0,
        percent=Decimal(0),
        threshold_percent=Decimal(80),
        missing_mandatory=(),
        credit_hours=Decimal(0),
    )
    return dict.fromkeys(trainee_ids, empty)
