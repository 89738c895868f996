"""Command line: ``flask --app training <command>``. Commands call the same
services as the web pages."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from training import demo
from training.accounts import services
from training.accounts.models import Role, User
from training.core import backup, storage
from training.core.db import utcnow
from training.core.errors import DomainError, InvalidInput
from training.core.jobs import Job, JobState, rerun, stalled
from training.extensions import db

ROLE_NAMES = [role.value for role in Role]


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(jobs_group)
    app.cli.add_command(storage.storage_group)


def _fail(error: DomainError) -> None:
    if isinstance(error, InvalidInput):
        for field, messages in error.problems.items():
            for message in messages:
                click.echo(f"error: {field + ': ' if field else ''}{message}", err=True)
    else:
        click.echo(f"error: {error.message}", err=True)
    sys.exit(1)


@click.command("create-user")
@click.option("--email", required=True, help="Login e-mail address.")
@click.option("--name", "full_name", required=True, help="Full name, as on certificates.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(ROLE_NAMES),
    help="A role; repeat for several.",
)
@click.option("--password", help="Asked for (hidden) when not given.")
@click.option("--country", default=None, help="ISO 3166 two-letter country code.")
@with_appcontext
def create_user(
    email: str, full_name: str, roles: tuple[str, ...], password: str | None, country: str | None
) -> None:
    """Create an account, for example the first admin."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    profile = services.Profile(full_name=full_name, email=email, country=(country or "").upper() or None)
    try:
        user = services.create_user_from_command(profile, {Role(r) for r in roles}, password)
    except DomainError as error:
        db.session.rollback()
        _fail(error)
        return
    db.session.commit()
    click.echo(f"Created {user.email} ({', '.join(user.role_names)}).")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
@with_appcontext
def seed_demo(if_empty: bool) -> None:
    """Load the shipped curriculum and demo data. Safe to run again."""
    if if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        click.echo("The database already has accounts; demo data not loaded.")
        return
    report = demo.seed()
    db.session.commit()
    click.echo(report)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--instance-only",
    is_flag=True,
    help="Only the instance folder (keys, stored PDFs, uploads): for PostgreSQL, beside pg_dump.",
)
@with_appcontext
def backup_command(path: Path, instance_only: bool) -> None:
    """Copy the live SQLite database and the instance folder into PATH (.tar.gz)."""
    url = None if instance_only else db.engine.url
    try:
        summary = backup.backup(database_url=url, instance=Path(current_app.instance_path), target=path)
    except backup.BackupError as error:
        _fail(error)
        return
    click.echo(
        f"Backed up {summary.files} files to {summary.path}"
        + (f" (database at revision {summary.revision}, {summary.database_bytes:,} bytes)." if url else ".")
    )


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already exists.")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Bring back a backup made with `backup`: the database and the instance files."""
    url = db.engine.url if db.engine.url.get_backend_name() == "sqlite" else None
    db.session.remove()
    db.engine.dispose()  # no connection may stay open on the file being replaced
    try:
        summary = backup.restore(
            archive_path=path, database_url=url, instance=Path(current_app.instance_path), force=force
        )
    except backup.BackupError as error:
        _fail(error)
        return
    click.echo(f"Restored {summary.files} instance files and the database (revision {summary.revision}).")


@click.group("jobs")
def jobs_group() -> None:
    """Long-running jobs (bulk certificate issue, exports): list them, run one again."""


@jobs_group.command("list")
@click.option("--all", "everything", is_flag=True, help="Finished jobs too, not only unfinished ones.")
@with_appcontext
def list_jobs(everything: bool) -> None:
    """Jobs, newest first: id, state, progress, seconds since the last report, title."""
    query = sa.select(Job).order_by(Job.id.desc())
    if not everything:
        query = query.where(Job.state.in_([JobState.QUEUED, JobState.RUNNING]))
    now = utcnow()
    for job in db.session.scalars(query.limit(200)):
        silent = int((now - job.updated_at).total_seconds())
        state = job.state.value + (" (stalled: did its worker stop?)" if stalled(job) else "")
        click.echo(f"{job.id}\t{state}\t{job.done}/{job.total}\t{silent} s\t{job.title}")


@jobs_group.command("rerun")
@click.argument("job_id", type=int)
@click.option("--force", is_flag=True, help="Take a running job whose worker is known to have stopped.")
@with_appcontext
def rerun_job(job_id: int, force: bool) -> None:
    """Run job JOB_ID again now, in this process, carrying on where it stopped.

    For a job left running by a worker that was killed or restarted (the sweep
    would take it up after some minutes of silence), or one that failed.
    """
    try:
        job = rerun(job_id, force=force)
    except DomainError as error:
        db.session.rollback()
        _fail(error)
        return
    click.echo(f"Job {job.id} ({job.title}): {job.state.value}. {job.message}")
    if job.state is not JobState.DONE:
        sys.exit(1)
