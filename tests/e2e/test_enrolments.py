"""In Chromium: trainees fill a workshop and the next one waits; one cancels after
being asked, and the waiting trainee gets the seat; the organizer sees the roster,
is told every bad line of a CSV file, and removes a trainee after confirming."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.detached_factories import factories
from tests.support.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.e2e


def log_in(page, email):
    page.goto("/")
    if page.get_by_test_id("user-menu").count():
        page.get_by_test_id("user-menu").click()
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_text("You have logged out.")).to_be_visible()
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def test_enrol_wait_cancel_promote_and_manage_the_roster(page, live_app, tmp_path):
    with factories(live_app) as make:
        workshop = make.workshop(capacity=1, title="Microfat for the periorbital region")
        first = make.trainee(full_name="Dr. Hana Ito").email
        second = make.trainee(full_name="Dr. Rafael Souza").email
        workshop_id, organizer = workshop.id, workshop.organizer.email

    log_in(page, first)
    page.goto(f"/workshops/{workshop_id}/enrolment")
    expect(page.get_by_test_id("seats")).to_contain_text("1 of 1 seat left")
    page.get_by_test_id("enrol").click()
    expect(page.get_by_text("You are enrolled in Microfat for the periorbital region")).to_be_visible()
    expect(page.get_by_test_id("enrolment-state")).to_contain_text("Your seat is confirmed.")

    log_in(page, second)
    page.goto(f"/workshops/{workshop_id}/enrolment")
    expect(page.get_by_test_id("enrol")).to_have_text("Join the waitlist")
    page.get_by_test_id("enrol").click()
    expect(page.get_by_test_id("enrolment-state")).to_contain_text("waitlist, position 1")
    # The trainee's own pages are under "My training" (Bootstrap's script opens it).
    page.wait_for_function("() => window.bootstrap !== undefined")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="My training").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My enrolments").click()
    expect(page.get_by_role("row").filter(has_text="Microfat")).to_contain_text("Waitlist, position 1")

    log_in(page, first)
    page.goto(f"/workshops/{workshop_id}/enrolment")
    page.get_by_role("link", name="Cancel my enrolment…").click()
    expect(page.get_by_text("goes at once to the first trainee on the waitlist")).to_be_visible()
    page.get_by_label("Reason (optional)").fill("Theatre list moved")
    page.get_by_role("button", name="Cancel my enrolment").click()
    expect(
        page.get_by_text("Your enrolment in Microfat for the periorbital region is cancelled.")
    ).to_be_visible()

    log_in(page, organizer)
    page.goto(f"/workshops/{workshop_id}/roster")
    expect(page.get_by_test_id("roster-row")).to_contain_text("Dr. Rafael Souza")  # promoted

    page.get_by_role("link", name="Import a CSV file").click()
    bad = tmp_path / "trainees.csv"
    bad.write_text(
        "name,email,specialty,country\nDr. A,a@example.org,Dermatology,FR\nB,not-mail,Dermatology,XX\n"
    )
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#file-errors")).to_contain_text(
        re.compile(r"Line 3: the name must be 2 to 200 characters")
    )

    page.get_by_role("link", name="Roster").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Reason for removing Dr. Rafael Souza").fill("Duplicate registration")
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Dr. Rafael Souza is removed from the workshop")).to_be_visible()
    expect(page.get_by_test_id("roster-seats")).to_contain_text("0 confirmed of 1 seat (1 left)")
