"""Private files are never kept by a browser or a proxy; the public verification
page may be, briefly, so that a revocation shows within minutes."""

from __future__ import annotations

import sqlalchemy as sa

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
