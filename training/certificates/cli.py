"""``flask --app training certificates ...``: the registry from the command line, a
certificate's Open Badges credential, and an offline check of a certificate PDF's
signature or of a badge's."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.certificates import badges, bp, signing
from training.certificates.models import Certificate, CertificateState
from training.certificates.registry import find_by_serial, search_registry, serial_in
from training.certificates.storage import stored_pdf
from training.core.errors import DomainError
from training.extensions import db

T = TypeVar("T")


@bp.cli.command("list")
@click.option("--search", "query", default="", help="Serial, name, e-mail or workshop title.")
@click.option("--status", type=click.Choice([s.value for s in CertificateState]), default=None)
def list_certificates(query: str, status: str | None) -> None:
    """Every certificate: serial, kind, status, holder, workshop."""
    statement = search_registry(query, CertificateState(status) if status else None)
    count = 0
    for certificate in db.session.scalars(statement.options(selectinload(Certificate.workshop))):
        count += 1
        click.echo(
            "\t".join(
                [
                    certificate.serial,
                    certificate.kind.value,
                    certificate.state.value,
                    certificate.holder_name,
                    certificate.workshop.title,
                ]
            )
        )
    click.echo(f"{count} certificate{'s' if count != 1 else ''}.", err=True)


def _certificate_or_exit(serial: str) -> Certificate:
    certificate = find_by_serial(serial)
    if certificate is None:
        click.echo(f"error: no certificate has the serial {serial!r}", err=True)
        sys.exit(1)
    return certificate


def _or_exit(make: Callable[[Certificate], T], certificate: Certificate) -> T:
    """What ``make`` gives for the certificate, or the refusal and exit status 1."""
    try:
        return make(certificate)
    except DomainError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)


@bp.cli.command("pdf")
@click.argument("serial")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_pdf(serial: str, file: Path) -> None:
    """Write the stored PDF of SERIAL to FILE (exactly as issued; never re-rendered)."""
    certificate = _certificate_or_exit(serial)
    file.write_bytes(_or_exit(stored_pdf, certificate))
    click.echo(f"Wrote {certificate.serial} ({certificate.state.value}) to {file}.")


@bp.cli.command("badge")
@click.argument("serial")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_badge(serial: str, file: Path) -> None:
    """Write SERIAL as a signed Open Badges 3.0 credential (VC-JWT) to FILE."""
    certificate = _certificate_or_exit(serial)
    file.write_text(_or_exit(badges.signed_badge, certificate) + "\n")
    click.echo(f"Wrote the Open Badge of {certificate.serial} ({certificate.state.value}) to {file}.")


def _verify_badge(file: Path, token: str) -> None:
    result = badges.check_badge(token)
    if not result.authentic:
        click.echo(f"NOT AUTHENTIC: {file}")
        for reason in result.reasons:
            click.echo(f"  - {reason}")
        sys.exit(1)
    click.echo(f"AUTHENTIC: an Open Badge signed by this issuer ({result.claims.get('name')}).")
    if result.revoked:
        click.echo("Status: REVOKED (the issuer's revocation list has its bit set).")
        sys.exit(2)
    click.echo("Status: valid (not on the issuer's revocation list).")


@bp.cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_pdf(file: Path) -> None:
    """Check offline that FILE (a certificate PDF or an Open Badge .jwt) was signed by this
    issuer and is unaltered; for a badge, say whether it is revoked."""
    content = file.read_bytes()
    if not content.startswith(b"%PDF"):
        _verify_badge(file, content.decode("utf-8", errors="replace"))
        return
    # pyHanko logs each failed check with a traceback; the verdict below says it plainly.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    result = signing.check(content)
    serial = serial_in(result.reason)
    if not result.authentic:
        click.echo(f"NOT AUTHENTIC: {file}")
        for reason in result.reasons:
            click.echo(f"  - {reason}")
        if serial:
            click.echo(f"  The file claims the serial {serial}; do not trust it.")
        sys.exit(1)
    click.echo(f"AUTHENTIC: signed by the issuer and unaltered since {result.signed_at:%Y-%m-%d %H:%M UTC}.")
    click.echo(f"Serial: {serial or 'none found'}")
    certificate = (
        db.session.scalar(sa.select(Certificate).where(Certificate.serial == serial)) if serial else None
    )
    if certificate is None:
        click.echo("Registry: this installation holds no certificate with that serial.")
    elif certificate.state is CertificateState.VALID:
        click.echo(f"Registry: valid, {certificate.kind.label.lower()} of {certificate.holder_name}.")
    elif certificate.state is CertificateState.REVOKED:
        click.echo(f"Registry: REVOKED on {certificate.revoked_at:%Y-%m-%d}: {certificate.revocation_reason}")
    else:
        newer = certificate.superseded_by
        click.echo(f"Registry: superseded by {newer.serial if newer else 'a newer certificate'}.")
