"""Issuing every eligible certificate of a workshop, as a job with progress.

Each certificate is its own transaction (row and stored PDF together), so a
failure half-way leaves the ones before it complete and nothing half-issued;
running the job again issues only what is still missing.
"""

from __future__ import annotations

from flask import current_app

from training.accounts.models import User
from training.certificates import services
from training.certificates.models import CertificateKind
from training.core.errors import Conflict, NotFound
from training.core.jobs import Job, Progress, job_handler
from training.extensions import db
from training.workshops.models import Workshop

KIND = "certificates-bulk"


@job_handler(KIND)
def issue_all(job: Job, progress: Progress) -> None:
    workshop = db.session.get(Workshop, job.params["workshop_id"])
    if workshop is None:
        raise NotFound("The workshop no longer exists.")
    kind = CertificateKind(job.params["certificate_kind"])
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    # A path on this site (the job page links to it), whatever name the site was reached under.
    job.result_url = current_app.url_map.bind("localhost").build(
        "certificates.eligibility", {"workshop_id": workshop.id}
    )
    trainee_ids = services.eligible_to_issue(workshop, kind)
    total = len(trainee_ids)
    progress(
        0,
        total,
        f"Issuing {total} {(kind.label if total == 1 else kind.plural).lower()}..."
        if total
        else "Nothing left to issue.",
    )
    needs = services.requirements(workshop)
    evidence = services.gather(workshop)
    issued = skipped = 0
    for done, trainee_id in enumerate(trainee_ids, start=1):
        try:
            services.issue_certificate(
                workshop, trainee_id, kind, actor=actor, evidence=evidence, needs=needs
            )
        except (Conflict, services.NotEligible, NotFound):
            # Issued by someone else meanwhile, or no longer eligible: nothing to do here.
            db.session.rollback()
            skipped += 1
        else:
            db.session.commit()
            issued += 1
        progress(done, message=f"{issued} issued, {skipped} skipped, {total - done} to go.")
    job.message = f"Done: {issued} issued" + (
        f", {skipped} skipped (already issued or no longer eligible)." if skipped else "."
    )
