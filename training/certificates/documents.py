"""What a certificate says and how it looks: the frozen snapshot, its HTML and its
signed PDF, and the checks made before one is set (fonts, public links).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_date, format_interval
from flask import current_app
from flask_babel import force_locale, get_locale, get_translations, ngettext
from markupsafe import Markup

from training.accounts.models import User
from training.assessments import services as assessment_services
from training.assessments.scale import ENTRUSTMENT_SCALE, INSTRUMENT
from training.certificates import design, rules, signing
from training.certificates.models import CertificateKind, certificate_languages
from training.core import pdf
from training.core.errors import DomainError
from training.core.i18n import REGIONS
from training.core.urls import external_url, local_links_allowed
from training.workshops.models import Duty, Workshop

# The families certificate.css names: a certificate set in a stand-in font is never issued.
CERTIFICATE_FONTS = ("EB Garamond", "DejaVu Sans")


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def _duration_text(minutes: int) -> str:
    """11 hours 24 minutes, in the language being written."""
    hours, rest = divmod(max(0, minutes), 60)
    parts = [ngettext("%(num)d hour", "%(num)d hours", hours)] if hours else []
    if rest or not hours:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", rest))
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


class InLanguage:
    """A text worked out when it is written, in the language being written then: a
    bilingual certificate writes it once in each language."""

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __str__(self) -> str:
        return self.make()

    def __html__(self) -> Markup:
        return Markup.escape(self.make())


def _written(message: str, variables: dict[str, Any]) -> Markup:
    """``message`` translated into the language being written, with its placeholders
    filled and escaped, as Jinja's own ``_`` writes it."""
    return Markup(get_translations().ugettext(message)) % variables  # noqa: S704  # nosec B704  # our own catalogues; the values are escaped


def _written_plural(singular: str, plural: str, count: int, variables: dict[str, Any]) -> Markup:
    text = get_translations().ungettext(singular, plural, count)
    return Markup(text) % {"num": count, **variables}  # noqa: S704  # nosec B704  # our own catalogues; the values are escaped


def _in_languages(languages: list[str], write: Callable[[], Markup]) -> Markup:
    """``write()`` in the first language, then, on a bilingual certificate, in English
    after it (certificate.css sets it under a heading, after a slash within a line)."""
    first = write()
    if len(languages) == 1:
        return first
    with force_locale(REGIONS[languages[1]]):
        second = write()
    if second == first:
        return first
    return (
        first
        + Markup('<span class="separator"> / </span><span class="second-language" lang="%s">') % languages[1]
        + second
        + Markup("</span>")
    )


def certificate_writers(languages: list[str]) -> dict[str, Callable[..., Markup]]:
    """The ``_``, ``gettext`` and ``ngettext`` a certificate's template writes with."""

    def write(message: str, **variables: Any) -> Markup:
        return _in_languages(languages, lambda: _written(message, variables))

    def write_plural(singular: str, plural: str, count: int, **variables: Any) -> Markup:
        return _in_languages(languages, lambda: _written_plural(singular, plural, count, variables))

    return {"_": write, "gettext": write, "ngettext": write_plural}


def plain_text(value: Any) -> str:
    """A bilingual text for an attribute (an image's alternative text): "Sello / Seal"."""
    return Markup.escape(value).striptags()


def certificate_html(snapshot: dict[str, Any]) -> str:
    """The HTML a certificate's PDF is rendered from, in the certificate's language."""
    languages = certificate_languages(snapshot)
    with force_locale(REGIONS[languages[0]]):
        return _certificate_html(snapshot, languages)


def _certificate_html(snapshot: dict[str, Any], languages: list[str]) -> str:
    kind = CertificateKind(snapshot["kind"])
    programme = current_app.config["PROGRAMME_NAME"]
    verify_url = external_url("certificates.verify", serial=snapshot["serial"])
    workshop = snapshot["workshop"]
    metadata = pdf.Metadata(
        title=f"{kind.label}: {snapshot['name']}",
        author=programme,
        subject=f"{workshop['title']}, {workshop['starts_on']} to {workshop['ends_on']}",
        keywords=("certificate", kind.value, f"serial {snapshot['serial']}"),
        lang=languages[0],
    )
    hours_attended = None
    if "hours_attended" in snapshot:
        minutes = int((snapshot.get("attendance") or {}).get("attended_minutes", 0))
        hours_attended = InLanguage(lambda: _duration_text(minutes))
    return pdf.html(
        "certificates/pdf/certificate.html",
        metadata=metadata,
        snapshot=snapshot,
        kind=kind,
        bilingual=len(languages) > 1,
        hours_attended=hours_attended,
        verify_url=verify_url,
        qr_uri=qr_data_uri(verify_url),
        dates=_in_languages(
            languages, lambda: Markup.escape(dates_text(workshop["starts_on"], workshop["ends_on"]))
        ),
        issued_on=_in_languages(
            languages, lambda: Markup.escape(issued_on_text(snapshot["issued_at"], workshop.get("timezone")))
        ),
        programme=programme,
        seal_uri=design.seal_uri(snapshot.get("seal")),
        signature_uri=design.signature_uri(snapshot.get("signature")),
        plain=plain_text,
        **certificate_writers(languages),
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


def _writing_english() -> bool:
    locale = get_locale()
    return locale is None or locale.language == "en"


def day_text(day: date) -> str:
    """The one way a certificate writes a date: 7 December 2026 (7 de diciembre de 2026)."""
    if _writing_english():
        return f"{day.day} {day:%B %Y}"
    return format_date(day, "long", locale=get_locale())


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
    if not _writing_english():
        return format_interval(first, last, "yMMMMd", locale=get_locale())
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
