"""Enrolments: a trainee's seat (or place on the waitlist) in a workshop."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, TimestampMixin, enum_column
from training.extensions import Model

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


class EnrolmentState(enum.Enum):
    CONFIRMED = "confirmed"  # holds a seat
    WAITLISTED = "waitlisted"  # waits, first come first served (by ``requested_at``, then id)
    CANCELLED = "cancelled"  # by the trainee, or removed by an organizer

    @property
    def label(self) -> str:
        return {"confirmed": "Confirmed", "waitlisted": "Waitlisted", "cancelled": "Cancelled"}[self.value]


class EnrolmentSource(enum.Enum):
    SELF = "self"  # the trainee enrolled
    ORGANIZER = "organizer"  # an organizer enrolled them
    IMPORT = "import"  # from an organizer's CSV file


class Enrolment(IdMixin, TimestampMixin, Model):
    __tablename__ = "enrolments"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "trainee_id"),
        sa.Index("ix_enrolments_workshop_id_state_requested_at", "workshop_id", "state", "requested_at"),
        sa.Index("ix_enrolments_updated_at", "updated_at"),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    state: Mapped[EnrolmentState] = enum_column(EnrolmentState)
    source: Mapped[EnrolmentSource] = enum_column(EnrolmentSource, default=EnrolmentSource.SELF)
    # Arrival time: the waitlist is served in this order (then by id).
    requested_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    cancellation_reason: Mapped[str] = mapped_column(sa.Text, default="")

    workshop: Mapped[Workshop] = relationship(back_populates="enrolments")
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
