"""The enrolments pages in the access matrix.

The workshop is organized by the world's organizer; the world's faculty member
teaches elsewhere (faculty of another workshop) and the world's trainee holds a
seat on it. The enrolment removed by id belongs to another trainee.
"""

from tests.web.access.common import Entry, only, signed_in
from training.core.mail import MailState, OutboxMessage
from training.extensions import db


def build(world, make) -> None:
    world.enrol_ws = make.workshop(organizer=world.organizer, capacity=3)
    world.own_enrolment = make.enrolment(world.enrol_ws, world.trainee)
    world.other_enrolment = make.enrolment(world.enrol_ws, make.trainee())
    world.enrol_mail = OutboxMessage(
        recipient="late@example.org",
        subject="Your seat is confirmed",
        body="B",
        topic="enrolment",
        workshop_id=world.enrol_ws.id,
        state=MailState.FAILED,
        attempts=8,
    )
    db.session.add(world.enrol_mail)
    db.session.commit()


WS = "/workshops/{enrol_ws.id}"
ORGANIZERS = ("organizer", "admin")

ENTRIES = {
    ("enrolments.workshop", "GET"): Entry(f"{WS}/enrolment", signed_in()),
    # Already enrolled: told so, sent back.
    ("enrolments.enrol", "POST"): Entry(f"{WS}/enrol", only("trainee", status=302)),
    ("enrolments.cancel", "GET"): Entry(f"{WS}/enrolment/cancel", only("trainee")),
    ("enrolments.cancel", "POST"): Entry(f"{WS}/enrolment/cancel", only("trainee", status=302)),
    ("enrolments.mine", "GET"): Entry("/enrolments", signed_in()),
    ("enrolments.roster", "GET"): Entry(f"{WS}/roster", only(*ORGANIZERS)),
    ("enrolments.export_roster", "GET"): Entry(f"{WS}/roster.csv", only(*ORGANIZERS)),
    ("enrolments.remove", "POST"): Entry(
        f"{WS}/roster/{{other_enrolment.id}}/remove", only(*ORGANIZERS, status=302)
    ),
    ("enrolments.promote", "POST"): Entry(f"{WS}/roster/promote", only(*ORGANIZERS, status=302)),
    ("enrolments.add", "GET"): Entry(f"{WS}/roster/add", only(*ORGANIZERS)),
    # No trainee chosen, no file: the page again, with the message.
    ("enrolments.add", "POST"): Entry(f"{WS}/roster/add", only(*ORGANIZERS)),
    ("enrolments.add_new", "POST"): Entry(f"{WS}/roster/new", only(*ORGANIZERS)),
    ("enrolments.import_roster", "GET"): Entry(f"{WS}/roster/import", only(*ORGANIZERS)),
    ("enrolments.import_roster", "POST"): Entry(f"{WS}/roster/import", only(*ORGANIZERS)),
    ("enrolments.pending_mail", "GET"): Entry(f"{WS}/mail", only(*ORGANIZERS)),
    ("enrolments.retry_mail", "POST"): Entry(
        f"{WS}/mail/{{enrol_mail.id}}/retry", only(*ORGANIZERS, status=302)
    ),
}
