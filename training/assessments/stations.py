"""The station view (whom the rater still has to assess at their stations) and the
dashboard's list of labs where a faculty member will assess."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from training.accounts.models import User
from training.assessments.models import Assessment
from training.assessments.signing import standing_pairs
from training.assessments.teaching import session_skills
from training.core.db import utcnow
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import (
    SessionKind,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopState,
)
from training.workshops.permissions import staffed_workshops


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    mine: dict[int, Assessment]  # skill id -> the viewer's assessment
    others: dict[int, int]  # skill id -> how many other raters assessed
    signed_off: frozenset[int]  # skill ids

    def missing(self, skills: list[Skill]) -> list[Skill]:
        return [skill for skill in skills if skill.id not in self.mine]


@dataclass(frozen=True)
class StationBlock:
    station: Station
    rows: list[TraineeRow]


@dataclass(frozen=True)
class StationView:
    session: WorkshopSession
    skills: list[Skill]
    stations: list[StationBlock]
    only_mine: bool  # the viewer is in charge of these stations (else all are shown)

    @property
    def begun(self) -> bool:
        """Whether the session has started, so that its attempts may be assessed."""
        return self.session.starts_at <= utcnow()

    @property
    def to_assess(self) -> int:
        return sum(len(row.missing(self.skills)) for block in self.stations for row in block.rows)


def station_view(session: WorkshopSession, viewer: User) -> StationView:
    """The viewer's stations (all of them when they lead none) with whom they still have to assess."""
    workshop = session.workshop
    stations = list(
        db.session.scalars(
            sa.select(Station)
            .where(Station.session_id == session.id)
            .options(selectinload(Station.assignments).joinedload(StationAssignment.trainee))
            .order_by(Station.position, Station.id)
        )
    )
    mine = [station for station in stations if station.faculty_id == viewer.id]
    shown = mine or stations
    skills = session_skills(session)
    trainee_ids = {a.trainee_id for station in shown for a in station.assignments}
    assessments = list(
        db.session.scalars(
            sa.select(Assessment).where(
                Assessment.workshop_id == workshop.id,
                Assessment.trainee_id.in_(trainee_ids),
                Assessment.skill_id.in_([s.id for s in skills]),
            )
        )
    )
    own: dict[int, dict[int, Assessment]] = defaultdict(dict)
    others: dict[int, Counter[int]] = defaultdict(Counter)
    for assessment in assessments:
        if assessment.assessor_id == viewer.id:
            own[assessment.trainee_id][assessment.skill_id] = assessment
        else:
            others[assessment.trainee_id][assessment.skill_id] += 1
    signed = standing_pairs(workshop, trainee_ids)
    blocks = [
        StationBlock(
            station,
            [
                TraineeRow(
                    a.trainee,
                    own[a.trainee_id],
                    dict(others[a.trainee_id]),
                    frozenset(skill for trainee, skill in signed if trainee == a.trainee_id),
                )
                for a in sorted(station.assignments, key=lambda a: a.trainee.full_name)
            ],
        )
        for station in shown
    ]
    return StationView(session, skills, blocks, bool(mine))


def upcoming_labs(user: User, *, limit: int = 5) -> list[WorkshopSession]:
    """Hands-on and cadaver-lab sessions of published workshops the user teaches on,
    from yesterday on, soonest first: where they will assess (for the dashboard)."""
    query = (
        sa.select(WorkshopSession)
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .where(
            Workshop.state == WorkshopState.PUBLISHED,
            WorkshopSession.kind.in_([SessionKind.HANDS_ON, SessionKind.CADAVER_LAB]),
            WorkshopSession.cancelled.is_(False),
            WorkshopSession.ends_at >= utcnow() - timedelta(days=1),
            Workshop.id.in_(staffed_workshops(user, "faculty", "certifier")),
        )
        .options(contains_eager(WorkshopSession.workshop))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))
