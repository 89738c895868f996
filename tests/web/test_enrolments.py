"""The enrolment pages over HTTP: the panel, enrolling, cancelling, the roster,
adding and importing trainees, the export, pending mail and the trainee's list."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_login import current_user, login_user

from tests.support.statements import recorded_statements
from training.accounts.models import Role, User
from training.core import page_parts
from training.core.db import utcnow
from training.core.mail import MailState, OutboxMessage
from training.curriculum.models import Module
from training.enrolments.models import Enrolment, EnrolmentSource, EnrolmentState
from training.extensions import db
from training.workshops.models import PrerequisitePolicy, WorkshopState

HEADER = "name,email,specialty,country\n"


def state_of(workshop, trainee):
    return db.session.scalar(
        sa.select(Enrolment.state).where(
            Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee.id
        )
    )


def flashes(html: str) -> str:
    return " ".join(
        re.sub(r"\s+", " ", m) for m in re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)<button', html, re.S)
    )


# The trainee ---------------------------------------------------------------------------------------


def test_a_trainee_enrols_from_the_panel_and_sees_their_seat(client, make):
    workshop = make.workshop(capacity=3)
    make.enrolment(workshop)
    trainee = client.login(make.trainee())
    page = client.get(f"/workshops/{workshop.id}/enrolment")
    assert "2 of 3 seats left" in page.text
    assert 'data-testid="enrol">Enrol<' in page.text
    response = client.post(
        f"/workshops/{workshop.id}/enrol",
        data={"next": f"/workshops/{workshop.id}/enrolment"},
        follow_redirects=True,
    )
    assert f"You are enrolled in {workshop.title}" in flashes(response.text)
    assert "Your seat is <strong>confirmed</strong>" in response.text
    assert "1 of 3 seats left" in response.text
    assert state_of(workshop, trainee) is EnrolmentState.CONFIRMED


def test_a_full_workshop_offers_the_waitlist_and_tells_the_position(client, make):
    workshop = make.workshop(capacity=1)
    make.enrolment(workshop)
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    trainee = client.login(make.trainee())
    page = client.get(f"/workshops/{workshop.id}/enrolment")
    assert "The only seat is taken; 1 on the waitlist" in page.text
    assert "Join the waitlist" in page.text
    response = client.post(f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert "you are on the waitlist at position 2" in flashes(response.text)
    assert "You are on the <strong>waitlist</strong>, position 2" in response.text
    assert state_of(workshop, trainee) is EnrolmentState.WAITLISTED


def test_a_draft_is_invisible_to_trainees(client, make):
    workshop = make.workshop(state=WorkshopState.DRAFT)
    client.login(make.trainee())
    assert client.get(f"/workshops/{workshop.id}/enrolment").status_code == 404
    assert client.post(f"/workshops/{workshop.id}/enrol").status_code == 404
    client.login(workshop.organizer)
    assert client.get(f"/workshops/{workshop.id}/enrolment").status_code == 200


def test_a_closed_window_is_said_and_a_forced_post_changes_nothing(client, make, mails):
    workshop = make.workshop(enrolment_closes_at=utcnow() - timedelta(hours=1))
    trainee = client.login(make.trainee())
    page = client.get(f"/workshops/{workshop.id}/enrolment")
    assert "Enrolment for this workshop has closed." in page.text
    assert 'data-testid="enrol"' not in page.text
    response = client.post(f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert "Enrolment for this workshop has closed." in flashes(response.text)
    assert state_of(workshop, trainee) is None
    assert mails(trainee.email) == []


def test_enrolling_twice_says_so(client, make):
    workshop = make.workshop()
    trainee = client.login(make.trainee())
    make.enrolment(workshop, trainee)
    response = client.post(f"/workshops/{workshop.id}/enrol", follow_redirects=True)
    assert "You are already enrolled in this workshop." in flashes(response.text)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.trainee_id == trainee.id)
        )
        == 1
    )


def test_cancelling_asks_first_then_gives_the_seat_to_the_waitlist(client, make, mails):
    workshop = make.workshop(capacity=1)
    trainee = make.trainee()
    make.enrolment(workshop, trainee)
    waiting = make.trainee()
    make.enrolment(workshop, waiting, state=EnrolmentState.WAITLISTED)
    client.login(trainee)
    confirm = client.get(f"/workshops/{workshop.id}/enrolment/cancel")
    assert "goes at once to the first trainee on the waitlist" in confirm.text
    assert state_of(workshop, trainee) is EnrolmentState.CONFIRMED  # asking changed nothing
    response = client.post(
        f"/workshops/{workshop.id}/enrolment/cancel", data={"reason": "Clinic rota"}, follow_redirects=True
    )
    assert f"Your enrolment in {workshop.title} is cancelled." in flashes(response.text)
    assert "My enrolments" in response.text
    assert state_of(workshop, trainee) is EnrolmentState.CANCELLED
    assert state_of(workshop, waiting) is EnrolmentState.CONFIRMED
    assert mails(waiting.email)[-1].subject == f"A seat is yours: {workshop.title}"
    # Nothing left to cancel.
    again = client.get(f"/workshops/{workshop.id}/enrolment/cancel", follow_redirects=True)
    assert "You are not enrolled in this workshop." in again.text


def test_warn_prerequisites_show_before_enrolling_and_required_ones_refuse(client, make):
    version = make.curriculum_version(["ANAT-101", "NFAT-301"])
    module = db.session.scalar(
        sa.select(Module).where(Module.version_id == version.id, Module.code == "NFAT-301")
    )
    module.prerequisites = ["ANAT-101"]
    db.session.commit()
    warn = make.workshop(version=version, prerequisite_policy=PrerequisitePolicy.WARN)
    required = make.workshop(version=version, prerequisite_policy=PrerequisitePolicy.REQUIRED)
    for ws in (warn, required):
        ws = db.session.merge(ws)
        ws.modules = [module]
    db.session.commit()
    trainee = client.login(make.trainee())
    page = client.get(f"/workshops/{warn.id}/enrolment")
    assert (
        "Recommended first: the prerequisite module ANAT-101 Module ANAT-101. You may still enrol."
        in page.text
    )
    response = client.post(f"/workshops/{warn.id}/enrol", follow_redirects=True)
    assert "You are enrolled" in flashes(response.text)
    assert "Recommended first" in flashes(response.text)
    page = client.get(f"/workshops/{required.id}/enrolment")
    assert "Enrolment needs the prerequisite module ANAT-101 Module ANAT-101" in page.text
    assert 'data-testid="enrol"' not in page.text
    response = client.post(f"/workshops/{required.id}/enrol", follow_redirects=True)
    assert "Enrolment needs the prerequisite module ANAT-101" in flashes(response.text)
    assert state_of(required, trainee) is None


def test_my_enrolments_and_the_dashboard_tile(client, make):
    trainee = client.login(make.trainee())
    soon = make.workshop(title="Microfat in Bologna", capacity=1)
    make.enrolment(soon, trainee)
    full = make.workshop(title="Nanofat in Lyon", capacity=1)
    make.enrolment(full)
    make.enrolment(full, state=EnrolmentState.WAITLISTED)
    make.enrolment(full, trainee, state=EnrolmentState.WAITLISTED)
    page = client.get("/enrolments")
    assert "Microfat in Bologna" in page.text
    assert "Waitlist, position 2" in page.text
    dashboard = client.get("/")
    assert "My enrolments" in dashboard.text
    assert "waitlist 2" in dashboard.text
    assert "Microfat in Bologna" in dashboard.text


# The organizer -------------------------------------------------------------------------------------


def test_the_roster_lists_seats_the_waitlist_with_positions_and_cancellations(client, make):
    workshop = make.workshop(capacity=2)
    seated = [make.enrolment(workshop, make.trainee(full_name=f"Dr. Seated {i}")) for i in range(2)]
    for i in range(3):
        make.enrolment(workshop, make.trainee(full_name=f"Dr. Waiting {i}"), state=EnrolmentState.WAITLISTED)
    make.enrolment(
        workshop, make.trainee(full_name="Dr. Gone"), state=EnrolmentState.CANCELLED, cancelled_at=utcnow()
    )
    client.login(workshop.organizer)
    page = client.get(f"/workshops/{workshop.id}/roster")
    assert "<strong>2</strong> confirmed of 2 seats (0 left)" in page.text
    assert "Dr. Seated 0" in page.text
    assert "Dr. Waiting 0" not in page.text
    waiting = client.get(f"/workshops/{workshop.id}/roster?state=waitlisted")
    rows = re.findall(r'data-testid="roster-row">\s*<td>(\d+)</td>\s*<td>([^<]+)<', waiting.text)
    assert rows == [("1", "Dr. Waiting 0"), ("2", "Dr. Waiting 1"), ("3", "Dr. Waiting 2")]
    assert "Europe/Rome" in waiting.text
    gone = client.get(f"/workshops/{workshop.id}/roster?state=cancelled")
    assert "Dr. Gone" in gone.text
    assert seated  # the faculty of the workshop see the roster, without the buttons
    client.login(workshop.teacher)
    seen = client.get(f"/workshops/{workshop.id}/roster")
    assert seen.status_code == 200
    assert "Remove" not in seen.text
    assert client.get(f"/workshops/{workshop.id}/roster.csv").status_code == 403
    client.login(make.workshop().teacher)  # faculty of another workshop
    assert client.get(f"/workshops/{workshop.id}/roster").status_code == 403


def test_removing_a_trainee_promotes_the_first_waitlisted(client, make, mails):
    workshop = make.workshop(capacity=1)
    seated = make.enrolment(workshop)
    first = make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    client.login(workshop.organizer)
    response = client.post(
        f"/workshops/{workshop.id}/roster/{seated.id}/remove",
        data={"reason": "No licence"},
        follow_redirects=True,
    )
    text = flashes(response.text)
    assert "is removed from the workshop" in text
    assert "moved up from the waitlist" in text
    assert db.session.get(Enrolment, first.id).state is EnrolmentState.CONFIRMED
    assert "Their reason: No licence" in mails(seated.trainee.email)[-1].body
    other = make.workshop()
    assert client.post(f"/workshops/{other.id}/roster/{first.id}/remove").status_code == 403
    client.login(other.organizer)
    assert client.post(f"/workshops/{other.id}/roster/{first.id}/remove").status_code == 404


def test_the_export_is_a_safe_csv_in_venue_time(client, make):
    workshop = make.workshop(capacity=1)
    make.enrolment(workshop, make.trainee(full_name="=HYPERLINK(1)"))
    make.enrolment(workshop, make.trainee(full_name="Dr. Left"), state=EnrolmentState.CANCELLED)
    make.enrolment(workshop, make.trainee(full_name="Dr. Next"), state=EnrolmentState.WAITLISTED)
    client.login(workshop.organizer)
    response = client.get(f"/workshops/{workshop.id}/roster.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][8] == "requested (Europe/Rome)"
    assert rows[1][:3] == ["confirmed", "", "'=HYPERLINK(1)"]
    assert rows[2][:3] == ["waitlisted", "1", "Dr. Next"]
    assert rows[3][:3] == ["cancelled", "", "Dr. Left"]


def test_an_organizer_finds_and_enrols_a_trainee(client, make, mails):
    workshop = make.workshop()
    wanted = make.trainee(full_name="Dr. Ingrid Halvorsen")
    make.faculty(full_name="Dr. Ingrid Faculty")  # not a trainee: not offered
    client.login(workshop.organizer)
    page = client.get(f"/workshops/{workshop.id}/roster/add?q=ingrid")
    assert "Dr. Ingrid Halvorsen" in page.text
    assert "Dr. Ingrid Faculty" not in page.text
    response = client.post(
        f"/workshops/{workshop.id}/roster/add?q=ingrid", data={"trainee_id": wanted.id}, follow_redirects=True
    )
    assert "Dr. Ingrid Halvorsen is enrolled and told by e-mail." in flashes(response.text)
    assert ">Confirmed</span>" in response.text  # the search now shows them enrolled
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.trainee_id == wanted.id))
    assert enrolment.source is EnrolmentSource.ORGANIZER
    again = client.post(f"/workshops/{workshop.id}/roster/add", data={"trainee_id": wanted.id})
    assert again.status_code == 200
    assert "Dr. Ingrid Halvorsen is already enrolled in this workshop." in again.text


def test_an_organizer_creates_a_trainee_who_is_invited_and_enrolled(client, make, mails):
    workshop = make.workshop()
    client.login(workshop.organizer)
    data = {
        "full_name": "Dr. Kofi Mensah",
        "email": "kofi@example.org",
        "specialty": "Dermatology",
        "country": "GH",
    }
    response = client.post(f"/workshops/{workshop.id}/roster/new", data=data, follow_redirects=True)
    assert "An account for Dr. Kofi Mensah was created" in flashes(response.text)
    user = db.session.scalar(sa.select(User).where(User.email == "kofi@example.org"))
    assert user.roles == {Role.TRAINEE}
    assert [m.subject for m in mails("kofi@example.org")] == [
        "Your account on the training programme",
        f"Your seat is confirmed: {workshop.title}",
    ]
    twice = client.post(f"/workshops/{workshop.id}/roster/new", data=data)
    assert twice.status_code == 200
    assert "kofi@example.org already has an account" in twice.text
    empty = client.post(f"/workshops/{workshop.id}/roster/new", data={"email": "nope"})
    assert empty.status_code == 200
    assert "invalid-feedback" in empty.text


def upload(client, workshop, content: bytes, name="trainees.csv"):
    return client.post(
        f"/workshops/{workshop.id}/roster/import",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def test_importing_a_clean_file(client, make, mails):
    workshop = make.workshop(capacity=1)
    client.login(workshop.organizer)
    content = (
        HEADER
        + "Dr. Ana Costa,ana@example.org,Dermatology,PT\nDr. Jan Novák,jan@example.org,Dermatology,CZ\n"
    ).encode()
    response = upload(client, workshop, content)
    assert "2 trainees imported: 1 confirmed, 1 on the waitlist; 2 new accounts were invited." in flashes(
        response.text
    )
    assert "Dr. Ana Costa" in response.text  # now on the roster
    assert len(mails("jan@example.org")) == 2


@pytest.mark.parametrize(
    ("content", "shown"),
    [
        (
            (
                HEADER
                + "Dr. Good,good@example.org,Dermatology,FR\n"
                + "X,bad,Astrology,Atlantis\n"
                + "Dr. Y,good@example.org,Dermatology,FR\n"
            ).encode(),
            ["Line 3: the name must be 2 to 200 characters", "Line 4: good@example.org is already on line 2"],
        ),
        (
            (HEADER + "Dr. Müller,m@example.org,Dermatology,DE\n").encode("cp1252"),
            ["The file is not UTF-8 text (line 2"],
        ),
        (b"name;mail\nA;b\n", ["The first line must name the columns name, email, specialty, country"]),
        (b"PK\x03\x04\x14\x00", ["This is an Excel workbook or a zip archive, not a CSV file."]),
        (b"", ["The file is empty."]),
    ],
)
def test_a_bad_file_imports_nothing_and_says_why(client, make, content, shown):
    workshop = make.workshop()
    client.login(workshop.organizer)
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = upload(client, workshop, content)
    assert response.status_code == 200
    for message in shown:
        assert message in response.text.replace("&#39;", "'")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(Enrolment).where(Enrolment.workshop_id == workshop.id)
        )
        == 0
    )


def test_an_import_without_a_file_says_so(client, make):
    workshop = make.workshop()
    client.login(workshop.organizer)
    response = client.post(f"/workshops/{workshop.id}/roster/import", data={})
    assert response.status_code == 200
    assert "Choose a CSV file." in response.text


def test_the_workshops_pending_mail(client, make):
    workshop = make.workshop()
    db.session.add_all(
        [
            OutboxMessage(
                recipient="late@example.org",
                subject="Waiting one",
                body="b",
                topic="enrolment",
                workshop_id=workshop.id,
            ),
            OutboxMessage(
                recipient="dead@example.org",
                subject="Failed one",
                body="b",
                topic="enrolment",
                workshop_id=workshop.id,
                state=MailState.FAILED,
                attempts=8,
                last_error="SMTPRecipientsRefused",
            ),
            OutboxMessage(
                recipient="s@example.org",
                subject="Sent one",
                body="b",
                topic="enrolment",
                workshop_id=workshop.id,
                state=MailState.SENT,
            ),
            OutboxMessage(
                recipient="x@example.org",
                subject="Other workshop",
                body="b",
                topic="enrolment",
                workshop_id=workshop.id + 1000,
            ),
        ]
    )
    db.session.commit()
    client.login(workshop.organizer)
    page = client.get(f"/workshops/{workshop.id}/mail")
    assert "Waiting one" in page.text
    assert "Failed one" in page.text
    assert "SMTPRecipientsRefused" in page.text
    assert "Sent one" not in page.text
    assert "Other workshop" not in page.text
    assert "1 waiting, 1 given up, 1 sent." in re.sub(r"\s+", " ", page.text)


def test_an_organizer_sends_the_workshops_failed_mail_again(client, make, smtp_server, app):
    workshop = make.workshop()
    failed = OutboxMessage(
        recipient="dead@example.org",
        subject="Your seat",
        body="b",
        topic="enrolment",
        workshop_id=workshop.id,
        state=MailState.FAILED,
        attempts=8,
        last_error="ConnectionRefusedError",
    )
    elsewhere = OutboxMessage(
        recipient="x@example.org", subject="S", body="b", topic="t", state=MailState.FAILED
    )
    db.session.add_all([failed, elsewhere])
    db.session.commit()
    client.login(workshop.organizer)
    app.config["SMTP_URL"] = smtp_server.url
    try:
        response = client.post(f"/workshops/{workshop.id}/mail/{failed.id}/retry", follow_redirects=True)
    finally:
        app.config["SMTP_URL"] = None
    assert "The message to dead@example.org will be sent again now." in flashes(response.text)
    assert [m["Subject"] for m in smtp_server.inbox.to("dead@example.org")] == ["Your seat"]
    assert db.session.get(OutboxMessage, failed.id).state is MailState.SENT
    # Another workshop's (or no workshop's) mail is not reached through this one.
    assert client.post(f"/workshops/{workshop.id}/mail/{elsewhere.id}/retry").status_code == 404


# Statements per page stay flat as the data grows -------------------------------------------------------


def test_pages_make_as_many_queries_for_many_trainees_as_for_few(app, client, make):
    version = make.curriculum_version(["ANAT-101", "NFAT-301"])
    module = db.session.scalar(
        sa.select(Module).where(Module.version_id == version.id, Module.code == "NFAT-301")
    )
    module.prerequisites = ["ANAT-101"]
    db.session.commit()
    counts = []
    trainee = make.trainee()
    for size in (3, 30):
        workshop = make.workshop(
            version=version, capacity=size // 2, prerequisite_policy=PrerequisitePolicy.WARN
        )
        for i in range(size):
            make.enrolment(
                workshop, state=EnrolmentState.CONFIRMED if i < size // 2 else EnrolmentState.WAITLISTED
            )
        make.enrolment(workshop, trainee, state=EnrolmentState.WAITLISTED)
        pages = [
            (workshop.organizer, f"/workshops/{workshop.id}/roster"),
            (workshop.organizer, f"/workshops/{workshop.id}/roster?state=waitlisted"),
            (workshop.organizer, f"/workshops/{workshop.id}/enrolment"),
            (workshop.organizer, f"/workshops/{workshop.id}/mail"),
            (trainee, "/enrolments"),
            (trainee, "/"),
            (trainee, f"/workshops/{workshop.id}/enrolment"),
        ]
        numbers = []
        for user, url in pages:
            client.login(user)
            with recorded_statements(app) as statements:
                assert client.get(url).status_code == 200
            numbers.append(len(statements))
        counts.append(numbers)
    assert counts[0] == counts[1]
    assert max(counts[1]) <= 15, counts


def render_panel(workshop):
    """The panel as the workshop page renders it, with the data its view works out."""
    enrolment = page_parts.panels_for(workshop, current_user._get_current_object())["enrolments"]
    return render_template("enrolments/_workshop_panel.html", workshop=workshop, enrolment=enrolment)


def test_the_panel_for_visitors_and_staff_on_the_workshop_page(app, make):
    """The workshops page includes the panel; it must work for anyone who sees it."""
    workshop = make.workshop(capacity=2)
    make.enrolment(workshop)
    with app.test_request_context(f"/workshops/{workshop.id}"):
        html = render_panel(db.session.merge(workshop))
    assert "1 of 2 seats left" in html
    # Enrolling asks a visitor to log in or sign up, both leading back to the workshop.
    assert f'href="/login?next=/workshops/{workshop.id}">Enrol: log in</a>' in html
    assert f'href="/signup?next=/workshops/{workshop.id}">Create a trainee account</a>' in html
    assert "Roster" not in html
    with app.test_request_context(f"/workshops/{workshop.id}"):
        login_user(db.session.merge(workshop.organizer))
        html = render_panel(db.session.merge(workshop))
    assert "1 confirmed, 0 waiting" in html
    assert "Import a CSV file" in html
    assert 'data-testid="enrol"' not in html
