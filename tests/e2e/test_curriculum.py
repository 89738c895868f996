"""A faculty member edits a question in a draft, publishes it, and the workshop
planned with the old version keeps the old question."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.steps import log_in
from training import demo
from training.curriculum.models import Curriculum, CurriculumVersion, VersionState
from training.extensions import db

pytestmark = pytest.mark.e2e


def test_faculty_edit_a_question_and_publish_a_new_version(page, live_app):
    with live_app.app_context():
        demo.seed()
        db.session.commit()
        curriculum = db.session.scalar(
            sa.select(Curriculum).where(Curriculum.slug == "regenerative-fat-grafting")
        )
        shipped = next(v for v in curriculum.versions if v.number == 2)
        first_id = shipped.id
    faculty = next(a for a in demo.DEMO_ACCOUNTS if a.email == "faculty@example.org")
    log_in(page, faculty.email, faculty.password)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Curriculum").click()
    page.get_by_role("link", name="v3").click()
    expect(page.get_by_test_id("draft-badge")).to_be_visible()
    # the prerequisite picture links to each module
    page.locator('svg.prerequisite-graph g[data-code="NFAT-303"]').click()
    expect(page.get_by_role("heading", name="NFAT-303 Nanofat microneedling")).to_be_visible()

    page.locator("#question-nfat303-periorbital").get_by_role("link", name="Edit").click()
    page.get_by_label("Question").fill("How deep does the surgical microneedle go for nanofat?")
    page.get_by_label("Option 1 is correct").check()
    page.get_by_label("Option 2 is correct").check()
    page.get_by_role("button", name="Save question").click()
    expect(page.locator("#options-errors")).to_contain_text("exactly one correct option (it has 2)")
    page.get_by_label("Option 2 is correct").uncheck()
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Question nfat303-periorbital saved.")).to_be_visible()
    expect(page.locator("#question-nfat303-periorbital")).to_contain_text(
        "How deep does the surgical microneedle go"
    )

    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="Regenerative Fat Grafting v3"
    ).click()
    page.get_by_label("Version notes: what changed and why").fill("Reworded the depth question.")
    page.get_by_role("button", name="Publish as v3").click()
    expect(
        page.get_by_text("is published. Workshops keep the version they were planned with.")
    ).to_be_visible()

    with live_app.app_context():
        versions = db.session.scalars(sa.select(CurriculumVersion).order_by(CurriculumVersion.number)).all()
        assert [v.state for v in versions] == [VersionState.PUBLISHED] * 3
        old = next(
            q
            for m in versions[1].modules
            if m.code == "NFAT-303"
            for q in m.questions
            if q.key == "nfat303-periorbital"
        )
        assert old.stem.startswith("You set up nanofat microneedling for the thin, crepey periorbital skin")

    page.goto(f"/curricula/versions/{first_id}")
    page.locator('svg.prerequisite-graph g[data-code="NFAT-303"]').click()
    expect(page.locator("#question-nfat303-periorbital")).to_contain_text(
        "You set up nanofat microneedling for the thin, crepey periorbital skin"
    )
