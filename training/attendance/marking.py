"""Roll call: the session's list of trainees (by station for labs), one mark at a time
or everyone present at once, and the dashboard's sessions to take."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import Role, User
from training.attendance import permissions, rules
from training.attendance.models import AttendanceRecord, AttendanceStatus, CheckInMethod
from training.attendance.records import audit_change, is_confirmed, locked_record, snapshot
from training.attendance.timing import is_cancelled, now, roll_call_refusal
from training.core import audit
from training.core.errors import Conflict, InvalidInput, NotAllowed
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import SessionKind, Station, WorkshopSession
from training.workshops.permissions import enrolled_in, staffed_workshops
from training.workshops.services import confirmed_trainees


@dataclass
class RosterGroup:
    title: str
    station: Station | None
    rows: list[tuple[User, AttendanceRecord | None]] = field(default_factory=list)


def roster(session: WorkshopSession) -> list[RosterGroup]:
    """The session's confirmed trainees with their records, grouped by station for labs."""
    workshop = session.workshop
    trainees = confirmed_trainees(workshop, order="name")
    records = {
        r.trainee_id: r
        for r in db.session.scalars(
            sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session.id)
        )
    }
    if not session.kind.has_stations:
        return [RosterGroup("Trainees", None, [(t, records.get(t.id)) for t in trainees])]
    stations = list(
        db.session.scalars(
            sa.select(Station)
            .where(Station.session_id == session.id)
            .options(selectinload(Station.assignments), selectinload(Station.faculty))
            .order_by(Station.position, Station.id)
        )
    )
    by_id = {t.id: t for t in trainees}
    groups, placed = [], set()
    for station in stations:
        group = RosterGroup(station.name, station)
        for assignment in sorted(
            station.assignments, key=lambda a: by_id[a.trainee_id].full_name if a.trainee_id in by_id else ""
        ):
            if assignment.trainee_id in by_id:
                placed.add(assignment.trainee_id)
                trainee = by_id[assignment.trainee_id]
                group.rows.append((trainee, records.get(trainee.id)))
        groups.append(group)
    unplaced = [t for t in trainees if t.id not in placed]
    if unplaced:
        groups.append(
            RosterGroup("Not placed at a station", None, [(t, records.get(t.id)) for t in unplaced])
        )
    return groups


def _ensure_takes_attendance(session: WorkshopSession) -> None:
    if is_cancelled(session):
        raise Conflict("This session was cancelled: it takes no attendance.")
    if session.kind is SessionKind.BREAK:
        raise Conflict("Breaks take no attendance.")


def _ensure_may_mark(session: WorkshopSession, actor: User, trainee_id: int | None = None) -> None:
    """Authority at this moment: staff of the workshop, marking neither themselves nor,
    as a trainee of the same workshop, a fellow trainee."""
    workshop = session.workshop
    if not permissions.can_take_attendance(actor, workshop):
        raise NotAllowed("Only the organizers and faculty of this workshop take its attendance.")
    if trainee_id is not None and trainee_id == actor.id:
        raise NotAllowed("Nobody records their own attendance.")
    if enrolled_in(actor, workshop.id):
        raise NotAllowed("A trainee of this workshop does not record the attendance of fellow trainees.")


def record_status(
    session: WorkshopSession,
    trainee_id: int,
    status: AttendanceStatus,
    *,
    note: str | None = None,
    reason: str | None = None,
    actor: User,
) -> AttendanceRecord:
    """Roll call: faculty or an organizer set a trainee's status (and note) for a session.

    Taken from the check-in opening until the session ends. Outside that window an
    organizer may still correct a mark, giving ``reason`` (audited with it), but
    never records a session that has not started as attended or absent."""
    _ensure_takes_attendance(session)
    _ensure_may_mark(session, actor, trainee_id)
    at = now()
    reason = (reason or "").strip()[:500] or None
    refusal = roll_call_refusal(session, at)
    if refusal is not None:
        if not permissions.can_correct_attendance(actor, session.workshop):
            raise Conflict(refusal)
        problems = rules.correction_problems(
            status=status, reason=reason or "", starts_at=session.starts_at, now=at
        )
        if problems:
            raise InvalidInput({"reason": problems})
    if not is_confirmed(session.workshop, trainee_id, lock=True):
        raise NotAllowed("This person is not a confirmed trainee of this workshop.")
    record = locked_record(session, trainee_id)
    before = snapshot(record)
    if record is None:
        record = AttendanceRecord(session_id=session.id, trainee_id=trainee_id, note="")
        db.session.add(record)
    record.status = status
    if note is not None:
        record.note = note.strip()[:500]
    if not before or before["status"] != status.value:
        record.method = CheckInMethod.ROLL_CALL
    record.recorded_by_id = actor.id
    # A late arrival marked while the session runs arrived now; minutes count from here.
    if (
        status is AttendanceStatus.LATE
        and record.checked_in_at is None
        and session.starts_at <= at < session.ends_at
    ):
        record.checked_in_at = at
    db.session.flush()
    audit_change(record, before, actor=actor, session=session, reason=reason)
    return record


def mark_all_present(session: WorkshopSession, *, actor: User) -> int:
    """Mark every confirmed trainee not yet marked as present; marks already made stay.
    Only while roll call is open: a correction afterwards is one mark at a time, with a reason."""
    _ensure_takes_attendance(session)
    _ensure_may_mark(session, actor)
    refusal = roll_call_refusal(session, now())
    if refusal is not None:
        raise Conflict(refusal)
    # The same row locks as a single mark takes: no tap can slip in between.
    db.session.execute(
        sa.select(Enrolment.id)
        .where(Enrolment.workshop_id == session.workshop_id, Enrolment.state == EnrolmentState.CONFIRMED)
        .with_for_update()
    )
    trainees = confirmed_trainees(session.workshop, order="name")
    marked = set(
        db.session.scalars(
            sa.select(AttendanceRecord.trainee_id)
            .where(AttendanceRecord.session_id == session.id)
            .with_for_update()
        )
    )
    count = 0
    for trainee in trainees:
        if trainee.id in marked:
            continue
        record = AttendanceRecord(
            session_id=session.id,
            trainee_id=trainee.id,
            status=AttendanceStatus.PRESENT,
            note="",
            method=CheckInMethod.ROLL_CALL,
            recorded_by_id=actor.id,
        )
        db.session.add(record)
        db.session.flush()
        audit.record(
            "attendance.marked",
            record,
            actor=actor,
            summary=f"{trainee.full_name} at {session.title}: unmarked -> present (mark all present)",
            new=snapshot(record),
            workshop_id=session.workshop_id,
        )
        count += 1
    return count


def sessions_to_take(user: User, at: datetime, *, limit: int = 5) -> list[WorkshopSession]:
    """Sessions around now (from 12 hours before to 12 after) on workshops the user is staff of,
    for the dashboard's shortcut to roll call and the check-in screen (one query)."""
    query = (
        sa.select(WorkshopSession)
        .options(joinedload(WorkshopSession.workshop))
        .where(
            WorkshopSession.cancelled.is_(False),
            WorkshopSession.kind != SessionKind.BREAK,
            WorkshopSession.ends_at > at - timedelta(hours=12),
            WorkshopSession.starts_at < at + timedelta(hours=12),
        )
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        .limit(limit)
    )
    if not user.has_role(Role.ADMIN):
        query = query.where(WorkshopSession.workshop_id.in_(staffed_workshops(user)))
    return list(db.session.scalars(query))
