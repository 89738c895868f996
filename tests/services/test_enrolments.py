"""Enrolment use cases on the real database: seats, the waitlist, promotion,
prerequisites, the window, organizers' enrolments and CSV imports."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.accounts.models import Role, User
from training.accounts.services import Profile
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from training.enrolments import rules, services
from training.enrolments.models import Enrolment, EnrolmentSource, EnrolmentState
from training.extensions import db
from training.workshops.models import PrerequisitePolicy, SessionKind, StationAssignment, WorkshopState

HEADER = "name,email,specialty,country\n"


def merged(*objects):
    return [db.session.merge(o) for o in objects] if len(objects) > 1 else db.session.merge(objects[0])


def states(workshop):
    return [
        (e.trainee_id, e.state)
        for e in db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.workshop_id == workshop.id)
            .order_by(Enrolment.requested_at, Enrolment.id)
        )
    ]


def subjects(mails, user):
    return [m.subject for m in mails(user.email)]


# Seats and the waitlist ----------------------------------------------------------------------------


def test_seats_then_the_waitlist_in_arrival_order(make, ctx, mails):
    workshop = merged(make.workshop(capacity=2))
    trainees = [merged(make.trainee()) for _ in range(4)]
    results = [services.enrol(workshop, actor=t) for t in trainees]
    assert [r.seat.state for r in results] == [EnrolmentState.CONFIRMED] * 2 + [EnrolmentState.WAITLISTED] * 2
    assert [r.seat.position for r in results[2:]] == [1, 2]
    assert [services.waitlist_position(r.enrolment) for r in results] == [None, None, 1, 2]
    assert services.seat_summary(workshop) == rules.SeatSummary(2, 2, 2)
    assert [u.id for u in services.confirmed_trainees(workshop)] == [trainees[0].id, trainees[1].id]
    assert subjects(mails, trainees[0]) == [f"Your seat is confirmed: {workshop.title}"]
    (waitlisted,) = mails(trainees[3].email)
    assert waitlisted.subject == f"You are on the waitlist: {workshop.title}"
    assert "at position 2" in waitlisted.body
    assert waitlisted.topic == "enrolment"
    assert waitlisted.workshop_id == workshop.id
    assert f"http://training.test/workshops/{workshop.id}/enrolment" in waitlisted.body


def test_enrolling_twice_is_refused_and_changes_nothing(make, ctx, mails):
    workshop = merged(make.workshop(capacity=1))
    first, second = merged(make.trainee(), make.trainee())
    services.enrol(workshop, actor=first)
    services.enrol(workshop, actor=second)
    db.session.commit()
    before = states(workshop)
    with pytest.raises(Conflict, match="You are already enrolled in this workshop"):
        services.enrol(workshop, actor=first)
    db.session.rollback()
    with pytest.raises(Conflict, match=r"already on the waitlist of this workshop \(position 1\)"):
        services.enrol(workshop, actor=second)
    db.session.rollback()
    assert states(workshop) == before
    assert len(mails(first.email)) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"state": WorkshopState.DRAFT}, "not published yet"),
        ({"state": WorkshopState.CANCELLED}, "was cancelled"),
        ({"state": WorkshopState.COMPLETED}, "already taken place"),
        ({"enrolment_opens_at": utcnow() + timedelta(days=1)}, "has not opened yet"),
        ({"enrolment_closes_at": utcnow() - timedelta(minutes=1)}, "has closed"),
        ({"starts_on": utcnow().date() - timedelta(days=1)}, "has closed"),
    ],
)
def test_enrolment_outside_the_window_or_not_published_is_refused(make, ctx, mails, fields, message):
    workshop = merged(make.workshop(**fields))
    trainee = merged(make.trainee())
    with pytest.raises(Conflict, match=message):
        services.enrol(workshop, actor=trainee)
    db.session.rollback()
    assert states(workshop) == []
    assert mails(trainee.email) == []


def test_only_trainees_enrol_themselves(make, ctx):
    workshop = merged(make.workshop())
    with pytest.raises(NotAllowed):
        services.enrol(workshop, actor=merged(make.faculty()))


# Leaving and promotion ---------------------------------------------------------------------------------


def test_a_cancelled_seat_goes_to_the_first_waitlisted_in_the_same_transaction(make, ctx, mails):
    workshop = merged(make.workshop(capacity=2))
    lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2, station_capacity=1)
    a, b, c, d = (merged(make.trainee()) for _ in range(4))
    seat_a, _, wait_c, wait_d = (services.enrol(workshop, actor=t).enrolment for t in (a, b, c, d))
    db.session.commit()

    promoted = services.cancel(seat_a, actor=a, reason="Operating list changed")
    assert [e.trainee_id for e in promoted] == [c.id]
    db.session.commit()
    assert wait_c.state is EnrolmentState.CONFIRMED
    assert wait_c.confirmed_at is not None
    assert services.waitlist_position(wait_d) == 1
    assert seat_a.state is EnrolmentState.CANCELLED
    assert seat_a.cancelled_by_id == a.id
    assert seat_a.cancellation_reason == "Operating list changed"
    assert subjects(mails, c)[-1] == f"A seat is yours: {workshop.title}"
    assert subjects(mails, a)[-1] == f"You have cancelled your enrolment: {workshop.title}"
    # The promoted trainee takes the freed station place.
    placed = set(
        db.session.scalars(
            sa.select(StationAssignment.trainee_id).where(StationAssignment.session_id == lab.id)
        )
    )
    assert placed == {b.id, c.id}
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.workshop_id == workshop.id)
    ).all()
    assert "enrolment.cancelled" in actions
    assert "enrolment.promoted" in actions


def test_leaving_the_waitlist_promotes_nobody(make, ctx, mails):
    workshop = merged(make.workshop(capacity=1))
    a, b, c = (merged(make.trainee()) for _ in range(3))
    _, wait_b, wait_c = (services.enrol(workshop, actor=t).enrolment for t in (a, b, c))
    assert services.cancel(wait_b, actor=b) == []
    assert services.waitlist_position(wait_c) == 1
    assert "place on the waitlist" in mails(b.email)[-1].body


def test_an_organizer_removes_with_a_reason_and_the_waitlist_moves_up(make, ctx, mails):
    workshop = merged(make.workshop(capacity=1))
    organizer = merged(workshop.organizer)
    a, b = merged(make.trainee(), make.trainee())
    seat_a = services.enrol(workshop, actor=a).enrolment
    services.enrol(workshop, actor=b)
    promoted = services.remove(seat_a, actor=organizer, reason="Did not send the licence")
    assert [e.trainee_id for e in promoted] == [b.id]
    assert seat_a.cancelled_by_id == organizer.id
    removed = mails(a.email)[-1]
    assert removed.subject == f"Your enrolment was cancelled: {workshop.title}"
    assert "Their reason: Did not send the licence" in removed.body
    with pytest.raises(Conflict, match="already cancelled"):
        services.remove(seat_a, actor=organizer)


def test_nobody_else_cancels_or_removes(make, ctx):
    workshop = merged(make.workshop())
    a, b = merged(make.trainee(), make.trainee())
    enrolment = services.enrol(workshop, actor=a).enrolment
    with pytest.raises(NotAllowed):
        services.cancel(enrolment, actor=b)
    with pytest.raises(NotAllowed):
        services.remove(enrolment, actor=merged(make.workshop().organizer))
    with pytest.raises(NotAllowed):
        services.remove(enrolment, actor=merged(workshop.teacher))
    assert enrolment.state is EnrolmentState.CONFIRMED


def test_after_cancelling_enrolling_again_joins_the_back_of_the_line(make, ctx):
    workshop = merged(make.workshop(capacity=1))
    a, b = merged(make.trainee(), make.trainee())
    first = services.enrol(workshop, actor=a).enrolment
    services.enrol(workshop, actor=b)
    services.cancel(first, actor=a)
    again = services.enrol(workshop, actor=a)
    assert again.enrolment.id == first.id  # one row per trainee and workshop
    assert again.seat.state is EnrolmentState.WAITLISTED
    assert again.enrolment.cancelled_at is None
    assert again.enrolment.cancellation_reason == ""
    assert states(workshop) == [(b.id, EnrolmentState.CONFIRMED), (a.id, EnrolmentState.WAITLISTED)]


def test_a_raised_capacity_is_filled_from_the_waitlist(make, ctx, mails):
    workshop = merged(make.workshop(capacity=1))
    a, b, c, d = (merged(make.trainee()) for _ in range(4))
    for t in (a, b, c, d):
        services.enrol(workshop, actor=t)
    workshop.capacity = 3
    promoted = services.promote(workshop, actor=merged(workshop.organizer))
    assert [e.trainee_id for e in promoted] == [b.id, c.id]
    assert services.seat_summary(workshop) == rules.SeatSummary(3, 3, 1)
    assert services.promote(workshop, actor=merged(workshop.organizer)) == []


def test_the_roster_of_a_completed_workshop_is_kept(make, ctx):
    workshop = make.workshop()
    enrolment = merged(make.enrolment(workshop))
    workshop = merged(workshop)
    workshop.state = WorkshopState.COMPLETED
    db.session.commit()
    with pytest.raises(Conflict, match="already taken place"):
        services.remove(enrolment, actor=merged(workshop.organizer))


# Prerequisites ----------------------------------------------------------------------------------------


@pytest.fixture
def advanced(make, ctx):
    """A workshop teaching NFAT-301 only, which needs ANAT-101 and MFAT-201 first."""
    version = make.curriculum_version(["ANAT-101", "MFAT-201", "NFAT-301"])
    version = merged(version)
    anat, mfat, nfat = version.modules
    nfat.prerequisites = ["ANAT-101", "MFAT-201"]
    db.session.commit()

    def workshop(policy, state=WorkshopState.PUBLISHED, teaches=(nfat,)):
        ws = merged(make.workshop(version=version, state=state, prerequisite_policy=policy))
        ws.modules = list(teaches)
        db.session.commit()
        return ws

    workshop.modules = {"ANAT-101": anat, "MFAT-201": mfat}
    return workshop


def test_required_prerequisites_refuse_naming_every_missing_module(advanced, make, ctx):
    workshop = advanced(PrerequisitePolicy.REQUIRED)
    trainee = merged(make.trainee())
    with pytest.raises(DomainError) as refused:
        services.enrol(workshop, actor=trainee)
    assert str(refused.value) == (
        "Enrolment needs the prerequisite modules ANAT-101 Module ANAT-101, MFAT-201 Module MFAT-201, "
        "completed in an earlier workshop."
    )


def test_a_confirmed_seat_in_a_completed_workshop_satisfies_its_modules(advanced, make, ctx):
    trainee = merged(make.trainee())
    basics = advanced(PrerequisitePolicy.OFF, WorkshopState.COMPLETED, advanced.modules.values())
    make.enrolment(basics, trainee)
    assert services.enrol(advanced(PrerequisitePolicy.REQUIRED), actor=trainee).seat.confirmed


@pytest.mark.parametrize(
    ("state", "enrolment_state"),
    [
        (WorkshopState.PUBLISHED, EnrolmentState.CONFIRMED),  # not yet taken place
        (WorkshopState.COMPLETED, EnrolmentState.WAITLISTED),  # never had a seat
        (WorkshopState.COMPLETED, EnrolmentState.CANCELLED),  # left before it
    ],
)
def test_what_does_not_satisfy_a_prerequisite(advanced, make, ctx, state, enrolment_state):
    trainee = merged(make.trainee())
    basics = advanced(PrerequisitePolicy.OFF, state, advanced.modules.values())
    make.enrolment(basics, trainee, state=enrolment_state)
    with pytest.raises(DomainError, match="ANAT-101"):
        services.enrol(advanced(PrerequisitePolicy.REQUIRED), actor=trainee)


def test_half_the_prerequisites_names_only_the_other_half(advanced, make, ctx):
    trainee = merged(make.trainee())
    make.enrolment(
        advanced(PrerequisitePolicy.OFF, WorkshopState.COMPLETED, [advanced.modules["ANAT-101"]]), trainee
    )
    with pytest.raises(DomainError) as refused:
        services.enrol(advanced(PrerequisitePolicy.REQUIRED), actor=trainee)
    assert "MFAT-201" in str(refused.value)
    assert "ANAT-101" not in str(refused.value)


def test_warn_enrols_and_says_what_is_missing(advanced, make, ctx):
    result = services.enrol(advanced(PrerequisitePolicy.WARN), actor=merged(make.trainee()))
    assert result.seat.confirmed
    assert result.prerequisites.warning
    assert result.prerequisites.missing == ("ANAT-101", "MFAT-201")


# Organizers enrol ---------------------------------------------------------------------------------------


def test_an_organizer_enrols_a_trainee_even_after_closing(make, ctx, mails):
    workshop = merged(make.workshop(enrolment_closes_at=utcnow() - timedelta(days=1)))
    trainee = merged(make.trainee())
    result = services.enrol_by_organizer(workshop, trainee, actor=merged(workshop.organizer))
    assert result.seat.confirmed
    assert result.enrolment.source is EnrolmentSource.ORGANIZER
    assert len(mails(trainee.email)) == 1


def test_an_organizer_cannot_enrol_staff_or_deactivated_people(make, ctx):
    workshop = merged(make.workshop())
    organizer = merged(workshop.organizer)
    with pytest.raises(Conflict, match="is not a trainee"):
        services.enrol_by_organizer(workshop, merged(make.faculty()), actor=organizer)
    with pytest.raises(Conflict, match="deactivated"):
        services.enrol_by_organizer(workshop, merged(make.trainee(active=False)), actor=organizer)
    with pytest.raises(NotAllowed):
        services.enrol_by_organizer(workshop, merged(make.trainee()), actor=merged(make.organizer()))


def test_an_organizer_creates_and_enrols_a_new_trainee_who_is_invited(make, ctx, mails):
    workshop = merged(make.workshop())
    profile = Profile(
        full_name="Dr. Lena Vogel", email="Lena.Vogel@example.org", specialty="Dermatology", country="DE"
    )
    result = services.enrol_new_trainee(workshop, profile, actor=merged(workshop.organizer))
    trainee = result.enrolment.trainee
    assert trainee.email == "lena.vogel@example.org"
    assert trainee.roles == {Role.TRAINEE}
    assert trainee.password_hash is None
    assert subjects(mails, trainee) == [
        "Your account on the training programme",
        f"Your seat is confirmed: {workshop.title}",
    ]
    with pytest.raises(Conflict, match="already has an account"):
        services.enrol_new_trainee(workshop, profile, actor=merged(workshop.organizer))


# CSV import ------------------------------------------------------------------------------------------------


def count_users():
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def test_a_clean_file_enrols_everyone_in_its_order(make, ctx, mails):
    workshop = merged(make.workshop(capacity=2))
    known = merged(make.trainee(email="known@example.org"))
    data = (
        HEADER
        + "Dr. New One,new1@example.org,Dermatology,PT\n"
        + "Someone Else,KNOWN@example.org,Dermatology,FR\n"
        + "Dr. New Two,new2@example.org,Oculoplastic surgery,Italy\n"
    ).encode()
    users_before = count_users()
    report = services.import_csv(workshop, data, actor=merged(workshop.organizer))
    assert report.created == 2
    assert count_users() == users_before + 2
    assert report.confirmed == ["Dr. New One", known.full_name]
    assert report.waitlisted == ["Dr. New Two"]
    new_two = db.session.scalar(sa.select(User).where(User.email == "new2@example.org"))
    assert (new_two.specialty, new_two.country) == ("Oculoplastic surgery", "IT")
    assert subjects(mails, new_two) == [
        "Your account on the training programme",
        f"You are on the waitlist: {workshop.title}",
    ]
    sources = {
        e.source for e in db.session.scalars(sa.select(Enrolment).where(Enrolment.workshop_id == workshop.id))
    }
    assert sources == {EnrolmentSource.IMPORT}


def test_a_file_with_any_bad_row_imports_nothing_and_lists_every_problem(make, ctx, mails, advanced):
    workshop = advanced(PrerequisitePolicy.REQUIRED)
    make.user({Role.FACULTY}, email="faculty.person@example.org")
    enrolled = make.trainee(email="enrolled@example.org")
    make.enrolment(workshop, enrolled)
    make.trainee(email="missing.basics@example.org")
    data = (
        HEADER
        + "Dr. Faculty,faculty.person@example.org,Dermatology,FR\n"
        + "Dr. Enrolled,enrolled@example.org,Dermatology,FR\n"
        + "Dr. Basics,missing.basics@example.org,Dermatology,FR\n"
        + "Dr. Brand New,brand.new@example.org,Dermatology,FR\n"
        + "Dr. Bad,bad-address,Dermatology,FR\n"
    ).encode()
    users_before, mail_before = count_users(), len(mails())
    with pytest.raises(InvalidInput) as refused:
        services.import_csv(workshop, data, actor=merged(workshop.organizer))
    db.session.rollback()
    problems = refused.value.problems["file"]
    assert [p.split(":")[0] for p in problems] == ["Line 2", "Line 3", "Line 4", "Line 5", "Line 6"]
    assert "who is not a trainee" in problems[0]
    assert "is already confirmed on this workshop" in problems[1]
    assert "ANAT-101" in problems[2]
    assert "has no account yet" in problems[3]
    assert "ANAT-101" in problems[3]
    assert "'bad-address' is not an e-mail address" in problems[4]
    assert count_users() == users_before
    assert len(mails()) == mail_before
    assert len(states(workshop)) == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"name,mail,specialty,country\nA,a@example.org,Dermatology,FR\n", "must name the columns"),
        ((HEADER + "Dr. Müller,m@example.org,Dermatology,DE\n").encode("latin-1"), "not UTF-8"),
        (b"PK\x03\x04....", "Excel"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_as_a_whole(make, ctx, data, words):
    workshop = merged(make.workshop())
    with pytest.raises(InvalidInput, match=words) as refused:
        services.import_csv(workshop, data, actor=merged(workshop.organizer))
    assert list(refused.value.problems) == ["file"]


def test_no_import_into_a_draft(make, ctx):
    workshop = merged(make.workshop(state=WorkshopState.DRAFT))
    with pytest.raises(Conflict, match="not published"):
        services.import_csv(
            workshop,
            (HEADER + "Dr. A,a@example.org,Dermatology,FR\n").encode(),
            actor=merged(workshop.organizer),
        )
