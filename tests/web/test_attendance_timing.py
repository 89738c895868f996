"""The roll call page says when roll call opens and closes, and refuses (writing nothing)
marks made outside it; after the session an organizer corrects a mark with a reason."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.attendance.models import AttendanceRecord
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import SessionKind


def records() -> int:
    return db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id)))


@pytest.fixture
def later_today(make):
    workshop = make.workshop(starts_on=utcnow().date())
    lab = make.running_session(
        workshop, started=-timedelta(hours=3, minutes=24), minutes=150, kind=SessionKind.CADAVER_LAB
    )
    trainees = make.enrolled_trainees(workshop, 2)
    return workshop, lab, trainees


@pytest.fixture
def ended(make):
    workshop = make.workshop(starts_on=utcnow().date())
    demo = make.running_session(workshop, started=timedelta(minutes=70), minutes=60)
    trainee = make.enrolled_trainees(workshop, 1)[0]
    return workshop, demo, trainee


def test_before_the_opening_the_buttons_are_disabled_with_the_reason(client, later_today):
    workshop, lab, trainees = later_today
    client.login(workshop.teacher)
    page = html.unescape(client.get(f"/attendance/sessions/{lab.id}/roll-call").text)
    opens = (lab.starts_at - timedelta(minutes=15)).astimezone(workshop.zone).strftime("%H:%M")
    assert re.search(rf"Roll call opens (on .+ )?at {opens} \(venue time\)", page)
    assert re.search(r'<button type="submit" class="btn btn-success" disabled[^>]*>Mark all present', page)
    row = re.search(rf'<form[^>]*id="trainee-{trainees[0].id}".*?</form>', page, flags=re.S).group(0)
    assert row.count(" disabled") == 1 + 4 + 1  # "save note", the four statuses, the note
    assert 'name="reason"' not in row


def test_a_mark_or_mark_all_posted_before_the_opening_is_refused_and_writes_nothing(client, later_today):
    workshop, lab, trainees = later_today
    client.login(workshop.teacher)
    response = client.post(
        f"/attendance/sessions/{lab.id}/roll-call/{trainees[0].id}",
        data={"status": "present"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Roll call opens" in response.text
    assert 'role="alert"' in response.text
    response = client.post(f"/attendance/sessions/{lab.id}/roll-call/all-present")
    assert "Roll call opens" in html.unescape(client.get(response.location).text)
    assert records() == 0


def test_after_the_session_an_organizer_corrects_with_a_reason_and_faculty_cannot(client, ended):
    workshop, demo, trainee = ended
    client.login(workshop.teacher)
    faculty_page = client.get(f"/attendance/sessions/{demo.id}/roll-call").text
    assert "Roll call closed when the session ended" in html.unescape(faculty_page)
    client.post(f"/attendance/sessions/{demo.id}/roll-call/{trainee.id}", data={"status": "present"})
    assert records() == 0

    client.login(workshop.organizer)
    page = client.get(f"/attendance/sessions/{demo.id}/roll-call").text
    assert f'id="reason-{trainee.id}" name="reason"' in page
    url = f"/attendance/sessions/{demo.id}/roll-call/{trainee.id}"
    refused = client.post(url, data={"status": "present", "reason": ""}, headers={"HX-Request": "true"})
    assert "Say why the mark is corrected" in refused.text
    assert records() == 0
    client.post(
        url, data={"status": "present", "reason": "Signed the paper sheet"}, headers={"HX-Request": "true"}
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attendance.corrected"))
    assert event.new["reason"] == "Signed the paper sheet"
    assert records() == 1


def test_the_trainees_own_page_counts_only_what_has_ended(client, later_today, make):
    workshop, _, trainees = later_today
    held = make.running_session(workshop, started=timedelta(hours=3), minutes=60, title="Anatomy")
    make.attendance(held, trainees[0], "present")
    client.login(trainees[0])
    page = html.unescape(client.get("/attendance/mine").text)
    assert 'data-testid="my-percent">100.0%<' in page
    assert "Only sessions that have ended are counted; 1 session is still to come or under way." in page
    assert "You meet the attendance rule so far." in page
    assert "Not yet held" in page
