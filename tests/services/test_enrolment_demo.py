"""The enrolments demo: something real on every page, and safe to run again."""

import sqlalchemy as sa

from training.accounts.models import Role
from training.enrolments import demo, services
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import WorkshopState


def by_state(workshop):
    rows = db.session.execute(
        sa.select(Enrolment.state, sa.func.count())
        .where(Enrolment.workshop_id == workshop.id)
        .group_by(Enrolment.state)
    ).all()
    return dict(rows)


def test_without_a_demo_workshop_it_does_nothing(make, ctx):
    make.user({Role.ORGANIZER}, email="organizer@example.org")
    make.user({Role.TRAINEE}, email="trainee@example.org")
    make.workshop(state=WorkshopState.DRAFT, organizer=db.session.merge(make.organizer()))
    assert demo.seed() == ["Enrolments: no published demo workshop yet; nobody enrolled."]


def test_fills_the_demo_workshop_with_a_waitlist_and_a_cancellation_once(make, ctx):
    organizer = make.user({Role.ORGANIZER}, email="organizer@example.org")
    trainee = make.user({Role.TRAINEE}, email="trainee@example.org")
    make.workshop(capacity=50, organizer=make.organizer())  # someone else's: left alone
    workshop = db.session.merge(make.workshop(capacity=4, organizer=organizer))
    lines = demo.seed()
    assert lines[0] == f"Enrolments in {workshop.title}:"
    assert by_state(workshop) == {
        EnrolmentState.CONFIRMED: 4,
        EnrolmentState.WAITLISTED: 2,
        EnrolmentState.CANCELLED: 1,
    }
    assert services.enrolment_of(workshop, db.session.merge(trainee)).state is EnrolmentState.CONFIRMED
    assert demo.seed() == [f"Enrolments: {workshop.title} already seeded (4 confirmed, 2 waiting)."]
    assert sum(by_state(workshop).values()) == 7
