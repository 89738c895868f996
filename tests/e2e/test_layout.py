"""Every role's main pages fit the screens people carry: nothing scrolls sideways at
320, 390, 1024, 1280 or 1366 px, and the account menu (or "Log in") stays on screen, with
"Log out" reachable. The keyboard path: a visible skip link to <main>, a focus ring on the
roll call's status buttons; quiz answers are 44 px targets on a phone.

One page per role is resized through the widths (no reload), so the whole file stays fast."""

from __future__ import annotations

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in, log_out
from tests.support.detached_factories import factories
from training.accounts.models import Role
from training.quizzes.models import QuizPurpose

pytestmark = pytest.mark.e2e

WIDTHS = (1366, 1280, 1024, 390, 320)
LONG_NAME = "Dr. Maria-Grazia Vanderbilt-Oyelaran de la Fuente"

# Measures the page at the current width: how wide the document is, and whether the
# account control is on screen (inside the viewport, not folded away).
MEASURE = """() => {
    const account = document.querySelector('[data-testid="user-menu"], .app-login');
    const r = account ? account.getBoundingClientRect() : null;
    const visible = !!r && r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
        && r.right <= window.innerWidth && r.bottom <= window.innerHeight
        && getComputedStyle(account).visibility !== 'hidden';
    return {width: document.documentElement.scrollWidth, screen: window.innerWidth, account: visible};
}"""


@pytest.fixture(autouse=True)
def fresh_login_limits(server):
    # This file logs in a dozen times within a minute, more than the login limit allows one address.
    from training.extensions import limiter

    limiter.reset()


@pytest.fixture(scope="module")
def world(live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["ANAT-101", "MFAT-201"], questions_per_module=3)
        multi = make.user(
            {Role.ADMIN, Role.ORGANIZER, Role.FACULTY, Role.TRAINEE},
            full_name=LONG_NAME,
            email="maria-grazia.vanderbilt-oyelaran@university-hospital.example.org",
        )
        workshop = make.workshop(
            version=version,
            title="Regenerative Fat Grafting Masterclass: Anatomy First",
            venue_name="Istituto di Anatomia Umana Normale, Università di Bologna",
        )
        session = make.running_session(
            workshop,
            started=timedelta(minutes=10),
            title="Safety first: patient selection, consent, asepsis, anaesthesia and vascular occlusion",
        )
        trainee = make.user({Role.TRAINEE}, full_name="Dr. Sofia Marín Fernández-Villaverde")
        make.enrolment(workshop, trainee=trainee)
        make.enrolment(workshop, trainee=multi)
        make.enrolled_trainees(workshop, 3)
        quiz_taker = make.enrolment(workshop).trainee
        quiz = make.quiz(
            workshop,
            title="Anatomy post-test",
            purpose=QuizPurpose.POST_TEST,
            purpose_module_id=version.modules[0].id,
        )
        make.certificate(workshop, trainee)
        admin = make.admin()
        w = workshop.id
        people = {
            "trainee": trainee,
            "faculty": workshop.teacher,
            "certifier": workshop.certifier,
            "organizer": workshop.organizer,
            "admin": admin,
            "several roles": multi,
        }
        return SimpleNamespace(
            workshop_id=w,
            session_id=session.id,
            quiz_id=quiz.id,
            quiz_taker=SimpleNamespace(email=quiz_taker.email, password=quiz_taker.password),
            people={role: SimpleNamespace(email=u.email, password=u.password) for role, u in people.items()},
            pages={
                "anonymous": ["/", "/curricula", "/workshops", f"/workshops/{w}", "/login"],
                "trainee": [
                    "/",
                    "/workshops",
                    f"/workshops/{w}",
                    "/schedule",
                    "/certificates",
                    "/enrolments",
                ],
                "faculty": [
                    "/",
                    "/workshops",
                    f"/workshops/{w}",
                    f"/attendance/sessions/{session.id}/roll-call",
                ],
                "certifier": ["/", f"/workshops/{w}", f"/workshops/{w}/certificates"],
                "organizer": [
                    "/",
                    "/organizer",
                    "/programme/month",
                    "/workshops",
                    f"/workshops/{w}",
                    f"/workshops/{w}/roster",
                    f"/workshops/{w}/gradebook",
                    f"/attendance/workshops/{w}/matrix",
                ],
                "admin": ["/", "/workshops", f"/workshops/{w}", "/admin/users", "/admin/audit"],
                "several roles": ["/", "/workshops", f"/workshops/{w}", "/admin/users"],
            },
        )


def measure_through_the_widths(page, label: str, problems: list[str]) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        found = page.evaluate(MEASURE)
        if found["width"] > found["screen"]:
            problems.append(f"{label} at {width} px: the page is {found['width']} px wide")
        if not found["account"]:
            problems.append(f"{label} at {width} px: the account menu is off screen or folded away")


def log_out_at(page, width: int) -> None:
    """The account menu opens on the bar itself and "Log out" shows on screen."""
    page.set_viewport_size({"width": width, "height": 800})
    page.wait_for_function("() => window.bootstrap !== undefined")
    expect(page.get_by_test_id("user-menu")).to_be_in_viewport(ratio=1)
    page.get_by_test_id("user-menu").click()
    log_out = page.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()
    expect(log_out).to_be_in_viewport(ratio=1)
    log_out.click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()


def test_no_page_scrolls_sideways_and_the_account_menu_stays_on_screen(page, world):
    problems: list[str] = []
    for path in world.pages["anonymous"]:
        page.goto(path)
        measure_through_the_widths(page, f"anonymous {path}", problems)

    for role, person in world.people.items():
        page.set_viewport_size({"width": 1366, "height": 800})
        log_in(page, person)
        for path in world.pages[role]:
            page.goto(path)
            measure_through_the_widths(page, f"{role} {path}", problems)
        if role == "trainee":
            page.goto(f"/quizzes/{world.quiz_id}")
            page.get_by_role("button", name=re.compile(r"^Start attempt")).click()
            expect(page.locator("fieldset.quiz-question").first).to_be_visible()
            measure_through_the_widths(page, "trainee quiz attempt", problems)
        log_out(page)  # from the account menu, at 320 px: the last width measured

    assert problems == []


@pytest.mark.parametrize(("role", "width"), [("trainee", 320), ("several roles", 1280)])
def test_log_out_is_on_screen(page, world, role, width):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, world.people[role])
    log_out_at(page, width)


def test_a_trainee_finds_their_own_pages_under_one_menu(page, world):
    log_in(page, world.people["trainee"])
    page.set_viewport_size({"width": 1280, "height": 800})
    menu = page.get_by_role("navigation", name="Main")
    page.wait_for_function("() => window.bootstrap !== undefined")
    menu.get_by_role("button", name="My training").click()
    for name in ("My schedule", "My enrolments", "My attendance", "My skills", "My certificates"):
        expect(menu.get_by_role("link", name=name)).to_be_visible()
    menu.get_by_role("link", name="My certificates").click()
    expect(page).to_have_url(re.compile(r"/certificates$"))
    # On a phone the same entries are behind the burger; the account menu stays outside it.
    page.set_viewport_size({"width": 390, "height": 800})
    expect(menu.get_by_role("button", name="My training")).to_be_hidden()
    expect(page.get_by_test_id("user-menu")).to_be_in_viewport()
    page.get_by_role("button", name="Open the menu").click()
    expect(menu.get_by_role("button", name="My training")).to_be_visible()


def test_the_skip_link_shows_above_the_menu_and_moves_focus_to_main(page, world):
    log_in(page, world.people["organizer"])
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"/workshops/{world.workshop_id}")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to main content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport(ratio=1)
        # Painted on top: what is at its centre is the link, not the menu bar.
        on_top = skip.evaluate(
            """(link) => { const r = link.getBoundingClientRect();
                 const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                 return hit === link || link.contains(hit); }"""
        )
        assert on_top, f"the skip link is hidden under something at {width} px"
        page.keyboard.press("Enter")
        expect(page.locator("main#content")).to_be_focused()
        # The next Tab lands inside the page's content, past the menu.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)")


RING = """(el) => { const s = getComputedStyle(el);
    return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor}; }"""


def relative_luminance(rgb: str) -> float:
    values = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in values]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_roll_call_buttons_show_a_focus_ring(page, world):
    log_in(page, world.people["faculty"])
    page.goto(f"/attendance/sessions/{world.session_id}/roll-call")
    row = page.locator("[data-roll-row]").first
    button = row.get_by_role("button", name="Late", exact=True)
    expect(button).to_be_visible()
    # Reach it by keyboard: focus the control before it, then Tab.
    row.get_by_role("button", name="Present", exact=True).focus()
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    ring = button.evaluate(RING)
    assert ring["style"] == "solid", ring
    assert ring["width"] >= 2, ring
    page_colour = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    light, dark = sorted((relative_luminance(ring["colour"]), relative_luminance(page_colour)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 3, ring


def test_quiz_answers_are_large_targets_on_a_phone(page, world):
    log_in(page, world.quiz_taker)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/quizzes/{world.quiz_id}")
    page.get_by_role("button", name=re.compile(r"^Start attempt")).click()
    question = page.locator("fieldset.quiz-question").first
    expect(question).to_be_visible()
    labels = question.locator(".form-check-label")
    assert labels.count() >= 2
    width = question.bounding_box()["width"]
    for index in range(labels.count()):
        box = labels.nth(index).bounding_box()
        assert box["height"] >= 44, f"answer {index + 1} is {box['height']} px tall"
        assert box["width"] >= width * 0.6, f"answer {index + 1} is {box['width']} of {width} px wide"
    # A tap on the far end of the row chooses the answer.
    box = labels.nth(1).bounding_box()
    page.mouse.click(box["x"] + box["width"] - 5, box["y"] + box["height"] / 2)
    expect(question.locator(".form-check-input").nth(1)).to_be_checked()
    expect(question.locator("[data-save-status]")).to_have_text("Saved")
