"""The roster as organizers read it: search and filters, trainees to add, the CSV
export and the workshop's outgoing mail."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.accounts.forms import country_name
from training.accounts.models import Role, User, UserRole
from training.attendance.models import AttendanceRecord, AttendanceStatus
from training.core.mail import MailState, OutboxMessage
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Station, StationAssignment, Workshop, WorkshopSession


@dataclass(frozen=True)
class RosterFilters:
    q: str = ""  # part of the name, e-mail address or institution
    station_id: int | None = None  # placed at this station (in any session)
    attendance: str = ""  # "", "at_risk", "absent", "late" or "excused"


def roster_stations(workshop: Workshop) -> list[tuple[int, str]]:
    """The workshop's stations as (id, "Table 1 · Cadaver lab, Tue 09:00") in timetable order."""
    rows = db.session.execute(
        sa.select(Station.id, Station.name, WorkshopSession.title, WorkshopSession.starts_at)
        .join(WorkshopSession, WorkshopSession.id == Station.session_id)
        .where(WorkshopSession.workshop_id == workshop.id, WorkshopSession.cancelled.is_(False))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id, Station.position, Station.id)
    ).all()
    zone = workshop.zone
    return [
        (sid, f"{name} · {title}, {starts.astimezone(zone):%a %H:%M}") for sid, name, title, starts in rows
    ]


def roster_query(
    workshop: Workshop, state: EnrolmentState, filters: RosterFilters, *, risky: Iterable[int] = ()
) -> sa.Select:
    """The workshop's enrolments in ``state`` matching the filters (``risky``: the trainee ids
    at risk, when that filter is on), in the roster's order."""
    query = (
        sa.select(Enrolment)
        .options(joinedload(Enrolment.trainee), joinedload(Enrolment.cancelled_by))
        .where(Enrolment.workshop_id == workshop.id, Enrolment.state == state)
    )
    if text := filters.q.strip()[:100]:
        cleaned = text.lower().replace("\\", "").replace("%", "").replace("_", " ")
        pattern = f"%{cleaned}%"
        query = query.where(
            Enrolment.trainee_id.in_(
                sa.select(User.id).where(
                    sa.or_(
                        sa.func.lower(User.full_name).like(pattern),
                        sa.func.lower(User.email).like(pattern),
                        sa.func.lower(User.institution).like(pattern),
                    )
                )
            )
        )
    if filters.station_id is not None:
        query = query.where(
            Enrolment.trainee_id.in_(
                sa.select(StationAssignment.trainee_id).where(
                    StationAssignment.station_id == filters.station_id
                )
            )
        )
    if filters.attendance == "at_risk":
        query = query.where(Enrolment.trainee_id.in_(sorted(set(risky))))
    elif filters.attendance in ("absent", "late", "excused"):
        query = query.where(
            Enrolment.trainee_id.in_(
                sa.select(AttendanceRecord.trainee_id)
                .join(WorkshopSession, WorkshopSession.id == AttendanceRecord.session_id)
                .where(
                    WorkshopSession.workshop_id == workshop.id,
                    AttendanceRecord.status == AttendanceStatus(filters.attendance),
                )
            )
        )
    if state is EnrolmentState.CANCELLED:
        return query.order_by(Enrolment.cancelled_at.desc(), Enrolment.id.desc())
    return query.order_by(Enrolment.requested_at, Enrolment.id)


def trainees_matching(workshop: Workshop, text: str) -> list[tuple[User, Enrolment | None]]:
    """Active trainees whose name or address contains ``text``, with their enrolment in
    the workshop if they have one (at most 20)."""
    pattern = f"%{text.lower()}%"
    users = db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            UserRole.role == Role.TRAINEE,
            User.active.is_(True),
            sa.or_(sa.func.lower(User.full_name).like(pattern), User.email.like(pattern)),
        )
        .order_by(User.full_name, User.id)
        .limit(20)
    ).all()
    enrolments = (
        {
            e.trainee_id: e
            for e in db.session.scalars(
                sa.select(Enrolment).where(
                    Enrolment.workshop_id == workshop.id, Enrolment.trainee_id.in_([u.id for u in users])
                )
            )
        }
        if users
        else {}
    )
    return [(user, enrolments.get(user.id)) for user in users]


def roster_export(workshop: Workshop) -> tuple[list[str], list[list[Any]]]:
    """The roster file's header and rows: the seats first, then the waitlist in its order,
    then those who left; times at the venue."""
    enrolments = db.session.scalars(
        sa.select(Enrolment)
        .options(joinedload(Enrolment.trainee))
        .where(Enrolment.workshop_id == workshop.id)
        .order_by(
            sa.case(
                (Enrolment.state == EnrolmentState.CONFIRMED, 0),
                (Enrolment.state == EnrolmentState.WAITLISTED, 1),
                else_=2,
            ),
            Enrolment.requested_at,
            Enrolment.id,
        )
    ).all()
    zone = f"({workshop.timezone})"
    header = [
        "state",
        "waitlist position",
        "name",
        "email",
        "specialty",
        "institution",
        "country",
        "source",
        f"requested {zone}",
        f"confirmed {zone}",
        f"cancelled {zone}",
        "cancellation reason",
    ]

    def local(value: datetime | None) -> str:
        return f"{value.astimezone(workshop.zone):%Y-%m-%d %H:%M}" if value else ""

    rows: list[list[Any]] = []
    position = 0
    for e in enrolments:
        if e.state is EnrolmentState.WAITLISTED:
            position += 1
        rows.append(
            [
                e.state.value,
                position if e.state is EnrolmentState.WAITLISTED else "",
                e.trainee.full_name,
                e.trainee.email,
                e.trainee.specialty or "",
                e.trainee.institution or "",
                country_name(e.trainee.country),
                e.source.value,
                local(e.requested_at),
                local(e.confirmed_at),
                local(e.cancelled_at),
                e.cancellation_reason,
            ]
        )
    return header, rows


# Mail still waiting to leave, with those that failed: the workshop's mail page lists them.
WAITING_MAIL = (MailState.PENDING, MailState.SENDING, MailState.FAILED)


def waiting_mail(workshop: Workshop) -> sa.Select[OutboxMessage]:
    """The workshop's messages not yet sent, the oldest first (a query, to page through)."""
    return (
        sa.select(OutboxMessage)
        .where(OutboxMessage.workshop_id == workshop.id, OutboxMessage.state.in_(WAITING_MAIL))
        .order_by(OutboxMessage.id)
    )


def mail_counts(workshop: Workshop) -> dict[MailState, int]:
    """How many of the workshop's messages are in each state."""
    return dict(
        db.session.execute(
            sa.select(OutboxMessage.state, sa.func.count())
            .where(OutboxMessage.workshop_id == workshop.id)
            .group_by(OutboxMessage.state)
        ).all()
    )
