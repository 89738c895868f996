"""A workshop's competence standard: the scores a sign-off needs, never looser than the floor."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.assessments import rules
from training.assessments.models import CompetenceStandard
from training.certificates.permissions import can_edit_certification_rules
from training.core import audit
from training.core.errors import InvalidInput, NotAllowed
from training.extensions import db
from training.workshops.models import Workshop


def standard_row(workshop: Workshop) -> CompetenceStandard | None:
    return db.session.scalar(
        sa.select(CompetenceStandard).where(CompetenceStandard.workshop_id == workshop.id)
    )


def standard_of(workshop: Workshop) -> rules.Standard:
    """The workshop's competence standard (the floor when none was set)."""
    row = standard_row(workshop)
    if row is None:
        return rules.Standard()
    return rules.Standard(row.min_domain_score, row.required_entrustment)


def set_standard(
    workshop: Workshop, *, min_domain_score: int, required_entrustment: int, actor: User
) -> CompetenceStandard:
    """Set the workshop's competence standard; it may be stricter than the floor, never looser."""
    if not can_edit_certification_rules(actor, workshop):
        raise NotAllowed("Only the workshop's organizers and certifying faculty set its competence standard.")
    problems = rules.standard_problems(min_domain_score, required_entrustment)
    if problems:
        raise InvalidInput(problems)
    row = standard_row(workshop)
    if row is None:
        row = CompetenceStandard(workshop_id=workshop.id)
        db.session.add(row)
        before: dict[str, Any] = {}
    else:
        before = {"min_domain_score": row.min_domain_score, "required_entrustment": row.required_entrustment}
    row.min_domain_score = min_domain_score
    row.required_entrustment = required_entrustment
    db.session.flush()
    audit.record_changes(
        "assessments.standard",
        row,
        before,
        {"min_domain_score": min_domain_score, "required_entrustment": required_entrustment},
        actor=actor,
        summary=f"Competence standard of {workshop.title} set",
        workshop_id=workshop.id,
    )
    return row
