"""The certificate as a document people frame: the display serif embedded, the
programme's seal (default or uploaded), the issuer's signature image, dates written
one way, everything on one page with nothing printed over anything else; and the
seal and signatures frozen with each certificate."""

from __future__ import annotations

import copy
import io
import re

import pytest
from PIL import Image

from tests.certificates.pdfs import font_names, overlapping, raster_images, reader, text_boxes, text_of
from training.certificates import design, services
from training.certificates.models import CertificateKind
from training.core import pdf
from training.core.errors import DomainError
from training.extensions import db

ATTENDANCE, COMPETENCE = CertificateKind.ATTENDANCE, CertificateKind.COMPETENCE


def png(width: int, height: int, colour: str = "navy", fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def workshop(make):
    return make.workshop(title="Nanofat and microneedling, Bologna")


def ready(make, evidence, workshop, name="Dr. Émilie Dubois-Ørsted"):
    trainee = make.enrolment(workshop).trainee
    evidence.ready(workshop, trainee)
    evidence.attended(trainee, 95)
    make.confirmed_name(workshop, trainee, name)
    return trainee


def test_name_and_title_are_set_in_eb_garamond_and_dates_are_written_one_way(ctx, make, evidence, workshop):
    trainee = ready(make, evidence, workshop)
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    content = services.stored_pdf(certificate)

    assert "EB-Garamond" in font_names(content)
    text = " ".join(text_of(content).split())
    issued = certificate.issued_at.astimezone(workshop.zone).date()
    assert f"{issued.day} {issued:%B %Y} DATE OF ISSUE" in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO date beside the written ones
    assert f"{workshop.certifier.full_name} CERTIFYING FACULTY" in text


def test_a_missing_font_refuses_to_issue_and_names_the_package(ctx, make, evidence, workshop, monkeypatch):
    trainee = ready(make, evidence, workshop)
    assert pdf.font_installed("EB Garamond")
    assert not pdf.font_installed("No Such Typeface")  # fontconfig's stand-in does not count

    # A server without Debian's fonts-ebgaramond:
    monkeypatch.setattr(pdf, "font_installed", lambda family: family != "EB Garamond")
    monkeypatch.setattr(pdf, "_fonts_found", set())
    with pytest.raises(DomainError, match=r"EB Garamond is not installed.*apt-get install fonts-ebgaramond"):
        services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    assert services.live_certificate(workshop, trainee.id, ATTENDANCE) is None


def test_many_skills_stay_on_one_page_with_no_text_over_text(ctx, make, evidence, workshop):
    trainee = ready(make, evidence, workshop)
    snapshot = services.draft_certificate(workshop, trainee.id, COMPETENCE, actor=workshop.certifier)
    skill = snapshot["skills"][0]
    long = ", I needed to be in the room just in case, with a long comment that wraps"
    snapshot["skills"] = [
        {**skill, "title": f"Skill number {n}", "entrustment_words": skill["entrustment_words"] + long}
        for n in range(10)
    ]
    for count in (1, 3, 5, 10):
        content = services.render_certificate({**snapshot, "skills": snapshot["skills"][:count]})
        assert len(reader(content).pages) == 1, count
        assert overlapping(text_boxes(content)) == [], count
        assert "Skill number 0" in text_of(content)


def test_the_default_seal_is_drawn_and_an_uploaded_one_replaces_it(ctx, make, evidence, workshop):
    trainee = ready(make, evidence, workshop)
    first = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    assert first.snapshot["seal"] is None
    assert raster_images(services.stored_pdf(first)) == []  # the default seal is a drawing (SVG)

    design.set_seal(png(300, 300), actor=make.admin())
    db.session.commit()
    second = services.issue_certificate(workshop, trainee.id, COMPETENCE, actor=workshop.certifier)
    db.session.commit()
    assert raster_images(services.stored_pdf(second)) == [(300, 300)]


def test_seal_and_signature_are_frozen_with_the_certificate(ctx, make, evidence, workshop):
    trainee = ready(make, evidence, workshop)
    admin = make.admin()
    design.set_seal(png(300, 300), actor=admin)
    design.set_signature(png(600, 180), actor=workshop.certifier)
    db.session.commit()
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    issued = services.stored_pdf(certificate)
    assert raster_images(issued) == [(300, 300), (600, 180)]
    assert certificate.snapshot["signature"]["file"].endswith(".png")

    design.set_seal(png(256, 256, "darkred"), actor=admin)
    design.set_signature(png(500, 150, "black"), actor=workshop.certifier)
    db.session.commit()

    assert services.stored_pdf(certificate) == issued
    # Rendering its snapshot again gives the images it was issued with, not today's.
    assert raster_images(services.render_certificate(copy.deepcopy(certificate.snapshot))) == [
        (300, 300),
        (600, 180),
    ]
    newer = services.reissue_certificate(certificate, actor=workshop.certifier)
    db.session.commit()
    assert raster_images(services.stored_pdf(newer)) == [(256, 256), (500, 150)]

    design.remove_signature(actor=workshop.certifier)
    design.remove_seal(actor=admin)
    db.session.commit()
    assert raster_images(services.render_certificate(copy.deepcopy(newer.snapshot))) == [
        (256, 256),
        (500, 150),
    ]


def test_someone_issuing_without_a_signature_image_signs_on_the_line_by_name(ctx, make, evidence, workshop):
    trainee = ready(make, evidence, workshop)
    admin = make.admin(full_name="Dr. Ada Admin")
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=admin)
    db.session.commit()
    content = services.stored_pdf(certificate)
    text = " ".join(text_of(content).split())
    assert certificate.snapshot["signature"] is None
    assert "Dr. Ada Admin FOR THE PROGRAMME" in text
    assert f"Certifying faculty: {workshop.certifier.full_name}" in text
    assert raster_images(content) == []
