"""The planning pages in the access matrix.

World: ``plan_ws`` is published, organized by ``world.organizer`` with ``world.faculty``
teaching; faculty may see it but not copy it. The month view is public, like
the catalogue; the organizer dashboard for organizers and admins.
"""

from tests.web.access.common import Entry, everyone, only


def build(world, make) -> None:
    world.plan_ws = make.workshop(organizer=world.organizer, faculty=[world.faculty])


ENTRIES = {
    ("planning.copy_workshop", "GET"): Entry("/workshops/{plan_ws.id}/copy", only("organizer", "admin")),
    # No start date: the form again, with its message.
    ("planning.copy_workshop", "POST"): Entry(
        "/workshops/{plan_ws.id}/copy", only("organizer", "admin", status=422)
    ),
    ("planning.month", "GET"): Entry("/programme/month", everyone(200)),
    ("planning.dashboard", "GET"): Entry("/organizer", only("organizer", "admin")),
}
