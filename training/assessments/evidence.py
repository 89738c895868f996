"""Skill evidence for certificates: every confirmed trainee x every skill of the workshop.

A fixed number of queries, however many trainees and skills: the confirmed trainees,
the workshop's skills, the standing sign-offs with their signer and evidence, and the
assessments each rests on with their assessors and sessions (who observed, and where).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import User
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.teaching import confirmed_trainee_ids, setting_of, workshop_skills
from training.core.evidence import SkillEvidence
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Workshop


def skill_evidence(workshop: Workshop, trainees: list[User] | None = None) -> dict[int, list[SkillEvidence]]:
    """For each confirmed trainee (by id), one SkillEvidence per skill of the workshop's
    modules, in curriculum order, signed off or not."""
    trainee_ids = [t.id for t in trainees] if trainees is not None else confirmed_trainee_ids(workshop)
    skills = workshop_skills(workshop)
    signed: dict[tuple[int, int], SkillSignOff] = {}
    if trainee_ids and skills:
        query = (
            sa.select(SkillSignOff)
            .where(SkillSignOff.workshop_id == workshop.id, SkillSignOff.revoked_at.is_(None))
            .options(
                joinedload(SkillSignOff.signed_by),
                joinedload(SkillSignOff.assessment),
                selectinload(SkillSignOff.assessments).options(
                    joinedload(Assessment.assessor), joinedload(Assessment.session)
                ),
            )
        )
        signed = {(s.trainee_id, s.skill_id): s for s in db.session.scalars(query)}
    return {
        trainee_id: [_evidence(skill, signed.get((trainee_id, skill.id))) for skill in skills]
        for trainee_id in trainee_ids
    }


def _evidence(skill: Skill, record: SkillSignOff | None) -> SkillEvidence:
    if record is None:
        return SkillEvidence(skill_id=skill.id, identity=skill.identity, title=skill.title, signed_off=False)
    # The attempts actually observed at a session of this workshop, evidence first.
    observed = [a for a in [record.assessment, *record.assessments] if a.session_id is not None]
    return SkillEvidence(
        skill_id=skill.id,
        identity=skill.identity,
        title=skill.title,
        signed_off=True,
        signed_off_by=record.signed_by.full_name,
        signed_off_at=record.signed_at,
        assessment_id=record.assessment_id,
        osats=dict(record.assessment.scores),
        entrustment=record.assessment.entrustment,
        entrustment_words=record.assessment.entrustment_words,
        total_text=record.assessment.total_text,
        settings=_unique(setting_of(a.session) for a in observed),
        observed_by=_unique(a.assessor.full_name for a in observed),
    )


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for value in values if value))
