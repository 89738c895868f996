"""On the workshop page a trainee sees everything still missing for a certificate, in the
certifying faculty's words, with a link to where each is done; a mandatory session later
today is "not yet held", never "missed"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in
from tests.support.detached_factories import factories
from training.core.db import utcnow
from training.workshops.models import SessionKind

pytestmark = pytest.mark.e2e


def test_the_trainee_sees_every_gap_with_where_to_close_it(page, live_app):
    with factories(live_app) as make:
        workshop = make.workshop(starts_on=utcnow().date())
        lecture = make.running_session(workshop, started=timedelta(hours=4), minutes=60, title="Anatomy")
        make.running_session(
            workshop,
            started=-timedelta(hours=3),
            minutes=150,
            mandatory=True,
            kind=SessionKind.CADAVER_LAB,
            title="Cadaver lab",
        )
        trainee = make.enrolled_trainees(workshop, 1)[0]
        make.attendance(lecture, trainee, "present")

    log_in(page, trainee)
    page.goto(f"/workshops/{workshop.id}")

    attendance = page.get_by_test_id("still-missing-attendance")
    expect(attendance).to_contain_text("Still needed for the certificate of attendance:")
    lab = attendance.locator("li", has_text="The mandatory session Cadaver lab (")
    expect(lab).to_contain_text("is not yet held.")
    expect(lab.get_by_role("link", name="Timetable")).to_have_attribute(
        "href", f"/workshops/{workshop.id}/timetable"
    )
    expect(attendance).not_to_contain_text("Missed")
    competence = page.get_by_test_id("still-missing-competence")
    expect(competence.locator("li", has_text="is not signed off").first).to_contain_text("My skills")

    # The name: the link leads to the form, and once confirmed it is no longer missing.
    attendance.locator("li", has_text="Has not confirmed the name").get_by_role(
        "link", name="Confirm my name"
    ).click()
    page.get_by_label("Your name as it must appear on the certificate").fill("Dr. Lena Marquardt")
    page.get_by_label("I confirm this name is spelled exactly as it must appear").check()
    page.get_by_role("button", name="Confirm my name").click()
    expect(page.get_by_text("Your name is confirmed")).to_be_visible()
    page.goto(f"/workshops/{workshop.id}")
    expect(page.get_by_test_id("still-missing-attendance")).not_to_contain_text("Has not confirmed the name")
    expect(page.get_by_text("Name for the certificate: Dr. Lena Marquardt")).to_be_visible()
