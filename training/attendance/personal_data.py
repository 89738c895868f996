"""The attendance section of a person's data: their marks at every session."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.accounts.personal_data import forget_history, held_by, section
from training.attendance.models import AttendanceRecord


def erase_attendance(user: User) -> None:
    """Marks stay (attendance rates count them); notes about the person go."""
    records = held_by(AttendanceRecord, user)
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
        for r in held_by(AttendanceRecord, user, joinedload(AttendanceRecord.session))
    ]
