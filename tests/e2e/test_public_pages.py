"""In Chromium: an anonymous visitor finds a workshop in the public catalogue, presses
enrol, signs up, comes back to the workshop and enrols; a trainee follows her progress
from the dashboard."""

import json
import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.detached_factories import factories
from tests.support.factories.accounts import DEFAULT_PASSWORD
from training.core.db import utcnow
from training.core.mail import OutboxMessage
from training.extensions import db

pytestmark = pytest.mark.e2e


def test_a_visitor_finds_a_workshop_signs_up_comes_back_and_enrols(page, live_app):
    with factories(live_app) as make:
        teacher = make.faculty(full_name="Prof. Amélie Laurent")
        make.faculty_profile(teacher, nothing_to_disclose=True)
        workshop = make.workshop(
            title="Nanofat and the tear trough", faculty=[teacher], city="Lyon", country="FR"
        )
        make.session(workshop, title="Anatomy of the tear trough", start=time(9, 30), minutes=60)
        workshop_id = workshop.id

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workshops", exact=True).click()
    page.get_by_role("link", name="Nanofat and the tear trough").click()
    expect(page).to_have_url(re.compile(rf"/workshops/{workshop_id}$"))
    expect(page.get_by_role("row").filter(has_text="Anatomy of the tear trough")).to_contain_text("09:30")
    expect(page.get_by_test_id("zone-note")).to_contain_text("Europe/Rome")
    expect(page.get_by_test_id("faculty-list")).to_contain_text("No financial relationship with industry.")
    event = json.loads(page.locator('script[type="application/ld+json"]').text_content())
    assert event["name"] == "Nanofat and the tear trough"
    assert event["location"]["address"]["addressLocality"] == "Lyon"

    page.get_by_test_id("enrol").click()  # "Enrol: log in"
    expect(page.get_by_test_id("login-next")).to_be_visible()
    page.get_by_test_id("login-next").get_by_role("link", name="create an account").click()
    page.get_by_label("Full name").fill("Dr. Sofia Marino")
    page.get_by_label("E-mail").fill("sofia.marino@example.org")
    page.get_by_label("Specialty").select_option("Oculoplastic surgery")
    page.get_by_label("Professional registration number").fill("OMCeO-RM 61234")
    page.get_by_label("Institution").fill("Policlinico Gemelli")
    page.get_by_label("Country").select_option(label="Italy")
    page.get_by_label("Password", exact=True).fill("tear-trough-nanofat-lecture")
    page.get_by_label("Repeat the password").fill("tear-trough-nanofat-lecture")
    page.get_by_role("button", name="Create my account").click()
    expect(
        page.get_by_text("Check your mail: we have sent a message to sofia.marino@example.org.")
    ).to_be_visible()

    with live_app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body).where(OutboxMessage.recipient == "sofia.marino@example.org")
        )
        db.session.remove()
    page.goto(re.search(r"http://training\.test(/signup/confirm/\S+)", body).group(1))
    page.get_by_role("button", name="Confirm").click()

    # Back on the workshop, signed in: one press enrols.
    expect(page).to_have_url(re.compile(rf"/workshops/{workshop_id}$"))
    expect(page.get_by_text("Welcome, Dr. Sofia Marino. Your account is ready.")).to_be_visible()
    page.get_by_test_id("enrol").click()
    expect(page.get_by_text("You are enrolled in Nanofat and the tear trough")).to_be_visible()
    expect(page.get_by_test_id("enrolment-state")).to_contain_text("Your seat is confirmed.")
    expect(page).to_have_url(re.compile(rf"/workshops/{workshop_id}$"))


def test_a_trainee_opens_my_progress_from_the_dashboard(page, live_app):
    with factories(live_app) as make:
        workshop = make.workshop(
            title="Microfat in the temple", starts_on=utcnow().date() - timedelta(days=1)
        )
        trainee = make.trainee(full_name="Dr. Jonas Berg")
        make.enrolment(workshop, trainee)
        held = make.session(workshop, title="Temporal anatomy", start=time(9, 0), minutes=60, mandatory=True)
        make.session(workshop, title="Injection lab", day=2, start=time(9, 0), minutes=90)
        make.attendance(held, trainee, "present")
        email = trainee.email

    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_test_id("progress-tile").get_by_role("link", name="Microfat in the temple").click()
    expect(page.get_by_role("heading", name="My progress")).to_be_visible()
    expect(page.get_by_test_id("progress-attended")).to_contain_text("Attended 1 of 1 session held")
    expect(page.get_by_test_id("progress-to-come")).to_contain_text("Still to come or under way: 1 session")
    expect(page.get_by_test_id("progress-certificate-attendance")).to_contain_text("Confirm my name")
    page.get_by_test_id("progress-certificate-attendance").get_by_role("link", name="Confirm my name").click()
    expect(page).to_have_url(re.compile(r"/certificate-name$"))
