"""User administration, the audit log, the outbox and job progress pages."""

import csv
import io
import re

import sqlalchemy as sa

from training.accounts.models import Role, User
from training.core.audit import AuditEvent
from training.core.jobs import Job, JobState
from training.extensions import db


def test_user_list_searches_and_pages(client, make):
    client.login(make.admin(full_name="Ada Admin"))
    for n in range(30):
        make.trainee(full_name=f"Trainee {n:02d}", institution="Karolinska")
    make.faculty(full_name="Prof. Unique Searchname")

    first = client.get("/admin/users")
    assert "page 1 of 2" in first.text
    assert first.text.count("/admin/users/") >= 25

    found = client.get("/admin/users?q=searchname")
    assert "Prof. Unique Searchname" in found.text
    assert "Trainee 00" not in found.text
    assert "1 in all" in found.text

    by_institution = client.get("/admin/users?q=karolinska&page=2")
    assert "30 in all, page 2 of 2" in by_institution.text

    faculty = client.get("/admin/users?role=faculty")
    assert "Prof. Unique Searchname" in faculty.text
    assert "Trainee 00" not in faculty.text

    nonsense = client.get("/admin/users?page=abc&role=pilot")
    assert nonsense.status_code == 200


def test_admin_creates_a_faculty_account_and_the_invitation_works(client, make, mails):
    client.login(make.admin())
    response = client.post(
        "/admin/users/new",
        data={"full_name": "Prof. Hana Sato", "email": "hana.sato@example.org", "roles": ["faculty"]},
        follow_redirects=True,
    )
    assert "An invitation is on its way to hana.sato@example.org" in response.text
    user = db.session.scalar(sa.select(User).where(User.email == "hana.sato@example.org"))
    assert user.roles == {Role.FACULTY}

    (invitation,) = mails("hana.sato@example.org")
    link = re.search(r"http://training\.test(/invitation/\S+)", invitation.body).group(1)
    client.logout()
    assert "Welcome, Prof. Hana Sato" in client.get(link).text
    response = client.post(link, data={"password": "sato-teaches-nanofat", "confirm": "sato-teaches-nanofat"})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200


def test_admin_promotes_a_user_and_sees_it_in_the_audit_log(client, make):
    admin = client.login(make.admin(full_name="Ada Admin"))
    trainee = make.trainee(full_name="Dr. Promoted Person")
    response = client.post(
        f"/admin/users/{trainee.id}/roles", data={"roles": ["trainee", "organizer"]}, follow_redirects=True
    )
    assert "Roles of Dr. Promoted Person saved." in response.text
    assert trainee.roles == {Role.TRAINEE, Role.ORGANIZER}

    log = client.get("/admin/audit?action=user.roles_changed")
    assert "Roles of Dr. Promoted Person: trainee -&gt; organizer, trainee" in log.text
    assert "Ada Admin" in log.text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.roles_changed"))
    assert event.actor_id == admin.id

    by_target = client.get(f"/admin/audit?target=users:{trainee.id}")
    assert "Dr. Promoted Person" in by_target.text
    nobody = client.get("/admin/audit?actor=nobody-like-this")
    assert "Nothing recorded matches." in nobody.text


def test_the_last_admin_is_protected_on_the_page(client, make):
    admin = client.login(make.admin())
    response = client.post(f"/admin/users/{admin.id}/roles", data={"roles": ["faculty"]})
    assert response.status_code == 422
    assert "You cannot remove your own admin role" in response.text
    assert admin.roles == {Role.ADMIN}


def test_deactivated_users_cannot_log_in_but_their_records_stay(client, make):
    client.login(make.admin())
    trainee = make.trainee()
    response = client.post(f"/admin/users/{trainee.id}/deactivate", follow_redirects=True)
    assert "is deactivated and can no longer log in" in response.text

    client.logout()
    response = client.post("/login", data={"email": trainee.email, "password": trainee.password})
    assert "not correct, or the account is not active" in response.text
    assert db.session.get(User, trainee.id).email == trainee.email


def test_deactivation_logs_the_person_out_at_once(app, client, make):
    victim_browser = app.test_client()
    trainee = make.trainee()
    victim_browser.login(trainee)
    assert victim_browser.get("/profile").status_code == 200

    client.login(make.admin())
    client.post(f"/admin/users/{trainee.id}/deactivate")
    assert victim_browser.get("/profile").status_code == 302


def test_export_of_all_accounts_shows_progress_and_downloads(client, make):
    admin = client.login(make.admin())
    make.trainee(full_name="Dr. In The Export")
    response = client.post("/admin/users/export")
    job = db.session.scalar(sa.select(Job).order_by(Job.id.desc()))
    assert response.location == f"/jobs/{job.id}"
    assert job.state is JobState.DONE
    assert job.created_by_id == admin.id

    page = client.get(f"/jobs/{job.id}")
    assert 'data-state="done"' in page.text
    assert "Download the result" in page.text
    progress = client.get(f"/jobs/{job.id}/progress", headers={"Accept": "application/json"})
    assert progress.json["percent"] == 100

    download = client.get(f"/jobs/{job.id}/download")
    rows = list(csv.DictReader(io.StringIO(download.data.decode())))
    download.close()
    assert "Dr. In The Export" in {row["full_name"] for row in rows}


def test_a_job_page_polls_until_the_job_has_finished(client, make, running_job):
    client.login(running_job.created_by)
    fragment = client.get(f"/jobs/{running_job.id}/progress").text
    assert 'data-hx-trigger="every 1s"' in fragment
    assert 'data-state="running"' in fragment


def test_outbox_shows_failed_mail_and_sends_it_again(client, make, mails):
    from training.core.mail import MailState

    client.login(make.admin())
    trainee = make.trainee()
    client.post("/password/forgot", data={"email": trainee.email})
    (message,) = mails(trainee.email)
    message.state = MailState.FAILED
    message.last_error = "SMTPRecipientsRefused: mailbox full"
    db.session.commit()

    failed = client.get("/admin/outbox?state=failed")
    assert "mailbox full" in failed.text
    assert "No messages here." in client.get("/admin/outbox?state=waiting").text
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert f"The message to {trainee.email} will be sent again now." in response.text
    assert message.state is MailState.SENT


def test_sensitive_actions_ask_for_the_password_again_after_a_while(client, make):
    admin = client.login(make.admin())
    trainee = make.trainee()
    with client.session_transaction() as session:
        session["password_confirmed_at"] -= 11 * 60
    page = f"/admin/users/{trainee.id}"
    response = client.post(
        f"/admin/users/{trainee.id}/roles",
        data={"roles": ["organizer"]},
        headers={"Referer": f"http://localhost{page}"},
    )
    assert response.location == f"/confirm-password?next={page}"
    assert trainee.roles == {Role.TRAINEE}

    wrong = client.post("/confirm-password", data={"password": "not-my-password-at-all", "next": page})
    assert "This is not your password." in wrong.text
    right = client.post("/confirm-password", data={"password": admin.password, "next": page})
    assert right.location == page
    client.post(f"/admin/users/{trainee.id}/roles", data={"roles": ["organizer"]})
    assert trainee.roles == {Role.ORGANIZER}
