"""What a certificate says and how it looks: the frozen snapshot, its HTML and its
signed PDF, and the checks made before one is set (fonts, public links).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import segno
from flask import current_app

from training.accounts.models import User
from training.assessments import services as assessment_services
from training.assessments.scale import ENTRUSTMENT_SCALE, INSTRUMENT
from training.certificates import design, rules, signing
from training.certificates.models import CertificateKind
from training.core import pdf
from training.core.errors import DomainError
from training.core.urls import external_url, local_links_allowed
from training.workshops.models import Duty, Workshop

# The families certificate.css names: a certificate set in a stand-in font is never issued.
CERTIFICATE_FONTS = ("EB Garamond", "DejaVu Sans")


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def _duration_text(minutes: int) -> str:
    hours, rest = divmod(max(0, minutes), 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def build_snapshot(
    workshop: Workshop,
    kind: CertificateKind,
    evidence: rules.TraineeEvidence,
    result: rules.Eligibility,
    *,
    serial: str,
    issued_at: datetime,
    actor: User | None,
) -> dict[str, Any]:
    """What the certificate certifies, frozen: later edits to the workshop change nothing."""
    certifiers = sorted(u.full_name for u in workshop.staff_with(Duty.CERTIFIER))
    attendance = evidence.attendance
    snapshot: dict[str, Any] = {
        "version": 3,
        "serial": serial,
        "kind": kind.value,
        "name": evidence.confirmed_name,
        "trainee_id": evidence.trainee_id,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "starts_on": workshop.starts_on.isoformat(),
            "ends_on": workshop.ends_on.isoformat(),
            "venue": workshop.venue_name,
            "city": workshop.city,
            "country": workshop.country,
            "timezone": workshop.timezone,
            "curriculum": workshop.curriculum_version.title,
        },
        "modules": [{"code": m.code, "title": m.title} for m in workshop.modules],
        "certifiers": certifiers,
        "issued_at": issued_at.isoformat(),
        "issued_by": actor.full_name if actor else None,
        "requirements_met": list(result.met),
        # Version 3: the seal and the issuer's signature image, as files and their digests.
        **design.snapshot_images(actor),
    }
    if attendance is not None:
        snapshot["attendance"] = {
            "attended_minutes": attendance.attended_minutes,
            "scheduled_minutes": attendance.scheduled_minutes,
            "percent": str(attendance.percent),
        }
    if kind is CertificateKind.ATTENDANCE:
        minutes = attendance.attended_minutes if attendance is not None else 0
        snapshot["hours_attended"] = _duration_text(minutes)
        designated = workshop.cme_designated_credits
        if designated is not None:  # the workshop is accredited
            # Credit is printed only for an accredited workshop, with its accreditor's statement.
            hours = attendance.credit_hours if attendance is not None else Decimal(0)
            snapshot["credit_hours"] = _decimal_text(hours)
            snapshot["accreditation"] = {
                "body": workshop.cme_accreditor,
                "statement": workshop.cme_statement,
                "designated_credits": _decimal_text(Decimal(designated)),
            }
    else:
        snapshot["instrument"] = f"{INSTRUMENT}; entrustment on the {ENTRUSTMENT_SCALE}"
        snapshot["standard"] = assessment_services.standard_of(workshop).words
        snapshot["skills"] = [
            {
                "identity": s.identity,
                "title": s.title,
                "signed_off_by": s.signed_off_by,
                "signed_off_at": s.signed_off_at.isoformat() if s.signed_off_at else None,
                "assessment_id": s.assessment_id,
                "osats": dict(s.osats),
                "total": s.total_text,
                "entrustment": s.entrustment,
                "entrustment_words": s.entrustment_words,
                "settings": list(s.settings),
                "observed_by": list(s.observed_by),
            }
            for s in result.skills
        ]
    return snapshot


def certificate_html(snapshot: dict[str, Any]) -> str:
    """The HTML a certificate's PDF is rendered from."""
    kind = CertificateKind(snapshot["kind"])
    programme = current_app.config["PROGRAMME_NAME"]
    verify_url = external_url("certificates.verify", serial=snapshot["serial"])
    metadata = pdf.Metadata(
        title=f"{kind.label}: {snapshot['name']}",
        author=programme,
        subject=f"{snapshot['workshop']['title']}, {snapshot['workshop']['starts_on']} to "
        f"{snapshot['workshop']['ends_on']}",
        keywords=("certificate", kind.value, f"serial {snapshot['serial']}"),
    )
    return pdf.html(
        "certificates/pdf/certificate.html",
        metadata=metadata,
        snapshot=snapshot,
        kind=kind,
        verify_url=verify_url,
        qr_uri=qr_data_uri(verify_url),
        dates=dates_text(snapshot["workshop"]["starts_on"], snapshot["workshop"]["ends_on"]),
        issued_on=issued_on_text(snapshot["issued_at"], snapshot["workshop"].get("timezone")),
        programme=programme,
        seal_uri=design.seal_uri(snapshot.get("seal")),
        signature_uri=design.signature_uri(snapshot.get("signature")),
    )


def render_certificate(snapshot: dict[str, Any]) -> bytes:
    """The signed PDF of a snapshot. Called once per certificate, at issue."""
    ensure_fonts_installed()
    document = pdf.render_html(certificate_html(snapshot))
    return signing.sign(
        document,
        reason=f"Certificate {snapshot['serial']} issued by {current_app.config['PROGRAMME_NAME']}",
        location=snapshot["workshop"]["city"],
    )


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#0b2e3f")


def day_text(day: date) -> str:
    """The one way a certificate writes a date: 7 December 2026."""
    return f"{day.day} {day:%B %Y}"


def issued_on_text(issued_at: str, timezone: str | None) -> str:
    """The day of issue where the workshop took place."""
    moment = datetime.fromisoformat(issued_at)
    if timezone:
        moment = moment.astimezone(ZoneInfo(timezone))
    return day_text(moment.date())


def dates_text(starts_on: str, ends_on: str) -> str:
    first, last = datetime.fromisoformat(starts_on).date(), datetime.fromisoformat(ends_on).date()
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} to {last.day} {last:%B %Y}"
    return f"{day_text(first)} to {day_text(last)}"


def ensure_fonts_installed() -> None:
    """Refuse (DomainError naming the package) to set a certificate in a stand-in font."""
    try:
        pdf.ensure_fonts(*CERTIFICATE_FONTS)
    except pdf.MissingFont as error:
        current_app.logger.error("%s", error)
        raise DomainError(f"Certificates cannot be made on this server now. {error}") from None


def ensure_links_reach_the_public() -> None:
    """Refuse (DomainError) to print a verification link that leads to this computer only."""
    problem = rules.verification_link_refusal(
        current_app.config["BASE_URL"], local_allowed=local_links_allowed(current_app)
    )
    if problem is not None:
        raise DomainError(problem)
