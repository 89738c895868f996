"""On a tablet-sized window: a faculty member rates two trainees at their station, a
second rater disagrees on one domain and it is flagged, the certifying faculty signs
the skill off, and the trainee sees the radar chart and the feedback."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.steps import log_in
from tests.support.factories.base import sequence
from training.assessments.scale import OSATS_DOMAINS
from training.extensions import db
from training.workshops.models import Duty, SessionKind, Station, WorkshopStaff

pytestmark = pytest.mark.e2e

TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def tablet(page):
    page.set_viewport_size(TABLET)
    return page


@pytest.fixture
def lab(live_app):
    """Built in one app context with plain models: the live app's session ends with each
    context, so the test keeps plain values (ids, names, e-mails) rather than objects."""
    from datetime import UTC, datetime, timedelta

    from training.accounts.models import Role, User
    from training.accounts.services import hash_password
    from training.curriculum.models import Curriculum, CurriculumVersion, Module, Skill, VersionState
    from training.enrolments.models import Enrolment, EnrolmentState
    from training.workshops.models import StationAssignment, Workshop, WorkshopSession, WorkshopState

    n = sequence()
    password = "lipofilling-cannula-harvest"
    people = {}
    with live_app.app_context():
        for key, name, role in [
            ("teacher", "Dr. Amara Okafor", Role.FACULTY),
            ("second", "Dr. Kenji Watanabe", Role.FACULTY),
            ("certifier", "Prof. Lucas Ferreira", Role.FACULTY),
            ("first", "Dr. Sofia Marín", Role.TRAINEE),
            ("other", "Dr. Jonas Berg", Role.TRAINEE),
        ]:
            user = User(email=f"{key}{n}@example.org", full_name=name, password_hash=hash_password(password))
            user.set_roles({role})
            db.session.add(user)
            people[key] = user
        skill = Skill(
            key="harvest",
            title="Microfat harvest",
            checklist=[{"id": f"step-{i}", "text": f"Step {i}"} for i in range(1, 5)],
        )
        module = Module(code="MFAT-201", title="Microfat harvesting", planned_minutes=90, skills=[skill])
        version = CurriculumVersion(
            curriculum=Curriculum(slug=f"e2e-{n}", title="Fat grafting"),
            number=1,
            state=VersionState.PUBLISHED,
            title="Fat grafting",
            modules=[module],
        )
        # The lab took place yesterday: assessments describe attempts already watched.
        starts = datetime.now(UTC).date() - timedelta(days=1)
        workshop = Workshop(
            title="Microfat and nanofat workshop",
            curriculum_version=version,
            venue_name="Anatomy Institute",
            city="Bologna",
            country="IT",
            timezone="Europe/Rome",
            starts_on=starts,
            ends_on=starts,
            capacity=10,
            state=WorkshopState.PUBLISHED,
            modules=[module],
            staff=[
                WorkshopStaff(user=people["teacher"], duty=Duty.FACULTY),
                WorkshopStaff(user=people["second"], duty=Duty.FACULTY),
                WorkshopStaff(user=people["certifier"], duty=Duty.CERTIFIER),
            ],
        )
        begins = datetime.combine(starts, datetime.min.time(), UTC) + timedelta(hours=8)
        session = WorkshopSession(
            workshop=workshop,
            title="Microfat harvest lab",
            kind=SessionKind.HANDS_ON,
            starts_at=begins,
            ends_at=begins + timedelta(hours=2),
            modules=[module],
            stations=[
                Station(name="Table 1", capacity=4, position=0, faculty=people["teacher"]),
                Station(name="Table 2", capacity=4, position=1),
            ],
        )
        db.session.add_all([workshop, session])
        db.session.flush()
        for key in ("first", "other"):
            db.session.add(
                Enrolment(
                    workshop=workshop,
                    trainee=people[key],
                    state=EnrolmentState.CONFIRMED,
                    requested_at=datetime.now(UTC),
                    confirmed_at=datetime.now(UTC),
                )
            )
            db.session.add(
                StationAssignment(session_id=session.id, station=session.stations[0], trainee=people[key])
            )
        db.session.commit()
        values = {
            key: SimpleNamespace(id=u.id, email=u.email, full_name=u.full_name, password=password)
            for key, u in people.items()
        }
        values.update(
            workshop=SimpleNamespace(id=workshop.id),
            session=SimpleNamespace(id=session.id),
            skill=SimpleNamespace(id=skill.id, title=skill.title),
        )
    return values


def log_out(page):
    # At tablet width the menu is folded behind its toggler.
    page.goto("/")
    page.get_by_role("button", name="Open the menu").click()
    # Wait for the menu to finish unfolding: a click while it slides open can miss.
    expect(page.locator("#nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()


def rate(page, scores: dict[str, int], *, entrustment: str, judgement: str, feedback: str, steps=()):
    for step in steps:
        page.get_by_label(step, exact=True).check()
    for domain in OSATS_DOMAINS:
        group = page.get_by_role("group", name=domain.title, exact=True)
        group.get_by_label(str(scores.get(domain.key, 4)), exact=True).check()
    page.get_by_role("group", name="Entrustment (O-SCORE)").get_by_label(entrustment).check()
    page.get_by_role("group", name="Overall judgement").get_by_label(judgement, exact=True).check()
    page.get_by_label("Feedback to the trainee").fill(feedback)
    page.get_by_role("button", name="Save the assessment").click()


def test_rate_at_the_station_flag_disagreement_sign_off_and_show_progress(tablet, lab):
    page = tablet
    skill, session = lab["skill"], lab["session"]

    # The faculty member at the station rates both trainees.
    log_in(page, lab["teacher"])
    page.goto(f"/assessments/sessions/{session.id}")
    expect(page.get_by_test_id("to-assess")).to_contain_text(
        "You still have 2 assessments to make at your station"
    )
    expect(page.get_by_role("heading", name="Table 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Table 2")).to_have_count(0)

    page.get_by_role("link", name=f"Assess Dr. Sofia Marín on {skill.title}").click()
    expect(page.get_by_role("heading", name=f"Dr. Sofia Marín: {skill.title}")).to_be_visible()
    # The anchors stand beside each domain's choices.
    tissue = page.get_by_role("group", name="Respect for tissue", exact=True)
    expect(tissue).to_contain_text(OSATS_DOMAINS[0].anchors[1])
    expect(tissue).to_contain_text(OSATS_DOMAINS[0].anchors[5])
    # Large touch targets: each score tile is at least 44 px tall.
    box = tissue.locator("label").first.bounding_box()
    assert box["height"] >= 44
    # The radio groups work from the keyboard: focus 1, arrow right three times -> 4.
    tissue.get_by_label("1", exact=True).focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(tissue.get_by_label("4", exact=True)).to_be_checked()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assessments-form-tablet.png"), full_page=True)
    rate(
        page,
        {"respect_for_tissue": 4},
        entrustment="4 \u201cI needed to be there in the room just in case\u201d",
        judgement="Competent",
        feedback="Gentle, even passes; watch the suction at the end.",
        steps=("Step 1", "Step 2", "Step 3"),
    )
    expect(page.get_by_text("Assessment of Dr. Sofia Marín")).to_be_visible()
    expect(page.get_by_test_id("to-assess")).to_contain_text("You still have 1 assessment to make")

    page.get_by_role("link", name=f"Assess Dr. Jonas Berg on {skill.title}").click()
    rate(
        page,
        {},
        entrustment="2 \u201cI had to talk them through\u201d",
        judgement="Not yet competent",
        feedback="Slow down.",
    )
    expect(page.get_by_test_id("to-assess")).to_contain_text("You have assessed every trainee here")
    page.screenshot(path=str(ARTIFACTS / "assessments-station-tablet.png"), full_page=True)

    # A second rater, independently, scores respect for tissue two points lower.
    log_out(page)
    log_in(page, lab["second"])
    workshop, first = lab["workshop"], lab["first"]
    record = f"/assessments/workshops/{workshop.id}/trainees/{first.id}/skills/{skill.id}"
    page.goto(record)
    expect(page.get_by_text("1 other rater has assessed this skill")).to_be_visible()
    expect(page.get_by_text("Gentle, even passes")).to_have_count(0)
    page.get_by_role("link", name="Assess", exact=True).click()
    rate(
        page,
        {"respect_for_tissue": 2},
        entrustment="3 \u201cI had to prompt them from time to time\u201d",
        judgement="Competent",
        feedback="Too much force at the port.",
    )
    expect(page.get_by_test_id("disagreement")).to_contain_text("Respect for tissue (2 vs 4)")
    expect(page.get_by_test_id("disagree-respect_for_tissue")).to_be_visible()
    expect(page.get_by_test_id("disagree-time_and_motion")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "assessments-record-tablet.png"), full_page=True)

    # The certifying faculty signs the skill off after weighing the disagreement.
    log_out(page)
    log_in(page, lab["certifier"])
    page.goto(record)
    expect(page.get_by_test_id("disagreement")).to_be_visible()
    page.get_by_label(re.compile(r"Dr\. Amara Okafor: 28/35")).check()
    # (Signing without weighing the disagreement is refused: tests/web/test_assessments.py.)
    page.get_by_label("I have reviewed the raters' disagreement").check()
    page.get_by_label("Note").fill("Watched a second harvest: force was appropriate.")
    page.get_by_role("button", name="Sign the skill off").click()
    expect(page.get_by_test_id("sign-off-status")).to_contain_text("Signed off by Prof. Lucas Ferreira")

    # The trainee sees the radar chart and the feedback.
    log_out(page)
    log_in(page, first)
    page.goto("/assessments/progress")
    chart = page.get_by_role("img", name=f"OSATS domain profile for {skill.title}")
    expect(chart).to_be_visible()
    expect(chart.locator("polygon.radar-shape")).to_have_count(1)
    expect(page.get_by_text("Gentle, even passes; watch the suction at the end.")).to_be_visible()
    expect(page.get_by_text("Too much force at the port.")).to_be_visible()
    expect(page.get_by_role("heading", name="My practical skills")).to_be_visible()
    expect(page.locator(".skill-progress").get_by_text("Signed off").first).to_be_visible()
