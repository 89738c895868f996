"""Signing a skill off for a trainee, resting on one assessment, and revoking a sign-off
(never deleted: the record keeps who revoked it, when and why)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.assessments import permissions, rules
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.rating import rating_of
from training.assessments.standard import standard_of
from training.assessments.teaching import OPEN_STATES, is_confirmed, skill_of_workshop
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Workshop
from training.workshops.permissions import judges


def assessments_of(
    workshop: Workshop, trainee_id: int, skill_id: int, *, lock: bool = False
) -> list[Assessment]:
    query = (
        sa.select(Assessment)
        .where(
            Assessment.workshop_id == workshop.id,
            Assessment.trainee_id == trainee_id,
            Assessment.skill_id == skill_id,
        )
        .options(
            joinedload(Assessment.assessor),
            joinedload(Assessment.session),
            joinedload(Assessment.skill),
        )
        .order_by(Assessment.created_at, Assessment.id)
    )
    if lock:
        query = query.with_for_update(of=Assessment)
    return list(db.session.scalars(query).unique())


def standing_sign_off(workshop: Workshop, trainee_id: int, skill_id: int) -> SkillSignOff | None:
    query = sa.select(SkillSignOff).where(
        SkillSignOff.workshop_id == workshop.id,
        SkillSignOff.trainee_id == trainee_id,
        SkillSignOff.skill_id == skill_id,
        SkillSignOff.revoked_at.is_(None),
    )
    return db.session.scalar(query)


def standing_pairs(workshop: Workshop, trainee_ids: set[int] | list[int]) -> set[tuple[int, int]]:
    if not trainee_ids:
        return set()
    query = sa.select(SkillSignOff.trainee_id, SkillSignOff.skill_id).where(
        SkillSignOff.workshop_id == workshop.id,
        SkillSignOff.trainee_id.in_(list(trainee_ids)),
        SkillSignOff.revoked_at.is_(None),
    )
    return {(row.trainee_id, row.skill_id) for row in db.session.execute(query)}


def sign_off(
    workshop: Workshop,
    trainee: User,
    skill: Skill,
    *,
    actor: User,
    evidence_id: int | None,
    reviewed_disagreement: bool = False,
    note: str = "",
) -> SkillSignOff:
    """Sign the skill off for the trainee, resting on the chosen assessment."""
    if not permissions.can_sign_off_skills(actor, workshop):
        raise NotAllowed("Only certifying faculty of this workshop may sign a skill off.")
    if not judges(actor, workshop, trainee.id):
        raise NotAllowed("Nobody signs off their own skill, nor a fellow trainee's on their workshop.")
    if skill_of_workshop(workshop, skill.id) is None:
        raise NotFound("This skill is not taught on this workshop.")
    assessments = assessments_of(workshop, trainee.id, skill.id, lock=True)
    decision = rules.sign_off_decision(
        rules.SignOffRequest(
            signer_id=actor.id,
            signer_certifies=True,
            trainee_id=trainee.id,
            trainee_confirmed=is_confirmed(workshop, trainee.id),
            workshop_open=workshop.state in OPEN_STATES,
            already_signed_off=standing_sign_off(workshop, trainee.id, skill.id) is not None,
            ratings=[rating_of(a) for a in assessments],
            evidence_id=evidence_id,
            reviewed_disagreement=reviewed_disagreement,
            note=note,
            standard=standard_of(workshop),
        )
    )
    if not decision.ok:
        raise InvalidInput({None: list(decision.reasons)})
    evidence = next(a for a in assessments if a.id == evidence_id)
    record = SkillSignOff(
        workshop_id=workshop.id,
        trainee_id=trainee.id,
        skill_id=skill.id,
        assessment_id=evidence.id,
        signed_by_id=actor.id,
        signed_at=utcnow(),
        note=note.strip(),
        assessments=assessments,
    )
    db.session.add(record)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict("This skill was signed off a moment ago by someone else; reload the page.") from error
    audit.record(
        "skill.signed_off",
        record,
        actor=actor,
        summary=f"{skill.title} signed off for {trainee.full_name} by {actor.full_name}",
        new={
            "evidence_assessment": evidence.id,
            "assessments": [a.id for a in assessments],
            "note": record.note,
        },
        workshop_id=workshop.id,
    )
    return record


def revoke_sign_off(record: SkillSignOff, *, actor: User, reason: str) -> SkillSignOff:
    workshop = record.workshop
    if not permissions.can_sign_off_skills(actor, workshop):
        raise NotAllowed("Only certifying faculty of this workshop may revoke a sign-off.")
    db.session.refresh(record, with_for_update=True)
    problems = rules.revoke_problems(standing=record.standing, reason=reason)
    if problems:
        raise InvalidInput({"reason": problems})
    record.revoked_at = utcnow()
    record.revoked_by_id = actor.id
    record.revocation_reason = reason.strip()
    audit.record(
        "skill.sign_off_revoked",
        record,
        actor=actor,
        summary=f"Sign-off of {record.skill.title} for {record.trainee.full_name} revoked",
        old={"standing": True},
        new={"standing": False, "reason": record.revocation_reason},
        workshop_id=workshop.id,
    )
    db.session.flush()
    return record
