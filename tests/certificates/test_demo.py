"""The certificates demo: real steps only, issued when the evidence allows, idempotent."""

from datetime import timedelta

import sqlalchemy as sa

from training.certificates import demo
from training.certificates.models import Certificate, CourseEvaluation
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import WorkshopState


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_without_the_demo_trainee_nothing_happens(ctx):
    assert demo.seed() == []


def test_the_demo_trainee_gets_certificates_on_a_completed_workshop_once(ctx, make, evidence):
    trainee = make.trainee(email=demo.DEMO_TRAINEE, full_name="Dr. Sofia Marín")
    workshop = make.workshop(state=WorkshopState.COMPLETED, starts_on=utcnow().date() - timedelta(days=10))
    make.session(workshop)
    make.enrolment(workshop, trainee)
    evidence.ready(workshop, trainee)
    lines = demo.seed()
    assert any("issued certificate of attendance" in line for line in lines)
    assert any("issued certificate of competence" in line for line in lines)
    assert count(Certificate) == 2
    assert count(CourseEvaluation) == 1
    assert demo.seed() == []
    assert count(Certificate) == 2


def test_without_evidence_the_demo_issues_nothing(ctx, make):
    trainee = make.trainee(email=demo.DEMO_TRAINEE)
    workshop = make.workshop(state=WorkshopState.COMPLETED)
    make.enrolment(workshop, trainee)
    lines = demo.seed()
    assert count(Certificate) == 0
    assert any("not yet eligible" in line for line in lines)
