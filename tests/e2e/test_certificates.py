"""Certificates in a browser: the trainee confirms their name, certifying faculty
issue the certificate, the trainee downloads the PDF, its QR code leads to the
verification page (valid), and after revocation that page says revoked.

The evidence of attendance, quizzes and skills is made up through the
``evidence`` fixture until those capabilities are merged (see tests/support/evidence.py).
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.certificates.pdfs import qr_codes, text_of
from tests.e2e.steps import log_in, log_out
from tests.support.evidence import evidence  # noqa: F401  (the fixture)
from tests.support.factories import Factories
from tests.support.factories.accounts import DEFAULT_PASSWORD
from training.accounts.models import Role, User
from training.accounts.services import hash_password
from training.core.db import utcnow
from training.curriculum.models import Curriculum, CurriculumVersion, VersionState
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Duty, Workshop, WorkshopStaff, WorkshopState

pytestmark = pytest.mark.e2e


def build_workshop(app, evidence):  # noqa: F811
    """A published workshop with a certifier and an enrolled trainee, made in one
    app context (the factories open their own, which detaches what they return here)."""
    make = Factories(app)
    with app.app_context():
        people = {}
        for key, name, roles in (
            ("organizer", "Marta Sousa", {Role.ORGANIZER}),
            ("certifier", "Prof. Rui Almeida", {Role.FACULTY}),
            ("trainee", "Dr. Joana Ferreira", {Role.TRAINEE}),
        ):
            user = User(
                email=f"{key}.{secrets.token_hex(3)}@example.org",
                full_name=name,
                password_hash=hash_password(DEFAULT_PASSWORD),
            )
            user.set_roles(roles)
            db.session.add(user)
            people[key] = user
        version = CurriculumVersion(
            curriculum=Curriculum(slug=f"e2e-{secrets.token_hex(3)}", title="Fat grafting"),
            number=1,
            state=VersionState.PUBLISHED,
            title="Fat grafting",
            content_hash=secrets.token_hex(32),
            published_at=utcnow(),
        )
        version.modules.append(make._module("MFAT-201", 0, 0))
        db.session.add(version)
        db.session.flush()
        today = utcnow().date()
        workshop = Workshop(
            title="Nanofat and microneedling, Porto",
            curriculum_version=version,
            venue_name="Anatomy Institute",
            city="Porto",
            country="PT",
            timezone="Europe/Lisbon",
            starts_on=today,
            ends_on=today,
            capacity=10,
            cme_accreditor="EACCME",
            cme_statement="Accredited by the EACCME for 6 European CME credits.",
            cme_designated_credits=Decimal(6),
            state=WorkshopState.PUBLISHED,
            published_at=utcnow(),
        )
        workshop.modules = list(version.modules)
        workshop.staff = [
            WorkshopStaff(user_id=people["organizer"].id, duty=Duty.ORGANIZER),
            WorkshopStaff(user_id=people["certifier"].id, duty=Duty.CERTIFIER),
        ]
        db.session.add(workshop)
        db.session.flush()
        db.session.add(
            Enrolment(
                workshop_id=workshop.id,
                trainee_id=people["trainee"].id,
                state=EnrolmentState.CONFIRMED,
                requested_at=utcnow(),
                confirmed_at=utcnow(),
            )
        )
        evidence.ready(workshop, people["trainee"])
        db.session.commit()
        return workshop.id, people["trainee"].email, people["certifier"].email


def test_trainee_downloads_a_certificate_that_verifies_then_shows_revoked(page, live_app, evidence):  # noqa: F811
    workshop_id, trainee_email, certifier_email = build_workshop(live_app, evidence)

    log_in(page, trainee_email)
    page.goto(f"/workshops/{workshop_id}/certificate-name")
    page.get_by_label("Your name as it must appear on the certificate").fill("Dr. Joana Ferreira da Silva")
    page.get_by_label("I confirm this name is spelled exactly as it must appear").check()
    page.get_by_role("button", name="Confirm my name").click()
    expect(page.get_by_text("Your name is confirmed")).to_be_visible()
    log_out(page)

    log_in(page, certifier_email)
    page.goto(f"/workshops/{workshop_id}/certificates")
    row = page.locator(f'tr[data-trainee="{trainee_email}"]')
    expect(row).to_contain_text("Eligible")
    row.get_by_role("button", name="Issue").first.click()
    expect(page.get_by_text("issued to Dr. Joana Ferreira da Silva")).to_be_visible()
    log_out(page)

    log_in(page, trainee_email)
    # The trainee's own pages are under "My training" (Bootstrap's script opens it).
    page.wait_for_function("() => window.bootstrap !== undefined")
    page.get_by_role("navigation", name="Main").get_by_role("button", name="My training").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My certificates").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").first.click()
    content = Path(download.value.path()).read_bytes()
    text = text_of(content)
    assert "Dr. Joana Ferreira da Silva" in text
    (url,) = qr_codes(content)
    serial = url.rsplit("/", 1)[1]
    assert serial in text
    log_out(page)

    page.goto(url.replace(live_app.config["BASE_URL"], ""))
    expect(page.get_by_role("heading", name="Valid certificate")).to_be_visible()
    expect(page.get_by_test_id("holder")).to_have_text("Dr. Joana Ferreira da Silva")

    log_in(page, certifier_email)
    page.goto(f"/certificates/{serial}")
    page.get_by_label("Public reason").select_option(label="Issued in error.")
    page.get_by_label("Public details (optional)").fill("Attendance of day two was recorded in error.")
    page.once("dialog", lambda dialog: dialog.accept())  # "Revoke certificate ...? This cannot be undone."
    page.get_by_role("button", name="Revoke the certificate").click()
    # The link's serial leaves out the check character the message shows.
    expect(page.get_by_text(re.compile(rf"Certificate {serial}-. is revoked\."))).to_be_visible()
    log_out(page)

    page.goto(f"/verify/{serial}")
    expect(page.get_by_role("heading", name="Revoked certificate")).to_be_visible()
    expect(page.get_by_text("Attendance of day two was recorded in error.")).to_be_visible()
