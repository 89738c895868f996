"""The export of all accounts, as a background job with progress."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from training.accounts.forms import country_name
from training.accounts.models import User
from training.core.csv import write_csv
from training.core.jobs import Job, Progress, job_handler, save_result
from training.extensions import db

BATCH = 500
HEADER = [
    "id",
    "full_name",
    "email",
    "roles",
    "specialty",
    "registration_number",
    "institution",
    "country",
    "active",
    "created_at",
    "last_login_at",
]


@job_handler("users-csv")
def export_users(job: Job, progress: Progress) -> None:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
    progress(0, total, f"Writing {total} accounts...")
    written = 0

    def rows() -> Iterator[list[Any]]:
        """Every account, a batch at a time, reporting progress after each."""
        nonlocal written, total
        last_id = 0
        while True:
            users = db.session.scalars(
                sa.select(User).where(User.id > last_id).order_by(User.id).limit(BATCH)
            ).all()
            if not users:
                return
            for user in users:
                yield [
                    user.id,
                    user.full_name,
                    user.email,
                    " ".join(user.role_names),
                    user.specialty or "",
                    user.registration_number or "",
                    user.institution or "",
                    country_name(user.country),
                    user.active,
                    user.created_at.isoformat(),
                    user.last_login_at.isoformat() if user.last_login_at else "",
                ]
            written += len(users)
            last_id = users[-1].id
            total = max(total, written)
            progress(written, total, f"{written} of {total} accounts written.")

    handle = io.StringIO(newline="")
    write_csv(handle, HEADER, rows())
    save_result(job, f"exports/users-{job.id}.csv", handle.getvalue().encode("utf-8"), "text/csv")
    job.message = f"{written} accounts exported."
