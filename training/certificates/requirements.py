"""What a workshop's certificates require: its certification rules, the skills
they may ask for, and saving them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.assessments import services as assessment_services
from training.certificates import rules
from training.certificates.models import CertificationRules, QuizPolicy
from training.core import audit
from training.core.errors import InvalidInput
from training.curriculum.models import Module
from training.extensions import db
from training.workshops.models import Workshop, WorkshopState, workshop_modules


def workshop_skills(workshop: Workshop) -> list[rules.RequiredSkill]:
    """Every skill of the workshop's modules, in curriculum order."""
    modules = (
        db.session.scalars(
            sa.select(Module)
            .join(workshop_modules, workshop_modules.c.module_id == Module.id)
            .where(workshop_modules.c.workshop_id == workshop.id)
            .options(joinedload(Module.skills))
            .order_by(Module.position)
        )
        .unique()
        .all()
    )
    return [
        rules.RequiredSkill(f"{module.code}/{skill.key}", f"{skill.title} ({module.code})")
        for module in modules
        for skill in sorted(module.skills, key=lambda s: (s.position, s.id))
    ]


def rules_of(workshop: Workshop) -> CertificationRules | None:
    return db.session.scalar(
        sa.select(CertificationRules).where(CertificationRules.workshop_id == workshop.id)
    )


def requirements(workshop: Workshop) -> rules.Requirements:
    row = rules_of(workshop)
    skills = workshop_skills(workshop)
    if row is not None and row.required_skills is not None:
        chosen = set(row.required_skills)
        skills = [skill for skill in skills if skill.identity in chosen]
    return rules.Requirements(
        quiz_policy=row.quiz_policy if row else QuizPolicy.MARKED,
        required_skills=tuple(skills),
        evaluation_required=row.evaluation_required if row else False,
        competence_enabled=row.competence_enabled if row else True,
        workshop_open=workshop.state in (WorkshopState.PUBLISHED, WorkshopState.COMPLETED),
        bilingual=row.bilingual if row else False,
    )


def save_rules(
    workshop: Workshop,
    *,
    quiz_policy: QuizPolicy,
    required_skills: list[str],
    evaluation_required: bool,
    competence_enabled: bool,
    actor: User,
    bilingual: bool | None = None,
    min_domain_score: int | None = None,
    required_entrustment: int | None = None,
) -> CertificationRules:
    """Save the rules; the competence standard with them when it is given."""
    if min_domain_score is not None or required_entrustment is not None:
        current = assessment_services.standard_of(workshop)
        assessment_services.set_standard(
            workshop,
            min_domain_score=current.min_domain_score if min_domain_score is None else min_domain_score,
            required_entrustment=current.required_entrustment
            if required_entrustment is None
            else required_entrustment,
            actor=actor,
        )
    known = {skill.identity for skill in workshop_skills(workshop)}
    unknown = [identity for identity in required_skills if identity not in known]
    if unknown:
        raise InvalidInput({"required_skills": [f"Not a skill of this workshop: {', '.join(unknown)}."]})
    row = rules_of(workshop)
    if row is None:
        row = CertificationRules(workshop_id=workshop.id, required_skills=None)
        db.session.add(row)
    before = _rules_dict(row)
    row.quiz_policy = quiz_policy
    row.required_skills = sorted(required_skills)
    row.evaluation_required = evaluation_required
    row.competence_enabled = competence_enabled
    if bilingual is not None:
        row.bilingual = bilingual
    db.session.flush()
    audit.record_changes(
        "certificates.rules",
        row,
        before,
        _rules_dict(row),
        actor=actor,
        summary=f"Certification rules of {workshop.title} changed",
        workshop_id=workshop.id,
    )
    return row


def _rules_dict(row: CertificationRules) -> dict[str, Any]:
    return {
        "quiz_policy": row.quiz_policy.value if row.quiz_policy else None,
        "required_skills": row.required_skills,
        "evaluation_required": row.evaluation_required,
        "competence_enabled": row.competence_enabled,
        "bilingual": row.bilingual,
    }
