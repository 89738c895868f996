"""The planning pages over HTTP: copying a workshop (refusals on the page), the month
view (an accessible table, drafts for those who see them) and the organizer dashboard
(reachable from the dashboard, figures in words, a fixed number of statements)."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.core.db import utcnow
from training.enrolments.models import EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop, WorkshopState


def test_copying_shows_refusals_by_the_date_and_lands_on_the_draft(client, make):
    workshop = make.workshop(title="Autumn course")
    make.session(workshop, start=time(9, 0))
    client.login(workshop.organizer)
    url = f"/workshops/{workshop.id}/copy"

    form = client.get(url)
    assert 'value="Autumn course"' in form.text
    past = client.post(url, data={"starts_on": "2001-01-01"})
    assert past.status_code == 422
    assert "must start after today" in past.text
    assert 'aria-invalid="true"' in past.text
    garbled = client.post(url, data={"starts_on": "next tuesday"})
    assert garbled.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 1

    new_start = workshop.starts_on + timedelta(days=364)
    done = client.post(url, data={"starts_on": new_start.isoformat(), "title": "", "venue_name": ""})
    copy = db.session.scalar(sa.select(Workshop).where(Workshop.id != workshop.id))
    assert done.status_code == 302
    assert done.location.endswith(f"/workshops/{copy.id}")
    assert (copy.title, copy.state, copy.starts_on) == ("Autumn course", WorkshopState.DRAFT, new_start)
    page = client.get(done.location)
    assert f"is scheduled from {new_start:%d %B %Y}" in page.text


def test_only_organizers_of_the_workshop_see_the_copy_button(client, make):
    workshop = make.workshop()
    client.login(workshop.organizer)
    assert "Copy this workshop" in client.get(f"/workshops/{workshop.id}").text
    client.login(make.organizer())  # an organizer, but of other workshops
    assert client.get(f"/workshops/{workshop.id}/copy").status_code == 403
    draft = make.workshop(state=WorkshopState.DRAFT)
    client.login(make.trainee())
    assert client.get(f"/workshops/{draft.id}/copy").status_code == 404  # a draft's existence is private


def test_the_month_is_a_table_with_headers_and_moves_by_month(client, make):
    year = utcnow().year + 1
    make.workshop(starts_on=date(year, 2, 27), days=3, title="Leap course")
    hidden = make.workshop(starts_on=date(year, 3, 10), state=WorkshopState.DRAFT, title="Secret draft")
    client.login(make.trainee())

    march = client.get(f"/programme/month?month={year}-03")
    assert march.status_code == 200
    assert f'<caption class="visually-hidden">Workshops in March {year}' in march.text
    assert march.text.count('<th scope="col">') == 7
    assert "Leap course" in march.text
    assert "Secret draft" not in march.text
    assert f'href="/programme/month?month={year}-02"' in march.text
    assert f'href="/programme/month?month={year}-04"' in march.text
    client.login(hidden.organizer)
    assert "Secret draft" in client.get(f"/programme/month?month={year}-03").text

    bad = client.get("/programme/month?month=13-2024")
    assert bad.status_code == 200
    assert "is not a month" in bad.text
    assert utcnow().strftime("%B %Y") in bad.text


def test_the_dashboard_is_reachable_and_says_its_figures_in_words(client, make):
    organizer = make.organizer()
    workshop = make.workshop(organizer=organizer, capacity=4, title="Figures course")
    make.enrolled_trainees(workshop, 3)
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    client.login(organizer)
    home = client.get("/")
    assert 'href="/organizer"' in home.text

    page = client.get("/organizer")
    assert "Figures course" in page.text
    assert re.search(r'data-testid="figure-seats">3 of 4 taken \(75%\)', page.text)
    assert 'data-testid="figure-waitlist">1 waiting' in page.text
    assert "No session held yet" in page.text
    assert "No quiz graded yet" in page.text
    assert 'role="img" aria-label="3 of 4 seats taken"' in page.text
    assert make.workshop().title not in client.get("/organizer").text  # another organizer's workshop

    assert 'href="/organizer"' in client.get("/workshops").text  # in the menu on every page

    client.login(make.trainee())
    assert 'href="/organizer"' not in client.get("/").text
    assert 'href="/organizer"' not in client.get("/workshops").text


def test_the_dashboard_runs_as_many_statements_for_two_or_five_workshops(app, client, make):
    organizer = make.organizer()
    client.login(organizer)
    counts = []
    for size in (2, 3):
        for _ in range(size):
            workshop = make.workshop(organizer=organizer, starts_on=utcnow().date() - timedelta(days=1))
            held = make.running_session(workshop, started=timedelta(hours=3), minutes=60)
            trainee = make.enrolment(workshop).trainee
            make.attendance(held, trainee, "present")
            make.attempt(make.quiz(workshop), trainee, right=True)
        with recorded_statements(app, selects_only=True) as statements:
            response = client.get("/organizer")
        assert response.status_code == 200
        assert response.text.count('data-testid="figures"') == (2 if size == 2 else 5)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 15, counts
