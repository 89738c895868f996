"""The workshops pages in the access matrix.

World: ``ws_workshop`` is published, organized by ``world.organizer`` with
``world.faculty`` teaching and ``world.trainee`` confirmed; ``ws_draft`` is a
draft of the same staff (a trainee gets 404: a draft's existence is private; so does an
anonymous visitor of the public workshop page).
"""

from tests.web.access.common import TO_LOGIN, Entry, everyone, only, signed_in
from training.workshops.models import Duty, SessionKind, WorkshopState

ORGANIZERS = only("organizer", "admin")
# Organizer actions on a published workshop: trainees and faculty are refused.
ORGANIZERS_POST = only("organizer", "admin", status=302)
ORGANIZERS_INVALID = only("organizer", "admin", status=422)
# A draft: its staff see it, a trainee (or an anonymous visitor of the public page) finds nothing there.
DRAFT = {"anonymous": 404, "trainee": 404, "faculty": 200, "organizer": 200, "admin": 200}
DRAFT_ORGANIZERS_POST = {
    "anonymous": TO_LOGIN,
    "trainee": 404,
    "faculty": 403,
    "organizer": 302,
    "admin": 302,
}
STAFF_ROLES = only("faculty", "organizer", "admin")


def build(world, make) -> None:
    world.ws_workshop = make.workshop(organizer=world.organizer, faculty=[world.faculty])
    world.ws_draft = make.workshop(
        state=WorkshopState.DRAFT, organizer=world.organizer, faculty=[world.faculty], certifiers=[]
    )
    make.enrolment(world.ws_workshop, world.trainee)
    world.ws_lecture = make.session(world.ws_workshop, kind=SessionKind.LECTURE, faculty=[world.faculty])
    world.ws_lab = make.session(
        world.ws_workshop, kind=SessionKind.CADAVER_LAB, stations=2, day=1, faculty=[]
    )
    world.ws_station = world.ws_lab.stations[0]
    # The only organizer: removing them is refused, so every allowed role gets the same answer.
    world.ws_organizer_member = next(m for m in world.ws_workshop.staff if m.duty is Duty.ORGANIZER)
    make.faculty_profile(world.faculty, disclosure="Consultant to a cannula maker.")
    world.ws_token = make.calendar_feed(world.trainee)


W = "/workshops/{ws_workshop.id}"
S = "/sessions/{ws_lab.id}"

ENTRIES = {
    # The catalogue, a published workshop's page, timetable and calendar, and faculty pages are public.
    ("workshops.index", "GET"): Entry("/workshops", everyone(200)),
    ("workshops.create", "GET"): Entry("/workshops/new", ORGANIZERS),
    # An empty form is shown again with its errors.
    ("workshops.create", "POST"): Entry("/workshops/new", ORGANIZERS_INVALID),
    ("workshops.detail", "GET"): Entry("/workshops/{ws_draft.id}", DRAFT),
    ("workshops.edit", "GET"): Entry(W + "/edit", ORGANIZERS),
    ("workshops.edit", "POST"): Entry(W + "/edit", ORGANIZERS_INVALID),
    ("workshops.publish", "POST"): Entry("/workshops/{ws_draft.id}/publish", DRAFT_ORGANIZERS_POST),
    # Not begun yet: refused with a message, back to the workshop.
    ("workshops.complete", "POST"): Entry(W + "/complete", ORGANIZERS_POST),
    ("workshops.cancel", "GET"): Entry(W + "/cancel", ORGANIZERS),
    # No reason given: refused, the form again.
    ("workshops.cancel", "POST"): Entry(W + "/cancel", ORGANIZERS_INVALID),
    ("workshops.staff", "GET"): Entry(W + "/staff", ORGANIZERS),
    ("workshops.staff", "POST"): Entry(W + "/staff", ORGANIZERS_INVALID),
    ("workshops.remove_staff", "POST"): Entry(W + "/staff/{ws_organizer_member.id}/remove", ORGANIZERS_POST),
    ("workshops.faculty_profile", "GET"): Entry("/faculty/{faculty.id}", everyone(200)),
    ("workshops.edit_faculty_profile", "GET"): Entry("/faculty/profile", STAFF_ROLES),
    # Neither a disclosure nor "nothing to disclose": refused.
    ("workshops.edit_faculty_profile", "POST"): Entry(
        "/faculty/profile", only("faculty", "organizer", "admin", status=422)
    ),
    ("workshops.create_session", "GET"): Entry(W + "/sessions/new", ORGANIZERS),
    ("workshops.create_session", "POST"): Entry(W + "/sessions/new", ORGANIZERS_INVALID),
    ("workshops.session_detail", "GET"): Entry(S, signed_in()),
    ("workshops.edit_session", "GET"): Entry(S + "/edit", ORGANIZERS),
    ("workshops.edit_session", "POST"): Entry(S + "/edit", ORGANIZERS_INVALID),
    # The second organizer finds it already cancelled: a message, same redirect.
    ("workshops.cancel_session", "POST"): Entry("/sessions/{ws_lecture.id}/cancel", ORGANIZERS_POST),
    ("workshops.add_station", "POST"): Entry(S + "/stations", ORGANIZERS_POST),
    ("workshops.remove_station", "POST"): Entry(S + "/stations/{ws_station.id}/remove", ORGANIZERS_POST),
    ("workshops.place_trainees", "POST"): Entry(S + "/place", ORGANIZERS_POST),
    ("workshops.move_trainee", "POST"): Entry(S + "/move", ORGANIZERS_POST),
    ("workshops.timetable", "GET"): Entry(W + "/timetable", everyone(200)),
    ("workshops.programme", "GET"): Entry(W + "/programme.pdf", signed_in()),
    ("workshops.workshop_calendar", "GET"): Entry(W + "/calendar.ics", everyone(200)),
    ("workshops.my_schedule", "GET"): Entry("/schedule", signed_in()),
    ("workshops.calendar_settings", "GET"): Entry("/calendar", signed_in()),
    # Then to the settings page, which shows the new address once.
    ("workshops.issue_feed", "POST"): Entry("/calendar/new", signed_in(302)),
    ("workshops.revoke_feed", "POST"): Entry("/calendar/revoke", signed_in(302)),
    # The secret in the address is the permission (calendar apps cannot log in).
    ("workshops.feed", "GET"): Entry("/calendar/{ws_token}.ics", everyone(200)),
}
