"""A trainee scans the session's current code and is marked present; the same link
minutes later is refused; faculty correct the status by roll call; the matrix, the
CSV file and the trainee's own credit agree."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.support.detached_factories import factories
from training.attendance.models import AttendanceRecord, AttendanceStatus
from training.core.db import utcnow
from training.extensions import db

pytestmark = pytest.mark.e2e


def log_in(page, user):
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()


# Waits for the element with this id to be replaced, then presses the key on it at once,
# before anything else runs (a MutationObserver's callback follows the change directly).
PRESS_WHEN_REPLACED = """([id, key]) => {
    const old = document.getElementById(id);
    const observer = new MutationObserver(() => {
        const row = document.getElementById(id);
        if (!row || row === old) {
            return;
        }
        observer.disconnect();
        const focused = document.activeElement;
        const target = focused && row.contains(focused) ? focused : row;
        target.dispatchEvent(new KeyboardEvent("keydown", { key: key, bubbles: true, cancelable: true }));
    });
    observer.observe(document.body, { childList: true, subtree: true });
}"""


def status_in_database(live_app, session_id, trainee_id):
    with live_app.app_context():
        return db.session.scalar(
            sa.select(AttendanceRecord.status).where(
                AttendanceRecord.session_id == session_id, AttendanceRecord.trainee_id == trainee_id
            )
        )


def test_scan_refuse_an_old_link_correct_by_roll_call_and_agree_everywhere(page, browser, server, live_app):
    with factories(live_app) as make:
        workshop = make.workshop(starts_on=utcnow().date(), cme_credit_hours=Decimal("6.00"))
        session = make.running_session(
            workshop, started=timedelta(minutes=5), minutes=120, title="Microfat harvest"
        )
        trainee = make.enrolled_trainees(workshop, 1)[0]
        make.enrolled_trainees(workshop, 1)

    # Faculty put the check-in screen up (in their own browser).
    faculty = browser.new_context(base_url=server.url)
    faculty_errors: list[str] = []
    screen = faculty.new_page()
    screen.on("console", lambda m: faculty_errors.append(m.text) if m.type == "error" else None)
    screen.goto(f"/attendance/sessions/{session.id}/check-in-screen")
    log_in(screen, workshop.teacher)
    expect(screen.get_by_role("heading", name="Check in: Microfat harvest")).to_be_visible()
    expect(screen.locator(".check-in-qr svg")).to_be_visible()
    expect(screen.get_by_test_id("short-code")).to_have_text(re.compile(r"^\d{3} \d{3}$"))
    check_in_path = urlsplit(screen.locator(".check-in-qr").get_attribute("data-check-in-url")).path

    # The trainee scans it, logs in, and is marked present.
    page.goto(check_in_path)
    expect(page.get_by_text("Log in to check in")).to_be_visible()
    log_in(page, trainee)
    page.get_by_role("button", name=f"Check in as {trainee.full_name}").click()
    expect(page.get_by_text("You are checked in to Microfat harvest: present.")).to_be_visible()
    assert status_in_database(live_app, session.id, trainee.id) is AttendanceStatus.PRESENT
    expect(screen.get_by_test_id("checked-in-count")).to_have_text("1")  # the screen follows (htmx)

    # The same link a few minutes later is refused.
    # (In a second tab of the trainee's browser: the refusal is a 400, which Chromium
    # logs on the console, and the fixture's tab must stay free of console errors.)
    live_app.config["ATTENDANCE_CLOCK_OFFSET"] = 4 * 60
    try:
        later = page.context.new_page()
        response = later.goto(check_in_path)
        assert response.status == 400
        expect(later.get_by_test_id("check-in-refused")).to_contain_text("expired")
        later.close()
    finally:
        live_app.config.pop("ATTENDANCE_CLOCK_OFFSET")
    assert status_in_database(live_app, session.id, trainee.id) is AttendanceStatus.PRESENT

    # Faculty correct the status by roll call: one tap, saved without a reload.
    screen.get_by_role("link", name="Roll call").click()

    def in_row(name: str):
        # A fresh lookup each time: every save replaces the trainee's row.
        return screen.locator(f"#trainee-{trainee.id}").get_by_role("button", name=name, exact=True)

    status = screen.get_by_test_id(f"status-{trainee.id}")
    expect(status).to_have_text("Present")
    # htmx takes charge of the buttons at DOMContentLoaded; a click before that posts the
    # form without it (a full reload, which the page also handles, but not this test's focus).
    screen.wait_for_load_state("domcontentloaded")
    in_row("Late").click()
    expect(status).to_have_text("Late")
    # The row was replaced, and the focus is on the same button in the new row.
    expect(in_row("Late")).to_be_focused()
    assert status_in_database(live_app, session.id, trainee.id) is AttendanceStatus.LATE
    expect(screen.get_by_test_id("count-late")).to_have_text("Late: 1")
    expect(screen.get_by_test_id("count-present")).to_have_text("Present: 0")
    # ...and by keyboard: from the next button, "p" marks present and "a" absent; each
    # keeps the focus in the trainee's new row, on the status chosen.
    screen.keyboard.press("Tab")
    expect(in_row("Absent")).to_be_focused()
    screen.keyboard.press("p")
    expect(status).to_have_text("Present")
    expect(in_row("Present")).to_be_focused()
    screen.keyboard.press("a")
    expect(status).to_have_text("Absent")
    expect(in_row("Absent")).to_be_focused()
    # A key pressed the moment the new row appears is saved in place too, not by posting
    # the form without htmx (which reloads the page and loses the place).
    screen.evaluate("window.stayed = true")
    screen.evaluate(PRESS_WHEN_REPLACED, [f"trainee-{trainee.id}", "e"])
    screen.keyboard.press("p")
    expect(status).to_have_text("Excused")
    expect(in_row("Excused")).to_be_focused()
    assert screen.evaluate("window.stayed") is True
    # Enter on the focused button saves it the same way and keeps the focus too.
    screen.keyboard.press("Shift+Tab")
    screen.keyboard.press("Shift+Tab")
    expect(in_row("Late")).to_be_focused()
    screen.keyboard.press("Enter")
    expect(status).to_have_text("Late")
    expect(in_row("Late")).to_be_focused()
    assert status_in_database(live_app, session.id, trainee.id) is AttendanceStatus.LATE

    # Late counts from the check-in time: the matrix, the CSV and the trainee agree.
    with live_app.app_context():
        record = db.session.scalar(
            sa.select(AttendanceRecord).where(
                AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee.id
            )
        )
        minutes = int((session.ends_at - record.checked_in_at).total_seconds() // 60)
    credit = f"{Decimal(minutes // 15) / 4:.2f}"

    # Only sessions that have ended count: while it runs, it earns nothing yet.
    screen.goto(f"/attendance/workshops/{workshop.id}/matrix")
    expect(screen.get_by_test_id(f"credit-{trainee.id}")).to_have_text("0.00")
    # Once it has ended (the attendance clock moved past its end):
    live_app.config["ATTENDANCE_CLOCK_OFFSET"] = 2 * 60 * 60
    try:
        screen.goto(f"/attendance/workshops/{workshop.id}/matrix")
        expect(screen.get_by_test_id(f"credit-{trainee.id}")).to_have_text(credit)
        percent = screen.get_by_test_id(f"percent-{trainee.id}").inner_text()
        response = screen.request.get(f"/attendance/workshops/{workshop.id}/matrix.csv")
        rows = list(csv.reader(io.StringIO(response.text())))
        header, mine = rows[0], next(r for r in rows[1:] if r[0] == trainee.full_name)
        assert mine[header.index("CME credit hours")] == credit
        assert mine[header.index("Attendance %")] == percent
        assert mine[2] == "late"

        page.goto("/attendance/mine")
        expect(page.get_by_test_id("my-credit")).to_have_text(credit)
        expect(page.get_by_test_id("my-percent")).to_have_text(f"{percent}%")
    finally:
        live_app.config.pop("ATTENDANCE_CLOCK_OFFSET")

    faculty.close()
    assert faculty_errors == [], faculty_errors
