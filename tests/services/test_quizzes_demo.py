"""The quizzes demo: a pre-test and a post-test on the demo workshop, taken by its
trainees, created once however often the seed runs."""

import sqlalchemy as sa

from training import demo
from training.extensions import db
from training.quizzes import demo as quizzes_demo
from training.quizzes import services
from training.quizzes.models import Attempt, Quiz


def test_without_a_demo_workshop_nothing_is_added(ctx):
    assert "nothing added" in quizzes_demo.seed()[0]
    assert db.session.scalar(sa.select(sa.func.count(Quiz.id))) == 0


def test_seed_adds_tests_and_attempts_once(ctx, make):
    demo.seed_accounts()
    organizer = demo.demo_user("organizer@example.org")
    sofia = demo.demo_user("trainee@example.org")
    version = make.curriculum_version(["ANAT-101", "MFAT-201"], questions_per_module=6)
    workshop = make.workshop(version=version, organizer=organizer)
    make.enrolment(workshop, sofia)
    make.enrolled_trainees(workshop, 5)
    first = quizzes_demo.seed()
    db.session.commit()
    assert "11 attempt(s) added" in first[0]
    again = quizzes_demo.seed()
    assert "0 attempt(s) added" in again[0]
    quizzes = db.session.scalars(sa.select(Quiz).order_by(Quiz.id)).all()
    assert [q.purpose.value for q in quizzes] == ["pre_test", "post_test"]
    assert quizzes[1].required_for_certificate
    attempts = db.session.scalar(sa.select(sa.func.count(Attempt.id)))
    assert attempts == 11  # Sofia leaves the post-test for whoever tries the demo
    analysis = services.item_analysis(quizzes[1])
    assert analysis.attempts == 5
    assert any("too easy" in row.stats.flags for row in analysis.items)
    report = services.knowledge_gain(db.session.merge(workshop))
    assert len([row for row in report.trainees if row.result]) == 5
