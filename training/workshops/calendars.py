"""iCalendar (RFC 5545) files: one per workshop, and each person's private feed.

Every event carries its venue's time zone (DTSTART;TZID=Europe/Rome with a
VTIMEZONE describing the zone's daylight-saving rules), a UID that never
changes for a session, and the session's SEQUENCE, raised whenever it moves
or is cancelled, so calendar apps replace the old entry instead of adding one.
Cancelled sessions stay in the file as STATUS:CANCELLED.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, vText

from training.core.db import utcnow
from training.core.urls import external_url
from training.workshops.models import WorkshopSession, WorkshopState

PRODUCT_ID = "-//Regenerative Fat Grafting Programme//Workshops//EN"


def session_uid(session: WorkshopSession) -> str:
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return f"workshop-session-{session.id}@{host}"


def build(
    sessions: Iterable[WorkshopSession],
    *,
    name: str,
    module_codes: dict[int, list[str]] | None = None,
) -> bytes:
    """The calendar of ``sessions`` (their workshops loaded) as ICS bytes."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    now = utcnow()
    first = last = None
    for session in sessions:
        workshop = session.workshop
        zone = workshop.zone
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", now)
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        event.add("summary", session.title)
        event.add("sequence", session.sequence)
        event.add("last-modified", session.updated_at)
        event.add("created", session.created_at)
        cancelled = session.cancelled or workshop.state is WorkshopState.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        place = ", ".join(
            part
            for part in (session.room, workshop.venue_name, workshop.venue_address, workshop.city)
            if part
        )
        event.add("location", place)
        lines = [f"{session.kind.label} · {workshop.title}"]
        if session.faculty:
            lines.append("Faculty: " + ", ".join(person.full_name for person in session.faculty))
        codes = (module_codes or {}).get(session.id)
        if codes:
            lines.append("Modules: " + ", ".join(codes))
        if session.mandatory:
            lines.append("Attendance is mandatory.")
        if session.description:
            lines.append(session.description)
        event.add("description", vText("\n".join(lines)))
        event.add("categories", [session.kind.label])
        event.add("url", external_url("workshops.session_detail", session_id=session.id))
        calendar.add_component(event)
        day = session.starts_at.date()
        first = day if first is None or day < first else first
        last = day if last is None or day > last else last
    if first is not None and last is not None:
        # VTIMEZONE for each zone used, covering the transitions the events may meet.
        calendar.add_missing_timezones(
            first_date=first - timedelta(days=366), last_date=last + timedelta(days=366)
        )
    return calendar.to_ical()
