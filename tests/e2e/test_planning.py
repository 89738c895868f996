"""In Chromium: the organizer searches and filters a roster (the filters survive a change
of page), and copies a workshop to its next edition across a daylight-saving change,
landing on the draft with its timetable at the same clock times. (A refused date answers
422, which the page fixture counts as a console error: tests/web/test_planning_pages.py
shows the refusals on the page.)"""

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import log_in
from tests.support.detached_factories import factories
from training.core.db import utcnow
from training.workshops.models import SessionKind

pytestmark = pytest.mark.e2e


def last_sunday_of_march(year: int):
    day = utcnow().date().replace(year=year, month=3, day=31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_search_and_filter_the_roster(page, live_app):
    with factories(live_app) as make:
        workshop = make.workshop(capacity=80, title="Roster search course")
        lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2)
        for i in range(55):
            trainee = make.trainee(
                full_name=f"Dr. Person {i:02d}", institution="Rizzoli" if i % 2 else "Charité"
            )
            make.enrolment(workshop, trainee)
            if i < 53:
                make.assign(lab.stations[1], trainee)
        make.enrolment(workshop, make.trainee(full_name="Dr. Lone Karolinska", institution="Karolinska"))
        workshop_id, organizer, station = workshop.id, workshop.organizer.email, lab.stations[1].id

    log_in(page, organizer)
    page.goto(f"/workshops/{workshop_id}/roster")
    search = page.get_by_role("search", name="Search the roster")
    search.get_by_label("Search").fill("karolinska")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("roster-row")).to_have_count(1)
    expect(page.get_by_test_id("roster-row")).to_contain_text("Dr. Lone Karolinska")
    expect(page.get_by_test_id("roster-matches")).to_have_text("1 of 56 confirmed matches the search.")
    expect(page).to_have_url(re.compile(r"[?&]q=karolinska"))  # bookmarkable

    page.get_by_role("link", name="Clear").click()
    expect(page.get_by_test_id("roster-row")).to_have_count(50)
    # Choosing a station sends the form by itself.
    page.get_by_label("Station").select_option(str(station))
    expect(page.get_by_test_id("roster-matches")).to_contain_text("53 of 56 confirmed")
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    expect(page.get_by_test_id("roster-row")).to_have_count(3)
    expect(page.get_by_label("Station")).to_have_value(str(station))
    expect(page.get_by_test_id("roster-row").first).to_contain_text("Dr. Person 50")


def test_copy_a_workshop_to_its_next_edition(page, live_app):
    year = utcnow().year + 1
    change = last_sunday_of_march(year)
    with factories(live_app) as make:
        workshop = make.workshop(title="Spring nanofat course", starts_on=change - timedelta(days=14), days=2)
        make.session(workshop, start=time(2, 30), minutes=60, title="Early harvest")
        make.session(workshop, day=1, start=time(9, 0), minutes=90, title="Lipofilling lab")
        make.enrolled_trainees(workshop, 2)
        workshop_id, organizer = workshop.id, workshop.organizer.email

    log_in(page, organizer)
    page.goto(f"/workshops/{workshop_id}")
    page.get_by_role("link", name="Copy this workshop").click()
    expect(page.get_by_role("heading", name="Schedule the next edition")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Spring nanofat course")

    # A refused date answers 422 with the reason by the field (and no console error).
    page.get_by_label("First day of the new edition").fill((change - timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Create the draft copy").click()
    expect(page.get_by_text("The copy would start on the same day as this workshop")).to_be_visible()

    new_start = change + timedelta(days=7)
    page.get_by_label("First day of the new edition").fill(new_start.isoformat())
    page.get_by_label("Title").fill("Spring nanofat course, second edition")
    page.get_by_role("button", name="Create the draft copy").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Spring nanofat course, second edition")
    expect(page.get_by_test_id("workshop-state").first).to_have_text("Draft")
    expect(page.get_by_text("is scheduled from")).to_be_visible()
    programme = page.locator(".col-lg-8")
    expect(programme.get_by_role("row").filter(has_text="Early harvest")).to_contain_text("02:30")
    expect(programme.get_by_role("row").filter(has_text="Lipofilling lab")).to_contain_text("09:00")
    expect(page.get_by_test_id("seats")).to_contain_text("20 of 20 seats left")  # nobody came along


def test_a_station_chosen_before_the_page_script_runs_still_filters(page, live_app):
    with factories(live_app) as make:
        workshop = make.workshop(title="Slow connection roster")
        lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2)
        first, second = make.enrolled_trainees(workshop, 2)
        make.assign(lab.stations[0], first)
        make.assign(lab.stations[1], second)
        workshop_id, organizer, station = workshop.id, workshop.organizer.email, lab.stations[1].id

    log_in(page, organizer)
    held = []

    def hold_the_first(route):  # a slow script on this page; the next page gets it at once
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/js/app.js", hold_the_first)
    page.goto(f"/workshops/{workshop_id}/roster", wait_until="commit")
    page.get_by_label("Station").select_option(str(station))  # before any listener exists
    for _ in range(250):  # the held request reaches the handler as events are processed
        if held:
            break
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(page.get_by_test_id("roster-matches")).to_contain_text("1 of 2 confirmed")
    expect(page.get_by_test_id("roster-row")).to_contain_text(second.full_name)
