"""Every certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (W3C VC data model 2.0),
signed as a VC-JWT; the issuer profile; the revocation status list; checking a badge.

The credential is built from the certificate's snapshot (what was frozen at issue), never
from the live workshop, so it says no more than the PDF does. The one live value is the
holder's e-mail address, and only as a salted SHA-256 hash (``identifier``): the salt is
derived from the serial with the app's secret key, so the same certificate always gives
the same credential.

Revocation: a W3C Bitstring Status List (``BitstringStatusListCredential``) at one stable
URL, where bit *n* is the certificate whose database id is *n*; a set bit means revoked.
A superseded certificate is not revoked (its verification page names the newer one).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from training.certificates import badge_keys
from training.certificates.models import Certificate, CertificateKind, CertificateState
from training.core.errors import NotFound
from training.core.urls import external_url
from training.extensions import db

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
ACHIEVEMENT_TYPES = {
    CertificateKind.ATTENDANCE: "CertificateOfCompletion",
    CertificateKind.COMPETENCE: "Certificate",
}
# The W3C recommendation's minimum: a list this long hides which certificates it holds.
STATUS_LIST_MIN_BITS = 131_072
LINKEDIN_ADD_URL = "https://www.linkedin.com/profile/add"


# --- pure pieces ----------------------------------------------------------------


def identity_hash(email: str, salt: str) -> str:
    """Open Badges' hashed identifier: ``sha256$`` + hex(sha256(identifier + salt))."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def encode_status_list(revoked: set[int]) -> str:
    """The ``encodedList`` of a Bitstring Status List: bit *i* (first bit = the highest of
    the first byte) set for each *i* in ``revoked``; GZIP, base64url without padding, and
    the multibase prefix ``u``."""
    bits = max(STATUS_LIST_MIN_BITS, max(revoked, default=0) + 1)
    bits += -bits % 8
    data = bytearray(bits // 8)
    for index in revoked:
        data[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def status_bit(encoded_list: str, index: int) -> bool:
    """Whether bit ``index`` is set in an ``encodedList`` (a bit past the end is not)."""
    text = encoded_list.removeprefix("u")
    data = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    if index < 0 or index // 8 >= len(data):
        return False
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def linkedin_url(*, name: str, organization: str, issued: datetime, verify_url: str, serial: str) -> str:
    """LinkedIn's "add a certification to my profile" link, filled in."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": name,
        "organizationName": organization,
        "issueYear": str(issued.year),
        "issueMonth": str(issued.month),
        "certUrl": verify_url,
        "certId": serial,
    }
    return f"{LINKEDIN_ADD_URL}?{urlencode(query)}"


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


# --- the credential -------------------------------------------------------------


def issuer_profile() -> dict[str, Any]:
    """The programme as an Open Badges issuer, served at ``issuer_id()``."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": current_app.config["PROGRAMME_NAME"],
        "url": current_app.config["BASE_URL"] + "/",
    }


def issuer_id() -> str:
    return external_url("certificates.badge_issuer")


def status_list_url() -> str:
    return external_url("certificates.badge_status_list")


def _salt(serial: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"open-badge-identity:{serial}".encode(), hashlib.sha256).hexdigest()[:32]


def _issued_at(certificate: Certificate) -> datetime:
    return datetime.fromisoformat(certificate.snapshot["issued_at"]).replace(microsecond=0)


def _require_holder(certificate: Certificate) -> None:
    if certificate.snapshot.get("holder_erased"):
        raise NotFound("The holder of this certificate was erased: it has no badge.")


def _achievement(certificate: Certificate, snap: dict[str, Any]) -> dict[str, Any]:
    kind = certificate.kind
    workshop = snap.get("workshop", {})
    modules = snap.get("modules", [])
    description = [
        f"{kind.english_label} of {current_app.config['PROGRAMME_NAME']} "
        f"for the workshop {workshop.get('title')}, "
        f"{workshop.get('starts_on')} to {workshop.get('ends_on')}, at {workshop.get('venue')}, "
        f"{workshop.get('city')} ({workshop.get('country')})."
    ]
    if workshop.get("curriculum"):
        description.append(f"Curriculum: {workshop['curriculum']}.")
    if modules:
        description.append("Modules: " + "; ".join(f"{m['code']} {m['title']}" for m in modules) + ".")
    accreditation = snap.get("accreditation")
    if accreditation:
        description.append(f"Accredited by {accreditation.get('body')}: {accreditation.get('statement')}")
    criteria = ["Requirements met at issue:"] + [f"- {r}" for r in snap.get("requirements_met", [])]
    if snap.get("standard"):
        criteria.append(f"Standard: {snap['standard']}.")
    if snap.get("instrument"):
        criteria.append(f"Assessed with: {snap['instrument']}.")
    if snap.get("skills"):
        criteria.append("Skills signed off: " + "; ".join(s["title"] for s in snap["skills"]) + ".")
    achievement: dict[str, Any] = {
        "id": _urn(
            f"{current_app.config['BASE_URL']}/workshops/{workshop.get('id')}/certificates/{kind.value}"
        ),
        "type": ["Achievement"],
        "achievementType": ACHIEVEMENT_TYPES[kind],
        "name": f"{kind.english_label}: {workshop.get('title')}",
        "description": " ".join(description),
        "criteria": {"narrative": "\n".join(criteria)},
        "inLanguage": "en",
    }
    if modules:
        achievement["tag"] = [m["code"] for m in modules]
    if workshop.get("curriculum"):
        achievement["fieldOfStudy"] = workshop["curriculum"]
    if accreditation and accreditation.get("designated_credits") is not None:
        achievement["creditsAvailable"] = float(accreditation["designated_credits"])
    return achievement


def _evidence(snap: dict[str, Any], verify_url: str) -> list[dict[str, Any]]:
    evidence: list[dict[str, Any]] = [
        {
            "id": verify_url,
            "type": ["Evidence"],
            "name": "Public verification page",
            "narrative": "The issuer's page for this certificate: valid, revoked or superseded.",
        }
    ]
    for skill in snap.get("skills", []):
        said = [f"Signed off by {skill.get('signed_off_by') or 'the certifying faculty'}"]
        if skill.get("signed_off_at"):
            said[0] += f" on {skill['signed_off_at'][:10]}"
        if skill.get("total"):
            said.append(f"OSATS total {skill['total']}")
        if skill.get("entrustment_words"):
            said.append(f"entrustment: {skill['entrustment_words']}")
        evidence.append({"type": ["Evidence"], "name": skill["title"], "narrative": "; ".join(said) + "."})
    return evidence


def credential(certificate: Certificate) -> dict[str, Any]:
    """The certificate as an ``OpenBadgeCredential`` (unsigned), from its snapshot."""
    _require_holder(certificate)
    snap = certificate.snapshot
    verify_url = external_url("certificates.verify", serial=certificate.serial)
    salt = _salt(certificate.serial)
    subject: dict[str, Any] = {
        # An opaque id (the holder is identified by the hashed e-mail): the JWT's ``sub``.
        "id": _urn(f"{verify_url}#holder"),
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": identity_hash(certificate.trainee.email, salt),
                "identityType": "emailAddress",
                "hashed": True,
                "salt": salt,
            }
        ],
        "achievement": _achievement(certificate, snap),
    }
    workshop = snap.get("workshop", {})
    if workshop.get("starts_on"):
        subject["activityStartDate"] = f"{workshop['starts_on']}T00:00:00Z"
        subject["activityEndDate"] = f"{workshop['ends_on']}T23:59:59Z"
    if snap.get("accreditation") and snap.get("credit_hours") is not None:
        subject["creditsEarned"] = float(snap["credit_hours"])
    issued = _timestamp(_issued_at(certificate))
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _urn(verify_url),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.kind.english_label}: {workshop.get('title')}",
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": current_app.config["PROGRAMME_NAME"],
            "url": current_app.config["BASE_URL"] + "/",
        },
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": subject,
        "evidence": _evidence(snap, verify_url),
        "credentialStatus": {
            "id": f"{status_list_url()}#{certificate.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.id),
            "statusListCredential": status_list_url(),
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def signed_badge(certificate: Certificate) -> str:
    """The credential as a VC-JWT (compact JWS): the credential itself is the payload,
    with the claims ``iss``, ``jti``, ``nbf`` and ``sub`` (Open Badges 3.0, section 8.2)."""
    body = credential(certificate)
    claims = {
        **body,
        "iss": body["issuer"]["id"],
        "jti": body["id"],
        "nbf": int(_issued_at(certificate).timestamp()),
        "sub": body["credentialSubject"]["id"],
    }
    key = badge_keys.signing_key()
    return jwt.encode({"alg": badge_keys.ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)


def linkedin_link(certificate: Certificate) -> str:
    snap = certificate.snapshot
    issued = _issued_at(certificate)
    timezone = snap.get("workshop", {}).get("timezone")
    return linkedin_url(
        name=f"{certificate.kind.english_label}: {snap.get('workshop', {}).get('title')}",
        organization=current_app.config["PROGRAMME_NAME"],
        issued=issued.astimezone(ZoneInfo(timezone)) if timezone else issued,
        verify_url=external_url("certificates.verify", serial=certificate.serial),
        serial=certificate.serial,
    )


def badge_file_name(certificate: Certificate, extension: str) -> str:
    return f"open-badge-{certificate.serial}.{extension}"


# --- revocation -----------------------------------------------------------------


def revoked_ids() -> set[int]:
    return set(
        db.session.scalars(sa.select(Certificate.id).where(Certificate.state == CertificateState.REVOKED))
    )


def status_list_credential() -> dict[str, Any]:
    """The revocation list every badge's ``credentialStatus`` points at."""
    url = status_list_url()
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": _timestamp(datetime.now(UTC)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_status_list(revoked_ids()),
        },
    }


def signed_status_list() -> str:
    """The revocation list as a VC-JWT, for verifiers that accept only secured credentials."""
    body = status_list_credential()
    claims = {
        **body,
        "iss": body["issuer"],
        "jti": body["id"],
        "nbf": int(datetime.fromisoformat(body["validFrom"]).timestamp()),
    }
    key = badge_keys.signing_key()
    return jwt.encode({"alg": badge_keys.ALGORITHM, "kid": key.kid, "typ": "JWT"}, claims, key)


# --- checking a badge -----------------------------------------------------------


@dataclass
class BadgeCheck:
    authentic: bool
    reasons: list[str] = field(default_factory=list)
    claims: dict[str, Any] = field(default_factory=dict)
    revoked: bool = False


def check_badge(token: str) -> BadgeCheck:
    """Whether ``token`` is a badge signed with our key, its claims match its credential,
    and (if so) whether our status list says it is revoked."""
    try:
        decoded = jwt.decode(
            token.strip(),
            KeySet.import_key_set(badge_keys.public_key_set()),
            algorithms=[badge_keys.ALGORITHM],
        )
    except (JoseError, ValueError) as error:
        return BadgeCheck(False, [f"The signature does not check out with this issuer's keys ({error})."])
    claims = dict(decoded.claims)
    reasons = []
    issuer = claims.get("issuer")
    if (
        not isinstance(issuer, dict)
        or claims.get("iss") != issuer.get("id")
        or claims.get("iss") != issuer_id()
    ):
        reasons.append("The token's issuer is not this programme.")
    if claims.get("jti") != claims.get("id"):
        reasons.append("The token's id (jti) differs from the credential's.")
    subject = claims.get("credentialSubject")
    if not isinstance(subject, dict) or claims.get("sub") != subject.get("id"):
        reasons.append("The token's subject (sub) differs from the credential's.")
    try:
        valid_from = datetime.fromisoformat(str(claims.get("validFrom")))
        if claims.get("nbf") != int(valid_from.timestamp()):
            reasons.append("The token's nbf differs from the credential's validFrom.")
    except ValueError:
        reasons.append("The credential has no readable validFrom.")
    if reasons:
        return BadgeCheck(False, reasons, claims)
    status = claims.get("credentialStatus") or {}
    revoked = False
    if (
        status.get("statusListCredential") == status_list_url()
        and str(status.get("statusListIndex")).isdigit()
    ):
        encoded = status_list_credential()["credentialSubject"]["encodedList"]
        revoked = status_bit(encoded, int(status["statusListIndex"]))
    return BadgeCheck(True, [], claims, revoked)
