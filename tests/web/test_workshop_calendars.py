"""Calendars read back with a real iCalendar parser: zones, daylight saving, UIDs, SEQUENCE, cancellation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import icalendar

from training.workshops.models import SessionKind, WorkshopState

# Europe/Rome goes back from CEST (UTC+2) to CET (UTC+1) at 03:00 on the last Sunday of October.
CHANGE_DAY = date(2027, 10, 31)


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def dst_workshop(make):
    workshop = make.workshop(starts_on=CHANGE_DAY - timedelta(days=1), days=2, title="Autumn cadaver course")
    across = make.session(
        workshop, kind=SessionKind.CADAVER_LAB, day=1, start=time(1, 0), minutes=240, title="Night dissection"
    )
    normal = make.session(workshop, day=0, start=time(9, 0), minutes=90, title="Anatomy of the aging face")
    return workshop, across, normal


def test_the_workshop_file_carries_its_zone_and_survives_the_change_back_to_winter_time(app, client, make):
    workshop, _, normal = dst_workshop(make)
    client.login(make.trainee())
    response = client.get(f"/workshops/{workshop.id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Rome"
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    found = events(response.data)
    night = found["Night dissection"]
    start, end = night.decoded("DTSTART"), night.decoded("DTEND")
    assert night["DTSTART"].params["TZID"] == "Europe/Rome"
    # Wall-clock times as the venue sees them, and four real hours between them.
    assert (start.hour, end.hour) == (1, 4)
    assert start.utcoffset() == timedelta(hours=2)
    assert end.utcoffset() == timedelta(hours=1)
    # (Python subtracts same-zone datetimes on the wall clock: compare in UTC.)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=4)
    assert start.astimezone(UTC) == datetime(2027, 10, 30, 23, 0, tzinfo=UTC)
    assert str(night["STATUS"]) == "CONFIRMED"
    assert "Europe/Rome" in response.data.decode()
    host = urlsplit(app.config["BASE_URL"]).hostname
    assert str(found["Anatomy of the aging face"]["UID"]) == f"workshop-session-{normal.id}@{host}"


def test_a_change_keeps_the_uid_and_raises_the_sequence_and_cancellation_shows(client, make):
    workshop, across, normal = dst_workshop(make)
    organizer = workshop.organizer
    client.login(make.trainee())
    before = events(client.get(f"/workshops/{workshop.id}/calendar.ics").data)["Anatomy of the aging face"]
    assert int(before["SEQUENCE"]) == 0
    client.login(organizer)
    response = client.post(
        f"/sessions/{normal.id}/edit",
        data={
            "title": "Anatomy of the aging face",
            "kind": "lecture",
            "day": (CHANGE_DAY - timedelta(days=1)).isoformat(),
            "start": "10:00",
            "end": "11:30",
            "room": normal.room,
            "module_ids": [m.id for m in normal.modules],
            "faculty_ids": [u.id for u in normal.faculty],
            "mandatory": "y",
        },
    )
    assert response.status_code == 302, response.text
    assert client.post(f"/sessions/{across.id}/cancel").status_code == 302
    after = events(client.get(f"/workshops/{workshop.id}/calendar.ics").data)
    moved = after["Anatomy of the aging face"]
    assert moved["UID"] == before["UID"]
    assert int(moved["SEQUENCE"]) == 1
    assert moved.decoded("DTSTART").hour == 10
    assert str(after["Night dissection"]["STATUS"]) == "CANCELLED"
    assert int(after["Night dissection"]["SEQUENCE"]) == 1


def test_a_cancelled_workshop_marks_every_session_cancelled(client, make):
    workshop, _, _ = dst_workshop(make)
    client.login(workshop.organizer)
    client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "Venue flooded."})
    found = events(client.get(f"/workshops/{workshop.id}/calendar.ics").data)
    assert {str(e["STATUS"]) for e in found.values()} == {"CANCELLED"}


def test_the_private_feed_is_made_shown_once_followed_and_revoked(app, client, make):
    base = re.escape(app.config["BASE_URL"])
    trainee = make.trainee()
    workshop, _, _ = dst_workshop(make)
    make.enrolment(workshop, trainee)
    other = make.workshop(title="Not enrolled")
    make.session(other, title="Someone else's lecture")
    client.login(trainee)
    made = client.post("/calendar/new")
    # Post, redirect, get: reloading the page does not make another address.
    assert made.status_code == 302
    assert made.location == "/calendar"
    page = client.get("/calendar")
    assert page.status_code == 200
    path = re.search(base + r'(/calendar/[^"]+\.ics)"', page.text).group(1)
    # The address is shown once: the settings page only hints at it afterwards.
    again = client.get("/calendar").text
    assert path not in again
    assert "You have a private address" in again
    client.logout()
    response = client.get(path)  # a calendar app: no login
    assert response.status_code == 200
    found = events(response.data)
    assert set(found) == {"Night dissection", "Anatomy of the aging face"}
    night = found["Night dissection"]
    assert night["DTSTART"].params["TZID"] == "Europe/Rome"
    assert night.decoded("DTEND").astimezone(UTC) - night.decoded("DTSTART").astimezone(UTC) == timedelta(
        hours=4
    )
    # Regenerating ends the old address; revoking ends the new one.
    client.login(trainee)
    client.post("/calendar/new")
    newer = client.get("/calendar").text
    new_path = re.search(base + r'(/calendar/[^"]+\.ics)"', newer).group(1)
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200
    client.login(trainee)
    assert client.post("/calendar/revoke").status_code == 302
    client.logout()
    assert client.get(new_path).status_code == 404


def test_drafts_stay_out_of_files_for_outsiders(client, make):
    draft = make.workshop(state=WorkshopState.DRAFT)
    make.session(draft)
    client.login(make.trainee())
    assert client.get(f"/workshops/{draft.id}/calendar.ics").status_code == 404
    client.login(draft.teacher)
    assert client.get(f"/workshops/{draft.id}/calendar.ics").status_code == 200
