"""Workshop factories: a workshop with its staff, sessions, stations and enrolments.

``make.workshop()`` is published, three days long in Europe/Rome, a month from
now, with an organizer, a faculty member and a certifying faculty member
(reachable as ``workshop.organizer``, ``.teacher`` and ``.certifier`` on the
returned object for convenience).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from tests.support.factories.base import sequence
from training.accounts.models import Role, User
from training.core.db import utcnow
from training.curriculum.models import CurriculumVersion
from training.enrolments.models import Enrolment, EnrolmentSource, EnrolmentState
from training.extensions import db
from training.workshops import services
from training.workshops.models import (
    Duty,
    FacultyProfile,
    SessionKind,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
)


class WorkshopsFactories:
    app: Flask

    def workshop(
        self,
        *,
        version: CurriculumVersion | None = None,
        state: WorkshopState = WorkshopState.PUBLISHED,
        capacity: int = 20,
        starts_on: date | None = None,
        days: int = 3,
        timezone: str = "Europe/Rome",
        organizer: User | None = None,
        faculty: list[User] | None = None,
        certifiers: list[User] | None = None,
        **fields: Any,
    ) -> Workshop:
        n = sequence()
        if version is None:
            version = self.curriculum_version()  # type: ignore[attr-defined]
        organizer = organizer or self.user({Role.ORGANIZER})  # type: ignore[attr-defined]
        faculty = faculty if faculty is not None else [self.user({Role.FACULTY})]  # type: ignore[attr-defined]
        certifiers = certifiers if certifiers is not None else [self.user({Role.FACULTY})]  # type: ignore[attr-defined]
        starts_on = starts_on or (utcnow().date() + timedelta(days=30))
        with self.app.app_context():
            version = db.session.merge(version)
            workshop = Workshop(
                title=fields.pop("title", f"Nanofat workshop {n}"),
                description=fields.pop("description", "Anatomy first, then hands on."),
                curriculum_version=version,
                venue_name=fields.pop("venue_name", "Anatomy Institute"),
                venue_address=fields.pop("venue_address", "Via del Sole 1"),
                city=fields.pop("city", "Bologna"),
                country=fields.pop("country", "IT"),
                timezone=timezone,
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=days - 1),
                capacity=capacity,
                **_accreditation(fields.pop("cme_credit_hours", None)),
                state=state,
                published_at=utcnow() if state is not WorkshopState.DRAFT else None,
                created_by_id=organizer.id,
                **fields,
            )
            workshop.modules = list(version.modules)
            workshop.staff = [
                WorkshopStaff(user_id=organizer.id, duty=Duty.ORGANIZER),
                *(WorkshopStaff(user_id=u.id, duty=Duty.FACULTY) for u in faculty),
                *(WorkshopStaff(user_id=u.id, duty=Duty.CERTIFIER) for u in certifiers),
            ]
            db.session.add(workshop)
            db.session.commit()
        workshop.organizer = organizer  # type: ignore[attr-defined]
        workshop.teacher = faculty[0] if faculty else None  # type: ignore[attr-defined]
        workshop.certifier = certifiers[0] if certifiers else None  # type: ignore[attr-defined]
        return workshop

    def session(
        self,
        workshop: Workshop,
        *,
        kind: SessionKind = SessionKind.LECTURE,
        day: int = 0,
        start: time = time(9, 0),
        minutes: int = 90,
        stations: int = 0,
        station_capacity: int = 10,
        faculty: list[User] | None = None,
        **fields: Any,
    ) -> WorkshopSession:
        """A session on the workshop's ``day`` (0 = first day) at ``start`` venue time."""
        with self.app.app_context():
            workshop = db.session.merge(workshop)
            zone = ZoneInfo(workshop.timezone)
            local = datetime.combine(workshop.starts_on + timedelta(days=day), start, zone)
            session = WorkshopSession(
                workshop=workshop,
                title=fields.pop("title", f"{kind.label} {sequence()}"),
                kind=kind,
                starts_at=local,
                # Real minutes: adding to an aware local time would add wall-clock time,
                # an hour off across a daylight-saving change.
                ends_at=local.astimezone(UTC) + timedelta(minutes=minutes),
                room=fields.pop("room", f"Room {sequence()}"),
                **fields,
            )
            db.session.add(session)
            session.modules = list(workshop.modules[:1])
            teachers = faculty if faculty is not None else workshop.staff_with(Duty.FACULTY)
            session.faculty = [db.session.merge(u) for u in teachers]
            for i in range(stations):
                session.stations.append(Station(name=f"Table {i + 1}", capacity=station_capacity, position=i))
            db.session.commit()
            db.session.refresh(session)
        return session

    def enrolment(
        self,
        workshop: Workshop,
        trainee: User | None = None,
        *,
        state: EnrolmentState = EnrolmentState.CONFIRMED,
        **fields: Any,
    ) -> Enrolment:
        trainee = trainee or self.trainee()  # type: ignore[attr-defined]
        with self.app.app_context():
            now = utcnow()
            enrolment = Enrolment(
                workshop_id=workshop.id,
                trainee_id=trainee.id,
                state=state,
                source=fields.pop("source", EnrolmentSource.SELF),
                requested_at=fields.pop("requested_at", now),
                confirmed_at=now if state is EnrolmentState.CONFIRMED else None,
                **fields,
            )
            db.session.add(enrolment)
            db.session.commit()
        enrolment.trainee = trainee
        return enrolment

    def enrolled_trainees(self, workshop: Workshop, count: int) -> list[User]:
        """``count`` new trainees, each with a confirmed enrolment."""
        return [self.enrolment(workshop).trainee for _ in range(count)]

    def assign(self, station: Station, trainee: User) -> StationAssignment:
        with self.app.app_context():
            assignment = StationAssignment(
                session_id=station.session_id, station_id=station.id, trainee_id=trainee.id
            )
            db.session.add(assignment)
            db.session.commit()
        return assignment

    def calendar_feed(self, user: User) -> str:
        """A private calendar feed for ``user``; returns the secret token of its URL."""
        with self.app.test_request_context():
            token = services.issue_calendar_feed(db.session.merge(user), actor=None)  # type: ignore[arg-type]
            db.session.commit()
        return token

    def faculty_profile(self, user: User, *, disclosure: str = "", nothing_to_disclose: bool = False) -> None:
        with self.app.app_context():
            db.session.add(
                FacultyProfile(
                    user_id=user.id,
                    biography="Teaches anatomy-first fat grafting.",
                    disclosure=disclosure,
                    nothing_to_disclose=nothing_to_disclose,
                    disclosure_updated_at=utcnow(),
                )
            )
            db.session.commit()


def _accreditation(credits: Decimal | None) -> dict[str, Any]:
    """``cme_credit_hours=N``: an EACCME accreditation designating N credits (none by default)."""
    if credits is None:
        return {}
    return {
        "cme_accreditor": "EACCME",
        "cme_statement": f"The workshop is accredited by the EACCME for {credits} European CME credits.",
        "cme_designated_credits": Decimal(credits),
    }
