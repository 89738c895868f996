"""Attendance records: reading one, counting a session's arrivals, a record's history,
and what every change to a record shares (the row lock, the snapshot, the audit entry)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.attendance.models import AttendanceRecord, AttendanceStatus
from training.core import audit
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop, WorkshopSession


def is_confirmed(workshop: Workshop, trainee_id: int, *, lock: bool = False) -> bool:
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id,
        Enrolment.trainee_id == trainee_id,
        Enrolment.state == EnrolmentState.CONFIRMED,
    )
    if lock:
        # Serialises changes to one trainee's attendance on this workshop (PostgreSQL).
        query = query.with_for_update()
    return db.session.scalar(query) is not None


def record_of(session: WorkshopSession, trainee_id: int) -> AttendanceRecord | None:
    return db.session.scalar(
        sa.select(AttendanceRecord).where(
            AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee_id
        )
    )


def checked_in_count(session: WorkshopSession) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(AttendanceRecord.id)).where(
                AttendanceRecord.session_id == session.id,
                AttendanceRecord.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
            )
        )
        or 0
    )


def history(record: AttendanceRecord) -> list[audit.AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(audit.AuditEvent)
            .where(
                audit.AuditEvent.target_type == AttendanceRecord.__tablename__,
                audit.AuditEvent.target_id == record.id,
            )
            .order_by(audit.AuditEvent.at, audit.AuditEvent.id)
        )
    )


def snapshot(record: AttendanceRecord | None) -> dict[str, Any]:
    """What the audit log compares before and after a change (empty: no record yet)."""
    if record is None:
        return {}
    return {
        "status": record.status.value,
        "note": record.note or "",
        "checked_in_at": record.checked_in_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if record.checked_in_at
        else None,
        "method": record.method.value,
    }


def locked_record(session: WorkshopSession, trainee_id: int) -> AttendanceRecord | None:
    """The trainee's record of the session, locked until the transaction ends (PostgreSQL)."""
    return db.session.scalar(
        sa.select(AttendanceRecord)
        .where(AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee_id)
        .with_for_update()
    )


def audit_change(
    record: AttendanceRecord,
    before: dict[str, Any],
    *,
    actor: User | None,
    session: WorkshopSession,
    reason: str | None = None,
) -> bool:
    """Write the change to the record since ``before`` to the audit log; False if nothing changed."""
    old, new = audit.diff(before, snapshot(record))
    if not new:
        return False
    if not before:
        old = {}  # a new record: nothing was there before
    trainee_name = db.session.get_one(User, record.trainee_id).full_name
    was = before.get("status", "unmarked")
    summary = f"{trainee_name} at {session.title}: {was} -> {record.status.value}"
    if reason:
        new["reason"] = reason
        summary += f" (corrected: {reason})"
    audit.record(
        "attendance.corrected" if reason else "attendance.marked",
        record,
        actor=actor,
        summary=summary,
        old=old or None,
        new=new,
        workshop_id=session.workshop_id,
    )
    return True
