"""A person downloads everything held about them; an admin erases a trainee's data."""

import io
import json
import re
import zipfile
from types import SimpleNamespace

import pypdf
import sqlalchemy as sa
from markupsafe import escape

from training.accounts.models import User
from training.accounts.personal_data import ERASED_HOLDER, SECTIONS
from training.certificates import services as certificate_services
from training.certificates import signing
from training.certificates.models import Certificate
from training.core import storage
from training.core.audit import AuditEvent
from training.core.jobs import Job
from training.extensions import db
from training.quizzes.models import Accommodation


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


# --- every capability's section: the ZIP, and erasure that keeps the statistics ----------------

NAME = "Dr. Ines Duarte"
CONFIRMED = "Dr. Inês Duarte Silva"
EMAIL = "ines.duarte@example.org"
COMMENT = "The anatomy lab ran short; Porto colleagues agreed."
NOTE = "Came late from the Porto train"
FEEDBACK = "Steady cannula, Ines; watch the depth."
ACCOMMODATION = "Extra time agreed by the Porto office"
PRIVATE = (NAME, CONFIRMED, EMAIL, COMMENT, NOTE, FEEDBACK, ACCOMMODATION, "Duarte")


def trainee_with_everything(make):
    """Trainee A with data in every section, beside trainee B on the same workshop."""
    from training.workshops.models import SessionKind

    organizer = make.organizer()
    teacher, certifier = make.faculty(), make.faculty()
    workshop = make.workshop(organizer=organizer, faculty=[teacher], certifiers=[certifier])
    a = make.trainee(full_name=NAME, email=EMAIL, registration_number="OM 55123")
    b = make.trainee()
    for trainee in (a, b):
        make.enrolment(workshop, trainee)
    lab = make.session(workshop, kind=SessionKind.HANDS_ON, stations=1)
    make.assign(lab.stations[0], a)
    make.attendance(lab, a, "late", note=NOTE)
    make.attendance(lab, b, "present")
    quiz = make.quiz(workshop)
    db.session.add(
        Accommodation(workshop_id=workshop.id, trainee_id=a.id, extra_attempts=1, note=ACCOMMODATION)
    )
    db.session.commit()
    questions = [
        item.question_id for item in make.attempt(quiz, a, right=lambda q: q.position == 0).questions
    ]
    make.attempt(quiz, b, right=True)
    skill = workshop.curriculum_version.modules[0].skills[0]
    make.assessment(workshop, a, skill, teacher, feedback=FEEDBACK)
    make.evaluation(workshop, a, overall=2, comments=COMMENT)
    make.evaluation(workshop, b, overall=5, comments="Great.")
    make.confirmed_name(workshop, a, CONFIRMED)
    certificate = make.certificate(workshop, a, name=CONFIRMED)
    make.calendar_feed(a)
    return SimpleNamespace(
        workshop=workshop,
        organizer=organizer,
        a=a,
        b=b,
        quiz=quiz,
        certificate=certificate,
        questions=questions,
    )


def download_export(client, user) -> zipfile.ZipFile:
    client.login(user)
    assert client.post("/profile/data/export").status_code == 302
    job = db.session.scalar(sa.select(Job).where(Job.kind == "personal-data", Job.created_by_id == user.id))
    response = client.get(f"/jobs/{job.id}/download")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    response.close()
    return archive


def test_the_download_has_every_section_as_json_and_the_certificates_as_issued(client, make, app):
    world = trainee_with_everything(make)
    archive = download_export(client, world.a)
    data = json.loads(archive.read("data.json"))
    for name in SECTIONS:
        assert json.loads(archive.read(f"{name}.json")) == data[name], name
    assert {"account", "enrolments", "attendance", "quizzes", "assessments", "certificates"} <= set(SECTIONS)

    assert [e["workshop"] for e in data["enrolments"]["enrolments"]] == [world.workshop.title]
    assert data["enrolments"]["enrolments"][0]["state"] == "confirmed"
    assert len(data["enrolments"]["stations"]) == 1
    assert data["enrolments"]["calendar_feed"] is not None
    assert [(r["status"], r["note"]) for r in data["attendance"]] == [("late", NOTE)]
    (attempt,) = data["quizzes"]["attempts"]
    assert attempt["quiz"] == world.quiz.title
    assert len(attempt["answers"]) == len(world.questions)
    assert attempt["passed"] is False
    assert [c["note"] for c in data["quizzes"]["accommodations"]] == [ACCOMMODATION]
    assert [a["feedback"] for a in data["assessments"]["assessments"]] == [FEEDBACK]
    assert [e["comments"] for e in data["certificates"]["evaluations"]] == [COMMENT]
    assert [n["name"] for n in data["certificates"]["confirmed_names"]] == [CONFIRMED]
    (certificate,) = data["certificates"]["certificates"]
    assert (certificate["serial"], certificate["name"]) == (world.certificate.serial, CONFIRMED)
    # Nothing of trainee B's is in A's download.
    assert "Great." not in archive.read("data.json").decode()

    pdf = archive.read(certificate["file"])
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert world.certificate.serial in text
    with app.app_context():
        assert signing.check(pdf).authentic


def numbers(page: str) -> list[str]:
    """The figures of a page's main content (without names, which erasure changes)."""
    main = page[page.index("<main") : page.index("</main>")]
    main = re.sub(r'name="csrf_token"[^>]*>', "", main)
    return re.findall(r"\d+(?:[.,]\d+)?\s*%?", re.sub(r"<[^>]+>", " ", main))


def aggregates(client, workshop_id: int, quiz_id: int) -> dict[str, object]:
    from training.attendance.models import AttendanceRecord
    from training.certificates.models import CourseEvaluation
    from training.quizzes.models import Attempt

    return {
        "attempts": db.session.scalar(sa.select(sa.func.count()).select_from(Attempt)),
        "passed": db.session.scalar(sa.select(sa.func.count()).where(Attempt.passed.is_(True))),
        "attendance": db.session.execute(
            sa.select(AttendanceRecord.status, sa.func.count()).group_by(AttendanceRecord.status)
        ).all(),
        "overall": db.session.scalar(
            sa.select(sa.func.avg(CourseEvaluation.overall)).where(
                CourseEvaluation.workshop_id == workshop_id
            )
        ),
        "pages": {
            url: numbers(page_text(client, url))
            for url in (
                f"/workshops/{workshop_id}/evaluation/results",
                f"/workshops/{workshop_id}/knowledge-gain",
                f"/quizzes/{quiz_id}/analysis",
            )
        },
    }


def page_text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def everything_in_the_database() -> str:
    """Every row, but the issued certificates' PDFs: those are kept exactly as issued
    (checked separately), wherever they are stored."""
    issued = set(db.session.scalars(sa.select(Certificate.pdf_file)))
    rows = []
    for table in db.metadata.sorted_tables:
        query = sa.select(table)
        if table.name == "blobs":
            query = query.where(table.c.key.not_in(issued))
        rows += [repr(tuple(row)) for row in db.session.execute(query).all()]
    return "\n".join(rows)


def test_erasure_leaves_certificates_verifiable_and_statistics_unchanged(client, make, app):
    world = trainee_with_everything(make)
    serial = world.certificate.serial
    download_export(client, world.a)
    archive_job = db.session.scalar(sa.select(Job).where(Job.created_by_id == world.a.id))
    with app.app_context():
        export_file = archive_job.result_file
        assert storage.exists(export_file)

    client.login(world.organizer)
    before = aggregates(client, world.workshop.id, world.quiz.id)
    assert before["pages"][f"/workshops/{world.workshop.id}/evaluation/results"], "the page shows figures"
    assert CONFIRMED in page_text(client, f"/verify/{serial}")

    client.login(make.admin())
    response = client.post(f"/admin/users/{world.a.id}/erase", data={"confirm_email": EMAIL})
    assert response.status_code == 302

    page = client.get(f"/verify/{serial}")
    assert page.status_code == 200
    assert str(escape(ERASED_HOLDER)) in page.text
    assert 'data-status="valid"' in page.text
    for private in PRIVATE:
        assert private not in page.text
    answer = client.get(f"/verify/{serial}.json").get_json()
    assert (answer["status"], answer["name"]) == ("valid", ERASED_HOLDER)

    stored = db.session.get(Certificate, world.certificate.id)
    db.session.refresh(stored)
    with app.app_context():
        assert signing.check(certificate_services.stored_pdf(stored)).authentic  # kept exactly as issued

    dump = everything_in_the_database()
    leaks = [private for private in PRIVATE if private in dump]
    assert not leaks, f"still in the database after erasure: {leaks}"
    assert "Great." in dump  # trainee B's comment is B's, and stays
    with app.app_context():
        assert not storage.exists(export_file)

    client.login(world.organizer)
    assert aggregates(client, world.workshop.id, world.quiz.id) == before


def test_exports_are_limited_to_three_a_day(client, make):
    from datetime import timedelta

    from training.core.db import utcnow

    trainee = client.login(make.trainee())
    old = Job(kind="personal-data", title="Old", created_by_id=trainee.id)
    db.session.add(old)
    db.session.flush()
    old.created_at = utcnow() - timedelta(hours=25)  # more than a day ago: it does not count
    db.session.commit()
    for _ in range(3):
        assert client.post("/profile/data/export").location.startswith("/jobs/")
    refused = client.post("/profile/data/export", follow_redirects=True)
    assert "You have prepared your data 3 times in the last 24 hours" in refused.text
    count = sa.select(sa.func.count()).select_from(Job).where(Job.kind == "personal-data")
    assert db.session.scalar(count) == 4
    other = client.login(make.trainee())
    assert client.post("/profile/data/export").location.startswith("/jobs/")
    assert other is not trainee


def test_the_sweep_deletes_export_zips_after_seven_days(client, make, app, run_tasks):
    from datetime import timedelta

    from training.accounts.personal_data import remove_old_exports
    from training.core.db import utcnow

    trainee = client.login(make.trainee())
    client.post("/profile/data/export")
    client.post("/profile/data/export")
    old, recent = db.session.scalars(sa.select(Job).where(Job.kind == "personal-data").order_by(Job.id))
    with app.app_context():
        old_key, recent_key = old.result_file, recent.result_file
        assert storage.exists(old_key)
        assert storage.exists(recent_key)
    old.created_at = utcnow() - timedelta(days=7, minutes=1)
    db.session.commit()

    remove_old_exports()
    run_tasks()
    with app.app_context():
        assert not storage.exists(old_key)
        assert storage.exists(recent_key)
    db.session.refresh(old)
    assert old.result_file is None
    assert client.get(f"/jobs/{old.id}/download").status_code == 404
    kept = client.get(f"/jobs/{recent.id}/download")
    assert kept.status_code == 200
    kept.close()
    assert "deleted after 7 days" in client.get(f"/jobs/{old.id}").text
    assert trainee.id == old.created_by_id
