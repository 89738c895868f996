"""The public catalogue and workshop pages: what an anonymous visitor sees (and does not),
the schema.org data search engines read, and enrolling by way of logging in or signing up."""

from __future__ import annotations

import json
import re
from datetime import time, timedelta
from html import unescape

import pytest

from tests.support.statements import recorded_statements
from tests.web.test_auth import signup_data
from training.core.db import utcnow
from training.enrolments.models import EnrolmentState
from training.extensions import db
from training.workshops.models import WorkshopState


@pytest.fixture
def published(make):
    teacher = make.faculty(full_name="Prof. Chiara Rossi", institution="Università di Bologna")
    make.faculty_profile(teacher, disclosure="Consultant to a cannula maker.")
    workshop = make.workshop(
        title="Nanofat in Bologna",
        capacity=3,
        faculty=[teacher],
        venue_name="Istituto di Anatomia",
        venue_address="Via Irnerio 48",
        city="Bologna",
        country="IT",
    )
    first = make.session(workshop, title="Harvesting microfat", start=time(9, 0), minutes=90, mandatory=True)
    make.session(workshop, title="Cadaver lab", day=2, start=time(14, 0), minutes=120, faculty=[])
    trainee = make.enrolment(workshop).trainee
    workshop.trainee = trainee  # type: ignore[attr-defined]
    workshop.first_session = first  # type: ignore[attr-defined]
    return workshop


def json_ld(html: str) -> dict:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def text_of(html: str) -> str:
    """What a reader sees: the tags out, the spaces collapsed."""
    without_head = re.sub(r"<head>.*?</head>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", without_head)).split())


def availability(html: str) -> str:
    return text_of(re.search(r'data-testid="availability">(.*?)</dd>', html, re.S).group(1))


def test_an_anonymous_visitor_sees_the_catalogue_and_a_published_workshop(client, make, published):
    draft = make.workshop(title="Secret draft edition", state=WorkshopState.DRAFT)
    catalogue = client.get("/workshops")
    assert catalogue.status_code == 200
    assert "Nanofat in Bologna" in catalogue.text
    assert "Secret draft edition" not in catalogue.text

    page = client.get(f"/workshops/{published.id}")
    assert page.status_code == 200
    text = text_of(page.text)
    # The programme in the venue's time zone, saying which.
    assert "09:00\u201310:30" in text
    assert "Harvesting microfat" in text
    assert "Cadaver lab" in text
    assert "All times are in the venue's time zone, Europe/Rome" in text
    # Faculty with their disclosure, the venue, the seats and how to enrol.
    assert "Prof. Chiara Rossi" in text
    assert "Discloses: Consultant to a cannula maker." in text
    assert "Via Irnerio 48" in text
    assert "3 · 2 left" in text
    assert f'href="#enrolment-panel-{published.id}" data-testid="how-to-enrol"' in page.text
    assert f'href="/login?next=/workshops/{published.id}"' in page.text
    assert f'href="/signup?next=/workshops/{published.id}"' in page.text
    # Nothing for staff: no roster, no addresses, no controls, no history.
    for private in (
        "Roster",
        published.trainee.full_name,
        published.trainee.email,
        published.organizer.email,
        published.teacher.email,
        "Add a session",
        "Recent changes",
        "Eligibility and issuing",
        "Attendance matrix",
        "Gradebook",
        "Skills matrix",
        "Programme (PDF)",
    ):
        assert private not in page.text, private
    assert f"/sessions/{published.first_session.id}" not in page.text  # session pages need a login

    # A draft does not exist for the public, nor do its other public pages.
    assert client.get(f"/workshops/{draft.id}").status_code == 404
    assert client.get(f"/workshops/{draft.id}/timetable").status_code == 404
    assert client.get(f"/workshops/{draft.id}/calendar.ics").status_code == 404
    # Sub-pages that need an account still send the visitor to log in.
    assert client.get(f"/workshops/{published.id}/roster").status_code == 302


def test_the_kept_catalogue_is_shared_by_anonymous_visitors_and_trainees_only(app, client, make, published):
    draft = make.workshop(title="Faculty-only draft", state=WorkshopState.DRAFT, faculty=[published.teacher])
    with recorded_statements(app) as rendered:
        assert "Nanofat in Bologna" in client.get("/workshops").text
    with recorded_statements(app) as kept:
        assert "Nanofat in Bologna" in client.get("/workshops").text
    assert len(kept) < len(rendered)  # the second visitor got the kept list
    client.login(published.trainee)
    with recorded_statements(app) as for_trainee:
        assert "Nanofat in Bologna" in client.get("/workshops").text
    assert len(for_trainee) < len(rendered) + 3  # the same kept list, with the login's reads
    # Staff who see a draft render their own list, and leave the kept one alone.
    client.login(draft.teacher)
    assert "Faculty-only draft" in client.get("/workshops").text
    client.logout()
    assert "Faculty-only draft" not in client.get("/workshops").text
    assert "Nanofat in Bologna" in client.get("/workshops").text


def test_the_seats_say_waitlist_open_then_full(client, make, published):
    make.enrolment(published)
    make.enrolment(published)  # all three seats taken
    page = client.get(f"/workshops/{published.id}").text
    assert availability(page) == "3 · Full waitlist open"
    assert "3 of 3 seats taken (full)" in client.get("/workshops").text
    assert "Join the waitlist: log in" in page
    assert json_ld(page)["offers"]["availability"] == "https://schema.org/SoldOut"

    with_window = db.session.merge(published)
    with_window.enrolment_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get(f"/workshops/{published.id}").text
    assert availability(page) == "3 · Full"
    assert "Enrolment for this workshop has closed." in page
    assert 'data-testid="enrol"' not in page
    assert 'data-testid="how-to-enrol"' not in page


def test_the_page_describes_the_workshop_as_a_schema_org_event(client, published):
    data = json_ld(client.get(f"/workshops/{published.id}").text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "EducationalEvent"  # a kind of Event
    assert data["name"] == "Nanofat in Bologna"
    day = published.starts_on
    # First start and last end at the venue, with the venue's offset that day.
    assert re.fullmatch(rf"{day.isoformat()}T09:00\+0[12]:00", data["startDate"])
    assert re.fullmatch(rf"{(day + timedelta(days=2)).isoformat()}T16:00\+0[12]:00", data["endDate"])
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["location"]["name"] == "Istituto di Anatomia"
    assert data["location"]["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "Via Irnerio 48",
        "addressLocality": "Bologna",
        "addressCountry": "IT",
    }
    assert data["organizer"]["@type"] == "Organization"
    assert data["organizer"]["url"] == "http://training.test/"
    performers = {p["name"]: p for p in data["performer"]}
    assert set(performers) == {"Prof. Chiara Rossi", published.certifier.full_name}
    assert performers["Prof. Chiara Rossi"]["affiliation"]["name"] == "Università di Bologna"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["offers"]["url"] == f"http://training.test/workshops/{published.id}"
    assert data["remainingAttendeeCapacity"] == 2
    assert data["maximumAttendeeCapacity"] == 3


def test_a_cancelled_workshop_says_so_and_a_draft_has_no_event(client, make, published):
    cancelled = db.session.merge(published)
    cancelled.state = WorkshopState.CANCELLED
    db.session.commit()
    data = json_ld(client.get(f"/workshops/{published.id}").text)
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    draft = make.workshop(state=WorkshopState.DRAFT)
    client.login(draft.organizer)
    page = client.get(f"/workshops/{draft.id}").text
    assert "application/ld+json" not in page


def test_a_title_cannot_end_the_data_block(client, make):
    title = "</script><script>alert(\"owned\")</script><!-- & 'quoted'"
    workshop = make.workshop(title=title)
    response = client.get(f"/workshops/{workshop.id}")
    assert "<script>alert" not in response.text
    block = response.text.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block
    assert ">" not in block
    assert json_ld(response.text)["name"] == title
    # A data block is not a script: the policy that forbids inline scripts is unchanged.
    assert "script-src 'self';" in response.headers["Content-Security-Policy"]


def test_logging_in_from_the_enrol_button_comes_back_to_the_workshop(client, make, published):
    trainee = make.trainee()
    page = client.get(f"/login?next=/workshops/{published.id}")
    assert f'href="/signup?next=/workshops/{published.id}"' in page.text
    response = client.post(
        "/login",
        data={"email": trainee.email, "password": trainee.password, "next": f"/workshops/{published.id}"},
    )
    assert response.location == f"/workshops/{published.id}"
    enrolled = client.post(f"/workshops/{published.id}/enrol", data={"next": f"/workshops/{published.id}"})
    assert enrolled.location == f"/workshops/{published.id}"
    assert "Your seat is <strong>confirmed</strong>" in client.get(enrolled.location).text


def test_signing_up_from_the_enrol_button_comes_back_to_the_workshop(client, mails, published):
    back = f"/workshops/{published.id}"
    form = client.get(f"/signup?next={back}")
    assert f'name="next" value="{back}"' in form.text
    response = client.post("/signup", data={**signup_data(), "next": back})
    assert response.location == f"/login?next={back}"
    (message,) = mails("chen.wei@example.org")
    link = re.search(r"http://training\.test(/signup/confirm/\S+)", message.body).group(1)
    assert link.endswith(f"?next={back}")
    assert client.post(link).location == back
    assert "Enrol</button>" in client.get(back).text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/workshops/1", "/\\evil.example"])
def test_signing_up_refuses_a_next_to_another_site(client, mails, target):
    client.post("/signup", data={**signup_data(), "next": target})
    (message,) = mails("chen.wei@example.org")
    link = re.search(r"http://training\.test(/signup/confirm/\S+)", message.body).group(1)
    assert "next=" not in link
    # Nor does the confirmation follow one added to the link afterwards.
    assert client.post(link + "?next=" + target).location == "/"


def test_a_signed_in_visitor_of_the_sign_up_page_goes_where_next_says(client, make, published):
    client.login(make.trainee())
    assert client.get(f"/signup?next=/workshops/{published.id}").location == f"/workshops/{published.id}"
    assert client.get("/signup?next=https://evil.example/").location == "/"


def test_a_waitlisted_seat_counts_in_the_offer(client, make, published):
    make.enrolment(published, state=EnrolmentState.WAITLISTED)  # someone waits: newcomers wait too
    data = json_ld(client.get(f"/workshops/{published.id}").text)
    assert data["offers"]["availability"] == "https://schema.org/SoldOut"
    assert data["remainingAttendeeCapacity"] == 2


def test_an_anonymous_visitor_reads_faculty_pages_and_the_timetable(client, published):
    assert "Consultant to a cannula maker." in client.get(f"/faculty/{published.teacher.id}").text
    timetable = client.get(f"/workshops/{published.id}/timetable")
    assert timetable.status_code == 200
    assert "Harvesting microfat" in timetable.text
    assert client.get(f"/workshops/{published.id}/calendar.ics").mimetype == "text/calendar"
    assert client.get(f"/workshops/{published.id}/programme.pdf").status_code == 302
