"""Demo data for attendance: called by `flask seed-demo`, idempotent.

For the demo workshop(s) (published, organized by organizer@example.org), every
session already over gets a mark for each confirmed trainee who has none yet:
mostly present, with one late arrival, one absence and one excusal spread over
the trainees, so the matrix, the credit and the rules all have something to
show. Marks already there (made by hand in the demo) are never touched; a
workshop whose sessions are all in the future gets nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from training.accounts.models import User
from training.attendance import reports, timing
from training.attendance.models import AttendanceRecord, AttendanceStatus, CheckInMethod
from training.core import audit
from training.extensions import db
from training.workshops.models import Duty, SessionKind, Workshop, WorkshopStaff, WorkshopState
from training.workshops.services import confirmed_trainees

DEMO_ORGANIZER = "organizer@example.org"


def demo_workshops() -> list[Workshop]:
    return list(
        db.session.scalars(
            sa.select(Workshop)
            .join(WorkshopStaff, WorkshopStaff.workshop_id == Workshop.id)
            .join(User, User.id == WorkshopStaff.user_id)
            .where(
                User.email == DEMO_ORGANIZER,
                WorkshopStaff.duty == Duty.ORGANIZER,
                Workshop.state.in_([WorkshopState.PUBLISHED, WorkshopState.COMPLETED]),
            )
            .order_by(Workshop.id)
        )
    )


def _status_for(trainee_index: int, session_index: int) -> AttendanceStatus:
    # A fixed pattern, so that a re-run or another machine shows the same demo.
    pattern = (trainee_index + 2 * session_index) % 9
    if pattern == 3:
        return AttendanceStatus.LATE
    if pattern == 5 and trainee_index % 2:
        return AttendanceStatus.ABSENT
    if pattern == 7:
        return AttendanceStatus.EXCUSED
    return AttendanceStatus.PRESENT


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    now = timing.now()
    organizer = db.session.scalar(sa.select(User).where(User.email == DEMO_ORGANIZER))
    lines: list[str] = []
    for workshop in demo_workshops():
        past = [
            s
            for s in reports.workshop_sessions(workshop)
            if s.ends_at <= now and s.kind is not SessionKind.BREAK and not s.cancelled
        ]
        if not past:
            continue
        trainees = confirmed_trainees(workshop, order="name")
        existing = {
            (r.session_id, r.trainee_id)
            for r in db.session.scalars(
                sa.select(AttendanceRecord).where(AttendanceRecord.session_id.in_([s.id for s in past]))
            )
        }
        created = 0
        for session_index, session in enumerate(past):
            for trainee_index, trainee in enumerate(trainees):
                if (session.id, trainee.id) in existing:
                    continue
                status = _status_for(trainee_index, session_index)
                late = status is AttendanceStatus.LATE
                record = AttendanceRecord(
                    session_id=session.id,
                    trainee_id=trainee.id,
                    status=status,
                    note="Stuck in theatre" if status is AttendanceStatus.EXCUSED else "",
                    checked_in_at=session.starts_at + timedelta(minutes=20 if late else 2)
                    if status.attended
                    else None,
                    method=CheckInMethod.QR if status.attended else CheckInMethod.ROLL_CALL,
                    recorded_by_id=trainee.id if status.attended else (organizer.id if organizer else None),
                )
                db.session.add(record)
                db.session.flush()
                audit.record(
                    "attendance.marked",
                    record,
                    actor=None,
                    summary=f"{trainee.full_name} at {session.title}: unmarked -> {status.value} (demo data)",
                    new={"status": status.value, "method": record.method.value},
                    workshop_id=workshop.id,
                )
                created += 1
        if created:
            lines.append(f"Attendance: {created} marks on {len(past)} past sessions of {workshop.title}")
    return lines
