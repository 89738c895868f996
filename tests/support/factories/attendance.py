"""Attendance factories.

``make.attendance(session, trainee, status="present")`` records one mark (as roll
call, by the workshop's organizer); ``make.attend_all(workshop, trainee)`` marks
the trainee present at every session that counts (not breaks, not cancelled),
which makes them meet any attendance rule: use it to build eligible trainees.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.support.factories.base import sequence
from training.accounts.models import User
from training.attendance.models import (
    AttendanceRecord,
    AttendanceSettings,
    AttendanceStatus,
    CheckInMethod,
    ExcusedPolicy,
)
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import SessionKind, Station, Workshop, WorkshopSession


class AttendanceFactories:
    app: Flask

    def attendance(
        self,
        session: WorkshopSession,
        trainee: User,
        status: AttendanceStatus | str = "present",
        *,
        checked_in_at: datetime | None = None,
        method: CheckInMethod = CheckInMethod.ROLL_CALL,
        note: str = "",
        recorded_by: User | None = None,
    ) -> AttendanceRecord:
        """Set ``trainee``'s mark at ``session`` (creating or replacing it)."""
        status = AttendanceStatus(status)
        with self.app.app_context():
            record = db.session.scalar(
                sa.select(AttendanceRecord).where(
                    AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee.id
                )
            )
            if record is None:
                record = AttendanceRecord(session_id=session.id, trainee_id=trainee.id)
                db.session.add(record)
            record.status = status
            record.checked_in_at = checked_in_at
            record.method = method
            record.note = note
            record.recorded_by_id = recorded_by.id if recorded_by is not None else None
            db.session.commit()
            db.session.refresh(record)
        return record

    def attend_all(self, workshop: Workshop, trainee: User) -> list[AttendanceRecord]:
        """Present at every session of ``workshop`` that counts for attendance."""
        with self.app.app_context():
            sessions = list(
                db.session.scalars(
                    sa.select(WorkshopSession).where(
                        WorkshopSession.workshop_id == workshop.id,
                        WorkshopSession.kind != SessionKind.BREAK,
                        WorkshopSession.cancelled.is_(False),
                    )
                )
            )
        return [self.attendance(session, trainee, AttendanceStatus.PRESENT) for session in sessions]

    def running_session(
        self,
        workshop: Workshop,
        *,
        started: timedelta = timedelta(minutes=5),
        minutes: int = 120,
        kind: SessionKind = SessionKind.LECTURE,
        stations: int = 0,
        **fields: Any,
    ) -> WorkshopSession:
        """A session that started ``started`` ago (negative: starts in the future), lasting ``minutes``."""
        starts_at = utcnow().replace(microsecond=0) - started
        with self.app.app_context():
            session = WorkshopSession(
                workshop_id=workshop.id,
                title=fields.pop("title", f"{kind.label} {sequence()}"),
                kind=kind,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=minutes),
                room=fields.pop("room", "Dissection hall"),
                **fields,
            )
            for i in range(stations):
                session.stations.append(Station(name=f"Table {i + 1}", capacity=10, position=i))
            db.session.add(session)
            db.session.commit()
            db.session.refresh(session)
        return session

    def attendance_settings(self, workshop: Workshop, **fields: Any) -> AttendanceSettings:
        """A workshop's attendance rules, e.g. ``min_percent=Decimal("75")``."""
        with self.app.app_context():
            settings = db.session.scalar(
                sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == workshop.id)
            )
            if settings is None:
                settings = AttendanceSettings.defaults(workshop.id)
                db.session.add(settings)
            for name, value in fields.items():
                if name == "excused_policy":
                    value = ExcusedPolicy(value)
                elif name in ("min_percent", "daily_credit_cap_hours"):
                    value = Decimal(str(value))
                setattr(settings, name, value)
            db.session.commit()
            db.session.refresh(settings)
        return settings
