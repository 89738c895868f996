"""The assessments section of a person's data: ratings of their skills and sign-offs."""

from __future__ import annotations

from typing import Any

from training.accounts.models import User
from training.accounts.personal_data import forget_history, held_by, section
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS


def erase_assessments(user: User) -> None:
    """Scores stay (the skills statistics count them); what was written about the person goes."""
    assessments = held_by(Assessment, user)
    for assessment in assessments:
        assessment.feedback = ""
    sign_offs = held_by(SkillSignOff, user)
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
            for a in held_by(Assessment, user)
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
            for s in held_by(SkillSignOff, user)
        ],
    }
