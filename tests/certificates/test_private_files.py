"""Private files are never kept by a browser or a proxy; the public verification
page may be, briefly, so that a revocation shows within minutes."""

from __future__ import annotations

import sqlalchemy as sa

from training.certificates.rules import link_serial
from training.core.jobs import Job
from training.extensions import db


def test_certificate_pdfs_and_zips_are_sent_no_store(client, make):
    workshop = make.workshop()
    certificate = make.certificate(workshop)
    client.login(certificate.trainee)
    pdf = client.get(f"/certificates/{certificate.serial}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["Cache-Control"] == "no-store"
    client.login(workshop.organizer)
    archive = client.get(f"/workshops/{workshop.id}/certificates.zip")
    assert archive.status_code == 200
    assert archive.headers["Cache-Control"] == "no-store"


def test_job_results_are_sent_no_store(client, make):
    admin = client.login(make.admin())
    client.post("/admin/users/export")
    job = db.session.scalar(sa.select(Job).where(Job.kind == "users-csv", Job.created_by_id == admin.id))
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    download.close()

    client.post("/profile/data/export")
    job = db.session.scalar(sa.select(Job).where(Job.kind == "personal-data", Job.created_by_id == admin.id))
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    download.close()


def test_the_public_verification_page_may_be_cached_for_five_minutes(client, make):
    certificate = make.certificate(make.workshop())
    page = client.get(f"/verify/{certificate.serial}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "max-age=300"
    assert client.get("/verify/XXXX").headers["Cache-Control"] == "max-age=300"


def test_revocation_has_a_public_reason_an_internal_note_and_mails_the_holder(client, make, mails):
    workshop = make.workshop()
    certificate = make.certificate(workshop)
    client.login(workshop.certifier)
    form = client.get(f"/certificates/{certificate.serial}").text
    assert "PUBLIC: anyone with the serial reads this." in form
    assert "Issued in error." in form
    missing = client.post(f"/certificates/{certificate.serial}/revoke", data={"reason_code": "other"})
    assert missing.status_code == 422
    assert "For &#34;Other&#34;, say in a few words why" in missing.text
    done = client.post(
        f"/certificates/{certificate.serial}/revoke",
        data={
            "reason_code": "requirements-not-met",
            "internal_note": "Failed the cannula station twice; see the assessor's notes.",
        },
    )
    assert done.status_code == 302
    staff_view = client.get(f"/certificates/{certificate.serial}").text
    assert "Failed the cannula station twice" in staff_view

    (message,) = [m for m in mails(certificate.trainee.email) if "revoked" in m.subject]
    assert message.subject == f"Your certificate {certificate.serial} was revoked"
    assert "The requirements for this certificate were not met." in message.body
    assert f"http://training.test/verify/{link_serial(certificate.serial)}\n" in message.body
    assert "cannula station" not in message.body

    client.login(certificate.trainee)
    holder_view = client.get(f"/certificates/{certificate.serial}").text
    assert "The requirements for this certificate were not met." in holder_view
    assert "Failed the cannula station twice" not in holder_view
    client.logout()
    public = client.get(f"/verify/{certificate.serial}").text
    assert "The requirements for this certificate were not met." in public
    assert "cannula station" not in public
