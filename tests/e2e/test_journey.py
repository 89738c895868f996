"""The whole product in one browser journey, with nothing made up on the way.

An organizer schedules a workshop; a trainee enrols and checks in with the
session's code; takes and passes the quiz; faculty assess the skill and the
certifying faculty sign it off; the certifying faculty issue the certificate;
the trainee downloads the PDF; its text holds the name and serial; its QR code
(decoded from the rendered page) leads to the verification page, which says
valid; after revocation it says revoked.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.certificates.pdfs import qr_codes, text_of
from tests.e2e.steps import log_in, log_out
from tests.support.detached_factories import factories
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import SessionKind, Workshop, WorkshopSession

pytestmark = pytest.mark.e2e

ZONE = "Europe/Lisbon"


def test_from_scheduling_to_a_verified_then_revoked_certificate(page, browser, server, live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["MFAT-201"], questions_per_module=3, title="Fat grafting")
        module_label = f"MFAT-201 · Module MFAT-201 ({version.title} v{version.number})"
        organizer = make.organizer(full_name="Marta Sousa")
        teacher = make.faculty(full_name="Dr. Amara Okafor")
        certifier = make.faculty(full_name="Prof. Rui Almeida")
        trainee = make.trainee(full_name="Dr. Joana Ferreira")
    today = utcnow().astimezone(ZoneInfo(ZONE)).date()

    # The organizer schedules the workshop, staffs it and publishes it.
    log_in(page, organizer)
    page.goto("/workshops/new")
    page.get_by_label("Title", exact=True).fill("Microfat harvesting, Porto")
    page.get_by_label(module_label).check()
    page.get_by_label("Venue", exact=True).fill("Instituto de Anatomia")
    page.get_by_label("City", exact=True).fill("Porto")
    page.get_by_label("Country", exact=True).select_option(label="Portugal")
    page.get_by_label("Venue time zone", exact=True).fill(ZONE)
    page.get_by_label("First day", exact=True).fill(today.isoformat())
    page.get_by_label("Last day", exact=True).fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Capacity (seats)", exact=True).fill("12")
    page.get_by_label(re.compile("^Enrolment closes")).fill(f"{today + timedelta(days=1)}T18:00")
    page.get_by_role("button", name="Create the draft").click()
    expect(page.get_by_test_id("workshop-state")).to_have_text("Draft")
    workshop_id = int(re.search(r"/workshops/(\d+)", page.url).group(1))
    page.get_by_role("link", name="Staff").click()
    for person, duty in ((teacher, "Faculty"), (certifier, "Certifying faculty")):
        page.get_by_label("E-mail address", exact=True).fill(person.email)
        page.get_by_label("Duty", exact=True).select_option(label=duty)
        page.get_by_role("button", name="Add to the staff").click()
        expect(page.get_by_text(person.full_name).first).to_be_visible()
    page.goto(f"/workshops/{workshop_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("workshop-state")).to_have_text("Published")
    log_out(page)

    # Today's hands-on session is under way, and the post-test is open.
    with factories(live_app) as make:
        with live_app.app_context():
            workshop = db.session.get(Workshop, workshop_id)
            skill = workshop.modules[0].skills[0]
            skill_id = skill.id
        session = make.running_session(
            workshop, kind=SessionKind.HANDS_ON, stations=1, minutes=150, title="Microfat harvest"
        )
        quiz = make.quiz(workshop, title="Microfat post-test", required_for_certificate=True)

    # The trainee enrols.
    log_in(page, trainee)
    page.goto(f"/workshops/{workshop_id}")
    page.get_by_test_id("enrol").click()
    expect(page.get_by_test_id("enrolment-state")).to_contain_text("Your seat is confirmed")

    # Faculty put the check-in screen up; the trainee types its code.
    screen_context = browser.new_context(base_url=server.url)
    screen = screen_context.new_page()
    screen.goto("/login")
    screen.get_by_label("E-mail").fill(teacher.email)
    screen.get_by_label("Password").fill(teacher.password)
    screen.get_by_role("button", name="Log in").click()
    # (Logged in before the next navigation, which would otherwise cancel the login.)
    expect(screen.get_by_test_id("user-menu")).to_be_visible()
    screen.goto(f"/attendance/sessions/{session.id}/check-in-screen")
    code = screen.get_by_test_id("short-code").inner_text().replace(" ", "")
    page.goto("/attendance/check-in")
    page.get_by_label("Check-in code").fill(code)
    page.get_by_role("button", name="Check in").click()
    expect(page.get_by_text("You are checked in to Microfat harvest: present.")).to_be_visible()
    screen_context.close()

    # The trainee takes the post-test and passes.
    page.goto(f"/quizzes/{quiz.id}")
    page.get_by_role("button", name="Start attempt 1 of 1").click()
    questions = page.locator("fieldset.quiz-question")
    # Counted once the attempt page is there (count() does not wait for it).
    expect(questions).to_have_count(3)
    for number in range(questions.count()):
        questions.nth(number).get_by_label("Right").check()
        expect(questions.nth(number).locator("[data-save-status]")).to_have_text("Saved")
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.get_by_test_id("attempt-outcome")).to_have_text("Passed")
    # ...and confirms the name for the certificate.
    page.goto(f"/workshops/{workshop_id}/certificate-name")
    page.get_by_label("Your name as it must appear on the certificate").fill("Dr. Joana Ferreira da Silva")
    page.get_by_label("I confirm this name is spelled exactly as it must appear").check()
    page.get_by_role("button", name="Confirm my name").click()
    expect(page.get_by_text("Your name is confirmed")).to_be_visible()
    log_out(page)

    # Faculty assess the skill at the station.
    log_in(page, teacher)
    page.goto(f"/assessments/workshops/{workshop_id}/trainees/{trainee.id}/skills/{skill_id}/assess")
    for step in range(1, 5):
        page.get_by_label(f"Step {step}", exact=True).check()
    for group in page.locator("fieldset.osats-domain").all():
        group.get_by_label("4", exact=True).check()
    page.get_by_role("group", name="Entrustment (O-SCORE)").get_by_label(
        "4 \u201cI needed to be there in the room just in case\u201d"
    ).check()
    page.get_by_role("group", name="Overall judgement").get_by_label("Competent", exact=True).check()
    page.get_by_label("Feedback to the trainee").fill("Even passes, steady suction.")
    page.get_by_role("button", name="Save the assessment").click()
    expect(page.get_by_text("Assessment of Dr. Joana Ferreira")).to_be_visible()
    log_out(page)

    # The certifying faculty sign the skill off, then issue the certificate.
    log_in(page, certifier)
    page.goto(f"/assessments/workshops/{workshop_id}/trainees/{trainee.id}/skills/{skill_id}")
    page.get_by_label(re.compile(r"Dr\. Amara Okafor: 28/35")).check()
    page.get_by_role("button", name="Sign the skill off").click()
    expect(page.get_by_test_id("sign-off-status")).to_contain_text("Signed off by Prof. Rui Almeida")
    # The session is still under way: nothing is certified before it has ended.
    page.goto(f"/workshops/{workshop_id}/certificates")
    row = page.locator(f'tr[data-trainee="{trainee.email}"]')
    expect(row).to_contain_text("Not every session has been held")
    expect(row.get_by_role("button", name="Issue")).to_have_count(0)

    # The afternoon passes (the suite does not wait: the session's end is moved to just now).
    with live_app.app_context():
        held = db.session.get(WorkshopSession, session.id)
        held.ends_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    page.reload()
    expect(row).to_contain_text("Eligible")
    row.get_by_role("button", name="Issue").first.click()
    expect(page.get_by_text("issued to Dr. Joana Ferreira da Silva").first).to_be_visible()
    log_out(page)

    # The trainee downloads the PDF: the name and serial are in its text, the QR leads to it.
    log_in(page, trainee)
    # The trainee's own pages are under "My training" (Bootstrap's script opens it).
    page.wait_for_function("() => window.bootstrap !== undefined")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="My training").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My certificates").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").first.click()
    content = Path(download.value.path()).read_bytes()
    text = text_of(content)
    assert "Dr. Joana Ferreira da Silva" in text
    urls = qr_codes(content)
    assert len(urls) == 1
    serial = urls[0].rsplit("/", 1)[1]
    assert serial in text
    log_out(page)

    page.goto(urls[0].replace(live_app.config["BASE_URL"], ""))
    expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(page.get_by_test_id("holder")).to_have_text("Dr. Joana Ferreira da Silva")

    # After revocation the same address says revoked.
    log_in(page, certifier)
    page.goto(f"/certificates/{serial}")
    page.get_by_label("Public reason").select_option(label="Issued in error.")
    page.get_by_label("Public details (optional)").fill("Issued before the second day was attended.")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the certificate").click()
    # The link's serial leaves out the check character the message shows.
    expect(page.get_by_text(re.compile(rf"Certificate {serial}-. is revoked\."))).to_be_visible()
    log_out(page)
    page.goto(f"/verify/{serial}")
    expect(page.get_by_role("heading", name="Revoked certificate")).to_be_visible()
    with live_app.app_context():
        from training.certificates.models import Certificate

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) >= 1
