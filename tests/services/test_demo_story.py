"""The whole demo tells one consistent story: nothing is assessed, signed off or credited
that could not have happened."""

from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.certificates.pdfs import text_of
from training import demo
from training.assessments.models import Assessment, SkillSignOff
from training.certificates import services as certificates
from training.certificates.models import Certificate, CertificateKind
from training.extensions import db
from training.workshops.models import Workshop


@pytest.fixture
def seeded(ctx):
    demo.seed()
    db.session.commit()


def test_assessments_and_sign_offs_come_after_what_they_describe(seeded):
    assessments = db.session.scalars(sa.select(Assessment)).all()
    assert assessments
    for a in assessments:
        assert a.session is not None
        assert a.session.workshop_id == a.workshop_id
        assert a.created_at >= a.session.starts_at
        assert a.skill.module in a.session.modules  # rated where the skill is taught
    for record in db.session.scalars(sa.select(SkillSignOff)):
        starts = min(s.starts_at for s in record.workshop.sessions)
        assert record.signed_at >= starts
        assert record.assessment.entrustment >= 4


def test_the_feedback_is_about_the_skill_it_is_filed_under(seeded):
    for a in db.session.scalars(sa.select(Assessment)):
        if "nanofat-preparation" in a.skill.key:
            assert "harvest" not in a.feedback.lower()


def test_designated_credits_add_up(seeded):
    for workshop in db.session.scalars(sa.select(Workshop)):
        if not workshop.accredited:
            continue
        educational = sum(
            s.minutes for s in workshop.sessions if s.kind.counts_for_attendance and not s.cancelled
        )
        assert workshop.cme_designated_credits <= Decimal(educational) / 60, workshop.title
    issued = db.session.scalars(
        sa.select(Certificate).where(Certificate.kind == CertificateKind.ATTENDANCE)
    ).all()
    assert issued
    for certificate in issued:
        snapshot = certificate.snapshot
        designated = Decimal(snapshot["accreditation"]["designated_credits"])
        assert Decimal(snapshot["credit_hours"]) <= designated
        text = " ".join(text_of(certificates.stored_pdf(certificate)).split())
        assert "offered" not in text
        assert snapshot["accreditation"]["statement"].split()[0] in text
