"""The assessments section of a person's data: ratings of their skills and sign-offs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.accounts.personal_data import forget_history, section
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS
from training.extensions import db


def _mine(model: Any, user: User) -> list[Any]:
    return list(db.session.scalars(sa.select(model).where(model.trainee_id == user.id).order_by(model.id)))


def erase_assessments(user: User) -> None:
    """Scores stay (the skills statistics count them); what was written about the person goes."""
    assessments = _mine(Assessment, user)
    for assessment in assessments:
        assessment.feedback = ""
    sign_offs = _mine(SkillSignOff, user)
    for record in sign_offs:
        record.note = ""
    forget_history("assessments", [a.id for a in assessments])
    forget_history("skill_sign_offs", [s.id for s in sign_offs])


@section("assessments", erase=erase_assessments)
def export_assessments(user: User) -> dict[str, Any]:
    return {
        "assessments": [
            {
                "workshop": a.workshop.title,
                "skill_id": a.skill_id,
                "assessed_at": a.created_at,
                "scores": {key: getattr(a, key) for key in DOMAIN_KEYS},
                "checklist": a.checklist,
                "entrustment": a.entrustment,
                "competent": a.competent,
                "feedback": a.feedback,
            }
            for a in _mine(Assessment, user)
        ],
        "sign_offs": [
            {
                "workshop": s.workshop.title,
                "skill": s.skill.title,
                "signed_at": s.signed_at,
                "note": s.note,
                "revoked_at": s.revoked_at,
                "revocation_reason": s.revocation_reason,
            }
            for s in _mine(SkillSignOff, user)
        ],
    }
