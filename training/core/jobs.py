"""Long-running work with progress a person can watch.

A feature registers a handler for a kind of job; ``start_job`` records the job
and queues it; the handler runs in a task consumer and reports progress, which
the job page polls. Handlers commit their own work in steps, so that progress
is visible and a rerun after a crash carries on where it stopped.

Every progress report is also a heartbeat. A job left running by a worker that
died (killed, out of memory, machine restarted) falls silent; the periodic sweep
takes it up again once it has been silent for ``STALLED_AFTER``, and
``flask --app training jobs rerun ID`` does so at once.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core import storage
from training.core.db import IdMixin, TimestampMixin, affected_rows, enum_column, utcnow
from training.core.errors import Conflict, NotFound
from training.core.queue import app_periodic_task, app_task, enqueue_after_commit
from training.extensions import Model, db

if TYPE_CHECKING:
    from training.accounts.models import User

log = logging.getLogger("training.jobs")


class JobState(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(IdMixin, TimestampMixin, Model):
    __tablename__ = "jobs"
    __table_args__ = (sa.CheckConstraint("done >= 0 AND total >= 0", name="progress_not_negative"),)

    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    state: Mapped[JobState] = enum_column(JobState, default=JobState.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(sa.String(300), default="Waiting for a worker...")
    # The storage key (core/storage.py) of a file the job produced.
    result_file: Mapped[str | None] = mapped_column(sa.String(300))
    # Where to send the person when the job has finished.
    result_url: Mapped[str | None] = mapped_column(sa.String(300))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    finished_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def percent(self) -> int:
        if self.state is JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def result_name(self) -> str | None:
        return self.result_file.rsplit("/", 1)[-1] if self.result_file else None


def save_result(job: Job, key: str, data: bytes, content_type: str) -> None:
    """Keep the file the job produced (core/storage.py), with the job's transaction."""
    if job.result_file and job.result_file != key:
        storage.delete(job.result_file)
    storage.put(key, data, content_type)
    job.result_file = key


def result_content(job: Job) -> bytes | None:
    """The file the job produced, as it was stored; None if there is none (or it changed)."""
    if not job.result_file:
        return None
    try:
        return storage.get(job.result_file)
    except storage.StorageProblem as problem:
        log.error("job %s: result %s cannot be served: %s", job.id, job.result_file, problem)
        return None


def drop_result(job: Job) -> None:
    """Delete the file the job produced, with the current transaction."""
    if job.result_file:
        storage.delete(job.result_file)
    job.result_file = None


class Progress:
    """Handed to a job handler: report how far it is, committed at once.

    ``in_process`` is true when the job must finish in this process (``rerun``):
    a handler that would spread its work over queued tasks does it all itself."""

    def __init__(self, job: Job, *, in_process: bool = False) -> None:
        self.job = job
        self.in_process = in_process

    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        if message is not None:
            self.job.message = message[:300]
        self.job.updated_at = utcnow()  # the heartbeat, even when nothing else changed
        db.session.commit()


# Returned by a handler that queued the rest of its work as tasks: the job stays
# running, and those tasks count their steps (``step_done``) and finish it
# (``finish_when_complete``), or fail it (``fail_job``).
CONTINUES = object()

Handler = Callable[[Job, Progress], object]
HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[kind] = func
        return func

    return register


def start_job(kind: str, title: str, *, actor: User | None, **params: Any) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    job = Job(kind=kind, title=title, params=params, created_by=actor)
    db.session.add(job)
    db.session.flush()
    enqueue_after_commit(run_job, job.id)
    return job


# A job still waiting after this long was probably never queued (queue down).
FORGOTTEN_AFTER = timedelta(minutes=2)
# A running job silent for this long has lost its worker. Handlers report after
# every step (a certificate, a page of rows), each far shorter than this.
STALLED_AFTER = timedelta(minutes=10)


def _claim(job_id: int, *, failed: bool = False, running: bool = False) -> bool:
    """Take a job: a queued one, or a running one whose worker fell silent; with
    ``failed`` a failed one too, with ``running`` any running one. False if it
    is gone, finished, or another worker took it first."""
    takeable = [
        Job.state == JobState.QUEUED,
        sa.and_(Job.state == JobState.RUNNING, Job.updated_at < utcnow() - STALLED_AFTER),
    ]
    if failed:
        takeable.append(Job.state == JobState.FAILED)
    if running:
        takeable.append(Job.state == JobState.RUNNING)
    claimed = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, sa.or_(*takeable))
        .values(
            state=JobState.RUNNING,
            message=sa.case(
                (Job.state == JobState.QUEUED, "Started."),
                else_="Started again; carrying on where the last run stopped.",
            ),
            finished_at=None,
            updated_at=utcnow(),
        )
    )
    db.session.commit()
    return affected_rows(claimed) == 1


def _run(job_id: int, *, in_process: bool = False) -> None:
    """Run a claimed job's handler and record how it ended."""
    job = db.session.get(Job, job_id)
    assert job is not None
    try:
        outcome = HANDLERS[job.kind](job, Progress(job, in_process=in_process))
    except Exception as error:
        # Whatever went wrong, the person watching must learn that it stopped.
        log.exception("job %s (%s) failed", job.id, job.kind)
        fail_job(job_id, error)
        return
    if outcome is CONTINUES:
        db.session.commit()
        return
    job.state = JobState.DONE
    job.finished_at = utcnow()
    db.session.commit()


def fail_job(job_id: int, error: BaseException) -> None:
    """Record that the job stopped, after rolling back what the failed step began."""
    db.session.rollback()
    db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state.in_((JobState.QUEUED, JobState.RUNNING)))
        .values(
            state=JobState.FAILED,
            message=f"Stopped: {error}"[:300],
            finished_at=utcnow(),
            updated_at=utcnow(),
        )
    )
    db.session.commit()


# Jobs split over several tasks -------------------------------------------------------------


def step_done(job_id: int, steps: int = 1) -> None:
    """Count finished steps in the caller's transaction (so a step and its count commit
    together); an increment in the database, right when tasks run side by side."""
    db.session.execute(
        sa.update(Job).where(Job.id == job_id).values(done=Job.done + steps, updated_at=utcnow())
    )


def finish_when_complete(job_id: int, message: Callable[[Job], str]) -> bool:
    """Mark the job done if every step is; the task that finishes the last step does it.
    True for that task."""
    finished = db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id, Job.state == JobState.RUNNING, Job.done >= Job.total)
        .values(state=JobState.DONE, finished_at=utcnow(), updated_at=utcnow())
    )
    if affected_rows(finished) == 1:
        job = db.session.get(Job, job_id)
        assert job is not None
        db.session.refresh(job)
        job.message = message(job)[:300]
    db.session.commit()
    return affected_rows(finished) == 1


def failed_jobs_since(since: datetime) -> int:
    """How many jobs failed since ``since`` (for monitoring)."""
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Job.id)).where(Job.state == JobState.FAILED, Job.updated_at >= since)
        )
        or 0
    )


def recent_jobs(kind: str, person: User, *, limit: int = 5) -> list[Job]:
    """The person's latest jobs of ``kind``, the most recent first."""
    return list(
        db.session.scalars(
            sa.select(Job)
            .where(Job.kind == kind, Job.created_by_id == person.id)
            .order_by(Job.id.desc())
            .limit(limit)
        )
    )


@app_task()
def run_job(job_id: int) -> None:
    if _claim(job_id):
        _run(job_id)


def stalled(job: Job) -> bool:
    return job.state is JobState.RUNNING and job.updated_at < utcnow() - STALLED_AFTER


def rerun(job_id: int, *, force: bool = False) -> Job:
    """Run a job again now, in this process, after its worker stopped: a queued,
    failed or stalled one, or with ``force`` one that reported recently (its
    worker is known to be dead). The handler issues only what is still missing."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound(f"There is no job {job_id}.")
    if job.state is JobState.DONE:
        raise Conflict(f"Job {job_id} has finished; start a new one instead.")
    if job.state is JobState.RUNNING and not force and not stalled(job):
        silent = int((utcnow() - job.updated_at).total_seconds())
        raise Conflict(
            f"Job {job_id} is running: its worker reported {silent} s ago. "
            "If that worker has stopped (killed, restarted), pass --force."
        )
    db.session.rollback()  # the claim below decides, on what is committed
    if not _claim(job_id, failed=True, running=force):
        raise Conflict(f"Job {job_id} was taken by a worker meanwhile.")
    _run(job_id, in_process=True)
    job = db.session.get(Job, job_id)
    assert job is not None
    return job


@app_periodic_task(minute="*/5")
def requeue_forgotten_jobs() -> None:
    """Queue again the jobs that were never queued, and those whose worker died."""
    now = utcnow()
    lost = db.session.scalars(
        sa.select(Job.id).where(
            sa.or_(
                sa.and_(Job.state == JobState.QUEUED, Job.created_at < now - FORGOTTEN_AFTER),
                sa.and_(Job.state == JobState.RUNNING, Job.updated_at < now - STALLED_AFTER),
            )
        )
    ).all()
    for job_id in lost:
        log.warning("job %s was queued or running without a worker; queueing it again", job_id)
        run_job(job_id)
