"""Workshop use cases against the real database: building, staffing, scheduling, notifying."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from training.accounts.models import Role
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.curriculum.models import VersionState
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops import services
from training.workshops.models import (
    Duty,
    PrerequisitePolicy,
    SessionKind,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopState,
)
from training.workshops.permissions import can_edit_workshop, can_view_workshop


def workshop_input(version, **changes) -> services.WorkshopInput:
    values = {
        "title": "Anatomy-first nanofat course",
        "description": "Three days in Bologna.",
        "curriculum_version_id": version.id,
        "module_ids": [m.id for m in version.modules],
        "venue_name": "Anatomy Institute",
        "venue_address": "Via Irnerio 48",
        "city": "Bologna",
        "country": "IT",
        "timezone": "Europe/Rome",
        "starts_on": date(2026, 10, 23),
        "ends_on": date(2026, 10, 25),
        "capacity": 12,
        "enrolment_opens_local": datetime(2026, 9, 1, 9, 0),
        "enrolment_closes_local": datetime(2026, 10, 16, 18, 0),
        "prerequisite_policy": PrerequisitePolicy.WARN,
    }
    values.update(changes)
    return services.WorkshopInput(**values)


def session_input(**changes) -> services.SessionInput:
    values = {
        "title": "Microfat harvesting",
        "description": "",
        "kind": SessionKind.LECTURE,
        "day": None,
        "start": time(9, 0),
        "end": time(10, 30),
        "room": "Aula Magna",
        "module_ids": [],
        "faculty_ids": [],
        "mandatory": True,
    }
    values.update(changes)
    return services.SessionInput(**values)


def merged(*objects):
    return [db.session.merge(o) for o in objects]


# --- workshops ---------------------------------------------------------------------------------


def test_creating_a_workshop_makes_a_draft_its_creator_organizes(make, ctx):
    version = db.session.merge(make.curriculum_version(["ANAT-101", "MFAT-201", "NFAT-301"]))
    organizer = db.session.merge(make.organizer())
    workshop = services.create_workshop(workshop_input(version), actor=organizer)
    db.session.commit()
    assert workshop.state is WorkshopState.DRAFT
    assert workshop.duties_of(organizer) == {Duty.ORGANIZER}
    assert [m.code for m in workshop.modules] == ["ANAT-101", "MFAT-201", "NFAT-301"]
    # The enrolment window was entered in venue time (summer: UTC+2).
    assert workshop.enrolment_opens_at == datetime(2026, 9, 1, 7, 0, tzinfo=UTC)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "workshop.created"))
    assert event.workshop_id == workshop.id
    assert event.actor_id == organizer.id
    assert event.new["timezone"] == "Europe/Rome"


def test_bad_fields_are_all_refused_and_nothing_is_created(make, ctx):
    version = db.session.merge(make.curriculum_version())
    organizer = db.session.merge(make.organizer())
    with pytest.raises(InvalidInput) as caught:
        services.create_workshop(
            workshop_input(version, timezone="Europe/Atlantis", capacity=-5, module_ids=[]), actor=organizer
        )
    assert set(caught.value.problems) == {"timezone", "capacity", "module_ids"}
    assert "Europe/Atlantis" in caught.value.problems["timezone"][0]
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 0


def test_a_draft_curriculum_version_is_refused(make, ctx):
    version = db.session.merge(make.curriculum_version(state=VersionState.DRAFT))
    with pytest.raises(InvalidInput) as caught:
        services.create_workshop(workshop_input(version), actor=db.session.merge(make.organizer()))
    assert "curriculum_version_id" in caught.value.problems


def test_capacity_cannot_drop_below_the_confirmed_count(make, ctx):
    workshop = make.workshop(capacity=10)
    make.enrolled_trainees(workshop, 4)
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    workshop, version, organizer = merged(workshop, workshop.curriculum_version, workshop.organizer)
    data = workshop_input(version, capacity=3, starts_on=workshop.starts_on, ends_on=workshop.ends_on)
    with pytest.raises(InvalidInput) as caught:
        services.update_workshop(workshop, data, actor=organizer)
    assert caught.value.problems["capacity"] == [
        "4 trainees already hold a confirmed seat: the capacity cannot go below 4."
    ]
    db.session.rollback()
    workshop = db.session.get(Workshop, workshop.id)
    data.capacity = 4
    services.update_workshop(workshop, data, actor=organizer)
    assert workshop.capacity == 4
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "workshop.updated"))
    assert event.old["capacity"] == 10
    assert event.new["capacity"] == 4


def test_raising_the_capacity_moves_the_waitlist_up(make, ctx, mails):
    workshop = make.workshop(capacity=2)
    make.enrolled_trainees(workshop, 2)
    first = make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    second = make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    workshop, version, organizer = merged(workshop, workshop.curriculum_version, workshop.organizer)
    data = workshop_input(version, capacity=3, starts_on=workshop.starts_on, ends_on=workshop.ends_on)
    services.update_workshop(workshop, data, actor=organizer)
    db.session.commit()
    states = {e.trainee_id: e.state for e in db.session.scalars(sa.select(Enrolment))}
    assert states[first.trainee_id] is EnrolmentState.CONFIRMED
    assert states[second.trainee_id] is EnrolmentState.WAITLISTED
    assert len(mails(first.trainee.email)) == 1


def test_dates_cannot_leave_a_session_behind(make, ctx):
    workshop = make.workshop()
    make.session(workshop, day=2, title="Live demonstration: CAL")
    workshop, version, organizer = merged(workshop, workshop.curriculum_version, workshop.organizer)
    data = workshop_input(
        version, starts_on=workshop.starts_on, ends_on=workshop.starts_on + timedelta(days=1)
    )
    with pytest.raises(InvalidInput) as caught:
        services.update_workshop(workshop, data, actor=organizer)
    assert "“Live demonstration: CAL”" in caught.value.problems["starts_on"][0]


def test_state_moves_publish_complete_and_cancel(make, ctx, mails):
    draft = db.session.merge(make.workshop(state=WorkshopState.DRAFT))
    organizer = db.session.merge(draft.staff_with(Duty.ORGANIZER)[0])
    services.publish_workshop(draft, actor=organizer)
    assert draft.state is WorkshopState.PUBLISHED
    assert draft.published_at is not None
    with pytest.raises(Conflict, match="has not begun"):
        services.complete_workshop(draft, actor=organizer)
    services.complete_workshop(draft, actor=organizer, today=draft.starts_on)
    assert draft.state is WorkshopState.COMPLETED
    with pytest.raises(Conflict):
        services.cancel_workshop(draft, "Too late", actor=organizer)
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["workshop.published", "workshop.completed"]


def test_cancelling_needs_a_reason_and_tells_confirmed_trainees(make, ctx, mails):
    workshop = make.workshop()
    confirmed = make.enrolled_trainees(workshop, 2)
    waiting = make.enrolment(workshop, state=EnrolmentState.WAITLISTED).trainee
    make.session(workshop)
    workshop, organizer = merged(workshop, workshop.organizer)
    with pytest.raises(InvalidInput):
        services.cancel_workshop(workshop, "   ", actor=organizer)
    assert services.cancel_workshop(workshop, "The anatomy lab is closed for repairs.", actor=organizer) == 2
    assert workshop.state is WorkshopState.CANCELLED
    assert workshop.cancellation_reason == "The anatomy lab is closed for repairs."
    assert all(s.sequence == 1 for s in workshop.sessions)
    assert sorted(m.recipient for m in mails()) == sorted(t.email for t in confirmed)
    assert not mails(waiting.email)
    assert "closed for repairs" in mails()[0].body


# --- staff ---------------------------------------------------------------------------------------


def test_staff_duties_need_the_matching_role(make, ctx):
    workshop = make.workshop()
    trainee, teacher, second = make.trainee(), make.faculty(), make.organizer()
    workshop, organizer = merged(workshop, workshop.organizer)
    with pytest.raises(InvalidInput, match="not faculty"):
        services.add_staff(workshop, trainee.email, Duty.FACULTY, actor=organizer)
    with pytest.raises(InvalidInput, match="No active account"):
        services.add_staff(workshop, "nobody@example.org", Duty.FACULTY, actor=organizer)
    services.add_staff(workshop, teacher.email.upper(), Duty.CERTIFIER, actor=organizer)
    with pytest.raises(Conflict, match="already certifying faculty"):
        services.add_staff(workshop, teacher.email, Duty.CERTIFIER, actor=organizer)
    services.add_staff(workshop, second.email, Duty.ORGANIZER, actor=organizer)
    assert {u.email for u in workshop.staff_with(Duty.ORGANIZER)} == {organizer.email, second.email}


def test_the_last_organizer_and_teaching_faculty_cannot_be_removed(make, ctx):
    workshop = make.workshop()
    make.session(workshop, title="Nanofat emulsification")
    workshop, organizer = merged(workshop, workshop.organizer)
    (only_organizer,) = [m for m in workshop.staff if m.duty is Duty.ORGANIZER]
    with pytest.raises(Conflict, match="at least one organizer"):
        services.remove_staff(workshop, only_organizer, actor=organizer)
    (teacher,) = [m for m in workshop.staff if m.duty is Duty.FACULTY]
    with pytest.raises(Conflict, match="“Nanofat emulsification”"):
        services.remove_staff(workshop, teacher, actor=organizer)
    (certifier,) = [m for m in workshop.staff if m.duty is Duty.CERTIFIER]
    services.remove_staff(workshop, certifier, actor=organizer)
    assert not workshop.staff_with(Duty.CERTIFIER)


def test_a_faculty_profile_needs_a_disclosure_or_nothing_to_disclose(make, ctx):
    teacher = db.session.merge(make.faculty())
    with pytest.raises(InvalidInput):
        services.save_faculty_profile(
            teacher, biography="", disclosure="", nothing_to_disclose=False, actor=teacher
        )
    with pytest.raises(InvalidInput):
        services.save_faculty_profile(
            teacher, biography="", disclosure="Grant from X", nothing_to_disclose=True, actor=teacher
        )
    profile = services.save_faculty_profile(
        teacher,
        biography="Oculoplastic surgeon.",
        disclosure="Paid consultant to a cannula manufacturer.",
        nothing_to_disclose=False,
        actor=teacher,
    )
    assert profile.disclosure_updated_at is not None
    assert services.faculty_profiles([teacher.id])[teacher.id].disclosure.startswith("Paid consultant")


# --- sessions and clashes -------------------------------------------------------------------------


def test_a_session_is_stored_in_utc_from_venue_time(make, ctx):
    workshop = make.workshop(starts_on=date(2026, 10, 23))
    workshop, organizer = merged(workshop, workshop.organizer)
    item = services.create_session(
        workshop,
        session_input(
            day=date(2026, 10, 25), start=time(1, 0), end=time(4, 0), module_ids=[workshop.modules[0].id]
        ),
        actor=organizer,
    )
    # Across the change back to winter time: 01:00 CEST to 04:00 CET is four real hours.
    assert item.starts_at == datetime(2026, 10, 24, 23, 0, tzinfo=UTC)
    assert item.ends_at == datetime(2026, 10, 25, 3, 0, tzinfo=UTC)
    assert item.minutes == 240


def test_faculty_cannot_teach_in_two_workshops_at_once(make, ctx):
    teacher = make.faculty(full_name="Dr. Amara Okafor")
    day = date(2026, 11, 10)
    first = make.workshop(starts_on=day, faculty=[teacher], title="Bologna course")
    second = make.workshop(starts_on=day, faculty=[teacher], title="Lisbon course", timezone="Europe/Lisbon")
    make.session(first, start=time(10, 0), minutes=60, faculty=[teacher], title="Tear trough grafting")
    second, organizer, teacher = merged(second, second.organizer, teacher)
    # 09:30 in Lisbon is 10:30 in Rome: inside the Bologna session.
    with pytest.raises(InvalidInput) as caught:
        services.create_session(
            second,
            session_input(day=day, start=time(9, 30), end=time(10, 0), faculty_ids=[teacher.id]),
            actor=organizer,
        )
    (message,) = caught.value.problems[None]
    assert message.startswith(
        "Dr. Amara Okafor already teaches “Tear trough grafting” in the workshop “Bologna course”"
    )
    assert "Europe/Lisbon" in message


def test_a_room_cannot_hold_two_sessions_but_a_cancelled_one_frees_it(make, ctx):
    workshop = make.workshop(starts_on=date(2026, 11, 10))
    taken = make.session(workshop, start=time(9, 0), minutes=90, room="Dissection hall", faculty=[])
    workshop, organizer = merged(workshop, workshop.organizer)
    data = session_input(day=date(2026, 11, 10), start=time(10, 0), end=time(11, 0), room="dissection hall")
    with pytest.raises(InvalidInput, match="The room dissection hall is already taken by “"):
        services.create_session(workshop, data, actor=organizer)
    db.session.rollback()
    workshop, organizer = merged(workshop, workshop.organizer)
    services.cancel_session(db.session.get(WorkshopSession, taken.id), actor=organizer)
    assert services.create_session(workshop, data, actor=organizer).room == "dissection hall"


def test_outside_the_dates_and_end_before_start_are_refused(make, ctx):
    workshop = make.workshop(starts_on=date(2026, 11, 10))
    workshop, organizer = merged(workshop, workshop.organizer)
    with pytest.raises(InvalidInput, match="outside the workshop's dates"):
        services.create_session(workshop, session_input(day=date(2026, 11, 13)), actor=organizer)
    with pytest.raises(InvalidInput, match="must end after it starts"):
        services.create_session(
            workshop,
            session_input(day=date(2026, 11, 10), start=time(11, 0), end=time(10, 0)),
            actor=organizer,
        )


def test_only_the_workshops_modules_and_faculty_may_be_chosen(make, ctx):
    workshop = make.workshop(starts_on=date(2026, 11, 10))
    stranger = make.faculty()
    workshop, organizer = merged(workshop, workshop.organizer)
    with pytest.raises(InvalidInput) as caught:
        services.create_session(
            workshop,
            session_input(day=date(2026, 11, 10), module_ids=[999_999], faculty_ids=[stranger.id]),
            actor=organizer,
        )
    assert set(caught.value.problems) == {"module_ids", "faculty_ids"}


def test_moving_a_session_raises_its_sequence_and_emails_confirmed_trainees(make, ctx, mails):
    workshop = make.workshop(starts_on=date(2026, 11, 10))
    confirmed = make.enrolled_trainees(workshop, 2)
    waiting = make.enrolment(workshop, state=EnrolmentState.WAITLISTED).trainee
    item = make.session(workshop, start=time(9, 0), minutes=60, room="Aula 1", title="Nanofat injection")
    item, organizer = merged(item, workshop.organizer)
    data = session_input(
        title="Nanofat injection",
        day=date(2026, 11, 10),
        start=time(14, 0),
        end=time(15, 0),
        room="Aula 2",
        module_ids=[m.id for m in item.modules],
        faculty_ids=[u.id for u in item.faculty],
        mandatory=item.mandatory,
        kind=item.kind,
    )
    assert services.update_session(item, data, actor=organizer) == ["time", "room"]
    assert item.sequence == 1
    sent = mails()
    assert sorted(m.recipient for m in sent) == sorted(t.email for t in confirmed)
    assert not mails(waiting.email)
    body = sent[0].body
    assert "was: Tuesday 10 November 2026, 09:00-10:00, Aula 1" in body
    assert "now: Tuesday 10 November 2026, 14:00-15:00, Aula 2" in body
    assert "Europe/Rome" in body
    assert sent[0].topic == "schedule-change"
    assert sent[0].workshop_id == workshop.id


def test_a_title_change_raises_the_sequence_without_mail_and_drafts_send_none(make, ctx, mails):
    workshop = make.workshop(starts_on=date(2026, 11, 10))
    make.enrolled_trainees(workshop, 1)
    item = make.session(workshop, start=time(9, 0), minutes=60, faculty=[])
    item, organizer = merged(item, workshop.organizer)
    same = {"day": date(2026, 11, 10), "start": time(9, 0), "end": time(10, 0), "room": item.room}
    services.update_session(item, session_input(title="Renamed", mandatory=False, **same), actor=organizer)
    assert item.sequence == 1
    assert not mails()
    draft = make.workshop(state=WorkshopState.DRAFT, starts_on=date(2026, 11, 20))
    make.enrolled_trainees(draft, 1)
    draft_session = db.session.merge(make.session(draft, faculty=[]))
    services.cancel_session(draft_session, actor=organizer)
    assert draft_session.cancelled
    assert not mails()


def test_cancelling_a_session_keeps_it_marked_and_tells_trainees(make, ctx, mails):
    workshop = make.workshop()
    (trainee,) = make.enrolled_trainees(workshop, 1)
    item = make.session(workshop, title="Live demonstration")
    item, organizer = merged(item, workshop.organizer)
    services.cancel_session(item, actor=organizer)
    db.session.commit()
    kept = db.session.get(WorkshopSession, item.id)
    assert kept.cancelled
    assert kept.sequence == 1
    (mail,) = mails(trainee.email)
    assert mail.subject.startswith("Cancelled: Live demonstration")
    with pytest.raises(Conflict, match="already cancelled"):
        services.cancel_session(kept, actor=organizer)


# --- stations ---------------------------------------------------------------------------------------


def test_new_lab_stations_place_confirmed_trainees_evenly(make, ctx):
    workshop = make.workshop(starts_on=date(2026, 11, 10))
    make.enrolled_trainees(workshop, 7)
    workshop, organizer = merged(workshop, workshop.organizer)
    item = services.create_session(
        workshop,
        session_input(kind=SessionKind.CADAVER_LAB, day=date(2026, 11, 10), stations=3, station_capacity=4),
        actor=organizer,
    )
    loads = sorted(len(s.assignments) for s in item.stations)
    assert loads == [2, 2, 3]


def test_organizers_move_trainees_within_capacity(make, ctx):
    workshop = make.workshop()
    trainees = make.enrolled_trainees(workshop, 3)
    outsider = make.trainee()
    item = make.session(workshop, kind=SessionKind.HANDS_ON, stations=2, station_capacity=2)
    item, organizer = merged(item, workshop.organizer)
    services.place_trainees(item, actor=organizer)
    first, second = item.stations
    full = first if len(services.station_assignments(item)[first.id]) == 2 else second
    other = second if full is first else first
    mover = services.station_assignments(item)[other.id][0].trainee_id
    with pytest.raises(Conflict, match=f"{full.name} is full \\(2 of 2 places taken\\)"):
        services.move_trainee(item, trainee_id=mover, station_id=full.id, actor=organizer)
    leaving = services.station_assignments(item)[full.id][0].trainee_id
    services.move_trainee(item, trainee_id=leaving, station_id=other.id, actor=organizer)
    assert len(services.station_assignments(item)[other.id]) == 2
    with pytest.raises(InvalidInput):
        services.move_trainee(item, trainee_id=outsider.id, station_id=other.id, actor=organizer)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StationAssignment)) == len(trainees)


def test_removing_a_station_places_its_trainees_again(make, ctx):
    workshop = make.workshop()
    make.enrolled_trainees(workshop, 4)
    item = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2, station_capacity=4)
    item, organizer = merged(item, workshop.organizer)
    services.place_trainees(item, actor=organizer)
    assert services.remove_station(item.stations[0], actor=organizer) == 2
    (left,) = item.stations
    assert len(services.station_assignments(item)[left.id]) == 4


# --- lists, schedules and feeds -------------------------------------------------------------------


def test_lists_filter_by_search_module_country_month_and_hide_others_drafts(make, ctx):
    today = date(2026, 6, 1)
    version = make.curriculum_version(["ANAT-101", "NFAT-303"])
    rome = make.workshop(version=version, starts_on=date(2026, 10, 23), title="Bologna anatomy course")
    make.workshop(starts_on=date(2026, 9, 3), title="São Paulo nanofat", country="BR", city="São Paulo")
    draft = make.workshop(state=WorkshopState.DRAFT, starts_on=date(2026, 9, 3), title="Secret draft")
    make.workshop(starts_on=date(2026, 3, 3), title="Spring course")
    trainee = db.session.merge(make.trainee())

    def titles(user, **filters):
        query = services.workshop_list_query(user, services.WorkshopFilters(**filters), today=today)
        return [w.title for w in db.session.scalars(query)]

    assert titles(trainee) == ["São Paulo nanofat", "Bologna anatomy course"]
    assert titles(trainee, when="past") == ["Spring course"]
    assert titles(trainee, q="anatomy course") == ["Bologna anatomy course"]
    assert titles(trainee, q="são paulo") == ["São Paulo nanofat"]
    assert titles(trainee, module="NFAT-303") == ["Bologna anatomy course"]
    assert titles(trainee, country="br") == ["São Paulo nanofat"]
    assert titles(trainee, month="2026-10") == ["Bologna anatomy course"]
    assert titles(trainee, q="100%_") == []
    organizer = db.session.merge(draft.organizer)
    assert "Secret draft" in titles(organizer)
    assert "Secret draft" in titles(db.session.merge(make.admin()))
    modules, countries = services.filter_choices(trainee, today=today)
    assert ("NFAT-303", "Module NFAT-303") in modules
    assert countries == ["BR", "IT"]
    # The past view's menus offer only what past workshops have: no Brazil there.
    assert services.filter_choices(trainee, "past", today=today)[1] == ["IT"]
    assert rome.id in {
        w.id
        for w in db.session.scalars(
            services.workshop_list_query(trainee, services.WorkshopFilters(), today=today)
        )
    }


def test_a_trainees_schedule_spans_their_confirmed_workshops_with_their_station(make, ctx):
    trainee = make.trainee()
    soon = utcnow().date() + timedelta(days=20)
    first = make.workshop(starts_on=soon, title="First")
    second = make.workshop(starts_on=soon + timedelta(days=7), title="Second", timezone="America/Sao_Paulo")
    waitlisted = make.workshop(starts_on=soon, title="Waiting")
    for workshop in (first, second):
        make.enrolment(workshop, trainee)
    make.enrolment(waitlisted, trainee, state=EnrolmentState.WAITLISTED)
    lab = make.session(first, kind=SessionKind.CADAVER_LAB, stations=1, title="Lab")
    make.session(second, title="Seminar")
    make.session(waitlisted, title="Not mine")
    make.assign(lab.stations[0], trainee)
    items = services.user_schedule(db.session.merge(trainee))
    assert [(i.session.title, i.station.name if i.station else None) for i in items] == [
        ("Lab", "Table 1"),
        ("Seminar", None),
    ]


def test_calendar_feed_tokens_are_secret_regenerable_and_revocable(make, ctx):
    trainee = db.session.merge(make.trainee())
    token = services.issue_calendar_feed(trainee, actor=trainee)
    assert services.user_for_feed(token).id == trainee.id
    feed = services.calendar_feed(trainee)
    assert token not in (feed.token_digest, feed.token_hint)
    assert token.startswith(feed.token_hint)
    new_token = services.issue_calendar_feed(trainee, actor=trainee)
    assert services.user_for_feed(token) is None
    assert services.user_for_feed(new_token).id == trainee.id
    assert services.revoke_calendar_feed(trainee, actor=trainee)
    assert services.user_for_feed(new_token) is None
    assert services.user_for_feed("") is None
    assert services.user_for_feed("x" * 500) is None


def test_a_deactivated_persons_feed_stops(make, ctx):
    trainee = db.session.merge(make.trainee())
    token = services.issue_calendar_feed(trainee, actor=trainee)
    trainee.active = False
    assert services.user_for_feed(token) is None


def test_the_feed_holds_confirmed_and_staff_workshops_but_no_drafts(make, ctx):
    teacher = make.faculty()
    trainee = make.trainee()
    enrolled = make.workshop(title="Enrolled")
    taught = make.workshop(title="Taught", faculty=[teacher])
    draft = make.workshop(title="Draft", state=WorkshopState.DRAFT, faculty=[teacher])
    make.enrolment(enrolled, trainee)
    for workshop in (enrolled, taught, draft):
        make.session(workshop, title=f"{workshop.title} session", faculty=[])
    assert [s.title for s in services.feed_sessions(db.session.merge(trainee))] == ["Enrolled session"]
    assert [s.title for s in services.feed_sessions(db.session.merge(teacher))] == ["Taught session"]


def test_roles_are_not_enough_to_organize(make, ctx):
    # A global organizer organizes only the workshops they are on.

    workshop = db.session.merge(make.workshop())
    stranger = db.session.merge(make.user({Role.ORGANIZER}))
    assert not can_edit_workshop(stranger, workshop)
    draft = db.session.merge(make.workshop(state=WorkshopState.DRAFT))
    assert not can_view_workshop(stranger, draft)
    assert can_view_workshop(stranger, workshop)


def test_stations_of_a_cancelled_session_or_finished_workshop_stay_as_they_are(make, ctx):
    workshop = make.workshop()
    make.enrolled_trainees(workshop, 2)
    lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2)
    lab, organizer = merged(lab, workshop.organizer)
    services.cancel_session(lab, actor=organizer)
    with pytest.raises(Conflict, match="cancelled"):
        services.add_station(lab, name="Table 9", equipment="", capacity=2, faculty_id=None, actor=organizer)
    with pytest.raises(Conflict, match="cancelled"):
        services.remove_station(lab.stations[0], actor=organizer)
    with pytest.raises(Conflict, match="cancelled"):
        services.place_trainees(lab, actor=organizer)
    assert len(lab.stations) == 2


# --- CME/CPD accreditation ---------------------------------------------------------------------

STATEMENT = "Accredited by the EACCME for 3 European CME credits."


def test_designated_credits_never_exceed_the_scheduled_educational_hours(make, ctx):
    version = db.session.merge(make.curriculum_version())
    organizer = db.session.merge(make.organizer())
    accredited = {"cme_accreditor": "EACCME", "cme_statement": STATEMENT}
    with pytest.raises(InvalidInput) as before_sessions:
        services.create_workshop(
            workshop_input(version, **accredited, cme_designated_credits=Decimal(7)), actor=organizer
        )
    assert (
        "only 0 hours of educational sessions are scheduled"
        in (before_sessions.value.problems["cme_designated_credits"][0])
    )
    db.session.rollback()
    workshop = services.create_workshop(workshop_input(version), actor=organizer)
    assert not workshop.accredited
    for start, end, kind in (
        (time(9, 0), time(10, 30), SessionKind.LECTURE),
        (time(10, 30), time(11, 0), SessionKind.BREAK),
        (time(11, 0), time(12, 30), SessionKind.HANDS_ON),
    ):
        services.create_session(
            workshop, session_input(start=start, end=end, kind=kind, day=workshop.starts_on), actor=organizer
        )
    with pytest.raises(InvalidInput) as too_many:
        services.update_workshop(
            workshop,
            workshop_input(version, **accredited, cme_designated_credits=Decimal(4)),
            actor=organizer,
        )
    # The break does not count: three hours of education, not three and a half.
    assert (
        "4 credits designated, but only 3 hours of educational sessions are scheduled"
        in (too_many.value.problems["cme_designated_credits"][0])
    )
    services.update_workshop(
        workshop, workshop_input(version, **accredited, cme_designated_credits=Decimal(3)), actor=organizer
    )
    assert workshop.accredited
    assert (workshop.cme_accreditor, workshop.cme_designated_credits, workshop.cme_daily_cap) == (
        "EACCME",
        Decimal(3),
        Decimal(6),
    )


def test_an_accreditation_names_its_body_and_statement(make, ctx):
    version = db.session.merge(make.curriculum_version())
    with pytest.raises(InvalidInput) as caught:
        services.create_workshop(
            workshop_input(version, cme_designated_credits=Decimal(1)),
            actor=db.session.merge(make.organizer()),
        )
    assert set(caught.value.problems) == {"cme_accreditor", "cme_statement", "cme_designated_credits"}
