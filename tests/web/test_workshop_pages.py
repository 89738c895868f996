"""The workshops pages as a user meets them: forms, messages, lists, PDFs, stations, mail."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager
from datetime import time, timedelta

import pypdf
import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.core.db import utcnow
from training.enrolments.models import EnrolmentState
from training.extensions import db
from training.workshops.models import SessionKind, StationAssignment, Workshop, WorkshopSession, WorkshopState


def workshop_form(version, **changes) -> dict:
    start = utcnow().date() + timedelta(days=40)
    data = {
        "title": "Regenerative fat grafting: anatomy first",
        "description": "Three days of lectures and cadaver labs.",
        "curriculum_version_id": str(version.id),
        "module_ids": [str(m.id) for m in version.modules],
        "venue_name": "Istituto di Anatomia",
        "venue_address": "Via Irnerio 48",
        "city": "Bologna",
        "country": "IT",
        "timezone": "Europe/Rome",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=2)).isoformat(),
        "capacity": "16",
        "enrolment_opens_at": "",
        "enrolment_closes_at": "",
        "cme_daily_cap": "6",
        "prerequisite_policy": "required",
    }
    data.update(changes)
    return data


def test_an_organizer_builds_a_draft_that_only_its_staff_see(client, make):
    version = make.curriculum_version(["ANAT-101", "MFAT-201"])
    organizer = make.organizer()
    client.login(organizer)
    assert client.get("/workshops/new").status_code == 200
    response = client.post("/workshops/new", data=workshop_form(version))
    assert response.status_code == 302
    workshop = db.session.scalar(sa.select(Workshop))
    assert workshop.state is WorkshopState.DRAFT
    page = client.get(response.location).text
    assert "Regenerative fat grafting: anatomy first" in page
    assert "Draft" in page
    assert "Europe/Rome" in page
    client.login(make.trainee())
    assert client.get(f"/workshops/{workshop.id}").status_code == 404
    assert "anatomy first" not in client.get("/workshops").text
    client.login(organizer)
    assert client.post(f"/workshops/{workshop.id}/publish").status_code == 302
    client.login(make.trainee())
    assert client.get(f"/workshops/{workshop.id}").status_code == 200
    assert "anatomy first" in client.get("/workshops").text


def test_bad_fields_are_shown_by_the_fields_and_nothing_is_saved(client, make):
    version = make.curriculum_version()
    client.login(make.organizer())
    response = client.post(
        "/workshops/new",
        data=workshop_form(version, timezone="Europe/Atlantis", capacity="-3", cme_daily_cap="NaN"),
    )
    assert response.status_code == 422
    assert "“Europe/Atlantis” is not a known IANA time zone" in response.text
    assert "Capacity" in response.text
    assert "Give a number." in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 0


def test_lowering_capacity_below_the_confirmed_count_is_refused_with_the_count(client, make):
    workshop = make.workshop(capacity=10)
    make.enrolled_trainees(workshop, 6)
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    client.login(workshop.organizer)
    form = client.get(f"/workshops/{workshop.id}/edit").text
    assert 'value="10"' in form
    data = workshop_form(
        workshop.curriculum_version,
        capacity="5",
        starts_on=workshop.starts_on.isoformat(),
        ends_on=workshop.ends_on.isoformat(),
    )
    response = client.post(f"/workshops/{workshop.id}/edit", data=data)
    assert response.status_code == 422
    assert "6 trainees already hold a confirmed seat: the capacity cannot go below 6." in response.text
    assert db.session.get(Workshop, workshop.id).capacity == 10


def test_cancelling_asks_a_reason(client, make):
    workshop = make.workshop()
    client.login(workshop.organizer)
    assert client.post(f"/workshops/{workshop.id}/cancel", data={"reason": ""}).status_code == 422
    response = client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "Lab closed."})
    assert response.status_code == 302
    page = client.get(f"/workshops/{workshop.id}").text
    assert "This workshop is cancelled: Lab closed." in page


def test_the_workshop_page_shows_faculty_disclosures_and_the_zone(client, make):
    teacher = make.faculty(full_name="Dr. Amara Okafor")
    quiet = make.faculty(full_name="Prof. Lucas Ferreira")
    workshop = make.workshop(faculty=[teacher], certifiers=[quiet])
    make.faculty_profile(teacher, disclosure="Paid consultant to a cannula maker.")
    make.faculty_profile(quiet, nothing_to_disclose=True)
    make.session(workshop, title="Anatomy of the aging face", start=time(9, 0))
    client.login(make.trainee())
    page = client.get(f"/workshops/{workshop.id}").text
    assert "Discloses: Paid consultant to a cannula maker." in page
    assert "No financial relationship with industry." in page
    assert "All times are in the venue's time zone, <strong>Europe/Rome</strong>" in page
    assert "09:00\u201310:30" in page
    profile = client.get(f"/faculty/{teacher.id}").text
    assert "Paid consultant to a cannula maker." in profile
    assert workshop.title in profile


def test_faculty_keep_their_own_profile(client, make):
    teacher = make.faculty()
    client.login(teacher)
    response = client.post("/faculty/profile", data={"biography": "Oculoplastic surgeon.", "disclosure": ""})
    assert response.status_code == 422
    assert "or tick “nothing to disclose”" in response.text
    response = client.post(
        "/faculty/profile",
        data={"biography": "Oculoplastic surgeon.", "disclosure": "Research grant from X."},
    )
    assert response.status_code == 302
    assert "Research grant from X." in client.get(f"/faculty/{teacher.id}").text
    client.login(make.trainee())
    assert client.get("/faculty/profile").status_code == 403


def test_a_clashing_session_is_refused_on_the_page_naming_the_clash(client, make):
    teacher = make.faculty(full_name="Dr. Amara Okafor")
    day = utcnow().date() + timedelta(days=30)
    elsewhere = make.workshop(
        starts_on=day, faculty=[teacher], title="Lisbon microfat day", timezone="Europe/Lisbon"
    )
    make.session(elsewhere, start=time(9, 0), minutes=60, faculty=[teacher], title="Microfat harvesting")
    workshop = make.workshop(starts_on=day, faculty=[teacher])
    client.login(workshop.organizer)
    data = {
        "title": "Tear trough grafting",
        "kind": "cadaver_lab",
        "day": day.isoformat(),
        "start": "10:30",  # 09:30 in Lisbon
        "end": "12:00",
        "room": "Dissection hall",
        "module_ids": [str(workshop.modules[0].id)],
        "faculty_ids": [str(teacher.id)],
        "stations": "2",
        "station_capacity": "4",
    }
    response = client.post(f"/workshops/{workshop.id}/sessions/new", data=data)
    assert response.status_code == 422
    assert "Dr. Amara Okafor already teaches “Microfat harvesting” in the workshop “Lisbon microfat day”" in (
        response.text
    )
    response = client.post(f"/workshops/{workshop.id}/sessions/new", data={**data, "day": "0001-01-01"})
    assert "Give a date between 2000 and 2100." in response.text
    response = client.post(f"/workshops/{workshop.id}/sessions/new", data={**data, "end": "10:00"})
    assert "The session must end after it starts" in response.text
    response = client.post(f"/workshops/{workshop.id}/sessions/new", data={**data, "start": "11:00"})
    assert response.status_code == 302
    item = db.session.scalar(sa.select(WorkshopSession).where(WorkshopSession.workshop_id == workshop.id))
    assert [s.name for s in item.stations] == ["Table 1", "Table 2"]
    page = client.get(response.location).text
    assert "11:00\u201312:00 Europe/Rome" in page


def test_organizers_place_and_move_trainees_and_trainees_see_their_station(client, make):
    workshop = make.workshop()
    trainees = make.enrolled_trainees(workshop, 3)
    lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2, station_capacity=2)
    client.login(workshop.organizer)
    assert client.post(f"/sessions/{lab.id}/place").status_code == 302
    rows = db.session.scalars(
        sa.select(StationAssignment).where(StationAssignment.session_id == lab.id)
    ).all()
    assert len(rows) == 3
    by_station: dict[int, list[int]] = {}
    for row in rows:
        by_station.setdefault(row.station_id, []).append(row.trainee_id)
    full = next(sid for sid, ids in by_station.items() if len(ids) == 2)
    lone = next(sid for sid, ids in by_station.items() if len(ids) == 1)
    response = client.post(
        f"/sessions/{lab.id}/move", data={"trainee_id": str(by_station[lone][0]), "station_id": str(full)}
    )
    assert response.status_code == 302
    page = client.get(f"/sessions/{lab.id}").text
    assert "is full (2 of 2 places taken)" in page
    client.login(trainees[0])
    page = client.get(f"/sessions/{lab.id}").text
    assert "Your station:" in page
    assert trainees[1].full_name not in page  # trainees do not see the others' names


def test_the_programme_pdf_is_a_real_document_with_the_timetable(client, make):
    teacher = make.faculty(full_name="Dr. Amara Okafor")
    workshop = make.workshop(faculty=[teacher], title="Nanofat and microfat masterclass")
    make.faculty_profile(teacher, disclosure="Speaker fees from a device company.")
    make.session(workshop, title="Nanofat emulsification", start=time(14, 0), minutes=60)
    make.session(
        workshop, kind=SessionKind.BREAK, title="Coffee break", start=time(10, 30), minutes=30, faculty=[]
    )
    client.login(make.trainee())
    response = client.get(f"/workshops/{workshop.id}/programme.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert reader.metadata.title == "Programme: Nanofat and microfat masterclass"
    assert "Nanofat emulsification" in text
    assert "14:00\u201315:00" in text
    assert "Coffee break" in text
    assert "Europe/Rome" in text
    assert "Speaker fees from a device company." in text


def test_the_timetable_goes_day_by_day_and_names_the_zone(client, make):
    workshop = make.workshop(days=3, timezone="America/Sao_Paulo")
    make.session(workshop, day=1, title="Live demonstration: CAL", start=time(15, 0))
    client.login(make.trainee())
    page = client.get(f"/workshops/{workshop.id}/timetable").text
    assert page.count("<section") == 3
    assert "America/Sao_Paulo" in page
    assert "15:00\u201316:30" in page


def test_my_schedule_lists_my_confirmed_workshops_in_their_zones(client, make):
    trainee = make.trainee()
    lisbon = make.workshop(timezone="Europe/Lisbon", title="Lisbon course")
    rome = make.workshop(title="Rome course")
    waiting = make.workshop(title="Waiting course")
    make.enrolment(lisbon, trainee)
    make.enrolment(rome, trainee)
    make.enrolment(waiting, trainee, state=EnrolmentState.WAITLISTED)
    make.session(lisbon, title="Lisbon lecture", start=time(9, 0))
    make.session(rome, title="Rome lecture", start=time(9, 0), day=1)
    make.session(waiting, title="Waiting lecture")
    client.login(trainee)
    page = client.get("/schedule").text
    assert "Lisbon lecture" in page
    assert "Rome lecture" in page
    assert "Waiting lecture" not in page
    assert "Europe/Lisbon" in page
    assert "Europe/Rome" in page


def test_lists_paginate_and_filter(client, make):
    version = make.curriculum_version(["ANAT-101", "NFAT-303"])
    start = utcnow().date() + timedelta(days=10)
    for n in range(14):
        make.workshop(version=version, starts_on=start + timedelta(days=n), title=f"Course {n:02d}")
    make.workshop(starts_on=start, title="Brazilian course", country="BR")
    client.login(make.trainee())
    first = client.get("/workshops").text
    assert "Course 00" in first
    assert "Course 13" not in first
    assert "page 1 of 2" in first
    assert "Course 13" in client.get("/workshops?page=2").text
    assert client.get("/workshops?page=abc").status_code == 200
    only_br = client.get("/workshops?country=BR").text
    assert "Brazilian course" in only_br
    assert "Course 00" not in only_br
    assert "Brazilian course" not in client.get("/workshops?module=NFAT-303").text
    assert client.get("/workshops?month=garbage&module=%00").status_code == 200


@pytest.fixture
def smtp(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    yield smtp_server
    app.config["SMTP_URL"] = None


def test_a_moved_session_reaches_confirmed_trainees_over_smtp(client, make, smtp):
    workshop = make.workshop()
    (trainee,) = make.enrolled_trainees(workshop, 1)
    item = make.session(workshop, title="Cadaver lab: temples", start=time(9, 0), minutes=60, room="Lab A")
    client.login(workshop.organizer)
    data = {
        "title": item.title,
        "kind": item.kind.value,
        "day": workshop.starts_on.isoformat(),
        "start": "09:00",
        "end": "10:00",
        "room": "Lab B",
        "module_ids": [str(m.id) for m in item.modules],
        "faculty_ids": [str(u.id) for u in item.faculty],
    }
    response = client.post(f"/sessions/{item.id}/edit", data=data)
    assert response.status_code == 302
    (received,) = smtp.inbox.to(trainee.email)
    assert received["Subject"] == f"Timetable change: Cadaver lab: temples ({workshop.title})"
    body = received.get_payload(decode=True).decode()
    assert "room of a session" in body
    assert "Lab B" in body


# --- statements per page -------------------------------------------------------------------------


@contextmanager
def counted(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def build(make, size: int):
    teachers = [make.faculty() for _ in range(2)]
    workshop = make.workshop(faculty=teachers)
    trainees = make.enrolled_trainees(workshop, size)
    for n in range(size):
        make.session(workshop, day=n % 3, start=time(8 + n // 3, 0), minutes=50, title=f"S{n}")
    lab = make.session(
        workshop, kind=SessionKind.CADAVER_LAB, stations=3, day=2, start=time(18, 0), faculty=[]
    )
    for n in range(size):
        make.workshop(title=f"Other {n}")
    return workshop, lab, trainees[0]


@pytest.mark.parametrize("page", ["detail", "timetable", "session", "index", "schedule"])
def test_statements_per_page_stay_flat_as_data_grows(app, client, make, page):
    counts = []
    for size in (2, 9):
        workshop, lab, trainee = build(make, size)
        client.login(workshop.organizer if page != "schedule" else trainee)
        client.post(f"/sessions/{lab.id}/place")
        url = {
            "detail": f"/workshops/{workshop.id}",
            "timetable": f"/workshops/{workshop.id}/timetable",
            "session": f"/sessions/{lab.id}",
            "index": "/workshops",
            "schedule": "/schedule",
        }[page]
        with app.app_context(), counted(app) as statements:
            assert client.get(url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts


def test_the_workshop_page_includes_every_capabilitys_panel(client, make, app):
    loader = app.jinja_env.loader
    source = loader.get_source(app.jinja_env, "workshops/detail.html")[0]
    order = re.findall(r'include "(\w+)/_workshop_panel.html"', source)
    assert order[-5:] == ["enrolments", "attendance", "quizzes", "assessments", "certificates"]
    session_source = loader.get_source(app.jinja_env, "workshops/session_detail.html")[0]
    for capability in ("enrolments", "attendance", "quizzes", "assessments", "certificates"):
        assert f'include "{capability}/_session_panel.html"' in session_source


def test_another_workshops_faculty_cannot_manage_this_one(client, make):
    workshop = make.workshop()
    other = make.workshop()
    lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=1)
    client.login(other.teacher)
    assert client.get(f"/sessions/{lab.id}").status_code == 200
    assert client.get(f"/sessions/{lab.id}/edit").status_code == 403
    assert client.post(f"/sessions/{lab.id}/cancel").status_code == 403
    client.login(other.organizer)
    assert client.get(f"/workshops/{workshop.id}/edit").status_code == 403
    assert client.post(f"/workshops/{workshop.id}/staff", data={"email": "x@example.org"}).status_code == 403
    assert db.session.get(WorkshopSession, lab.id).cancelled is False


def test_ids_beyond_the_database_range_are_simply_not_found(client, make):
    client.login(make.admin())
    huge = 2**70
    for url in (
        f"/workshops/{huge}",
        f"/sessions/{huge}",
        f"/faculty/{huge}",
        f"/workshops/{huge}/calendar.ics",
    ):
        assert client.get(url).status_code == 404, url
    workshop = make.workshop()
    assert client.post(f"/workshops/{workshop.id}/staff/{huge}/remove").status_code == 404
    lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=1)
    assert client.post(f"/sessions/{lab.id}/stations/{huge}/remove").status_code == 404


def test_trainees_share_the_kept_catalogue_and_see_every_change_at_once(client, make, app):
    version = make.curriculum_version(["ANAT-101", "MFAT-201"])
    organizer = make.organizer()
    client.login(organizer)
    assert client.post("/workshops/new", data=workshop_form(version)).status_code == 302
    workshop = db.session.scalar(sa.select(Workshop))
    client.post(f"/workshops/{workshop.id}/publish")
    first, second = make.trainee(), make.trainee()
    client.login(first)
    with recorded_statements(app) as rendered:
        assert "0 of 16 seats taken" in client.get("/workshops").text
    client.login(second)
    with recorded_statements(app) as kept:
        assert "0 of 16 seats taken" in client.get("/workshops").text
    assert len(kept) < len(rendered)  # the second trainee got the kept list

    make.enrolment(db.session.merge(workshop))  # a seat is taken
    page = client.get("/workshops").text
    assert "1 of 16 seats taken" in page
    client.login(first)
    assert 'border me-1">MFAT-201<' in client.get("/workshops").text

    client.login(organizer)  # only the modules change: no other column of the workshop
    only_anatomy = workshop_form(version, module_ids=[str(version.modules[0].id)])
    assert client.post(f"/workshops/{workshop.id}/edit", data=only_anatomy).status_code == 302
    client.login(first)
    page = client.get("/workshops").text
    assert 'border me-1">ANAT-101<' in page
    assert 'border me-1">MFAT-201<' not in page
