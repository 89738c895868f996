"""Planning use cases against the real database: copying a workshop to its next
edition, the month view and the organizer's figures (with their statement budget)."""

from __future__ import annotations

from datetime import UTC, date, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.accounts.models import Role, UserRole
from training.assessments.models import Assessment, CompetenceStandard, SkillSignOff
from training.attendance.models import AttendanceRecord, AttendanceSettings
from training.certificates.models import (
    Certificate,
    CertificateName,
    CertificationRules,
    CourseEvaluation,
    QuizPolicy,
)
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import InvalidInput
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.planning import services
from training.quizzes.models import Attempt, Quiz
from training.workshops.models import (
    Duty,
    SessionKind,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopState,
)

ROME = ZoneInfo("Europe/Rome")


def last_sunday_of_march(year: int) -> date:
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def next_year() -> int:
    return utcnow().year + 1


def reload(workshop: Workshop | int) -> Workshop:
    """The workshop as the session holds it now, keeping the factory's shortcuts."""
    if isinstance(workshop, int):
        return db.session.get(Workshop, workshop)
    fresh = db.session.get(Workshop, workshop.id)
    fresh.organizer = workshop.organizer
    return fresh


def sessions_of(workshop: Workshop) -> list[WorkshopSession]:
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == workshop.id)
            .order_by(WorkshopSession.starts_at)
        )
    )


def test_sessions_keep_their_clock_time_at_the_venue_across_a_daylight_saving_change(ctx, make):
    year = next_year()
    change = last_sunday_of_march(year)
    # Winter time (CET, UTC+1) the week before the clocks go forward...
    source = make.workshop(starts_on=change - timedelta(days=6), days=2)
    make.session(source, start=time(9, 0), minutes=90, title="Harvest")
    make.session(source, day=1, start=time(14, 30), minutes=60, title="Closing")
    source = reload(source)
    # ...copied to summer time (CEST, UTC+2) two weeks later.
    new_start = change + timedelta(days=8)

    copy = services.copy_workshop(source, services.CopyInput(starts_on=new_start), actor=source.organizer)

    assert copy.state is WorkshopState.DRAFT
    assert (copy.starts_on, copy.ends_on) == (new_start, new_start + timedelta(days=1))
    old, new = sessions_of(source), sessions_of(copy)
    assert [s.title for s in new] == ["Harvest", "Closing"]
    local = [(s.starts_at.astimezone(ROME), s.ends_at.astimezone(ROME)) for s in new]
    assert [(a.date(), a.time(), b.time()) for a, b in local] == [
        (new_start, time(9, 0), time(10, 30)),
        (new_start + timedelta(days=1), time(14, 30), time(15, 30)),
    ]
    # The same clock time is an hour earlier in UTC once the clocks went forward.
    assert old[0].starts_at.astimezone(UTC).time() == time(8, 0)
    assert new[0].starts_at.astimezone(UTC).time() == time(7, 0)


def test_a_clock_time_the_new_date_skips_is_refused_naming_the_session(ctx, make):
    year = next_year()
    change = last_sunday_of_march(year)
    source = make.workshop(starts_on=change - timedelta(days=7), days=1)
    make.session(source, start=time(2, 30), minutes=60, title="Night dissection")
    source = reload(source)

    with pytest.raises(InvalidInput) as refused:
        services.copy_workshop(source, services.CopyInput(starts_on=change), actor=source.organizer)

    message = " ".join(refused.value.problems["starts_on"])
    assert "Night dissection" in message
    assert "02:30 does not exist" in message
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Workshop)) == 1


@pytest.mark.parametrize(
    ("days_from_today", "words"),
    [(0, "must start after today"), (-30, "must start after today"), (365 * 7, "within 5 years")],
)
def test_bad_start_dates_are_refused_in_words(ctx, make, days_from_today, words):
    source = make.workshop()
    source = reload(source)
    new_start = utcnow().astimezone(ROME).date() + timedelta(days=days_from_today)

    with pytest.raises(InvalidInput) as refused:
        services.copy_workshop(source, services.CopyInput(starts_on=new_start), actor=source.organizer)

    assert words in " ".join(refused.value.problems["starts_on"])


def test_the_same_start_day_is_refused(ctx, make):
    source = reload(make.workshop())
    with pytest.raises(InvalidInput, match="same day"):
        services.copy_workshop(source, services.CopyInput(starts_on=source.starts_on), actor=source.organizer)


def test_a_copy_whose_faculty_teach_elsewhere_then_is_refused(ctx, make):
    teacher = make.faculty()
    source = make.workshop(faculty=[teacher])
    make.session(source, start=time(9, 0), title="Harvest", faculty=[teacher])
    elsewhere = make.workshop(faculty=[teacher], starts_on=source.starts_on + timedelta(days=70))
    make.session(elsewhere, start=time(9, 30), title="Busy elsewhere", faculty=[teacher])
    source = reload(source)

    with pytest.raises(InvalidInput) as refused:
        services.copy_workshop(
            source, services.CopyInput(starts_on=elsewhere.starts_on), actor=source.organizer
        )

    assert "already teaches “Busy elsewhere”" in " ".join(refused.value.problems["starts_on"])


def test_the_copy_takes_the_plan_and_nothing_personal(ctx, make):
    version = make.curriculum_version(["ANAT-101", "HARV-201"], questions_per_module=3)
    stays, demoted = make.faculty(), make.faculty()
    certifier = make.faculty()
    source = make.workshop(
        version=version,
        capacity=14,
        faculty=[stays, demoted],
        certifiers=[certifier],
        cme_credit_hours=Decimal("3"),
        starts_on=utcnow().date() - timedelta(days=3),
    )
    lecture = make.session(source, start=time(9, 0), minutes=120, faculty=[stays, demoted], mandatory=True)
    lab = make.session(source, kind=SessionKind.CADAVER_LAB, day=1, start=time(10, 0), stations=2, faculty=[])
    cancelled = make.session(source, day=2, start=time(9, 0), title="Called off", cancelled=True)
    with_station = db.session.get(Station, lab.stations[0].id)
    with_station.faculty_id = demoted.id
    db.session.commit()
    # Everything that happened to people on the first edition.
    trainees = make.enrolled_trainees(source, 3)
    make.assign(lab.stations[0], trainees[0])
    make.attendance(lecture, trainees[0], "present")
    make.attendance(lecture, trainees[1], "absent")
    quiz = make.quiz(source)
    make.attempt(quiz, trainees[0], right=True)
    skill = version.modules[1].skills[0] if version.modules[1].skills else version.modules[0].skills[0]
    make.assessment(source, trainees[0], skill, assessor=stays)
    make.confirmed_name(source, trainees[0])
    make.evaluation(source, trainees[0])
    make.certificate(source, trainees[0])
    # The rules that plan the next edition.
    make.attendance_settings(source, min_percent=Decimal("90"), late_grace_minutes=5)
    db.session.add(
        CertificationRules(
            workshop_id=source.id,
            quiz_policy=QuizPolicy.ALL,
            required_skills=[f"{version.modules[0].code}/x"],
            evaluation_required=True,
            competence_enabled=True,
        )
    )
    db.session.add(CompetenceStandard(workshop_id=source.id, min_domain_score=4, required_entrustment=4))
    # One faculty member lost the role since: their duty and teaching stay behind.
    db.session.execute(
        sa.delete(UserRole).where(UserRole.user_id == demoted.id, UserRole.role == Role.FACULTY)
    )
    db.session.commit()
    db.session.expire_all()
    source = reload(source)
    new_start = utcnow().date() + timedelta(days=200)

    copy = services.copy_workshop(
        source,
        services.CopyInput(starts_on=new_start, title="Nanofat, second edition", venue_name="New Hall"),
        actor=source.organizer,
    )
    db.session.commit()
    db.session.expire_all()
    copy = reload(copy.id)

    assert (copy.title, copy.venue_name, copy.capacity) == ("Nanofat, second edition", "New Hall", 14)
    assert copy.state is WorkshopState.DRAFT
    assert copy.published_at is None
    assert [m.code for m in copy.modules] == [m.code for m in source.modules]
    assert copy.cme_designated_credits == Decimal("3")
    assert copy.cme_accreditor == source.cme_accreditor
    duties = sorted((m.user_id, m.duty) for m in copy.staff)
    assert duties == sorted(
        [(source.organizer.id, Duty.ORGANIZER), (stays.id, Duty.FACULTY), (certifier.id, Duty.CERTIFIER)]
    )
    new_sessions = sessions_of(copy)
    assert [s.title for s in new_sessions] == [lecture.title, lab.title]  # not the cancelled one
    assert cancelled.title not in [s.title for s in new_sessions]
    assert [u.id for u in new_sessions[0].faculty] == [stays.id]
    assert new_sessions[0].mandatory
    assert [(s.name, s.capacity, s.faculty_id) for s in new_sessions[1].stations] == [
        ("Table 1", 10, None),
        ("Table 2", 10, None),
    ]
    settings = db.session.scalar(
        sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == copy.id)
    )
    assert (settings.min_percent, settings.late_grace_minutes) == (Decimal("90"), 5)
    rules = db.session.scalar(sa.select(CertificationRules).where(CertificationRules.workshop_id == copy.id))
    assert (rules.quiz_policy, rules.required_skills, rules.evaluation_required) == (
        QuizPolicy.ALL,
        [f"{version.modules[0].code}/x"],
        True,
    )
    standard = db.session.scalar(
        sa.select(CompetenceStandard).where(CompetenceStandard.workshop_id == copy.id)
    )
    assert (standard.min_domain_score, standard.required_entrustment) == (4, 4)
    # Nothing about a person's participation came along.
    session_ids = [s.id for s in new_sessions]
    for model, where in [
        (Enrolment, Enrolment.workshop_id == copy.id),
        (AttendanceRecord, AttendanceRecord.session_id.in_(session_ids)),
        (StationAssignment, StationAssignment.session_id.in_(session_ids)),
        (Quiz, Quiz.workshop_id == copy.id),
        (Attempt, Attempt.quiz_id.in_(sa.select(Quiz.id).where(Quiz.workshop_id == copy.id))),
        (Assessment, Assessment.workshop_id == copy.id),
        (SkillSignOff, SkillSignOff.workshop_id == copy.id),
        (CertificateName, CertificateName.workshop_id == copy.id),
        (CourseEvaluation, CourseEvaluation.workshop_id == copy.id),
        (Certificate, Certificate.workshop_id == copy.id),
    ]:
        assert db.session.scalar(sa.select(sa.func.count()).select_from(model).where(where)) == 0, model
    # The first edition is untouched, and the copy is in the history.
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.workshop_id == source.id)
        )
        == 3
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "workshop.copied"))
    assert event.workshop_id == copy.id
    assert event.actor_id == source.organizer.id
    assert event.old["copied_from"] == source.id
    assert demoted.full_name in event.new["not_copied_staff"]


def test_an_admin_who_copies_becomes_an_organizer_of_the_copy(ctx, make):
    admin = make.admin()
    source = reload(make.workshop())
    copy = services.copy_workshop(
        source, services.CopyInput(starts_on=source.starts_on + timedelta(days=90)), actor=admin
    )
    assert (admin.id, Duty.ORGANIZER) in {(m.user_id, m.duty) for m in copy.staff}
    assert (source.organizer.id, Duty.ORGANIZER) in {(m.user_id, m.duty) for m in copy.staff}


def test_the_month_shows_drafts_only_to_those_who_see_them(ctx, make):
    year = next_year()
    organizer = make.organizer()
    published = make.workshop(starts_on=date(year, 5, 30), days=3, title="Spans two months")
    draft = make.workshop(starts_on=date(year, 5, 12), state=WorkshopState.DRAFT, organizer=organizer)
    make.workshop(starts_on=date(year, 7, 1), title="July")

    trainee_view = services.month_view(make.trainee(), year, 6)
    organizer_view = services.month_view(organizer, year, 5)

    assert [w.id for w in trainee_view.workshops] == [published.id]
    june_first = next(c for week in trainee_view.weeks for c in week if c.day == date(year, 6, 1))
    assert june_first.keys == (published.id,)
    assert [w.id for w in organizer_view.workshops] == [draft.id, published.id]
    assert [w.id for w in services.month_view(make.trainee(), year, 5).workshops] == [published.id]
    assert (organizer_view.previous, organizer_view.following) == (f"{year}-04", f"{year}-06")


def grow(make, organizer, count):
    """``count`` running workshops of ``organizer``, each with seats, a waitlist, a session
    held with marks, a graded quiz and a certificate."""
    for _ in range(count):
        workshop = make.workshop(
            organizer=organizer, capacity=2, starts_on=utcnow().date() - timedelta(days=1)
        )
        held = make.running_session(workshop, started=timedelta(hours=3), minutes=60)
        first, second = make.enrolled_trainees(workshop, 2)
        make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
        make.attendance(held, first, "present")
        make.attendance(held, second, "absent")
        quiz = make.quiz(workshop)
        make.attempt(quiz, first, right=True)
        make.attempt(quiz, second, right=False)
        make.certificate(workshop, first)


def test_the_figures_run_the_same_statements_for_two_or_six_workshops(app, ctx, make):
    organizer = make.organizer()
    counts = []
    for size in (2, 4):
        grow(make, organizer, size)
        db.session.expire_all()
        with recorded_statements(selects_only=True) as statements:
            workshops = db.session.scalars(services.dashboard_query(organizer)).all()
            rows = services.figures(list(workshops))
        counts.append(len(statements))
        assert len(rows) == (2 if size == 2 else 6)
        row = rows[0]
        assert (row.confirmed, row.waitlisted, row.workshop.capacity) == (2, 1, 2)
        assert (row.sessions_held, row.attended, row.attendance_percent) == (1, 1, 50)
        assert (row.quiz_takers, row.quiz_passed, row.pass_percent) == (2, 1, 50)
        assert row.certificates == 1
    # The workshops, the person's roles, then seats, sessions held, marks, quizzes, certificates.
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts
