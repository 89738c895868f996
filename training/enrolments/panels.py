"""What the enrolment pages and tiles show a person, worked out for the view that
renders them (templates never query)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from training.core.db import utcnow
from training.enrolments import permissions, rules
from training.enrolments.models import Enrolment, EnrolmentState
from training.enrolments.seats import enrolment_of, prerequisites, seat_summary, waitlist_position, window
from training.workshops.models import Workshop


@dataclass(frozen=True)
class Panel:
    workshop: Workshop
    seats: rules.SeatSummary
    enrolment: Enrolment | None
    position: int | None
    refusal: str | None  # why nobody can enrol now
    prerequisites: rules.PrerequisiteCheck | None
    may_enrol: bool  # the user is someone who enrols (a trainee, not staff)
    manages: bool
    sees_roster: bool
    availability: rules.Availability  # what anyone who wants to come can do now

    @property
    def active(self) -> bool:
        return self.enrolment is not None and self.enrolment.state is not EnrolmentState.CANCELLED


def workshop_panel(workshop: Workshop, user: Any) -> Panel:
    """What the workshop page shows ``user`` (signed in or not) about enrolling."""
    may_enrol = permissions.can_enrol(user, workshop)
    enrolment = enrolment_of(workshop, user) if user.is_authenticated else None
    position = waitlist_position(enrolment) if enrolment is not None else None
    check = None
    if may_enrol and not (enrolment is not None and enrolment.state is not EnrolmentState.CANCELLED):
        check = prerequisites(workshop, [user.id])[user.id]
    seats = seat_summary(workshop)
    enrolment_window, now = window(workshop), utcnow()
    return Panel(
        workshop=workshop,
        seats=seats,
        enrolment=enrolment,
        position=position,
        refusal=rules.enrolment_refusal(enrolment_window, now),
        prerequisites=check,
        may_enrol=may_enrol,
        manages=permissions.can_manage_enrolments(user, workshop),
        sees_roster=permissions.can_view_roster(user, workshop),
        availability=rules.availability(seats, enrolment_window, now),
    )


@dataclass(frozen=True)
class Tile:
    """The trainee's next workshops, with their place on each waitlist (None: a seat)."""

    upcoming: list[tuple[Enrolment, int | None]]
