"""Issuing every eligible certificate of a workshop, as a job with progress.

Each certificate is its own transaction (row and stored PDF together), so a
failure half-way leaves the ones before it complete and nothing half-issued;
running the job again issues only what is still missing.

A large workshop is split into parts of ``PART_SIZE`` trainees, each a task of
its own, so that the queue's workers (one per core) issue side by side. A
certificate is drafted, then the transaction ends while its PDF is rendered and
signed, and a short one stores it: on SQLite, where one writer holds the
database at a time, the workers wait for each other only to store.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from training.accounts.models import User
from training.certificates.documents import (
    ensure_fonts_installed,
    ensure_links_reach_the_public,
    render_certificate,
)
from training.certificates.eligibility import NotEligible, eligible_to_issue
from training.certificates.evidence import gather
from training.certificates.issuing import count_issued_since, draft_certificate, store_certificate
from training.certificates.models import CertificateKind
from training.certificates.requirements import requirements
from training.core.db import reading, utcnow
from training.core.errors import Conflict, NotFound
from training.core.jobs import (
    CONTINUES,
    Job,
    JobState,
    Progress,
    fail_job,
    finish_when_complete,
    job_handler,
    step_done,
)
from training.core.queue import app_task, enqueue_after_commit
from training.extensions import db
from training.workshops.models import Workshop

KIND = "certificates-bulk"
# Trainees per task: small enough to share the work evenly between workers,
# large enough that gathering each part's evidence stays a small cost.
PART_SIZE = 10


def _context(job: Job) -> tuple[Workshop, CertificateKind, User | None]:
    workshop = db.session.get(Workshop, job.params["workshop_id"])
    if workshop is None:
        raise NotFound("The workshop no longer exists.")
    kind = CertificateKind(job.params["certificate_kind"])
    actor = db.session.get(User, job.created_by_id) if job.created_by_id else None
    return workshop, kind, actor


@job_handler(KIND)
def issue_all(job: Job, progress: Progress) -> object:
    workshop, kind, _ = _context(job)
    ensure_links_reach_the_public()  # before anything: the job fails with the reason
    ensure_fonts_installed()
    # A path on this site (the job page links to it), whatever name the site was reached under.
    job.result_url = current_app.url_map.bind("localhost").build(
        "certificates.eligibility", {"workshop_id": workshop.id}
    )
    trainee_ids = eligible_to_issue(workshop, kind)
    total = len(trainee_ids)
    run = utcnow().isoformat()  # names this run: parts left over from an earlier one stand down
    job.params = {**job.params, "run_started_at": run}
    progress(
        0,
        total,
        f"Issuing {total} {(kind.label if total == 1 else kind.plural).lower()}..."
        if total
        else "Nothing left to issue.",
    )
    if not total:
        return None
    parts = [trainee_ids[i : i + PART_SIZE] for i in range(0, total, PART_SIZE)]
    if len(parts) == 1 or progress.in_process:
        for part in parts:
            _issue_part(job.id, part)
        db.session.refresh(job)
        job.message = _summary(job)
        return None
    for part in parts:
        enqueue_after_commit(issue_part, job.id, run, part)
    return CONTINUES


@app_task()
def issue_part(job_id: int, run: str, trainee_ids: list[int]) -> None:
    """One part of a bulk issue, in whichever worker takes it; the part that issues
    the job's last certificate marks it done."""
    try:
        if not _issue_part(job_id, trainee_ids, run=run):
            return  # finished, failed, or run again since this part was queued
    except Exception as error:
        current_app.logger.exception("part of job %s failed", job_id)
        fail_job(job_id, error)
        return
    finish_when_complete(job_id, _summary)


def _issue_part(job_id: int, trainee_ids: list[int], *, run: str | None = None) -> bool:
    """Issue to ``trainee_ids``, one transaction per certificate. With ``run``, only
    while the job is running that run; False when it is not."""
    with reading():  # what the part needs, read without holding the database
        job = db.session.get(Job, job_id)
        if job is None or (
            run is not None and (job.state is not JobState.RUNNING or job.params.get("run_started_at") != run)
        ):
            return False
        workshop, kind, actor = _context(job)
        needs = requirements(workshop)
        trainees = [db.session.get(User, trainee_id) for trainee_id in trainee_ids]
        evidence = gather(workshop, [t for t in trainees if t is not None])
    for trainee_id in trainee_ids:
        try:
            with reading():  # drafting writes nothing: other workers store meanwhile
                snapshot = draft_certificate(
                    workshop, trainee_id, kind, actor=actor, evidence=evidence, needs=needs
                )
            document = render_certificate(snapshot)  # outside any transaction
            store_certificate(workshop, trainee_id, kind, snapshot, document, actor=actor)
        except (Conflict, NotEligible, NotFound):
            # Issued by someone else meanwhile, or no longer eligible: nothing to do here.
            db.session.rollback()
        step_done(job_id)
        db.session.commit()
    return True


def _summary(job: Job) -> str:
    """What the job did, counted in the database (its parts ran in several workers)."""
    workshop_id, kind = job.params["workshop_id"], CertificateKind(job.params["certificate_kind"])
    run_started = job.params.get("run_started_at")
    issued_in_run = count_issued_since(
        workshop_id, kind, datetime.fromisoformat(run_started) if run_started else job.created_at
    )
    issued_in_job = count_issued_since(workshop_id, kind, job.created_at)
    skipped = max(0, job.total - issued_in_run)
    return f"Done: {issued_in_job} issued" + (
        f", {skipped} skipped (already issued or no longer eligible)." if skipped else "."
    )
