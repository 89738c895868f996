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


def test_a_production_site_with_a_local_base_url_gets_no_demo_certificates(
    ctx, make, evidence, monkeypatch, app
):
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "ENVIRONMENT", "production")
    monkeypatch.setitem(app.config, "BASE_URL", "http://127.0.0.1:5000")
    trainee = make.trainee(email=demo.DEMO_TRAINEE, full_name="Dr. Sofia Marín")
    workshop = make.workshop(state=WorkshopState.COMPLETED, starts_on=utcnow().date() - timedelta(days=10))
    make.session(workshop)
    make.enrolment(workshop, trainee)
    evidence.ready(workshop, trainee)
    lines = demo.seed()  # the rest of the demo is seeded; the reason is in the report
    assert count(Certificate) == 0
    assert count(CourseEvaluation) == 1
    assert any(
        line.startswith("certificates: none issued: Certificates are not issued while") for line in lines
    )
