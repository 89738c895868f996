"""The assessments demo: rich enough for every page, and idempotent."""

import sqlalchemy as sa

from training import demo
from training.assessments import demo as assessments_demo
from training.assessments.models import Assessment, SkillSignOff
from training.extensions import db
from training.workshops.models import Duty, SessionKind


def test_without_a_demo_workshop_it_skips_politely(ctx):
    demo.seed_accounts()
    assert "skipped" in assessments_demo.seed()[0]


def test_demo_rates_flags_and_signs_off_once(ctx, make):
    demo.seed_accounts()
    organizer, faculty, certifier, trainee = (
        demo.demo_user(email)
        for email in (
            "organizer@example.org",
            "faculty@example.org",
            "certifier@example.org",
            "trainee@example.org",
        )
    )
    workshop = make.workshop(
        version=make.curriculum_version(["MFAT-201", "NFAT-301", "NFAT-303"]),
        organizer=organizer,
        faculty=[],
        certifiers=[],
    )
    make.session(workshop, kind=SessionKind.HANDS_ON, stations=2)
    make.enrolment(workshop, trainee)
    make.enrolled_trainees(workshop, 2)

    lines = assessments_demo.seed()
    assert any("signed off" in line for line in lines)
    workshop = db.session.merge(workshop)
    assert Duty.FACULTY in workshop.duties_of(faculty)
    assert Duty.CERTIFIER in workshop.duties_of(certifier)
    count = db.session.scalar(sa.select(sa.func.count(Assessment.id)))
    assert count == 3 + 2 + 2  # three skills, two second ratings, two classmates
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 1

    again = assessments_demo.seed()
    assert "0 new" in again[-1]
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == count
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 1
