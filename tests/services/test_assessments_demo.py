"""The assessments demo: rich enough for every page, and idempotent."""

from datetime import timedelta

import sqlalchemy as sa

from training import demo
from training.assessments import demo as assessments_demo
from training.assessments.models import Assessment, SkillSignOff
from training.core.db import utcnow
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
    version = make.curriculum_version(["NFAT-301", "NFAT-302", "NFAT-303"])
    workshop = make.workshop(
        version=version,
        organizer=organizer,
        faculty=[],
        certifiers=[],
        starts_on=utcnow().date() - timedelta(days=3),
        days=2,
    )
    emulsify = make.session(workshop, kind=SessionKind.HANDS_ON, stations=2)
    needling = make.session(workshop, kind=SessionKind.HANDS_ON, day=1, stations=2)
    lecture = make.session(workshop, kind=SessionKind.LECTURE, day=1)
    db.session.merge(needling).modules = [db.session.merge(version.modules[2])]
    db.session.merge(lecture).modules = [db.session.merge(version.modules[1])]
    db.session.commit()
    make.enrolment(workshop, trainee)
    make.enrolled_trainees(workshop, 2)

    lines = assessments_demo.seed()
    assert any("signed off" in line for line in lines)
    workshop = db.session.merge(workshop)
    assert Duty.FACULTY in workshop.duties_of(faculty)
    assert Duty.CERTIFIER in workshop.duties_of(certifier)
    assessments = db.session.scalars(sa.select(Assessment)).all()
    assert len(assessments) == 2 + 2 + 2  # two raters on each of two skills, two classmates
    # Each rating was made at the station that teaches its skill, after it began, with
    # feedback about that skill; NFAT-302 is taught only in a lecture and is not rated.
    for a in assessments:
        assert a.session.modules == [a.skill.module]
        assert a.created_at >= a.session.starts_at
        assert a.use_of_assistants is None
    by_skill = {a.skill.module.code for a in assessments}
    assert by_skill == {"NFAT-301", "NFAT-303"}
    for a in assessments:
        if a.skill.module.code == "NFAT-303":
            assert "2.5 mm" in a.feedback
        else:
            assert "harvest" not in a.feedback
    # Entrustment words match what the rater wrote.
    words = {2: "talk you through", 3: "prompt", 4: "in case"}
    for a in assessments:
        assert words[a.entrustment] in a.feedback, (a.entrustment, a.feedback)
    sign_off = db.session.scalar(sa.select(SkillSignOff))
    assert sign_off.skill.module.code == "NFAT-301"
    assert sign_off.signed_at >= db.session.merge(emulsify).starts_at
    assert sign_off.assessment.entrustment >= 4

    again = assessments_demo.seed()
    assert "0 new" in again[-1]
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == len(assessments)
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 1


def test_a_workshop_whose_stations_are_ahead_gets_nothing(ctx, make):
    demo.seed_accounts()
    organizer, trainee = demo.demo_user("organizer@example.org"), demo.demo_user("trainee@example.org")
    workshop = make.workshop(organizer=organizer, faculty=[], certifiers=[])
    make.session(workshop, kind=SessionKind.HANDS_ON, stations=2)
    make.enrolment(workshop, trainee)
    assert "skipped" in assessments_demo.seed()[0]
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0
