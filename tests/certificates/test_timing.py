"""Nothing is certified before it happened: a certificate counts only sessions that have
ended, sessions to come are "not yet held" (never "missed"), and the trainee sees the
same list of what is missing as certifying faculty, from the one eligibility rule."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.certificates import services
from training.certificates.models import Certificate, CertificateKind
from training.core.db import utcnow
from training.core.jobs import Job
from training.extensions import db
from training.workshops.models import SessionKind

ATTENDANCE, COMPETENCE = CertificateKind.ATTENDANCE, CertificateKind.COMPETENCE


@pytest.fixture
def today(make):
    """A workshop held today: a lecture ended, a mandatory live demonstration running,
    a mandatory cadaver lab later; the trainee attended the lecture and confirmed a name."""
    workshop = make.workshop(starts_on=utcnow().date())
    lecture = make.running_session(workshop, started=timedelta(hours=4), minutes=60, title="Anatomy")
    demo = make.running_session(
        workshop, started=timedelta(minutes=30), minutes=90, mandatory=True, title="Live demonstration"
    )
    lab = make.running_session(
        workshop,
        started=-timedelta(hours=3),
        minutes=150,
        mandatory=True,
        kind=SessionKind.CADAVER_LAB,
        title="Cadaver lab",
    )
    trainee = make.enrolment(workshop).trainee
    make.attendance(lecture, trainee, "present")
    make.confirmed_name(workshop, trainee)
    return workshop, (lecture, demo, lab), trainee


def test_a_certificate_is_refused_until_the_last_counted_session_has_ended(ctx, today):
    workshop, _, trainee = today
    with pytest.raises(services.NotEligible) as refused:
        services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    reasons = refused.value.reasons
    assert reasons[0].startswith("The mandatory session Live demonstration (")
    assert reasons[0].endswith(") is in progress.")
    assert reasons[1].startswith("The mandatory session Cadaver lab (")
    assert reasons[1].endswith(") is not yet held.")
    assert re.fullmatch(
        r"Not every session has been held: the last one ends \w{3} \d\d \w{3} \d{4} \d\d:\d\d Europe/Rome\. "
        r"A certificate counts only sessions that have ended\.",
        reasons[2],
    )
    assert not any("Missed" in reason for reason in reasons)
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
    assert "Not every session has been held" in services.issue_refusal(workshop)


def test_a_session_that_ended_unattended_is_missed_and_the_workshop_then_issues(ctx, make):
    workshop = make.workshop(starts_on=utcnow().date() - timedelta(days=2))
    attended = make.running_session(workshop, started=timedelta(days=2), minutes=60)
    skipped = make.running_session(
        workshop, started=timedelta(days=1), minutes=60, mandatory=True, title="Demo"
    )
    trainee = make.enrolment(workshop).trainee
    make.attendance(attended, trainee, "present")
    make.confirmed_name(workshop, trainee)
    assert services.issue_refusal(workshop) is None
    (result,) = [services.trainee_eligibility(workshop, trainee)[ATTENDANCE]]
    assert f"Missed the mandatory session Demo ({skipped.local_start:%a %d %b %Y %H:%M} Europe/Rome)." in (
        result.missing
    )
    make.attendance(skipped, trainee, "present")
    certificate = services.issue_certificate(workshop, trainee.id, ATTENDANCE, actor=workshop.certifier)
    assert certificate.issued_at >= skipped.ends_at


def test_the_trainee_is_told_exactly_what_certifying_faculty_see(ctx, today):
    workshop, _, trainee = today
    _, table = services.eligibility_table(workshop)
    (row,) = table
    assert services.trainee_eligibility(workshop, trainee) == row.results
    assert set(row.results) == {ATTENDANCE, COMPETENCE}


def missing_on(page: str, item: str) -> list[str]:
    """The texts of the missing requirements listed on a page (``item`` opens each one)."""
    lists = re.findall(r'<ul class="[^"]*eligibility-missing[^"]*">(.*?)</ul>', page, flags=re.S)
    texts = [text for block in lists for text in re.findall(rf"{item}(.*?)</(?:li|span)>", block, flags=re.S)]
    return [html.unescape(" ".join(text.split())) for text in texts]


def test_the_workshop_page_lists_for_the_trainee_every_gap_the_eligibility_page_shows(client, today):
    workshop, _, trainee = today
    client.login(workshop.certifier)
    certifier_page = client.get(f"/workshops/{workshop.id}/certificates").text
    assert 'data-testid="not-yet-held"' in certifier_page
    faculty_sees = missing_on(certifier_page, "<li>")
    client.login(trainee)
    trainee_page = client.get(f"/workshops/{workshop.id}").text
    trainee_sees = missing_on(trainee_page, '<li><span class="gap-text">')
    # Both kinds, in the same words and order: sessions, skills, and what the trainee can act on.
    assert trainee_sees == faculty_sees
    assert any("is not yet held" in text for text in trainee_sees)
    assert any("is not signed off" in text for text in trainee_sees)
    assert f'href="/workshops/{workshop.id}/timetable"' in trainee_page
    assert 'href="/assessments/progress"' in trainee_page


def test_bulk_issue_is_refused_with_the_reason_while_sessions_are_to_come(client, today):
    workshop, _, _ = today
    client.login(workshop.certifier)
    response = client.post(f"/workshops/{workshop.id}/certificates/issue-all", data={"kind": "attendance"})
    assert response.status_code == 302
    page = client.get(response.location).text
    assert "Nothing was issued. Not every session has been held" in html.unescape(page)
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


def test_single_issue_on_the_page_shows_the_reason(client, today):
    workshop, _, trainee = today
    client.login(workshop.certifier)
    response = client.post(
        f"/workshops/{workshop.id}/certificates/issue",
        data={"trainee_id": str(trainee.id), "kind": "attendance"},
    )
    page = html.unescape(client.get(response.location).text)
    assert "is not yet held" in page
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0
