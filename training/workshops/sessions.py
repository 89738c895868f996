"""Scheduling a workshop's sessions: the clash check, changes and cancellations, and
telling trainees about them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from training.accounts.models import User
from training.core import audit
from training.core.errors import Conflict, InvalidInput
from training.core.mail import queue_mail
from training.core.urls import external_url
from training.curriculum.models import Module
from training.extensions import db
from training.workshops import rules
from training.workshops.models import Duty, SessionKind, Station, Workshop, WorkshopSession, WorkshopState
from training.workshops.roster import confirmed_trainees, lock_workshop
from training.workshops.stations import sync_stations


@dataclass
class SessionInput:
    title: str
    description: str
    kind: SessionKind
    day: date
    start: time  # venue wall clock
    end: time
    room: str
    module_ids: list[int]
    faculty_ids: list[int]
    mandatory: bool
    stations: int = 0  # new sessions only: how many stations to create
    station_capacity: int = 0


def _slot(
    workshop: Workshop, session_id: int | None, data_title: str, start, end, room, faculty
) -> rules.Slot:
    return rules.Slot(
        session_id=session_id,
        workshop_id=workshop.id,
        workshop_title=workshop.title,
        title=data_title,
        starts_at=start,
        ends_at=end,
        venue=f"{workshop.venue_name} {workshop.city}",
        room=room or "",
        faculty={person.id: person.full_name for person in faculty},
    )


def possible_clashes(start: datetime, end: datetime, exclude_id: int | None = None) -> list[rules.Slot]:
    """Live sessions of every workshop between two moments, for the clash check (one query)."""
    query = (
        sa.select(WorkshopSession)
        .join(WorkshopSession.workshop)
        .where(
            WorkshopSession.cancelled.is_(False),
            Workshop.state != WorkshopState.CANCELLED,
            WorkshopSession.starts_at < end,
            WorkshopSession.ends_at > start,
        )
        .options(contains_eager(WorkshopSession.workshop), selectinload(WorkshopSession.faculty))
    )
    if exclude_id is not None:
        query = query.where(WorkshopSession.id != exclude_id)
    return [
        _slot(s.workshop, s.id, s.title, s.starts_at, s.ends_at, s.room, s.faculty)
        for s in db.session.scalars(query)
    ]


def _session_times(workshop: Workshop, data: SessionInput) -> tuple[datetime, datetime]:
    zone = workshop.zone
    try:
        start = rules.venue_to_utc(data.day, data.start, zone)
    except rules.NonexistentLocalTime as error:
        raise InvalidInput({"start": [str(error)]}) from error
    try:
        end = rules.venue_to_utc(data.day, data.end, zone)
    except rules.NonexistentLocalTime as error:
        raise InvalidInput({"end": [str(error)]}) from error
    return start, end


def _session_checks(
    workshop: Workshop, data: SessionInput, session_id: int | None
) -> tuple[datetime, datetime, list[Module], list[User]]:
    problems: dict[str | None, list[str]] = {}
    start, end = _session_times(workshop, data)
    # Two organizers booking the same person (or this workshop's rooms) at once wait for
    # each other here, so both cannot pass the clash check (PostgreSQL; SQLite writers queue).
    lock_workshop(workshop)
    if data.faculty_ids:
        db.session.execute(
            sa.select(User.id)
            .where(User.id.in_(sorted(set(data.faculty_ids))))
            .order_by(User.id)
            .with_for_update()
        )
    modules_by_id = {module.id: module for module in workshop.modules}
    unknown_modules = [mid for mid in data.module_ids if mid not in modules_by_id]
    if unknown_modules:
        problems["module_ids"] = ["Choose modules that this workshop covers."]
    teachers = {
        member.user_id: member.user
        for member in workshop.staff
        if member.duty in (Duty.FACULTY, Duty.CERTIFIER)
    }
    unknown_faculty = [uid for uid in data.faculty_ids if uid not in teachers]
    if unknown_faculty:
        problems["faculty_ids"] = ["Choose faculty of this workshop (add them to the staff first)."]
    faculty = [teachers[uid] for uid in dict.fromkeys(data.faculty_ids) if uid in teachers]
    slot = _slot(workshop, session_id, data.title, start, end, data.room, faculty)
    clashes = rules.session_problems(
        slot,
        zone=workshop.zone,
        starts_on=workshop.starts_on,
        ends_on=workshop.ends_on,
        others=possible_clashes(start, end, session_id) if end > start else [],
    )
    if clashes:
        problems[None] = clashes
    if problems:
        raise InvalidInput(problems)
    modules = [modules_by_id[mid] for mid in dict.fromkeys(data.module_ids)]
    return start, end, modules, faculty


def _session_view(item: WorkshopSession) -> dict[str, Any]:
    return {
        "title": item.title,
        "kind": item.kind.value,
        "starts_at": _iso(item.starts_at),
        "ends_at": _iso(item.ends_at),
        "room": item.room,
        "mandatory": item.mandatory,
        "modules": sorted(module.code for module in item.modules),
        "faculty": sorted(person.email for person in item.faculty),
        "description": item.description,
    }


def create_session(workshop: Workshop, data: SessionInput, *, actor: User) -> WorkshopSession:
    if workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {workshop.state.value} workshop's timetable can no longer change.")
    if data.stations and not data.kind.has_stations:
        raise InvalidInput({"stations": [f"A {data.kind.label.lower()} has no stations."]})
    if data.stations and not 1 <= data.station_capacity <= 200:
        raise InvalidInput({"station_capacity": ["Give each station between 1 and 200 places."]})
    start, end, modules, faculty = _session_checks(workshop, data, None)
    item = WorkshopSession(
        workshop=workshop,
        title=data.title,
        description=data.description,
        kind=data.kind,
        starts_at=start,
        ends_at=end,
        room=data.room,
        mandatory=data.mandatory,
    )
    item.modules = modules
    item.faculty = faculty
    item.stations = [
        Station(name=f"Table {position + 1}", capacity=data.station_capacity, position=position)
        for position in range(data.stations)
    ]
    db.session.add(item)
    db.session.flush()
    if item.stations:
        sync_stations(workshop)
    audit.record(
        "session.created",
        item,
        actor=actor,
        summary=f"Scheduled “{item.title}” in “{workshop.title}”",
        new=_session_view(item),
        workshop_id=workshop.id,
    )
    return item


def update_session(item: WorkshopSession, data: SessionInput, *, actor: User) -> list[str]:
    """Change a session; returns what changed for trainees ("time", "room"), who are e-mailed."""
    workshop = item.workshop
    if item.cancelled:
        raise Conflict("This session is cancelled; schedule a new one instead.")
    if workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {workshop.state.value} workshop's timetable can no longer change.")
    if item.stations and not data.kind.has_stations:
        raise InvalidInput(
            {"kind": [f"This session has stations; a {data.kind.label.lower()} cannot. Remove them first."]}
        )
    start, end, modules, faculty = _session_checks(workshop, data, item.id)
    before = _session_view(item)
    previous = (item.starts_at, item.ends_at, item.room)
    item.title, item.description, item.kind = data.title, data.description, data.kind
    item.starts_at, item.ends_at, item.room, item.mandatory = start, end, data.room, data.mandatory
    item.modules, item.faculty = modules, faculty
    old, new = audit.diff(before, _session_view(item))
    changes = rules.schedule_change(previous, (start, end, data.room))
    if new:
        item.sequence += 1
        db.session.flush()
        audit.record(
            "session.updated",
            item,
            actor=actor,
            summary=f"Changed {', '.join(sorted(new))} of “{item.title}”",
            old=old,
            new=new,
            workshop_id=workshop.id,
        )
    if changes:
        _tell_trainees(item, changes, previous)
    return changes


def cancel_session(item: WorkshopSession, *, actor: User) -> None:
    """Mark the session cancelled (it stays on the timetable, struck through) and tell trainees."""
    if item.cancelled:
        raise Conflict("This session is already cancelled.")
    if item.workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {item.workshop.state.value} workshop's timetable can no longer change.")
    item.cancelled = True
    item.sequence += 1
    db.session.flush()
    audit.record(
        "session.cancelled",
        item,
        actor=actor,
        summary=f"Cancelled “{item.title}”",
        old={"cancelled": False},
        new={"cancelled": True},
        workshop_id=item.workshop_id,
    )
    _tell_trainees(item, ["cancelled"], (item.starts_at, item.ends_at, item.room))


def _tell_trainees(
    item: WorkshopSession, changes: list[str], previous: tuple[datetime, datetime, str]
) -> int:
    workshop = item.workshop
    if workshop.state is not WorkshopState.PUBLISHED:
        return 0
    zone = workshop.zone
    cancelled = "cancelled" in changes
    subject = (
        f"Cancelled: {item.title} ({workshop.title})"
        if cancelled
        else f"Timetable change: {item.title} ({workshop.title})"
    )
    trainees = confirmed_trainees(workshop)
    for trainee in trainees:
        queue_mail(
            trainee.email,
            subject,
            "schedule_change",
            topic="schedule-change",
            workshop_id=workshop.id,
            trainee=trainee,
            workshop=workshop,
            session=item,
            changes=changes,
            cancelled=cancelled,
            old_start=previous[0].astimezone(zone),
            old_end=previous[1].astimezone(zone),
            old_room=previous[2],
            new_start=item.starts_at.astimezone(zone),
            new_end=item.ends_at.astimezone(zone),
            zone=zone.key,
            timetable_url=external_url("workshops.timetable", workshop_id=workshop.id),
        )
    return len(trainees)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
