"""Rating a trainee: a faculty member's OSATS assessment of one skill, recorded or changed
(audited old -> new), and the rating the rules read from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from training.accounts.models import User
from training.assessments import permissions, rules
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS
from training.assessments.teaching import OPEN_STATES, is_confirmed, session_label, skill_of_workshop, teaches
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Workshop, WorkshopSession
from training.workshops.permissions import judges


def rating_of(assessment: Assessment) -> rules.Rating:
    return rules.Rating(
        assessment_id=assessment.id,
        assessor_id=assessment.assessor_id,
        assessor_name=assessment.assessor.full_name,
        scores=assessment.scores,
        entrustment=assessment.entrustment,
        competent=assessment.competent,
        critical_missed=rules.critical_missed(assessment.skill.checklist, assessment.checklist),
        session_id=assessment.session_id,
    )


@dataclass(frozen=True)
class AssessmentData:
    scores: dict[str, Any]
    entrustment: Any
    competent: bool | None
    feedback: str = ""
    done_steps: list[str] = field(default_factory=list)
    session_id: int | None = None


def own_assessment(
    workshop: Workshop, trainee_id: int, skill_id: int, assessor_id: int, *, lock: bool = False
) -> Assessment | None:
    query = sa.select(Assessment).where(
        Assessment.workshop_id == workshop.id,
        Assessment.trainee_id == trainee_id,
        Assessment.skill_id == skill_id,
        Assessment.assessor_id == assessor_id,
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def record_assessment(
    workshop: Workshop, trainee: User, skill: Skill, data: AssessmentData, *, actor: User
) -> tuple[Assessment, bool]:
    """Record the actor's assessment of the trainee on the skill, or change it.

    Returns the assessment and whether it is new. Every change is audited, old -> new.
    """
    if not permissions.can_assess(actor, workshop):
        raise NotAllowed("Only faculty of this workshop may assess its trainees.")
    if workshop.state not in OPEN_STATES:
        raise Conflict("Trainees are assessed only on a published or completed workshop.")
    if actor.id == trainee.id:
        raise NotAllowed("Nobody may assess their own skill.")
    if not judges(actor, workshop, trainee.id):
        raise NotAllowed("A trainee of this workshop does not assess fellow trainees.")
    if not is_confirmed(workshop, trainee.id):
        raise Conflict(f"{trainee.full_name} does not hold a confirmed place on this workshop.")
    if skill_of_workshop(workshop, skill.id) is None:
        raise NotFound("This skill is not taught on this workshop.")
    problems = _problems(workshop, skill, data)
    checklist = rules.checklist_result(skill.checklist, data.done_steps)
    missed = rules.critical_missed(skill.checklist, checklist.results)
    if data.competent and missed and "steps" not in problems:
        problems["competent"] = [
            "A critical step was not done ("
            + "; ".join(missed)
            + "): the trainee is not yet competent, whatever the global score."
        ]
    if problems:
        raise InvalidInput(problems)
    values = {
        **{key: data.scores.get(key) for key in DOMAIN_KEYS},
        "entrustment": data.entrustment,
        "competent": bool(data.competent),
        "feedback": data.feedback.strip(),
        "checklist": checklist.results,
        "session_id": data.session_id,
    }
    assessment = own_assessment(workshop, trainee.id, skill.id, actor.id, lock=True)
    if assessment is None:
        assessment = Assessment(
            workshop_id=workshop.id, trainee_id=trainee.id, skill_id=skill.id, assessor_id=actor.id, **values
        )
        db.session.add(assessment)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise Conflict(
                "You assessed this trainee on this skill a moment ago; reload the page."
            ) from error
        audit.record(
            "assessment.recorded",
            assessment,
            actor=actor,
            summary=f"{skill.title}: {actor.full_name} rated {trainee.full_name} {assessment.total_text}",
            new=assessment.snapshot(),
            workshop_id=workshop.id,
        )
        return assessment, True
    before = assessment.snapshot()
    _refuse_changing_signed_evidence(assessment, before, values)
    for key, value in values.items():
        setattr(assessment, key, value)
    old, new = audit.diff(before, assessment.snapshot())
    if new:
        audit.record(
            "assessment.edited",
            assessment,
            actor=actor,
            summary=f"{skill.title}: {actor.full_name} changed their assessment of {trainee.full_name}",
            old=old,
            new=new,
            workshop_id=workshop.id,
        )
        db.session.flush()
    return assessment, False


def _problems(workshop: Workshop, skill: Skill, data: AssessmentData) -> dict[str | None, list[str]]:
    problems = rules.score_problems(data.scores, data.entrustment)
    if data.competent is None:
        problems["competent"] = ["Say whether the trainee is competent or not yet competent."]
    unknown = rules.checklist_result(skill.checklist, data.done_steps).unknown
    if unknown:
        problems["steps"] = ["The checklist has changed; reload the page and tick the steps again."]
    problem = rules.observation_problem(_observed(workshop, skill, data.session_id), utcnow())
    if problem:
        problems["session_id"] = [problem]
    return problems


def _refuse_changing_signed_evidence(assessment: Assessment, before: dict, after: dict) -> None:
    judged = [*DOMAIN_KEYS, "entrustment", "competent", "checklist"]
    if all(before[key] == after[key] for key in judged):
        return
    query = sa.select(SkillSignOff.id).where(
        SkillSignOff.assessment_id == assessment.id, SkillSignOff.revoked_at.is_(None)
    )
    if db.session.scalar(query) is not None:
        raise Conflict(
            "This assessment is the evidence of a sign-off: its ratings cannot change while the "
            "sign-off stands. You may still edit the feedback; ask a certifying faculty member to "
            "revoke the sign-off first to change the ratings."
        )


def _observed(workshop: Workshop, skill: Skill, session_id: int | None) -> rules.ObservedSession | None:
    session = db.session.get(WorkshopSession, session_id) if session_id is not None else None
    if session is None:
        return None
    return rules.ObservedSession(
        label=session_label(session),
        of_workshop=session.workshop_id == workshop.id,
        teaches_skill=teaches(session, skill),
        cancelled=session.cancelled,
        is_break=not session.kind.counts_for_attendance,
        starts_at=session.starts_at,
    )
