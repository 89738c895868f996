"""A person downloads everything held about them; an admin erases a trainee's data."""

import io
import json
import zipfile

import sqlalchemy as sa

from training.accounts.models import User
from training.core.audit import AuditEvent
from training.core.jobs import Job
from training.extensions import db


def test_a_trainee_downloads_all_their_data_as_json_in_a_zip(client, make):
    trainee = client.login(make.trainee(full_name="Dr. Ines Duarte", registration_number="OM 55123"))
    client.post("/profile", data={"full_name": "Dr. Inês Duarte"})
    response = client.post("/profile/data/export")
    assert response.status_code == 302
    job = db.session.scalar(sa.select(Job).where(Job.kind == "personal-data"))
    assert job.created_by_id == trainee.id
    download = client.get(f"/jobs/{job.id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    download.close()
    data = json.loads(archive.read("data.json"))
    assert data["account"]["profile"]["registration_number"] == "OM 55123"
    assert data["account"]["profile"]["full_name"] == "Dr. Inês Duarte"
    assert json.loads(archive.read("account.json")) == data["account"]

    other = make.trainee()
    client.login(other)
    refused = client.get(f"/jobs/{job.id}/download")
    assert refused.status_code == 403


def test_an_admin_erases_a_trainee_and_the_records_stay_anonymous(client, make, mails):
    admin = client.login(make.admin())
    trainee = make.trainee(
        full_name="Dr. Tomasz Nowak", email="t.nowak@example.org", registration_number="PWZ 1234567"
    )
    client.post(f"/admin/users/{trainee.id}/roles", data={"roles": ["trainee", "faculty"]})

    refused = client.post(f"/admin/users/{trainee.id}/erase", data={"confirm_email": "someone@example.org"})
    assert refused.status_code == 422
    assert "This is not the e-mail address of the account." in refused.text
    assert db.session.get(User, trainee.id).full_name == "Dr. Tomasz Nowak"

    response = client.post(f"/admin/users/{trainee.id}/erase", data={"confirm_email": "T.Nowak@example.org"})
    assert response.status_code == 302
    erased = db.session.get(User, trainee.id)
    db.session.refresh(erased)
    assert erased.full_name == "Erased user"
    assert "nowak" not in erased.email
    assert erased.registration_number is None
    assert erased.password_hash is None
    assert not erased.active
    assert erased.erased_at is not None
    history = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.target_type == "users", AuditEvent.target_id == trainee.id)
    ).all()
    assert history  # what happened is kept...
    assert "Nowak" not in json.dumps([(e.summary, e.old, e.new) for e in history])  # ...not who it was

    page = client.get(f"/admin/users/{trainee.id}")
    assert "Personal data erased" in page.text
    client.logout()
    login = client.post("/login", data={"email": "t.nowak@example.org", "password": trainee.password})
    assert "not correct" in login.text
    assert admin.id != trainee.id


def test_admins_and_oneself_cannot_be_erased(client, make):
    admin = client.login(make.admin())
    other_admin = make.admin()
    for target in (admin, other_admin):
        response = client.post(f"/admin/users/{target.id}/erase", data={"confirm_email": target.email})
        assert response.status_code == 422
        assert db.session.get(User, target.id).erased_at is None
