"""The attendance section of a person's data: their marks at every session."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.accounts.personal_data import forget_history, section
from training.attendance.models import AttendanceRecord
from training.extensions import db


def _records(user: User) -> list[AttendanceRecord]:
    return list(
        db.session.scalars(
            sa.select(AttendanceRecord)
            .where(AttendanceRecord.trainee_id == user.id)
            .order_by(AttendanceRecord.id)
        )
    )


def erase_attendance(user: User) -> None:
    """Marks stay (attendance rates count them); notes about the person go."""
    records = _records(user)
    for record in records:
        record.note = ""
    forget_history("attendance_records", [r.id for r in records])


@section("attendance", erase=erase_attendance)
def export_attendance(user: User) -> list[dict[str, Any]]:
    return [
        {
            "workshop": r.session.workshop.title,
            "session": r.session.title,
            "starts_at": r.session.starts_at,
            "status": r.status,
            "checked_in_at": r.checked_in_at,
            "method": r.method,
            "note": r.note,
        }
        for r in _records(user)
    ]
