"""Skill evidence for certificates.

PLACEHOLDER until the assessments branch is merged: no confirmed trainee has a
skill signed off yet. The assessments capability replaces this module with the
real provider (same function, same contract: ``training.core.evidence``).
"""

from __future__ import annotations

import sqlalchemy as sa

from training.core.evidence import SkillEvidence
from training.extensions import db
from training.workshops.models import Enrolment, EnrolmentState, Workshop


def skill_evidence(workshop: Workshop) -> dict[int, list[SkillEvidence]]:
    trainee_ids = db.session.scalars(
        sa.select(Enrolment.trainee_id).where(
            Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED
        )
    ).all()
    return {trainee_id: [] for trainee_id in trainee_ids}
