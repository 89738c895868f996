"""What a workshop teaches, in which sessions, and to whom: the reads every assessment
use case starts from."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.assessments.scale import SETTING_BY_SESSION_KIND
from training.curriculum.models import Module, Skill
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import (
    Workshop,
    WorkshopSession,
    WorkshopState,
    session_modules,
    workshop_modules,
)
from training.workshops.services import sessions_of

# Trainees are assessed, and skills signed off, only on these workshops.
OPEN_STATES = (WorkshopState.PUBLISHED, WorkshopState.COMPLETED)


def workshop_skills(workshop: Workshop) -> list[Skill]:
    """The practical skills of the workshop's modules, in curriculum order (one query)."""
    query = (
        sa.select(Skill)
        .join(Module, Skill.module_id == Module.id)
        .join(workshop_modules, workshop_modules.c.module_id == Module.id)
        .where(workshop_modules.c.workshop_id == workshop.id)
        .options(joinedload(Skill.module))
        .order_by(Module.position, Module.id, Skill.position, Skill.id)
    )
    return list(db.session.scalars(query))


def session_skills(session: WorkshopSession) -> list[Skill]:
    """The skills taught in a session: those of its modules, or else the workshop's."""
    query = (
        sa.select(Skill)
        .join(Module, Skill.module_id == Module.id)
        .join(session_modules, session_modules.c.module_id == Module.id)
        .where(session_modules.c.session_id == session.id)
        .options(joinedload(Skill.module))
        .order_by(Module.position, Module.id, Skill.position, Skill.id)
    )
    return list(db.session.scalars(query)) or workshop_skills(session.workshop)


def confirmed_trainee_ids(workshop: Workshop) -> list[int]:
    query = sa.select(Enrolment.trainee_id).where(
        Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    return list(db.session.scalars(query))


def is_confirmed(workshop: Workshop, trainee_id: int) -> bool:
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id,
        Enrolment.trainee_id == trainee_id,
        Enrolment.state == EnrolmentState.CONFIRMED,
    )
    return db.session.scalar(query) is not None


def skill_of_workshop(workshop: Workshop, skill_id: int) -> Skill | None:
    query = (
        sa.select(Skill)
        .join(workshop_modules, workshop_modules.c.module_id == Skill.module_id)
        .where(workshop_modules.c.workshop_id == workshop.id, Skill.id == skill_id)
        .options(joinedload(Skill.module))
    )
    return db.session.scalar(query)


def session_label(session: WorkshopSession) -> str:
    """The session's title with its venue date and time, as people are shown it."""
    start = session.local_start
    return f"\u201c{session.title}\u201d ({start:%d %b %Y %H:%M} {session.workshop.timezone})"


def setting_of(session: WorkshopSession | None) -> str | None:
    """Where an observed attempt took place (cadaver lab, bench model, ...), by session kind."""
    return SETTING_BY_SESSION_KIND.get(session.kind.value) if session is not None else None


def observable_sessions(workshop: Workshop, skill: Skill) -> list[WorkshopSession]:
    """The sessions an assessment of ``skill`` may name: station sessions, and the other
    sessions that teach the skill's module (not breaks, not cancelled), in time order."""
    return [
        s
        for s in sessions_of(workshop)
        if not s.cancelled and s.kind.counts_for_attendance and teaches(s, skill)
    ]


def teaches(session: WorkshopSession, skill: Skill) -> bool:
    return session.kind.has_stations or any(m.id == skill.module_id for m in session.modules)
