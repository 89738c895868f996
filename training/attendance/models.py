"""The attendance tables: one record per trainee per session, and each workshop's rules.

A record is the current truth about one trainee at one session; how it came to
be (who changed it, when, old -> new) is in the audit log, shown on the record.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, TimestampMixin, enum_column
from training.extensions import Model

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop, WorkshopSession


class AttendanceStatus(enum.Enum):
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return {
            "present": gettext("Present"),
            "late": gettext("Late"),
            "absent": gettext("Absent"),
            "excused": gettext("Excused"),
        }[self.value]

    @property
    def attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


class CheckInMethod(enum.Enum):
    ROLL_CALL = "roll_call"  # faculty or an organizer marked it
    QR = "qr"  # the trainee scanned the session's code
    CODE = "code"  # the trainee typed the short code shown beside the QR code

    @property
    def label(self) -> str:
        return {
            "roll_call": gettext("Roll call"),
            "qr": gettext("QR code"),
            "code": gettext("Typed code"),
        }[self.value]


class ExcusedPolicy(enum.Enum):
    COUNT_AS_ABSENT = "count_as_absent"  # the session stays in the denominator
    REMOVE_FROM_TOTAL = "remove_from_total"  # the session leaves the denominator

    @property
    def label(self) -> str:
        return {
            "count_as_absent": gettext("Count an excused absence as absent"),
            "remove_from_total": gettext("Leave an excused session out of the scheduled minutes"),
        }[self.value]


class AttendanceRecord(IdMixin, TimestampMixin, Model):
    __tablename__ = "attendance_records"
    __table_args__ = (sa.UniqueConstraint("session_id", "trainee_id"),)

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop_sessions.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[AttendanceStatus] = enum_column(AttendanceStatus)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    # When the trainee arrived: late arrivals earn minutes from here.
    checked_in_at: Mapped[datetime | None]
    method: Mapped[CheckInMethod] = enum_column(CheckInMethod)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[WorkshopSession] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])


class AttendanceSettings(IdMixin, TimestampMixin, Model):
    """A workshop's attendance rules; a workshop without a row uses the defaults."""

    __tablename__ = "attendance_settings"
    __table_args__ = (
        sa.CheckConstraint("min_percent >= 0 AND min_percent <= 100", name="min_percent_range"),
        sa.CheckConstraint("late_grace_minutes >= 0 AND late_grace_minutes <= 120", name="grace_range"),
    )

    DEFAULT_MIN_PERCENT = Decimal("80")
    DEFAULT_GRACE_MINUTES = 10

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), unique=True)
    min_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=DEFAULT_MIN_PERCENT)
    excused_policy: Mapped[ExcusedPolicy] = enum_column(ExcusedPolicy, default=ExcusedPolicy.COUNT_AS_ABSENT)
    late_grace_minutes: Mapped[int] = mapped_column(default=DEFAULT_GRACE_MINUTES)

    workshop: Mapped[Workshop] = relationship()

    @classmethod
    def defaults(cls, workshop_id: int) -> AttendanceSettings:
        """The rules of a workshop whose organizers changed nothing (not added to the session)."""
        return cls(
            workshop_id=workshop_id,
            min_percent=cls.DEFAULT_MIN_PERCENT,
            excused_policy=ExcusedPolicy.COUNT_AS_ABSENT,
            late_grace_minutes=cls.DEFAULT_GRACE_MINUTES,
        )
