"""The certificates pages over HTTP: what trainees, certifying faculty, organizers,
admins and anonymous visitors see and do."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.certificates.pdfs import qr_codes, text_of
from tests.support import blobs
from tests.support.statements import recorded_statements
from training.certificates import services
from training.certificates.models import Certificate, CertificateState, CourseEvaluation
from training.certificates.rules import link_serial
from training.core.db import utcnow
from training.extensions import db


@pytest.fixture
def workshop(make):
    # Started yesterday: its evaluation is open.
    return make.workshop(
        title="Regenerative fat grafting, Lyon", starts_on=utcnow().date() - timedelta(days=1)
    )


def ready(make, evidence, workshop, name="Dr. Lucie Marchand"):
    trainee = make.enrolment(workshop).trainee
    evidence.ready(workshop, trainee)
    make.confirmed_name(workshop, trainee, name)
    return trainee


def test_the_trainee_confirms_the_name_and_evaluates_once(client, make, workshop):
    session = make.session(workshop, title="Fat compartments of the face")
    trainee = make.enrolment(workshop).trainee
    client.login(trainee)
    page = client.get(f"/workshops/{workshop.id}/certificate-name")
    assert trainee.full_name in page.text
    refused = client.post(f"/workshops/{workshop.id}/certificate-name", data={"name": "Dr. Ana Lima"})
    assert refused.status_code == 422
    assert "Tick the box to confirm the spelling." in refused.text
    done = client.post(
        f"/workshops/{workshop.id}/certificate-name", data={"name": " Dr.  Ana Lima ", "confirm": "y"}
    )
    assert done.status_code == 302
    assert services.confirmed_name(workshop, trainee).name == "Dr. Ana Lima"

    form = client.get(f"/workshops/{workshop.id}/evaluation")
    assert "Fat compartments of the face" in form.text
    assert workshop.teacher.full_name in form.text
    missing = client.post(f"/workshops/{workshop.id}/evaluation", data={"comments": "Great"})
    assert missing.status_code == 422
    assert "Choose an overall rating." in missing.text
    sent = client.post(
        f"/workshops/{workshop.id}/evaluation",
        data={
            "overall": "5",
            f"session_{session.id}": "4",
            f"faculty_{workshop.teacher.id}": "5",
            "comments": "Great",
        },
    )
    assert sent.status_code == 302
    again = client.post(f"/workshops/{workshop.id}/evaluation", data={"overall": "1"}, follow_redirects=True)
    assert "answered once" in again.text
    assert (
        db.session.scalar(
            sa.select(CourseEvaluation.overall).where(CourseEvaluation.trainee_id == trainee.id)
        )
        == 5
    )


def test_organizers_see_aggregated_results(client, make, workshop):
    session = make.session(workshop, title="Nanofat emulsification")
    for overall, rating in ((5, 5), (4, 3), (3, 3)):
        trainee = make.enrolment(workshop).trainee
        make.evaluation(
            workshop, trainee, overall=overall, comments=f"Said {overall}", sessions={session.id: rating}
        )
    client.login(workshop.organizer)
    page = client.get(f"/workshops/{workshop.id}/evaluation/results")
    assert page.status_code == 200
    assert "3 of 3 confirmed trainees answered" in page.text
    assert re.search(r"Overall: <strong>4.0</strong> / 5", page.text)
    assert "<strong>3.7</strong>" in page.text  # the session
    assert "Said 5" in page.text


def test_the_eligibility_page_lists_every_reason_and_issues(client, make, evidence, workshop):
    eligible = ready(make, evidence, workshop)
    lagging = make.enrolment(workshop).trainee
    evidence.attended(lagging, 40, missing_mandatory=("Cadaver lab (Tue 09:00 Europe/Rome)",))
    client.login(workshop.certifier)
    page = client.get(f"/workshops/{workshop.id}/certificates")
    assert "Attended 40% of the scheduled time; at least 80% is required." in page.text
    assert "Missed the mandatory session Cadaver lab (Tue 09:00 Europe/Rome)." in page.text
    assert "Has not confirmed the name to print on the certificate." in page.text
    issued = client.post(
        f"/workshops/{workshop.id}/certificates/issue",
        data={"trainee_id": str(eligible.id), "kind": "attendance"},
        follow_redirects=True,
    )
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.trainee_id == eligible.id))
    assert "issued to Dr. Lucie Marchand" in issued.text
    assert certificate.serial in issued.text
    refused = client.post(
        f"/workshops/{workshop.id}/certificates/issue",
        data={"trainee_id": str(lagging.id), "kind": "attendance"},
        follow_redirects=True,
    )
    assert "is not eligible yet" in refused.text
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Certificate).where(Certificate.workshop_id == workshop.id)
        )
        == 1
    )


def test_bulk_issue_goes_through_a_job_with_progress(client, make, evidence, workshop):
    for i in range(2):
        ready(make, evidence, workshop, name=f"Dr. Bulk {i}")
    client.login(workshop.certifier)
    response = client.post(f"/workshops/{workshop.id}/certificates/issue-all", data={"kind": "attendance"})
    assert response.status_code == 302
    assert response.location.startswith("/jobs/")
    job = client.get(response.location)
    assert "Done: 2 issued." in job.text
    progress = client.get(response.location + "/progress", headers={"Accept": "application/json"})
    assert progress.json["percent"] == 100
    client.post(f"/workshops/{workshop.id}/certificates/issue-all", data={"kind": "attendance"})
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Certificate).where(Certificate.workshop_id == workshop.id)
        )
        == 2
    )


def test_bulk_issue_asks_for_the_password_again_after_a_while(client, make, workshop):
    client.login(workshop.certifier)
    with client.session_transaction() as flask_session:
        flask_session["password_confirmed_at"] = 0
    response = client.post(f"/workshops/{workshop.id}/certificates/issue-all", data={"kind": "attendance"})
    assert response.status_code == 302
    assert response.location.startswith("/confirm-password")


def test_the_eligibility_page_needs_no_more_statements_with_more_trainees(
    client, make, evidence, workshop, app
):
    for _ in range(2):
        ready(make, evidence, workshop)
    make.certificate(workshop)
    client.login(workshop.certifier)
    client.get(f"/workshops/{workshop.id}/certificates")
    with recorded_statements(app) as few:
        client.get(f"/workshops/{workshop.id}/certificates")
    for _ in range(6):
        ready(make, evidence, workshop)
    make.certificate(workshop)
    with recorded_statements(app) as many:
        client.get(f"/workshops/{workshop.id}/certificates")
    assert len(many) == len(few)
    # 17: the login check and the draft guard read a row each
    assert len(many) <= 17, "\n".join(s[:150] for s in many)


def test_the_holder_downloads_the_stored_pdf_others_get_404(client, make, workshop):
    certificate = make.certificate(workshop, name="Dr. Kofi Mensah")
    client.login(certificate.trainee)
    mine = client.get("/certificates")
    assert certificate.serial in mine.text
    pdf = client.get(f"/certificates/{certificate.serial}/pdf")
    assert pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert "Dr. Kofi Mensah" in text_of(pdf.data)
    other_workshop = make.workshop()
    for outsider in (make.enrolment(workshop).trainee, other_workshop.certifier, other_workshop.organizer):
        client.login(outsider)
        assert client.get(f"/certificates/{certificate.serial}/pdf").status_code == 404
        assert client.get(f"/certificates/{certificate.serial}").status_code == 404


def test_a_tampered_stored_pdf_is_refused_not_re_rendered(client, make, workshop, app):
    certificate = make.certificate(workshop)
    with app.app_context():
        blobs.tamper(services.stored_key(certificate), lambda data: data + b"% changed in storage\n")
        db.session.commit()
    client.login(certificate.trainee)
    response = client.get(f"/certificates/{certificate.serial}/pdf")
    assert response.status_code == 410
    assert "does not match what was issued" in response.text


def test_organizers_download_every_valid_certificate_as_one_zip(client, make, workshop):
    kept = [make.certificate(workshop) for _ in range(2)]
    make.certificate(workshop, state=CertificateState.REVOKED)
    client.login(workshop.organizer)
    response = client.get(f"/workshops/{workshop.id}/certificates.zip")
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 2
    # Named by the serial as links write it: no check character, which may be * or $.
    assert {link_serial(c.serial) for c in kept} == {n.removesuffix(".pdf")[-19:] for n in names}
    for name in names:
        assert archive.read(name).startswith(b"%PDF")


def test_the_qr_code_leads_to_the_verification_page(client, make, workshop, app):
    certificate = make.certificate(workshop, name="Dr. Inés Navarro")
    with app.app_context():
        (url,) = qr_codes(services.stored_pdf(certificate))
    assert url == f"http://training.test/verify/{link_serial(certificate.serial)}"
    page = client.get(url.removeprefix("http://training.test"))
    assert page.status_code == 200
    assert "Valid certificate" in page.text
    assert "Dr. Inés Navarro" in page.text
    assert certificate.trainee.email not in page.text  # only name, workshop, dates and kind


def test_verification_after_revocation_and_re_issue(client, make, evidence, workshop):
    trainee = ready(make, evidence, workshop)
    certificate = make.certificate(workshop, trainee)
    client.login(workshop.certifier)
    reissued = client.post(f"/certificates/{certificate.serial}/reissue", follow_redirects=True)
    assert "now superseded" in reissued.text
    newer = db.session.scalar(sa.select(Certificate).where(Certificate.supersedes_id == certificate.id))
    client.logout()
    old = client.get(f"/verify/{certificate.serial}")
    assert "Superseded certificate" in old.text
    assert f'href="/verify/{link_serial(newer.serial)}"' in old.text
    assert client.get(f"/verify/{certificate.serial}.json").json["superseded_by"] == newer.serial

    client.login(workshop.certifier)
    refused = client.post(f"/certificates/{newer.serial}/revoke", data={"reason_code": ""})
    assert refused.status_code == 422
    client.post(
        f"/certificates/{newer.serial}/revoke",
        data={"reason_code": "other", "public_details": "Skill sign-off withdrawn after review."},
    )
    client.logout()
    page = client.get(f"/verify/{newer.serial}")
    assert "Revoked certificate" in page.text
    assert "Revoked by the programme. Skill sign-off withdrawn after review." in page.text
    answer = client.get(f"/verify/{newer.serial}.json").json
    assert answer["status"] == "revoked"
    assert answer["revocation_reason"] == "Revoked by the programme. Skill sign-off withdrawn after review."


def test_unknown_serials_and_typing_variants(client, make, workshop):
    certificate = make.certificate(workshop)
    assert client.get("/verify/0000-0000-0000-0000-0").status_code == 404
    unknown = client.get("/verify/not-a-serial.json")
    assert unknown.status_code == 404
    assert unknown.json == {
        "serial": "not-a-serial",
        "status": "unknown",
        "error": "No certificate has this serial.",
    }
    typed = client.get(f"/verify/{certificate.serial.replace('-', '').lower()}")
    assert typed.status_code == 302
    assert typed.location == f"/verify/{link_serial(certificate.serial)}"
    form = client.get("/verify", query_string={"serial": certificate.serial.lower()})
    assert form.location == f"/verify/{link_serial(certificate.serial)}"
    wrong = client.get("/verify", query_string={"serial": "ABCD"})
    assert "This is not a serial of ours" in wrong.text


def test_verification_is_rate_limited(client, make, workshop):
    certificate = make.certificate(workshop)
    statuses = [client.get(f"/verify/{certificate.serial}.json").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_issuer_certificate_is_published(client):
    response = client.get("/certificates/issuer.pem")
    assert response.status_code == 200
    assert response.data.startswith(b"-----BEGIN CERTIFICATE-----")


def test_admins_search_the_registry(client, make, workshop):
    found = make.certificate(workshop, name="Dr. Findable Person")
    other = make.certificate(make.workshop(title="Another course"))
    client.login(make.admin())
    by_serial = client.get("/admin/certificates", query_string={"q": found.serial.lower()})
    assert found.serial in by_serial.text
    assert other.serial not in by_serial.text
    by_workshop = client.get("/admin/certificates", query_string={"q": "another course"})
    assert other.serial in by_workshop.text
    assert found.serial not in by_workshop.text
    revoked = client.get("/admin/certificates", query_string={"state": "revoked"})
    assert found.serial not in revoked.text
    bad = client.get("/admin/certificates", query_string={"state": "nonsense", "page": "x"})
    assert bad.status_code == 200


def test_rules_are_saved_by_certifying_faculty(client, make, workshop):
    client.login(workshop.certifier)
    page = client.get(f"/workshops/{workshop.id}/certificates/rules")
    assert "Practical skill of MFAT-201" in page.text
    saved = client.post(
        f"/workshops/{workshop.id}/certificates/rules",
        data={
            "quiz_policy": "all",
            "competence_enabled": "y",
            "required_skills": ["MFAT-201/skill-1"],
            "evaluation_required": "y",
        },
    )
    assert saved.status_code == 302
    needs = services.requirements(workshop)
    assert needs.quiz_policy.value == "all"
    assert [s.identity for s in needs.required_skills] == ["MFAT-201/skill-1"]
    assert needs.evaluation_required
    unknown = client.post(
        f"/workshops/{workshop.id}/certificates/rules",
        data={"quiz_policy": "all", "required_skills": ["X/y"]},
    )
    assert unknown.status_code == 422


@pytest.mark.parametrize("last", ["10", "11", "12", "13", "14"])  # check symbols *, ~, $, = and U
def test_serials_ending_in_any_check_symbol_verify(client, make, workshop, last):
    from training.certificates import rules

    body = "00000000000000" + last
    serial = rules.format_serial(body + rules.check_symbol(body))
    certificate = make.certificate(workshop)
    certificate.serial = serial
    db.session.commit()
    link = rules.link_serial(serial)
    assert link == "0000-0000-0000-00" + last
    # Links leave the check character out; links made with it (before) still answer.
    client.login(certificate.trainee)
    assert f'href="/verify/{link}"' in client.get(f"/certificates/{link}").text
    assert client.get(f"/certificates/{serial}").status_code == 200
    pdf = client.get(f"/certificates/{link}/pdf")
    assert pdf.status_code == 200
    assert f"-{link}.pdf" in pdf.headers["Content-Disposition"]
    client.logout()
    for address in (link, serial):
        page = client.get(f"/verify/{address}")
        assert page.status_code == 200
        assert f"<code>{serial}</code>" in page.text or serial in page.text
        assert client.get(f"/verify/{address}.json").json["serial"] == serial
    assert client.get(f"/verify/{serial.lower().replace('-', '')}").location == f"/verify/{link}"
