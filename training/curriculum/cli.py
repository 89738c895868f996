"""``flask --app training curriculum validate|import|export``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from training.config import PROJECT_ROOT
from training.curriculum import bp, files, schema, services
from training.extensions import db

DEFAULT_PATH = PROJECT_ROOT / "curricula"
SCHEMA_PATH = DEFAULT_PATH / "schema.json"
PATH_ARGUMENT = click.Path(exists=True, file_okay=False, path_type=Path)


def _report(problems: list) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.", err=True)
    sys.exit(1)


@bp.cli.command("validate")
@click.argument("path", required=False, type=PATH_ARGUMENT)
def validate_command(path: Path | None) -> None:
    """Check the curriculum files under PATH (default: curricula/); print file:line: message."""
    path = path or DEFAULT_PATH
    roots = files.find_curricula(path)
    if not roots:
        _report([f"{path}:1: no curriculum.yaml found here"])
    problems = [problem for root in roots for problem in files.load(root).problems]
    if problems:
        _report(problems)
    click.echo(f"{len(roots)} curriculum folder{'s' if len(roots) != 1 else ''} valid.")


@bp.cli.command("import")
@click.argument("path", required=False, type=PATH_ARGUMENT)
def import_command(path: Path | None) -> None:
    """Import the curricula under PATH (default: curricula/): all or nothing."""
    try:
        outcomes = services.import_folder(path or DEFAULT_PATH)
    except services.CurriculumProblems as error:
        db.session.rollback()
        _report(error.problem_list)
        return
    db.session.commit()
    for outcome in outcomes:
        if outcome.created:
            click.echo(f"{outcome.slug}: imported as version {outcome.version.number}.")
        else:
            click.echo(f"{outcome.slug}: unchanged (version {outcome.version.number}).")


@bp.cli.command("export")
@click.argument("slug")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
@click.option("--version", "number", type=int, help="Version number (default: the latest published).")
def export_command(slug: str, destination: Path, number: int | None) -> None:
    """Write a version of curriculum SLUG as files into DESTINATION."""
    version = services.find_version(slug, number)
    if version is None:
        click.echo(f"error: no such curriculum version: {slug} {number or ''}".rstrip(), err=True)
        sys.exit(1)
    if destination.exists() and any(destination.iterdir()):
        click.echo(f"error: {destination} is not empty", err=True)
        sys.exit(1)
    written = services.export_version(version, destination)
    click.echo(f"Wrote {len(written)} files for {version.label} to {destination}.")


@bp.cli.command("schema")
@click.option("--check", is_flag=True, help="Only report whether curricula/schema.json is up to date.")
def schema_command(check: bool) -> None:
    """Write the JSON Schema of the curriculum files to curricula/schema.json."""
    text = schema.render()
    if check:
        if not SCHEMA_PATH.is_file() or SCHEMA_PATH.read_text(encoding="utf-8") != text:
            click.echo(
                f"{SCHEMA_PATH} is out of date: run `flask --app training curriculum schema`.", err=True
            )
            sys.exit(1)
        click.echo(f"{SCHEMA_PATH} is up to date.")
        return
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {SCHEMA_PATH}.")
