"""Authority on a real database: a duty on a workshop has effect only while its holder
is active, holds the global role it needs and is not a trainee of the same workshop;
removing a role ends the duties that needed it; staff and trainees never mix; nobody
records anything about themselves or a fellow trainee."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.accounts import services as accounts
from training.accounts.models import Role
from training.assessments import services as assessments
from training.assessments.permissions import can_assess, can_sign_off_skills
from training.attendance import services as attendance
from training.attendance.models import AttendanceRecord, AttendanceStatus
from training.attendance.permissions import can_take_attendance
from training.certificates import services as certificates
from training.certificates.models import CertificateKind
from training.certificates.permissions import can_issue_certificates
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed
from training.enrolments import services as enrolments
from training.enrolments.models import EnrolmentState
from training.enrolments.permissions import can_manage_enrolments, can_view_roster
from training.extensions import db
from training.workshops import services as workshops
from training.workshops.models import Duty, SessionKind, Workshop, WorkshopStaff, WorkshopState
from training.workshops.permissions import (
    certifies,
    is_staff_of,
    judges,
    organizes,
    sees_drafts,
    staffed_workshops,
    teaches,
)


def load(obj):
    return db.session.get(type(obj), obj.id)


def staffed(user) -> set[int]:
    return set(db.session.scalars(staffed_workshops(user)))


def duties(user) -> set[tuple[int, Duty]]:
    rows = db.session.execute(
        sa.select(WorkshopStaff.workshop_id, WorkshopStaff.duty).where(WorkshopStaff.user_id == user.id)
    )
    return {(row.workshop_id, row.duty) for row in rows}


# The predicate -------------------------------------------------------------------------------


def test_a_duty_has_effect_only_while_its_holder_is_active_and_holds_its_role(ctx, make):
    workshop = make.workshop()
    teacher = make.user({Role.FACULTY, Role.TRAINEE})
    organizer = make.organizer()
    workshop = make.workshop(organizer=organizer, faculty=[teacher], certifiers=[teacher])
    teacher, organizer, workshop = load(teacher), load(organizer), load(workshop)
    assert teaches(teacher, workshop)
    assert certifies(teacher, workshop)
    assert organizes(organizer, workshop)
    assert staffed(teacher) == staffed(organizer) == {workshop.id}

    teacher.set_roles({Role.TRAINEE})  # the duty rows stay: they must do nothing
    organizer.active = False
    db.session.flush()
    assert not is_staff_of(teacher, workshop)
    assert not can_take_attendance(teacher, workshop)
    assert not can_view_roster(teacher, workshop)
    assert not organizes(organizer, workshop)
    assert not can_manage_enrolments(organizer, workshop)
    assert staffed(teacher) == staffed(organizer) == set()
    assert not sees_drafts(teacher)


@pytest.fixture
def legacy(make):
    """Petra holds duties on a running workshop she is also a confirmed trainee of
    (made before both were refused): she must judge nobody on it."""
    petra = make.user({Role.FACULTY, Role.TRAINEE}, full_name="Dr. Petra Legacy")
    workshop = make.workshop(starts_on=utcnow().date(), faculty=[make.faculty(), petra], certifiers=[petra])
    lab = make.running_session(workshop, kind=SessionKind.HANDS_ON, stations=1)
    make.enrolment(workshop, petra)
    tom = make.enrolled_trainees(workshop, 1)[0]
    return workshop, lab, petra, tom


def test_a_trainee_of_the_workshop_judges_nobody_on_it_whatever_duty_she_holds(ctx, make, legacy):
    workshop, lab, petra, tom = (load(x) for x in legacy)
    for predicate in (
        can_take_attendance,
        can_assess,
        can_sign_off_skills,
        can_issue_certificates,
        can_view_roster,
    ):
        assert not predicate(petra, workshop), predicate.__name__
    assert workshop.id not in staffed(petra)

    for trainee in (tom, petra):
        with pytest.raises(NotAllowed):
            attendance.record_status(lab, trainee.id, AttendanceStatus.ABSENT, actor=petra)
    with pytest.raises(NotAllowed):
        attendance.mark_all_present(lab, actor=petra)
    skill = assessments.workshop_skills(workshop)[0]
    data = assessments.AssessmentData(
        scores=dict.fromkeys(assessments.DOMAIN_KEYS, 4),
        entrustment=3,
        competent=True,
        feedback="",
        done_steps=[],
    )
    with pytest.raises(NotAllowed):
        assessments.record_assessment(workshop, tom, skill, data, actor=petra)
    with pytest.raises(NotAllowed):
        assessments.sign_off(workshop, tom, skill, actor=petra, evidence_id=None)
    with pytest.raises(NotAllowed):
        certificates.issue_certificate(workshop, tom.id, CertificateKind.ATTENDANCE, actor=petra)
    assert db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id))) == 0


def test_an_admin_enrolled_as_a_trainee_marks_neither_herself_nor_a_fellow(ctx, make, legacy):
    workshop, lab, _, tom = legacy
    admin = make.user({Role.ADMIN, Role.TRAINEE})
    make.enrolment(workshop, admin)
    workshop, lab, admin, tom = load(workshop), load(lab), load(admin), load(tom)
    assert organizes(admin, workshop)  # admins organize every workshop...
    for trainee in (admin, tom):  # ...but record nothing about themselves or fellows
        with pytest.raises(NotAllowed):
            attendance.record_status(lab, trainee.id, AttendanceStatus.PRESENT, actor=admin)
        with pytest.raises(NotAllowed):
            certificates.issue_certificate(workshop, trainee.id, CertificateKind.ATTENDANCE, actor=admin)
    assert not judges(admin, workshop, tom.id)

    teacher = load(workshop.teacher)  # and faculty who are not trainees still do
    assert judges(teacher, workshop, tom.id)
    attendance.record_status(lab, tom.id, AttendanceStatus.PRESENT, actor=teacher)


def test_an_active_duty_without_its_role_cannot_record(ctx, make, legacy):
    workshop, lab, _, tom = legacy
    teacher = load(workshop.teacher)
    teacher.set_roles({Role.TRAINEE})
    db.session.flush()
    with pytest.raises(NotAllowed):
        attendance.record_status(load(lab), tom.id, AttendanceStatus.ABSENT, actor=teacher)


# Staff and trainees never mix --------------------------------------------------------------


@pytest.mark.parametrize("state", [EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED])
def test_an_enrolled_trainee_cannot_be_made_staff_of_her_workshop(ctx, make, state):
    workshop = make.workshop()
    person = make.user({Role.FACULTY, Role.TRAINEE}, full_name="Dr. Enrolled Faculty")
    make.enrolment(workshop, person, state=state)
    for duty in (Duty.FACULTY, Duty.CERTIFIER):
        with pytest.raises(InvalidInput) as refused:
            workshops.add_staff(load(workshop), person.email, duty, actor=load(workshop.organizer))
        assert "Dr. Enrolled Faculty is enrolled in this workshop as a trainee" in str(refused.value.problems)
    assert duties(person) == set()

    other = make.workshop()  # on another workshop she may teach
    workshops.add_staff(load(other), person.email, Duty.FACULTY, actor=load(other.organizer))
    assert duties(person) == {(other.id, Duty.FACULTY)}


def test_staff_cannot_enrol_as_trainees_of_their_workshop_in_any_way(ctx, make):
    person = make.user({Role.FACULTY, Role.TRAINEE}, full_name="Dr. Staff Member")
    workshop = make.workshop(faculty=[person])
    workshop, person, organizer = load(workshop), load(person), load(workshop.organizer)

    with pytest.raises(Conflict, match=r"You are on the staff of this workshop"):
        enrolments.enrol(workshop, actor=person)
    with pytest.raises(Conflict, match=r"Dr\. Staff Member is on the staff of this workshop"):
        enrolments.enrol_by_organizer(workshop, person, actor=organizer)
    specialty = "Plastic, reconstructive and aesthetic surgery"
    csv = f'name,email,specialty,country\nDr. Staff Member,{person.email},"{specialty}",FR\n'.encode()
    with pytest.raises(InvalidInput) as refused:
        enrolments.import_csv(workshop, csv, actor=organizer)
    assert "is on the staff of this workshop" in str(refused.value.problems)
    assert enrolments.enrolment_of(workshop, person) is None


# Removing a role ends its duties ------------------------------------------------------------


def test_removing_a_role_ends_the_duties_it_carried_audited_where_they_were_held(ctx, make):
    carla = make.user({Role.FACULTY, Role.ORGANIZER, Role.TRAINEE}, full_name="Dr. Carla Former")
    first = make.workshop(faculty=[carla], certifiers=[], title="Harvesting basics")
    second = make.workshop(organizer=carla, faculty=[], certifiers=[carla], title="Nanofat advanced")
    upcoming = make.session(first, kind=SessionKind.HANDS_ON, stations=1, faculty=[carla])
    past = make.running_session(first, started=timedelta(hours=3), minutes=60)
    with db.session.no_autoflush:
        load(past).faculty = [load(carla)]
        load(upcoming).stations[0].faculty_id = carla.id
    db.session.flush()
    sequence = load(upcoming).sequence
    admin = make.admin()
    carla = load(carla)

    preview = accounts.ended_by_roles(carla, {Role.ORGANIZER, Role.TRAINEE})
    assert [item.text for item in preview] == [
        f"Faculty of “Harvesting basics” ({first.starts_on.isoformat()}), "
        "and teaching its 1 upcoming session",
        f"Certifying faculty of “Nanofat advanced” ({second.starts_on.isoformat()})",
    ]
    assert len(duties(carla)) == 3  # a preview ends nothing

    accounts.change_roles(carla, {Role.ORGANIZER, Role.TRAINEE}, actor=load(admin))
    db.session.flush()
    assert duties(carla) == {(second.id, Duty.ORGANIZER)}  # the organizer role stays, so does its duty
    upcoming, past = load(upcoming), load(past)
    assert carla not in upcoming.faculty
    assert upcoming.stations[0].faculty_id is None
    assert upcoming.sequence == sequence + 1  # calendars learn who no longer teaches
    assert carla in past.faculty  # what happened stays as it was

    ended = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "workshop.staff_removed").order_by(AuditEvent.id)
    ).all()
    assert [(e.workshop_id, e.old["duty"], e.actor_id) for e in ended] == [
        (first.id, "faculty", admin.id),
        (second.id, "certifier", admin.id),
    ]
    assert ended[0].old["sessions"] == [upcoming.title]
    change = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.roles_changed"))
    assert change.new["ended"] == [item.text for item in preview]
    assert "ended: Faculty of “Harvesting basics”" in change.summary


def test_deactivating_keeps_the_duties_without_effect_until_reactivation(ctx, make):
    teacher = make.faculty()
    workshop = make.workshop(faculty=[teacher])
    admin, teacher, workshop = load(make.admin()), load(teacher), load(workshop)
    accounts.deactivate(teacher, actor=admin)
    assert duties(teacher) == {(workshop.id, Duty.FACULTY)}
    assert not teaches(teacher, workshop)
    assert staffed(teacher) == set()
    accounts.reactivate(teacher, actor=admin)
    assert teaches(teacher, workshop)
    assert staffed(teacher) == {workshop.id}


# Drafts and the kept catalogue ---------------------------------------------------------------


def test_who_sees_drafts_decides_who_shares_the_published_catalogue(ctx, make):
    stale = make.user({Role.FACULTY, Role.TRAINEE})
    teacher = make.faculty()
    draft = make.workshop(state=WorkshopState.DRAFT, faculty=[stale, teacher])
    stale, teacher = load(stale), load(teacher)
    stale.set_roles({Role.TRAINEE})
    db.session.flush()

    def visible(user) -> set[int]:
        return set(db.session.scalars(sa.select(Workshop.id).where(workshops.visible_filter(user))))

    for person in (stale, load(make.trainee()), None):
        assert workshops.sees_public_catalogue(person)
        assert draft.id not in visible(person)
    for person in (teacher, load(make.admin()), load(make.faculty())):
        assert not workshops.sees_public_catalogue(person)
    assert draft.id in visible(teacher)
