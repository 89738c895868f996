"""After issue: revocation, re-issue, verification, evaluations, confirmed names,
the issuer key and the command line."""

from __future__ import annotations

import os
import stat
from datetime import time, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.certificates.pdfs import text_of
from training.certificates import cli, services, signing
from training.certificates.models import CertificateKind, CertificateState, CourseEvaluation
from training.certificates.rules import link_serial
from training.core import pdf
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.extensions import db
from training.workshops.models import SessionKind

ATTENDANCE = CertificateKind.ATTENDANCE


@pytest.fixture
def issued(ctx, make, evidence):
    workshop = make.workshop(title="Microfat masterclass", cme_credit_hours=Decimal(8))
    trainee = make.enrolment(workshop).trainee
    evidence.ready(workshop, trainee)
    make.confirmed_name(workshop, trainee, "Dr. Jon Snowe")
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    db.session.commit()
    return certificate


def test_a_valid_certificate_verifies_with_only_public_facts(issued):
    result = services.verify(issued.serial.lower().replace("-", ""))
    assert result.status == "valid"
    assert result.public() == {
        "serial": issued.serial,
        "status": "valid",
        "kind": "attendance",
        "kind_label": "Certificate of attendance",
        "name": "Dr. Jon Snowe",
        "workshop": "Microfat masterclass",
        "starts_on": issued.snapshot["workshop"]["starts_on"],
        "ends_on": issued.snapshot["workshop"]["ends_on"],
        "issued_on": issued.issued_at.date().isoformat(),
    }


def test_an_unknown_or_mistyped_serial_is_unknown(issued):
    assert services.verify("0000-0000-0000-0000-0").status == "unknown"
    typo = ("1" if issued.serial[0] != "1" else "2") + issued.serial[1:]
    assert services.verify(typo).status == "unknown"


def test_revocation_needs_a_reason_is_audited_and_shows_on_verification(issued):
    certifier = issued.issued_by
    with pytest.raises(InvalidInput):
        services.revoke_certificate(issued, "other", actor=certifier, public_details="no")
    with pytest.raises(InvalidInput):
        services.revoke_certificate(issued, "made-up", actor=certifier)
    services.revoke_certificate(
        issued,
        "record-corrected",
        actor=certifier,
        public_details="Left on day one.",
        internal_note="Left at 10:40 for a family emergency; the roll call was wrong.",
    )
    db.session.commit()
    public = services.verify(issued.serial).public()
    assert public["status"] == "revoked"
    assert public["revocation_reason"] == "A training record it relied on was corrected. Left on day one."
    assert "family emergency" not in str(public)
    assert public["revoked_on"] == issued.revoked_at.date().isoformat()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificates.revoked"))
    assert event.new == {
        "state": "revoked",
        "reason": "A training record it relied on was corrected. Left on day one.",
        "note": "Left at 10:40 for a family emergency; the roll call was wrong.",
    }
    with pytest.raises(Conflict):
        services.revoke_certificate(issued, "issued-in-error", actor=certifier)


def test_a_revoked_certificate_makes_room_for_a_new_one(issued):
    services.revoke_certificate(issued, "issued-in-error", actor=issued.issued_by)
    db.session.commit()
    again = services.issue_certificate(issued.workshop, issued.trainee_id, ATTENDANCE, actor=issued.issued_by)
    assert again.serial != issued.serial


def test_re_issue_after_a_name_correction_supersedes_the_old_one(issued, make):
    old_serial = issued.serial
    trainee = issued.trainee
    services.confirm_name(issued.workshop, "Dr. Jon Snow", actor=trainee)
    newer = services.reissue_certificate(issued, actor=issued.issued_by)
    db.session.commit()
    assert newer.serial != old_serial
    assert newer.snapshot["name"] == "Dr. Jon Snow"
    assert newer.supersedes_id == issued.id
    assert issued.state is CertificateState.SUPERSEDED
    assert "Dr. Jon Snow" in text_of(services.stored_pdf(newer))
    assert "Dr. Jon Snowe" in text_of(services.stored_pdf(issued))  # the old PDF is kept as issued
    public = services.verify(old_serial).public()
    assert public["status"] == "superseded"
    assert public["superseded_by"] == newer.serial
    assert public["superseded_by_url"] == f"http://training.test/verify/{link_serial(newer.serial)}"
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificates.reissued"))
        is not None
    )
    with pytest.raises(Conflict):
        services.reissue_certificate(issued, actor=issued.issued_by)


# --- names and evaluations ---


def test_a_confirmed_name_is_tidied_and_only_for_confirmed_trainees(ctx, make):
    workshop = make.workshop()
    trainee = make.enrolment(workshop).trainee
    row = services.confirm_name(workshop, "  Dr.   Ana   Lima ", actor=trainee)
    assert row.name == "Dr. Ana Lima"
    with pytest.raises(InvalidInput):
        services.confirm_name(workshop, "x", actor=trainee)
    with pytest.raises(Conflict):
        services.confirm_name(workshop, "Dr. Nobody", actor=make.trainee())


def started(make):
    return make.workshop(starts_on=utcnow().date() - timedelta(days=1))


def test_an_evaluation_is_answered_once_and_aggregated(ctx, make):
    workshop = started(make)
    lecture = make.session(workshop, kind=SessionKind.LECTURE, title="Fat compartments")
    make.session(workshop, kind=SessionKind.BREAK, title="Coffee", start=time(11, 0))
    teacher = workshop.teacher
    trainees = make.enrolled_trainees(workshop, 3)
    targets = services.evaluation_targets(workshop)
    assert [s.title for s in targets.sessions] == ["Fat compartments"]  # breaks are not rated
    assert teacher.id in {u.id for u in targets.faculty}
    for score, trainee in zip((5, 4, 2), trainees, strict=True):
        services.submit_evaluation(
            workshop,
            overall=score,
            comments=f"Comment {score}",
            session_ratings={lecture.id: score, 999_999: 1},  # an unknown session is ignored
            faculty_ratings={teacher.id: 5},
            actor=trainee,
        )
    db.session.commit()
    with pytest.raises(Conflict, match="once"):
        services.submit_evaluation(
            workshop, overall=3, comments="", session_ratings={}, faculty_ratings={}, actor=trainees[0]
        )
    db.session.rollback()
    results = services.evaluation_results(workshop)
    assert results.answers == 3
    assert results.overall.mean == Decimal("3.7")
    assert results.sessions[0].average.distribution == (0, 1, 0, 1, 1)
    assert [f.average.mean for f in results.faculty if f.label == teacher.full_name] == [Decimal("5.0")]
    assert results.comments == ["Comment 5", "Comment 4", "Comment 2"]


def test_evaluation_refuses_outsiders_and_out_of_range_ratings(ctx, make):
    workshop = started(make)
    lecture = make.session(workshop)
    trainee = make.enrolment(workshop).trainee
    with pytest.raises(Conflict):
        services.submit_evaluation(
            workshop, overall=4, comments="", session_ratings={}, faculty_ratings={}, actor=make.trainee()
        )
    with pytest.raises(InvalidInput) as refused:
        services.submit_evaluation(
            workshop,
            overall=9,
            comments="",
            session_ratings={lecture.id: 0},
            faculty_ratings={},
            actor=trainee,
        )
    assert set(refused.value.problems) == {"overall", None}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CourseEvaluation)) == 0


def test_the_evaluation_opens_on_the_first_day_at_the_venue(ctx, make):
    workshop = make.workshop(starts_on=utcnow().date() + timedelta(days=2))
    trainee = make.enrolment(workshop).trainee
    with pytest.raises(Conflict, match="opens on the first day"):
        services.submit_evaluation(
            workshop, overall=4, comments="", session_ratings={}, faculty_ratings={}, actor=trainee
        )


def test_comments_stay_hidden_below_three_answers(ctx, make):
    workshop = make.workshop()
    trainee = make.enrolment(workshop).trainee
    make.evaluation(workshop, trainee, overall=5, comments="Only me: recognisable")
    results = services.evaluation_results(workshop)
    assert results.comments == []
    assert results.comments_hidden


def test_a_required_evaluation_enters_eligibility(ctx, make, evidence):
    workshop = make.workshop()
    trainee = make.enrolment(workshop).trainee
    evidence.ready(workshop, trainee)
    make.confirmed_name(workshop, trainee)
    services.save_rules(
        workshop,
        quiz_policy=services.QuizPolicy.MARKED,
        required_skills=["MFAT-201/skill-1"],
        evaluation_required=True,
        competence_enabled=True,
        actor=workshop.organizer,
    )
    _, table = services.eligibility_table(workshop)
    assert table[0].results[ATTENDANCE].missing == ("Has not completed the course evaluation.",)
    competence = table[0].results[CertificateKind.COMPETENCE]
    assert competence.missing == ("Has not completed the course evaluation.",)
    assert [s.identity for s in competence.skills] == ["MFAT-201/skill-1"]  # only the chosen skill
    make.evaluation(workshop, trainee)
    _, table = services.eligibility_table(workshop)
    assert table[0].results[ATTENDANCE].ok


def test_rules_refuse_a_skill_of_another_workshop(ctx, make):
    workshop = make.workshop()
    with pytest.raises(InvalidInput):
        services.save_rules(
            workshop,
            quiz_policy=services.QuizPolicy.ALL,
            required_skills=["NOPE-999/skill-1"],
            evaluation_required=False,
            competence_enabled=True,
            actor=workshop.organizer,
        )


# --- the issuer key ---


def test_the_issuer_key_is_made_once_and_readable_by_its_owner_only(ctx, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path / "fresh"))
    files = signing.issuer_files()
    assert files.generated
    assert stat.S_IMODE(os.stat(files.key).st_mode) == 0o600
    first = signing.issuer_certificate_pem()
    assert first.startswith(b"-----BEGIN CERTIFICATE-----")
    assert signing.issuer_files().key == files.key
    assert signing.issuer_certificate_pem() == first


def test_an_organization_may_supply_its_own_key(ctx, app, tmp_path, monkeypatch):
    own = tmp_path / "own"
    with app.app_context():
        monkeypatch.setitem(app.config, "INSTANCE_PATH", str(own))
        made = signing.issuer_files()
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path / "other"))
    monkeypatch.setitem(app.config, "TRAINING_SIGNING_KEY", str(made.key))
    monkeypatch.setitem(app.config, "TRAINING_SIGNING_CERT", str(made.cert))
    files = signing.issuer_files()
    assert not files.generated
    assert files.cert == made.cert
    signed = signing.sign(pdf.render_html("<p>Signed with the organization's key</p>"), reason="test")
    assert not (tmp_path / "other" / "signing").exists()  # nothing generated
    assert signing.check(signed, issuer_pem=made.cert.read_bytes()).authentic


def test_a_pdf_signed_by_another_issuer_is_not_authentic(issued, tmp_path, app, monkeypatch):
    content = services.stored_pdf(issued)
    monkeypatch.setitem(app.config, "INSTANCE_PATH", str(tmp_path / "elsewhere"))
    check = signing.check(content)  # against a freshly made, different issuer
    assert not check.authentic
    assert check.reasons == ("The document was not signed by this issuer.",)


# --- the command line ---


def test_cli_verify_says_authentic_and_names_the_serial(issued, app, tmp_path):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(services.stored_pdf(issued))
    result = app.test_cli_runner().invoke(cli.verify_pdf, [str(path)])
    assert result.exit_code == 0, result.output
    assert "AUTHENTIC" in result.output
    assert f"Serial: {issued.serial}" in result.output
    assert "Registry: valid" in result.output


@pytest.mark.parametrize("where", [0.25, 0.5, 0.75])
def test_cli_verify_fails_a_pdf_whose_bytes_were_altered(issued, app, tmp_path, where):
    content = bytearray(services.stored_pdf(issued))
    # Change one byte inside the signed range (before the signature's own contents).
    position = int(len(content) * where)
    while content[position : position + 1] in (b"<", b">"):
        position += 1
    content[position] ^= 0x01
    path = tmp_path / "altered.pdf"
    path.write_bytes(bytes(content))
    result = app.test_cli_runner().invoke(cli.verify_pdf, [str(path)])
    assert result.exit_code == 1, result.output
    assert "NOT AUTHENTIC" in result.output


def test_cli_verify_fails_a_pdf_with_something_appended_or_without_signature(issued, app, tmp_path):
    appended = tmp_path / "appended.pdf"
    appended.write_bytes(services.stored_pdf(issued) + b"\n1 0 obj (forged) endobj\n")
    result = app.test_cli_runner().invoke(cli.verify_pdf, [str(appended)])
    assert result.exit_code == 1
    assert "added to the document after it was signed" in result.output
    plain = tmp_path / "plain.pdf"
    plain.write_bytes(b"%PDF-1.7\nnot really\n")
    result = app.test_cli_runner().invoke(cli.verify_pdf, [str(plain)])
    assert result.exit_code == 1
    assert "NOT AUTHENTIC" in result.output


def test_cli_list_and_pdf(issued, app, tmp_path):
    runner = app.test_cli_runner()
    listing = runner.invoke(cli.list_certificates, [])
    assert listing.exit_code == 0
    assert f"{issued.serial}\tattendance\tvalid\tDr. Jon Snowe\tMicrofat masterclass" in listing.output
    out = tmp_path / "copy.pdf"
    result = runner.invoke(cli.export_pdf, [issued.serial.lower(), str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == services.stored_pdf(issued)
    missing = runner.invoke(cli.export_pdf, ["0000-0000-0000-0000-0", str(tmp_path / "none.pdf")])
    assert missing.exit_code == 1
    assert "no certificate" in missing.output


def test_signing_and_checking_work_inside_a_running_event_loop(ctx, app):
    """pyHanko's synchronous wrappers call asyncio.run(); a thread with a running loop
    (an async server, a browser-driving test) must still sign and check."""
    import asyncio

    async def inside_a_loop():
        signed = signing.sign(pdf.render_html('<p lang="en">Signed in a loop</p>'), reason="loop")
        return signing.check(signed)

    with app.app_context():
        assert asyncio.run(inside_a_loop()).authentic
