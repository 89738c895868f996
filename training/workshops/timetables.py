"""Reading a workshop's timetable and a person's schedule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from training.accounts.models import User
from training.core.db import utcnow
from training.curriculum.models import Module
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops import rules
from training.workshops.models import (
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopState,
    session_modules,
)


def sessions_of(workshop: Workshop) -> list[WorkshopSession]:
    """The workshop's sessions with their faculty, modules and stations; they also
    fill ``workshop.sessions`` so the page's panels read them without a query."""
    sessions = list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == workshop.id)
            .options(
                selectinload(WorkshopSession.faculty).lazyload(User.role_links),
                selectinload(WorkshopSession.modules),
                selectinload(WorkshopSession.stations),
            )
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )
    set_committed_value(workshop, "sessions", sessions)
    return sessions


@dataclass
class Day:
    day: date
    sessions: list[WorkshopSession] = field(default_factory=list)


def timetable(workshop: Workshop, sessions: list[WorkshopSession] | None = None) -> list[Day]:
    """Every day of the workshop (venue dates) with its sessions in venue time."""
    sessions = sessions if sessions is not None else sessions_of(workshop)
    days = {day: Day(day) for day in rules.workshop_days(workshop.starts_on, workshop.ends_on)}
    zone = workshop.zone
    for item in sessions:
        local_day = item.starts_at.astimezone(zone).date()
        days.setdefault(local_day, Day(local_day)).sessions.append(item)
    return [days[key] for key in sorted(days)]


@dataclass
class ScheduleItem:
    session: WorkshopSession
    station: Station | None


def user_schedule(user: User, *, past: bool = False) -> list[ScheduleItem]:
    """A trainee's sessions across every workshop where they hold a confirmed seat."""
    now = utcnow()
    enrolled = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    query = (
        sa.select(WorkshopSession)
        .join(WorkshopSession.workshop)
        .where(WorkshopSession.workshop_id.in_(enrolled), Workshop.state != WorkshopState.DRAFT)
        .options(
            contains_eager(WorkshopSession.workshop),
            selectinload(WorkshopSession.faculty),
        )
    )
    if past:
        query = query.where(WorkshopSession.ends_at < now).order_by(WorkshopSession.starts_at.desc())
    else:
        query = query.where(WorkshopSession.ends_at >= now).order_by(WorkshopSession.starts_at)
    sessions = list(db.session.scalars(query.limit(500)))
    stations: dict[int, Station] = {}
    if sessions:
        rows = db.session.execute(
            sa.select(StationAssignment.session_id, Station)
            .join(Station, Station.id == StationAssignment.station_id)
            .where(
                StationAssignment.trainee_id == user.id,
                StationAssignment.session_id.in_([s.id for s in sessions]),
            )
        )
        stations = dict(rows.all())
    return [ScheduleItem(s, stations.get(s.id)) for s in sessions]


def session_module_codes(session_ids: list[int]) -> dict[int, list[str]]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(session_modules.c.session_id, Module.code)
        .join(Module, Module.id == session_modules.c.module_id)
        .where(session_modules.c.session_id.in_(session_ids))
        .order_by(Module.position)
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for session_id, code in rows:
        codes[session_id].append(code)
    return codes


def workshop_of_session(session_id: int) -> int | None:
    """The id of the session's workshop (None when there is no such session)."""
    return db.session.scalar(sa.select(WorkshopSession.workshop_id).where(WorkshopSession.id == session_id))
