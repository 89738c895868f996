"""The attendance pages in the access matrix.

The world's organizer organizes, and its faculty member teaches, one workshop
whose lecture is running now; the world's trainee is confirmed on it and has a
mark there. "Another trainee" and "faculty of another workshop" are covered in
tests/web/test_attendance_pages.py (the matrix's roles are fixed).
"""

from datetime import timedelta

from flask import current_app

from tests.web.access.common import Entry, everyone, only, signed_in
from training.attendance import tokens
from training.core.db import utcnow

STAFF = ("faculty", "organizer", "admin")
ORGANIZERS = ("organizer", "admin")


def build(world, make) -> None:
    world.att_workshop = make.workshop(
        organizer=world.organizer, faculty=[world.faculty], certifiers=[], starts_on=utcnow().date()
    )
    world.att_session = make.running_session(world.att_workshop, started=timedelta(minutes=5))
    make.enrolment(world.att_workshop, world.trainee)
    world.att_record = make.attendance(world.att_session, world.trainee, "absent")
    secret = current_app.config["SECRET_KEY"]
    now = utcnow()
    world.att_token = tokens.make_token(secret, world.att_session.id, tokens.window_at(now).number)
    # The world's trainee scanned the code: the confirmation is theirs alone.
    world.att_ticket = tokens.make_scan_ticket(secret, world.att_session.id, now, user_id=world.trainee.id)


SESSION = "/attendance/sessions/{att_session.id}"
WORKSHOP = "/attendance/workshops/{att_workshop.id}"

ENTRIES = {
    ("attendance.roll_call", "GET"): Entry(SESSION + "/roll-call", only(*STAFF)),
    # Without a status the row is refused with a message; the page is shown again.
    ("attendance.mark", "POST"): Entry(SESSION + "/roll-call/{trainee.id}", only(*STAFF, status=302)),
    ("attendance.mark_all_present", "POST"): Entry(
        SESSION + "/roll-call/all-present", only(*STAFF, status=302)
    ),
    ("attendance.check_in_screen", "GET"): Entry(SESSION + "/check-in-screen", only(*STAFF)),
    ("attendance.check_in_screen_code", "GET"): Entry(SESSION + "/check-in-screen/code", only(*STAFF)),
    ("attendance.sign_in_sheet", "GET"): Entry(SESSION + "/sign-in-sheet.pdf", only(*STAFF)),
    # A valid scan sends guests to log in and everyone else on to the confirmation.
    ("attendance.scan", "GET"): Entry(SESSION + "/check-in/{att_token}", everyone(302)),
    # Only a confirmed trainee of the workshop may check in to its sessions.
    ("attendance.confirm_check_in", "GET"): Entry(
        "/attendance/check-in/confirm/{att_ticket}", only("trainee")
    ),
    ("attendance.confirm_check_in", "POST"): Entry(
        "/attendance/check-in/confirm/{att_ticket}", only("trainee", status=302)
    ),
    ("attendance.check_in_by_code", "GET"): Entry("/attendance/check-in", signed_in()),
    # An empty code is refused beside the field.
    ("attendance.check_in_by_code", "POST"): Entry("/attendance/check-in", signed_in()),
    ("attendance.matrix", "GET"): Entry(WORKSHOP + "/matrix", only(*STAFF)),
    ("attendance.matrix_csv", "GET"): Entry(WORKSHOP + "/matrix.csv", only(*STAFF)),
    ("attendance.settings", "GET"): Entry(WORKSHOP + "/settings", only(*ORGANIZERS)),
    # Empty fields are refused beside each field.
    ("attendance.settings", "POST"): Entry(WORKSHOP + "/settings", only(*ORGANIZERS)),
    ("attendance.record", "GET"): Entry("/attendance/records/{att_record.id}", signed_in()),
    ("attendance.mine", "GET"): Entry("/attendance/mine", signed_in()),
}
