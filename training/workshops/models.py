"""Workshops and their timetable: staff, sessions and stations.

These tables are the spine of the product: attendance, quizzes, skill
assessments and certificates all hang off a workshop, its sessions and its
confirmed enrolments (``enrolments.models``).

Times are stored in UTC. A workshop has a venue time zone (an IANA name) and
its dates (``starts_on``/``ends_on``) are calendar days at the venue; pages
show session times in that zone and say which zone it is.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, TimestampMixin, enum_column
from training.core.errors import Conflict
from training.extensions import Model, db

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.curriculum.models import CurriculumVersion, Module
    from training.enrolments.models import Enrolment


class WorkshopState(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "draft": gettext("Draft"),
            "published": gettext("Published"),
            "completed": gettext("Completed"),
            "cancelled": gettext("Cancelled"),
        }[self.value]


# The only moves a workshop's state may make.
WORKSHOP_MOVES: dict[WorkshopState, frozenset[WorkshopState]] = {
    WorkshopState.DRAFT: frozenset({WorkshopState.PUBLISHED, WorkshopState.CANCELLED}),
    WorkshopState.PUBLISHED: frozenset({WorkshopState.COMPLETED, WorkshopState.CANCELLED}),
    WorkshopState.COMPLETED: frozenset(),
    WorkshopState.CANCELLED: frozenset(),
}


class PrerequisitePolicy(enum.Enum):
    OFF = "off"  # not checked
    WARN = "warn"  # the trainee is told what is missing but may enrol
    REQUIRED = "required"  # enrolment is refused, naming the missing module


class Duty(enum.Enum):
    """What a person does on one workshop (their global roles are on the user)."""

    ORGANIZER = "organizer"
    FACULTY = "faculty"
    CERTIFIER = "certifier"  # certifying faculty: signs skills off, issues certificates

    @property
    def label(self) -> str:
        return {
            "organizer": gettext("Organizer"),
            "faculty": gettext("Faculty"),
            "certifier": gettext("Certifying faculty"),
        }[self.value]


class SessionKind(enum.Enum):
    LECTURE = "lecture"
    CADAVER_LAB = "cadaver_lab"
    HANDS_ON = "hands_on"
    LIVE_DEMONSTRATION = "live_demonstration"
    SEMINAR = "seminar"
    BREAK = "break"

    @property
    def label(self) -> str:
        return {
            "lecture": gettext("Lecture"),
            "cadaver_lab": gettext("Cadaver lab"),
            "hands_on": gettext("Hands-on station"),
            "live_demonstration": gettext("Live demonstration"),
            "seminar": gettext("Seminar"),
            "break": gettext("Break"),
        }[self.value]

    @property
    def has_stations(self) -> bool:
        return self in (SessionKind.CADAVER_LAB, SessionKind.HANDS_ON)

    @property
    def counts_for_attendance(self) -> bool:
        return self is not SessionKind.BREAK


workshop_modules = sa.Table(
    "workshop_modules",
    db.metadata,
    sa.Column("workshop_id", sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("module_id", sa.ForeignKey("modules.id"), primary_key=True, index=True),
)

session_modules = sa.Table(
    "session_modules",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("workshop_sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("module_id", sa.ForeignKey("modules.id"), primary_key=True, index=True),
)

session_faculty = sa.Table(
    "session_faculty",
    db.metadata,
    sa.Column("session_id", sa.ForeignKey("workshop_sessions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


DEFAULT_CME_DAILY_CAP = Decimal(6)  # EACCME: at most 6 credits a day


class Workshop(IdMixin, TimestampMixin, Model):
    __tablename__ = "workshops"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        # Without designated credits the workshop is not accredited for CME/CPD.
        sa.CheckConstraint(
            "cme_designated_credits IS NULL OR (cme_designated_credits > 0 AND cme_accreditor <> '')",
            name="accreditation_complete",
        ),
        sa.CheckConstraint("cme_daily_cap > 0 AND cme_daily_cap <= 24", name="cme_daily_cap_range"),
        sa.CheckConstraint(
            "enrolment_closes_at IS NULL OR enrolment_opens_at IS NULL "
            "OR enrolment_closes_at > enrolment_opens_at",
            name="enrolment_window_in_order",
        ),
        sa.Index("ix_workshops_state_starts_on", "state", "starts_on"),
        # The catalogue's stamp reads the latest change (catalogue.catalogue_stamp).
        sa.Index("ix_workshops_updated_at", "updated_at"),
    )

    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    curriculum_version_id: Mapped[int] = mapped_column(sa.ForeignKey("curriculum_versions.id"), index=True)
    venue_name: Mapped[str] = mapped_column(sa.String(200))
    venue_address: Mapped[str] = mapped_column(sa.String(300), default="")
    city: Mapped[str] = mapped_column(sa.String(100))
    country: Mapped[str] = mapped_column(sa.String(2))  # ISO 3166-1 alpha-2
    timezone: Mapped[str] = mapped_column(sa.String(64))  # IANA name, e.g. "Europe/Rome"
    starts_on: Mapped[date]  # first day, at the venue
    ends_on: Mapped[date]  # last day, at the venue
    capacity: Mapped[int]
    enrolment_opens_at: Mapped[datetime | None]
    enrolment_closes_at: Mapped[datetime | None]
    # CME/CPD accreditation, when the workshop records one: the accrediting body, its
    # statement (printed on certificates of attendance), the credits it designated (never
    # more than the scheduled educational hours) and its cap per day (EACCME: 6).
    cme_accreditor: Mapped[str] = mapped_column(sa.String(200), default="")
    cme_statement: Mapped[str] = mapped_column(sa.Text, default="")
    cme_designated_credits: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    cme_daily_cap: Mapped[Decimal] = mapped_column(sa.Numeric(4, 2), default=DEFAULT_CME_DAILY_CAP)
    state: Mapped[WorkshopState] = enum_column(WorkshopState, default=WorkshopState.DRAFT)
    prerequisite_policy: Mapped[PrerequisitePolicy] = enum_column(
        PrerequisitePolicy, default=PrerequisitePolicy.OFF
    )
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    curriculum_version: Mapped[CurriculumVersion] = relationship()
    modules: Mapped[list[Module]] = relationship(secondary=workshop_modules, order_by="Module.position")
    staff: Mapped[list[WorkshopStaff]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", lazy="selectin"
    )
    sessions: Mapped[list[WorkshopSession]] = relationship(
        back_populates="workshop", order_by="WorkshopSession.starts_at", cascade="all, delete-orphan"
    )
    enrolments: Mapped[list[Enrolment]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def accredited(self) -> bool:
        """Whether the workshop records a CME/CPD accreditation."""
        return self.cme_designated_credits is not None

    def can_move_to(self, state: WorkshopState) -> bool:
        return state in WORKSHOP_MOVES[self.state]

    def move_to(self, state: WorkshopState) -> None:
        """Change state, refusing every move not in WORKSHOP_MOVES."""
        if not self.can_move_to(state):
            raise Conflict(f"A {self.state.value} workshop cannot become {state.value}.")
        self.state = state

    def duties_of(self, user: User | None) -> frozenset[Duty]:
        if user is None or getattr(user, "id", None) is None:
            return frozenset()
        return frozenset(member.duty for member in self.staff if member.user_id == user.id)

    def staff_with(self, duty: Duty) -> list[User]:
        return [member.user for member in self.staff if member.duty is duty]


class WorkshopStaff(IdMixin, Model):
    """A person's duty on one workshop; a person may hold several duties."""

    __tablename__ = "workshop_staff"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "user_id", "duty"),)

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    duty: Mapped[Duty] = enum_column(Duty)

    workshop: Mapped[Workshop] = relationship(back_populates="staff")
    user: Mapped[User] = relationship(lazy="joined")


class FacultyProfile(IdMixin, TimestampMixin, Model):
    """What faculty tell trainees about themselves, and their industry ties."""

    __tablename__ = "faculty_profiles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    biography: Mapped[str] = mapped_column(sa.Text, default="")
    # Financial relationships with industry (consulting, speaking fees, grants,
    # shares...), shown on every workshop they teach. Empty means not yet declared.
    disclosure: Mapped[str] = mapped_column(sa.Text, default="")
    nothing_to_disclose: Mapped[bool] = mapped_column(default=False)
    disclosure_updated_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class WorkshopSession(IdMixin, TimestampMixin, Model):
    """One slot of the timetable: a lecture, a cadaver lab, a break..."""

    __tablename__ = "workshop_sessions"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        sa.Index("ix_workshop_sessions_workshop_id_starts_at", "workshop_id", "starts_at"),
        sa.Index("ix_workshop_sessions_room_starts_at", "room", "starts_at"),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    kind: Mapped[SessionKind] = enum_column(SessionKind)
    starts_at: Mapped[datetime]  # UTC
    ends_at: Mapped[datetime]  # UTC
    room: Mapped[str] = mapped_column(sa.String(100), default="")
    mandatory: Mapped[bool] = mapped_column(default=False)
    cancelled: Mapped[bool] = mapped_column(default=False)
    # RFC 5545 SEQUENCE: raised each time the session changes in a way a calendar must see.
    sequence: Mapped[int] = mapped_column(default=0)

    workshop: Mapped[Workshop] = relationship(back_populates="sessions")
    modules: Mapped[list[Module]] = relationship(secondary=session_modules, order_by="Module.position")
    faculty: Mapped[list[User]] = relationship(secondary=session_faculty, order_by="User.full_name")
    stations: Mapped[list[Station]] = relationship(
        back_populates="session", order_by="Station.position", cascade="all, delete-orphan"
    )

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.workshop.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.workshop.zone)


class Station(IdMixin, Model):
    """A specimen table or a device in a lab or hands-on session, with its capacity."""

    __tablename__ = "stations"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "name"),
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
    )

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("workshop_sessions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))  # e.g. "Table 3" or "Emulsification rig B"
    equipment: Mapped[str] = mapped_column(sa.String(300), default="")
    capacity: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    # The faculty member in charge of this station, if any.
    faculty_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[WorkshopSession] = relationship(back_populates="stations")
    faculty: Mapped[User | None] = relationship()
    assignments: Mapped[list[StationAssignment]] = relationship(
        back_populates="station", cascade="all, delete-orphan"
    )


class StationAssignment(IdMixin, Model):
    """A trainee's place at a station; one station per trainee per session."""

    __tablename__ = "station_assignments"
    __table_args__ = (sa.UniqueConstraint("session_id", "trainee_id"),)

    # The session is repeated here so the database can hold "one station per session".
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("workshop_sessions.id", ondelete="CASCADE"))
    station_id: Mapped[int] = mapped_column(sa.ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)

    station: Mapped[Station] = relationship(back_populates="assignments")
    trainee: Mapped[User] = relationship()


class CalendarFeed(IdMixin, TimestampMixin, Model):
    """A person's private calendar subscription: a secret URL their calendar app polls.

    Only a SHA-256 digest of the secret is kept, so the database alone cannot be
    used to read anyone's schedule; the URL is shown once, when it is made.
    Revoking deletes the row; regenerating replaces the digest (old URLs stop working).
    """

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the secret, so the person can tell which URL is current.
    token_hint: Mapped[str] = mapped_column(sa.String(8))

    user: Mapped[User] = relationship()
