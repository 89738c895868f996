"""Authority through the pages: a removed role ends every per-workshop power at once,
the admin is told which duties a role removal ends before saving, staff and trainees
never mix, and the kept catalogue never carries a draft."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.support.client import form_values
from training.accounts.models import Role, User
from training.core.audit import AuditEvent
from training.enrolments.models import Enrolment
from training.extensions import db
from training.workshops.models import Duty, SessionKind, WorkshopStaff, WorkshopState


def duties_of(person: User) -> set[tuple[int, Duty]]:
    rows = db.session.execute(
        sa.select(WorkshopStaff.workshop_id, WorkshopStaff.duty).where(WorkshopStaff.user_id == person.id)
    )
    return {(row.workshop_id, row.duty) for row in rows}


def powers(make):
    """Carla organizes and certifies a published workshop and organizes a draft."""
    carla = make.user({Role.ORGANIZER, Role.FACULTY, Role.TRAINEE}, full_name="Dr. Carla Staff")
    workshop = make.workshop(organizer=carla, certifiers=[carla], title="Harvest and graft")
    draft = make.workshop(organizer=carla, state=WorkshopState.DRAFT, title="Secret draft course")
    lab = make.session(workshop, kind=SessionKind.HANDS_ON, stations=1)
    make.quiz(workshop)
    make.enrolled_trainees(workshop, 2)
    urls = [
        f"/workshops/{workshop.id}/roster",
        f"/workshops/{workshop.id}/roster.csv",
        f"/workshops/{workshop.id}/gradebook",
        f"/workshops/{workshop.id}/gradebook.csv",
        f"/attendance/sessions/{lab.id}/roll-call",
        f"/attendance/workshops/{workshop.id}/matrix.csv",
        f"/assessments/sessions/{lab.id}",
        f"/assessments/workshops/{workshop.id}/matrix",
        f"/workshops/{workshop.id}/certificates",
        f"/workshops/{draft.id}",
    ]
    return carla, workshop, draft, urls


@pytest.mark.parametrize("how", ["by the admin's page", "left behind by an older version"])
def test_a_removed_role_ends_every_per_workshop_power_at_once(client, make, how):
    carla, _, draft, urls = powers(make)
    client.login(carla)
    for url in urls:
        assert client.get(url).status_code == 200, url

    if how == "by the admin's page":
        client.login(make.admin())
        shown = client.post(f"/admin/users/{carla.id}/roles", data={"roles": ["trainee"]})
        confirmed = {"roles": ["trainee"], "ending": form_values(shown.text)["ending"]}
        assert client.post(f"/admin/users/{carla.id}/roles", data=confirmed).status_code == 302
        assert duties_of(carla) == set()
    else:  # the duties stayed in the database: the predicate must ignore them
        person = db.session.get(User, carla.id)
        person.set_roles({Role.TRAINEE})
        db.session.commit()
        assert len(duties_of(carla)) == 3

    client.login(db.session.get(User, carla.id))
    for url in urls:
        assert client.get(url).status_code in (403, 404), url
    assert "Secret draft course" not in client.get("/workshops").text
    assert client.get(f"/workshops/{draft.id}").status_code == 404


def test_the_admin_sees_which_duties_a_role_removal_ends_then_it_is_audited(client, make):
    carla, workshop, draft, _ = powers(make)
    admin = client.login(make.admin(full_name="Ada Admin"))
    shown = client.post(f"/admin/users/{carla.id}/roles", data={"roles": ["trainee", "faculty"]})
    assert shown.status_code == 200
    page = shown.text
    assert "Saving ends them" in page
    assert f"Organizer of “Harvest and graft” ({workshop.starts_on.isoformat()})" in page
    assert f"Organizer of “Secret draft course” ({draft.starts_on.isoformat()})" in page
    assert "Certifying faculty of" not in page  # the faculty role stays, so does that duty
    assert "End these duties and save roles" in page
    assert db.session.get(User, carla.id).roles == {Role.ORGANIZER, Role.FACULTY, Role.TRAINEE}
    assert len(duties_of(carla)) == 3

    # A duty added meanwhile: the admin is shown the list again, nothing is saved.
    other = make.workshop(organizer=db.session.get(User, carla.id), title="Added meanwhile")
    confirmed = {"roles": ["trainee", "faculty"], "ending": form_values(page)["ending"]}
    again = client.post(f"/admin/users/{carla.id}/roles", data=confirmed)
    assert again.status_code == 200
    assert "Organizer of “Added meanwhile”" in again.text
    assert len(duties_of(carla)) == 4

    confirmed["ending"] = form_values(again.text)["ending"]
    saved = client.post(f"/admin/users/{carla.id}/roles", data=confirmed, follow_redirects=True)
    assert "Roles of Dr. Carla Staff saved." in saved.text
    assert duties_of(carla) == {(workshop.id, Duty.CERTIFIER)}
    assert db.session.get(User, carla.id).roles == {Role.FACULTY, Role.TRAINEE}

    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "workshop.staff_removed").order_by(AuditEvent.id)
    ).all()
    assert sorted(e.workshop_id for e in events) == sorted([workshop.id, draft.id, other.id])
    assert {e.actor_id for e in events} == {admin.id}
    log = client.get(f"/admin/audit?target=users:{carla.id}").text
    assert "ended: Organizer of “Harvest and graft”" in log
    workshop_log = client.get(f"/admin/audit?target=workshops:{workshop.id}").text
    assert "Dr. Carla Staff is no longer organizer of “Harvest and graft”" in workshop_log


def test_a_role_change_that_ends_nothing_saves_at_once(client, make):
    client.login(make.admin())
    person = make.faculty()
    make.workshop(faculty=[person])
    response = client.post(f"/admin/users/{person.id}/roles", data={"roles": ["faculty", "trainee"]})
    assert response.status_code == 302
    assert db.session.get(User, person.id).roles == {Role.FACULTY, Role.TRAINEE}


def test_the_staff_page_refuses_an_enrolled_trainee_and_the_roster_refuses_staff(client, make):
    workshop = make.workshop()
    enrolled = make.user({Role.FACULTY, Role.TRAINEE}, full_name="Dr. Both Ways")
    make.enrolment(workshop, enrolled)
    client.login(workshop.organizer)
    response = client.post(
        f"/workshops/{workshop.id}/staff", data={"email": enrolled.email, "duty": "faculty"}
    )
    assert response.status_code == 422
    assert "Dr. Both Ways is enrolled in this workshop as a trainee" in response.text
    assert duties_of(enrolled) == set()

    teacher = make.user({Role.FACULTY, Role.TRAINEE}, full_name="Dr. Already Teaching")
    client.post(f"/workshops/{workshop.id}/staff", data={"email": teacher.email, "duty": "faculty"})
    assert duties_of(teacher) == {(workshop.id, Duty.FACULTY)}
    response = client.post(
        f"/workshops/{workshop.id}/roster/add", data={"trainee_id": teacher.id}, follow_redirects=True
    )
    assert "Dr. Already Teaching is on the staff of this workshop" in response.text
    assert db.session.scalar(sa.select(Enrolment).where(Enrolment.trainee_id == teacher.id)) is None

    client.login(teacher)  # nor can she enrol herself
    assert client.post(f"/workshops/{workshop.id}/enrol").status_code == 403
    assert db.session.scalar(sa.select(Enrolment).where(Enrolment.trainee_id == teacher.id)) is None


@pytest.mark.parametrize("sharer", ["a person with a stale duty", "a person who sees drafts"])
def test_the_kept_catalogue_never_carries_a_draft_to_trainees(client, make, sharer):
    person = make.user({Role.FACULTY, Role.TRAINEE})
    make.workshop(title="Published course")
    make.workshop(state=WorkshopState.DRAFT, faculty=[person], title="Draft course")
    if sharer == "a person with a stale duty":
        stale = db.session.get(User, person.id)
        stale.set_roles({Role.TRAINEE})  # the faculty duty on the draft stays behind
        db.session.commit()
    client.login(db.session.get(User, person.id))
    first = client.get("/workshops").text  # rendered first, kept if it is the published list
    assert "Published course" in first
    assert ("Draft course" in first) is (sharer == "a person who sees drafts")

    for trainee in (make.trainee(), make.trainee()):
        client.login(trainee)
        page = client.get("/workshops").text
        assert "Published course" in page
        assert "Draft course" not in page
