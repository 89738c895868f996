"""Home, health, job progress, audit log and outbox."""

from tests.web.access.common import Entry, admin_only, everyone
from training.core import storage
from training.core.jobs import Job, JobState
from training.core.mail import MailState, OutboxMessage
from training.extensions import db


def build(world, make) -> None:
    relative = "exports/matrix-job.csv"
    storage.put(relative, b"id\n1\n", "text/csv")
    world.job = Job(
        kind="users-csv",
        title="Export",
        created_by_id=world.admin.id,
        state=JobState.DONE,
        result_file=relative,
    )
    world.mail = OutboxMessage(
        recipient="x@example.org", subject="S", body="B", topic="t", state=MailState.FAILED, attempts=8
    )
    db.session.add_all([world.job, world.mail])
    db.session.commit()


ENTRIES = {
    ("static", "GET"): Entry("/static/css/app.css", everyone(200)),
    ("main.index", "GET"): Entry("/", everyone(200)),
    ("main.healthz", "GET"): Entry("/healthz", everyone(200)),
    ("main.about", "GET"): Entry("/about", everyone(200)),
    ("main.job", "GET"): Entry("/jobs/{job.id}", admin_only()),
    ("main.job_progress", "GET"): Entry("/jobs/{job.id}/progress", admin_only()),
    ("main.job_download", "GET"): Entry("/jobs/{job.id}/download", admin_only()),
    ("main.audit_log", "GET"): Entry("/admin/audit", admin_only()),
    ("main.outbox", "GET"): Entry("/admin/outbox", admin_only()),
    ("main.retry_mail", "POST"): Entry("/admin/outbox/{mail.id}/retry", admin_only(302)),
}
