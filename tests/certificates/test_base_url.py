"""A certificate's links outlive the server that issued it: outside development and
the tests, no certificate is issued with a TRAINING_BASE_URL on this computer; with
the one `make run PORT=8000` derives, the QR code leads to port 8000."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.certificates.pdfs import qr_codes
from tests.support.makefile import derived_base_url
from training.certificates import services
from training.certificates.models import Certificate, CertificateKind
from training.certificates.rules import link_serial
from training.core.errors import DomainError
from training.core.jobs import JobState, start_job
from training.extensions import db

ATTENDANCE = CertificateKind.ATTENDANCE
LOCAL = "http://127.0.0.1:5000"


@pytest.fixture
def production(app, monkeypatch):
    """The app as a production site runs it: not testing, not development, not debug."""
    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "DEBUG", False)
    monkeypatch.setitem(app.config, "ENVIRONMENT", "production")
    return app


def ready(make, evidence, workshop):
    trainee = make.enrolment(workshop).trainee
    evidence.ready(workshop, trainee)
    make.confirmed_name(workshop, trainee, "Dr. Lucie Marchand")
    return trainee


def certificates_of(workshop) -> list[Certificate]:
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.workshop_id == workshop.id)))


def test_a_production_site_with_a_local_base_url_issues_nothing(production, monkeypatch, ctx, make, evidence):
    monkeypatch.setitem(production.config, "BASE_URL", LOCAL)
    workshop = make.workshop()
    trainee = ready(make, evidence, workshop)
    with pytest.raises(DomainError, match=r"while TRAINING_BASE_URL is http://127\.0\.0\.1:5000"):
        services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    assert certificates_of(workshop) == []
    assert services.stored_keys() == []


def test_a_production_site_with_its_public_address_issues(production, monkeypatch, ctx, make, evidence):
    monkeypatch.setitem(production.config, "BASE_URL", "https://training.example.org")
    workshop = make.workshop()
    trainee = ready(make, evidence, workshop)
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    assert qr_codes(services.stored_pdf(certificate)) == [
        f"https://training.example.org/verify/{link_serial(certificate.serial)}"
    ]


def test_development_may_print_a_local_link(production, monkeypatch, ctx, make, evidence):
    monkeypatch.setitem(production.config, "ENVIRONMENT", "development")
    monkeypatch.setitem(production.config, "BASE_URL", LOCAL)
    workshop = make.workshop()
    trainee = ready(make, evidence, workshop)
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    assert qr_codes(services.stored_pdf(certificate)) == [f"{LOCAL}/verify/{link_serial(certificate.serial)}"]


def test_the_refusal_is_shown_on_the_eligibility_page(production, monkeypatch, client, make, evidence):
    monkeypatch.setitem(production.config, "BASE_URL", LOCAL)
    workshop = make.workshop()
    trainee = ready(make, evidence, workshop)
    client.login(workshop.certifier)
    page = client.post(
        f"/workshops/{workshop.id}/certificates/issue",
        data={"trainee_id": str(trainee.id), "kind": "attendance"},
        follow_redirects=True,
    )
    assert page.status_code == 200
    assert "Certificates are not issued while TRAINING_BASE_URL is http://127.0.0.1:5000" in page.text
    assert certificates_of(workshop) == []


def test_bulk_issue_fails_its_job_with_the_reason(production, monkeypatch, ctx, make, evidence, run_tasks):
    monkeypatch.setitem(production.config, "BASE_URL", LOCAL)
    workshop = make.workshop()
    for _ in range(2):
        ready(make, evidence, workshop)
    job = start_job(
        "certificates-bulk",
        "Bulk",
        actor=workshop.certifier,
        workshop_id=workshop.id,
        certificate_kind="attendance",
    )
    db.session.commit()
    run_tasks()
    db.session.refresh(job)
    assert job.state is JobState.FAILED
    assert job.message.startswith("Stopped: Certificates are not issued while TRAINING_BASE_URL is")
    assert job.message.endswith("restart the app.")  # the whole reason, not cut short
    assert certificates_of(workshop) == []


def test_the_qr_code_leads_to_the_port_make_run_serves_on(app, monkeypatch, ctx, make, evidence):
    base_url = derived_base_url("run", "PORT=8000")
    assert base_url == "http://127.0.0.1:8000"
    monkeypatch.setitem(app.config, "BASE_URL", base_url)
    workshop = make.workshop()
    trainee = ready(make, evidence, workshop)
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    assert qr_codes(services.stored_pdf(certificate)) == [
        f"http://127.0.0.1:8000/verify/{link_serial(certificate.serial)}"
    ]
