"""The workshop page's schema.org description, for search engines: an ``EducationalEvent``
(a kind of ``Event``) with its dates at the venue, place, organizer, faculty and seats.

Built from what the page already loaded, without a query; the template writes it with
Jinja's ``tojson``, which escapes ``<``, ``>``, ``&`` and ``'`` so that no title can close
the ``<script type="application/ld+json">`` data block around it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from training.accounts.models import User
from training.workshops.models import SessionKind, Workshop, WorkshopSession, WorkshopState

SCHEMA = "https://schema.org/"


@dataclass(frozen=True)
class Offer:
    """What the enrolment rules say about coming (see ``enrolments.rules.availability``)."""

    availability: str  # an ``Availability`` value: "seats", "waitlist", "not yet" or "closed"
    seats_left: int
    opens_at: datetime | None
    closes_at: datetime | None


def _availability(offer: Offer) -> str:
    if offer.availability in ("seats", "not yet"):
        # Not yet open: still to be had, from ``validFrom``.
        return SCHEMA + "InStock"
    if offer.availability == "waitlist" or offer.seats_left == 0:
        return SCHEMA + "SoldOut"  # a waitlist place is not a seat
    return SCHEMA + "Discontinued"  # enrolment closed with seats left


def _span(workshop: Workshop, sessions: Iterable[WorkshopSession]) -> tuple[str, str]:
    """First start and last end at the venue, with the venue's offset; the dates alone
    while nothing is scheduled."""
    held = [s for s in sessions if not s.cancelled and s.kind is not SessionKind.BREAK]
    if not held:
        return workshop.starts_on.isoformat(), workshop.ends_on.isoformat()
    zone = workshop.zone
    start = min(s.starts_at for s in held).astimezone(zone)
    end = max(s.ends_at for s in held).astimezone(zone)
    return start.isoformat(timespec="minutes"), end.isoformat(timespec="minutes")


def event(
    workshop: Workshop,
    sessions: Iterable[WorkshopSession],
    teachers: Iterable[User],
    offer: Offer,
    *,
    url: str,
    organizer_name: str,
    organizer_url: str,
) -> dict[str, Any]:
    start, end = _span(workshop, sessions)
    status = "EventCancelled" if workshop.state is WorkshopState.CANCELLED else "EventScheduled"
    address = {
        "@type": "PostalAddress",
        "addressLocality": workshop.city,
        "addressCountry": workshop.country,
    }
    if workshop.venue_address:
        address["streetAddress"] = workshop.venue_address
    offers: dict[str, Any] = {
        "@type": "Offer",
        "url": url,
        "availability": _availability(offer),
    }
    if offer.opens_at is not None:
        offers["validFrom"] = offer.opens_at.astimezone(workshop.zone).isoformat(timespec="minutes")
    if offer.closes_at is not None:
        offers["availabilityEnds"] = offer.closes_at.astimezone(workshop.zone).isoformat(timespec="minutes")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "EducationalEvent",
        "name": workshop.title,
        "url": url,
        "startDate": start,
        "endDate": end,
        "eventStatus": SCHEMA + status,
        "eventAttendanceMode": SCHEMA + "OfflineEventAttendanceMode",
        "location": {"@type": "Place", "name": workshop.venue_name, "address": address},
        "organizer": {"@type": "Organization", "name": organizer_name, "url": organizer_url},
        "performer": [_person(teacher) for teacher in teachers],
        "maximumAttendeeCapacity": workshop.capacity,
        "remainingAttendeeCapacity": offer.seats_left,
        "offers": offers,
        "teaches": [f"{m.code} {m.title}" for m in workshop.modules],
    }
    if workshop.description:
        data["description"] = workshop.description
    return data


def _person(user: User) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": user.full_name}
    if user.institution:
        person["affiliation"] = {"@type": "Organization", "name": user.institution}
    return person
