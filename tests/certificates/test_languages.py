"""A certificate is written in its holder's language (their own choice, else the
programme's), or in it and in English when the workshop asks for bilingual
certificates; the snapshot records the language and the verification page names it.
The Spanish words come from the compiled catalogues (training/translations)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.certificates.pdfs import qr_codes, reader, text_of
from training.certificates import services
from training.certificates.models import CertificateKind, CertificationRules
from training.certificates.rules import link_serial
from training.extensions import db

ATTENDANCE = CertificateKind.ATTENDANCE


@pytest.fixture
def workshop(make):
    return make.workshop(title="Nanofat and microneedling, Bologna", cme_credit_hours=Decimal("12.00"))


def ready(make, evidence, workshop, language):
    trainee = make.enrolment(workshop).trainee
    trainee.language = language
    evidence.ready(workshop, trainee)
    evidence.attended(trainee, 95, credit_hours="10.75")
    make.confirmed_name(workshop, trainee, "Dra. Lucía Fernández-Ortega")
    return trainee


def bilingual(workshop):
    db.session.add(CertificationRules(workshop_id=workshop.id, required_skills=None, bilingual=True))
    db.session.flush()


def words(content: bytes) -> str:
    return " ".join(text_of(content).split())


def test_a_spanish_holders_certificate_is_in_spanish(ctx, make, evidence, workshop):
    trainee = ready(make, evidence, workshop, "es")
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()

    assert certificate.snapshot["language"] == "es"
    assert certificate.snapshot["bilingual"] is False
    content = services.stored_pdf(certificate)
    text = words(content)
    assert "Certificado de asistencia" in text
    assert "Se certifica que" in text
    assert "Dra. Lucía Fernández-Ortega" in text
    assert "asistió al taller" in text
    assert "Tiempo de asistencia: 11 horas 24 minutos." in text
    assert "10.75 créditos de formación continuada obtenidos." in text
    assert "fecha de emisión" in text.lower()  # a label, in capitals
    assert "This is to certify that" not in text
    assert "date of issue" not in text.lower()
    pdf = reader(content)
    assert len(pdf.pages) == 1
    assert pdf.metadata.title == "Certificado de asistencia: Dra. Lucía Fernández-Ortega"


def test_a_holder_without_a_language_gets_the_programmes(ctx, make, evidence, workshop, app, monkeypatch):
    monkeypatch.setitem(app.config, "DEFAULT_LANGUAGE", "pt")
    trainee = ready(make, evidence, workshop, None)
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    assert certificate.snapshot["language"] == "pt"
    text = words(services.stored_pdf(certificate))
    assert "Certificado de presença" in text
    assert "Certifica-se que" in text


def test_a_bilingual_certificate_says_it_all_in_the_holders_language_and_in_english(
    ctx, make, evidence, workshop
):
    bilingual(workshop)
    trainee = ready(make, evidence, workshop, "es")
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    assert certificate.snapshot["bilingual"] is True
    content = services.stored_pdf(certificate)
    text = words(content)
    for spanish, english in [
        ("Certificado de asistencia", "Certificate of attendance"),
        ("Se certifica que", "This is to certify that"),
        ("Tiempo de asistencia: 11 horas 24 minutos.", "Time attended: 11 hours 24 minutes."),
        ("Fecha de emisión", "Date of issue"),
    ]:
        assert spanish.lower() in text.lower()
        assert english.lower() in text.lower()
    assert len(reader(content).pages) == 1
    # The smaller code of a bilingual certificate still scans.
    assert qr_codes(content) == [f"http://training.test/verify/{link_serial(certificate.serial)}"]


def test_an_english_holder_of_a_bilingual_workshop_gets_one_language(ctx, make, evidence, workshop):
    bilingual(workshop)
    trainee = ready(make, evidence, workshop, "en")
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    assert certificate.snapshot["language"] == "en"
    assert certificate.snapshot["bilingual"] is False
    text = words(services.stored_pdf(certificate))
    assert text.count("This is to certify that") == 1


def test_the_verification_page_names_the_certificates_language(client, make, workshop):
    spanish = make.certificate(workshop, language="es", bilingual=True)
    page = client.get(f"/verify/{spanish.serial}")
    assert page.status_code == 200
    assert "Español + English" in page.text
    english = make.certificate(workshop)  # a snapshot from before languages: English
    assert "English" in client.get(f"/verify/{english.serial}").text
    client.login(spanish.trainee)
    assert "Español + English" in client.get(f"/certificates/{spanish.serial}").text
