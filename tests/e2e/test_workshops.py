"""An organizer builds a workshop with a cadaver lab in the browser, publishes it, and a
trainee reads its timetable in the venue's time zone."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in
from tests.support.factories import Factories
from training.core.db import utcnow

pytestmark = pytest.mark.e2e


def test_an_organizer_builds_and_publishes_a_workshop_with_a_cadaver_lab(page, live_app):
    make = Factories(live_app)
    make.curriculum_version(["ANAT-101", "MFAT-201"], title="Regenerative fat grafting")
    # (Plain e-mails: the factories' objects are detached once committed outside a test session.)
    organizer, teacher, trainee = "marco@example.org", "amara@example.org", "sofia@example.org"
    make.organizer(full_name="Marco Bellini", email=organizer)
    make.faculty(full_name="Dr. Amara Okafor", email=teacher)
    make.trainee(email=trainee)
    first_day = utcnow().date() + timedelta(days=60)

    log_in(page, organizer)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workshops", exact=True).click()
    page.get_by_role("link", name="Create a workshop").click()
    page.get_by_label("Title", exact=True).fill("Anatomy-first microfat course")
    page.get_by_label("ANAT-101 · Module ANAT-101 (Regenerative fat grafting v1)").check()
    page.get_by_label("Venue", exact=True).fill("Istituto di Anatomia")
    page.get_by_label("City", exact=True).fill("Bologna")
    page.get_by_label("Country", exact=True).select_option(label="Italy")
    page.get_by_label("Venue time zone", exact=True).fill("Europe/Rome")
    page.get_by_label("First day", exact=True).fill(first_day.isoformat())
    page.get_by_label("Last day", exact=True).fill((first_day + timedelta(days=2)).isoformat())
    page.get_by_label("Capacity (seats)", exact=True).fill("8")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_test_id("workshop-state")).to_have_text("Draft")

    page.get_by_role("link", name="Staff").click()
    page.get_by_label("E-mail address", exact=True).fill(teacher)
    page.get_by_label("Duty", exact=True).select_option(label="Faculty")
    page.get_by_role("button", name="Add to the staff").click()
    expect(page.get_by_text("Dr. Amara Okafor is now faculty of this workshop.")).to_be_visible()
    page.get_by_role("link", name="Anatomy-first microfat course").click()

    page.get_by_role("link", name="Add a session").click()
    page.get_by_label("Title", exact=True).fill("Cadaver lab: facial fat compartments")
    page.get_by_label("Kind", exact=True).select_option(label="Cadaver lab")
    page.get_by_label("Starts (Europe/Rome)", exact=True).fill("11:00")
    page.get_by_label("Ends (Europe/Rome)", exact=True).fill("13:00")
    page.get_by_label("Room", exact=True).fill("Sala settoria")
    page.get_by_label("Dr. Amara Okafor", exact=True).check()
    page.get_by_label("Stations", exact=True).fill("3")
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_test_id("session-time")).to_contain_text("11:00\u201313:00 Europe/Rome")
    expect(page.get_by_role("heading", name="Table 3")).to_be_visible()

    page.get_by_role("link", name="Anatomy-first microfat course").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("workshop-state")).to_have_text("Published")

    # Bootstrap's dropdowns work once its (deferred) script has run. Not the load event: a
    # download started from the page resets the frame's load state on some runs.
    page.wait_for_function("() => window.bootstrap !== undefined")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    log_in(page, trainee)
    page.goto("/workshops")
    page.get_by_role("link", name="Anatomy-first microfat course").click()
    page.get_by_role("link", name="Timetable").click()
    expect(page.get_by_test_id("zone-note")).to_contain_text("Europe/Rome")
    expect(page.get_by_role("link", name="Cadaver lab: facial fat compartments")).to_be_visible()
