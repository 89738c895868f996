"""The roster's search and filters over HTTP: by name, e-mail or institution, by station,
by attendance (at risk, absent...), within each enrolment state, kept across pages."""

from __future__ import annotations

import re
from datetime import timedelta

from training.core.db import utcnow
from training.enrolments.models import EnrolmentState
from training.workshops.models import SessionKind


def names(page) -> list[str]:
    return re.findall(r'data-testid="roster-row">\s*<td>\d+</td>\s*<td>([^<]+)<', page.text)


def test_search_finds_trainees_by_name_email_or_institution(client, make):
    workshop = make.workshop(capacity=10)
    for name, email, institution in [
        ("Dr. Ingrid Holm", "ingrid@example.org", "Karolinska"),
        ("Dr. Paolo Rossi", "prossi@clinic.it", "Rizzoli"),
        ("Dr. Ana Costa", "ana@example.org", "Hospital de Santa Maria"),
    ]:
        make.enrolment(workshop, make.trainee(full_name=name, email=email, institution=institution))
    make.enrolment(workshop, make.trainee(full_name="Dr. Ingrid Waiting"), state=EnrolmentState.WAITLISTED)
    client.login(workshop.organizer)
    roster = f"/workshops/{workshop.id}/roster"

    assert names(client.get(f"{roster}?q=INGRID")) == ["Dr. Ingrid Holm"]  # confirmed only
    assert names(client.get(f"{roster}?q=clinic.it")) == ["Dr. Paolo Rossi"]
    page = client.get(f"{roster}?q=santa+maria")
    assert names(page) == ["Dr. Ana Costa"]
    assert "1 of 3 confirmed matches the search." in page.text
    assert names(client.get(f"{roster}?q=ingrid&state=waitlisted")) == ["Dr. Ingrid Waiting"]
    nobody = client.get(f"{roster}?q=100%25_")
    assert nobody.status_code == 200
    assert "Nobody matches this search." in nobody.text
    # The state tabs keep the search.
    assert (
        'state=waitlisted&amp;q=santa+maria"' in page.text
        or "q=santa+maria&amp;state=waitlisted" in page.text
    )


def test_filters_by_station_and_attendance_and_pages_keep_them(client, make):
    workshop = make.workshop(capacity=60, starts_on=utcnow().date() - timedelta(days=1))
    lab = make.running_session(
        workshop, kind=SessionKind.CADAVER_LAB, started=timedelta(hours=4), minutes=60, stations=2
    )
    later = make.running_session(workshop, started=timedelta(hours=2), minutes=60, title="Ultrasound")
    trainees = [make.trainee(full_name=f"Dr. Trainee {i:02d}") for i in range(55)]
    for trainee in trainees:
        make.enrolment(workshop, trainee)
    table_two = lab.stations[1]
    for trainee in trainees[:52]:
        make.assign(table_two, trainee)
        make.attendance(lab, trainee, "present")
        make.attendance(later, trainee, "present")
    make.attendance(later, trainees[1], "absent")
    make.attendance(later, trainees[2], "late")
    client.login(workshop.organizer)
    roster = f"/workshops/{workshop.id}/roster"

    by_station = client.get(f"{roster}?station={table_two.id}")
    assert len(names(by_station)) == 50  # one page of 52
    assert (
        f"station={table_two.id}"
        in re.search(r'<a class="page-link" href="([^"]+)" rel="next"', by_station.text)[1]
    )
    second = client.get(f"{roster}?station={table_two.id}&page=2")
    assert names(second) == ["Dr. Trainee 50", "Dr. Trainee 51"]
    assert f'<option selected value="{table_two.id}">' in by_station.text

    at_risk = client.get(f"{roster}?attendance=at_risk")
    # Absent from one of two sessions held, and the three never marked at all.
    assert names(at_risk) == ["Dr. Trainee 01", "Dr. Trainee 52", "Dr. Trainee 53", "Dr. Trainee 54"]
    assert "At risk: attended 50.0% of the time held so far (80.0% required)" in at_risk.text
    assert names(client.get(f"{roster}?attendance=absent")) == ["Dr. Trainee 01"]
    assert names(client.get(f"{roster}?attendance=late")) == ["Dr. Trainee 02"]


def test_nobody_is_at_risk_before_a_session_is_held_and_stale_filters_are_ignored(client, make):
    workshop = make.workshop()
    make.session(workshop)
    make.enrolled_trainees(workshop, 2)
    client.login(workshop.organizer)
    roster = f"/workshops/{workshop.id}/roster"

    assert names(client.get(f"{roster}?attendance=at_risk")) == []
    everyone = client.get(f"{roster}?station=999999&attendance=nonsense&q=" + "x" * 500)
    assert everyone.status_code == 200
    assert len(names(client.get(f"{roster}?station=999999&attendance=nonsense"))) == 2
