"""The assessments pages in the access matrix.

The matrix's workshop is organized by ``world.organizer``; ``world.faculty`` teaches
on it (may assess, may not sign off); ``world.admin`` (given the faculty role) is its certifying faculty (so
that the fuzzer, which discovers forms as the admin, sees the sign-off form too).
``world.trainee`` is *another* trainee: the record belongs to ``world.assessed``,
so its existence is private to them (404). Faculty of another workshop are
covered in tests/web/test_assessments.py.
"""

from tests.web.access.common import TO_LOGIN, Entry, signed_in
from training.accounts.models import Role, User
from training.extensions import db
from training.workshops.models import SessionKind


def build(world, make) -> None:
    # A certifying duty has effect only with the faculty role (core.permissions.DUTY_NEEDS).
    admin = db.session.get(User, world.admin.id)
    admin.set_roles({Role.ADMIN, Role.FACULTY})
    db.session.commit()
    version = make.curriculum_version(["MFAT-201", "NFAT-301"])
    workshop = make.workshop(
        version=version, organizer=world.organizer, faculty=[world.faculty], certifiers=[world.admin]
    )
    world.assess_workshop = workshop
    world.lab = make.session(workshop, kind=SessionKind.HANDS_ON, stations=2)
    world.assessed = make.enrolled_trainees(workshop, 1)[0]
    make.assign(world.lab.stations[0], world.assessed)
    skills = [skill for module in version.modules for skill in module.skills]
    world.skill, world.signed_skill = skills[0], skills[1]
    make.assessment(workshop, world.assessed, world.skill, world.faculty)
    world.sign_off = make.signed_off(workshop, world.assessed, world.signed_skill, certifier=world.admin)


def roles(trainee: int, faculty: int, organizer: int, admin: int) -> dict[str, int]:
    return {
        "anonymous": TO_LOGIN,
        "trainee": trainee,
        "faculty": faculty,
        "organizer": organizer,
        "admin": admin,
    }


RECORD = "/assessments/workshops/{assess_workshop.id}/trainees/{assessed.id}/skills/{skill.id}"

ENTRIES = {
    ("assessments.station", "GET"): Entry("/assessments/sessions/{lab.id}", roles(403, 200, 200, 200)),
    ("assessments.assess", "GET"): Entry(RECORD + "/assess", roles(403, 200, 403, 200)),
    # An empty form is shown again with every missing answer marked.
    ("assessments.assess", "POST"): Entry(RECORD + "/assess", roles(403, 422, 403, 422)),
    ("assessments.record", "GET"): Entry(RECORD, roles(404, 200, 200, 200)),
    ("assessments.sign_off", "POST"): Entry(RECORD + "/sign-off", roles(403, 403, 403, 422)),
    # Without a reason the certifier is sent back to the record with the message.
    ("assessments.revoke", "POST"): Entry(
        "/assessments/sign-offs/{sign_off.id}/revoke", roles(403, 403, 403, 302)
    ),
    ("assessments.matrix", "GET"): Entry(
        "/assessments/workshops/{assess_workshop.id}/matrix", roles(403, 200, 200, 200)
    ),
    ("assessments.matrix_csv", "GET"): Entry(
        "/assessments/workshops/{assess_workshop.id}/matrix.csv", roles(403, 200, 200, 200)
    ),
    ("assessments.progress", "GET"): Entry("/assessments/progress", signed_in()),
}
