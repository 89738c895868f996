"""Open Badges 3.0: every certificate as a signed OpenBadgeCredential (VC-JWT), checked the
way an outside verifier would: the official JSON Schema, the keys the app serves, the
revocation list it points at."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import stat
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, UnsupportedAlgorithmError
from joserfc.jwk import KeySet, RSAKey
from jsonschema import Draft201909Validator

from training.certificates import badge_keys, cli
from training.certificates.models import CertificateKind, CertificateState
from training.certificates.rules import link_serial
from training.extensions import db

SCHEMA_FILE = (
    Path(__file__).resolve().parent.parent / "fixtures" / "ob3" / "ob_v3p0_achievementcredential_schema.json"
)
BASE = "http://training.test"


@pytest.fixture(scope="module")
def validator():
    schema = json.loads(SCHEMA_FILE.read_text())
    Draft201909Validator.check_schema(schema)
    validator = Draft201909Validator(schema, format_checker=Draft201909Validator.FORMAT_CHECKER)
    # The validator does check formats (rfc3339-validator is installed) and required fields.
    sample = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:00000000-0000-5000-8000-000000000000",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": "https://issuer.example/",
        "validFrom": "7 December 2026",
        "credentialSubject": {"type": ["AchievementSubject"]},
    }
    problems = {e.message for e in validator.iter_errors(sample)}
    assert "'7 December 2026' is not a 'date-time'" in problems
    assert "'achievement' is a required property" in problems
    return validator


def schema_errors(validator, document):
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture
def workshop(make):
    return make.workshop(title="Microfat masterclass", cme_credit_hours=Decimal(8))


def served_keys(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert all("d" not in key for key in response.json["keys"])
    return KeySet.import_key_set(response.json)


def token_of(client, certificate):
    response = client.get(f"/certificates/{certificate.serial}/badge.jwt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.text


def test_the_badge_is_a_schema_valid_open_badge_signed_with_the_served_keys(
    client, make, workshop, validator
):
    certificate = make.certificate(workshop, name="Dr. Jon Snowe")
    client.login(certificate.trainee)
    token = token_of(client, certificate)
    decoded = jwt.decode(token, served_keys(client), algorithms=["RS256"])
    assert decoded.header["alg"] == "RS256"
    assert decoded.header["kid"].startswith(f"{BASE}/.well-known/jwks.json#")
    claims = decoded.claims
    assert schema_errors(validator, claims) == []
    assert claims["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["iss"] == claims["issuer"]["id"] == f"{BASE}/badges/issuer"
    assert claims["jti"] == claims["id"]
    assert claims["sub"] == claims["credentialSubject"]["id"]
    assert claims["nbf"] == int(datetime.fromisoformat(claims["validFrom"]).timestamp())
    assert claims["nbf"] == int(certificate.issued_at.timestamp())
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["name"] == "Certificate of attendance: Microfat masterclass"
    assert achievement["creditsAvailable"] == 8.0
    assert claims["credentialSubject"]["creditsEarned"] == float(certificate.snapshot["credit_hours"])
    assert f"{BASE}/verify/" in claims["evidence"][0]["id"]
    # The JSON download is the same credential, unsigned.
    plain = client.get(f"/certificates/{certificate.serial}/badge.json")
    assert plain.status_code == 200
    assert schema_errors(validator, plain.json) == []
    assert plain.json == {k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "sub")}


def test_a_badge_is_refused_with_another_key_or_another_algorithm(client, make, workshop):
    certificate = make.certificate(workshop)
    client.login(certificate.trainee)
    token = token_of(client, certificate)
    keys = served_keys(client)
    with pytest.raises(UnsupportedAlgorithmError):
        jwt.decode(token, keys, algorithms=["ES256"])
    kid = jwt.decode(token, keys, algorithms=["RS256"]).header["kid"]
    impostor = RSAKey.generate_key(2048, parameters={"kid": kid})
    with pytest.raises(BadSignatureError):
        jwt.decode(token, KeySet([impostor]), algorithms=["RS256"])
    # One byte of the payload changed: the served keys refuse it too.
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Certificate of competence: Microfat masterclass"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(BadSignatureError):
        jwt.decode(f"{header}.{forged}.{signature}", keys, algorithms=["RS256"])


def test_the_holder_is_named_by_a_salted_hash_of_the_email_only(client, make, workshop, validator):
    certificate = make.certificate(workshop)
    client.login(certificate.trainee)
    token = token_of(client, certificate)
    claims = jwt.decode(token, served_keys(client), algorithms=["RS256"]).claims
    [identity] = claims["credentialSubject"]["identifier"]
    assert identity["type"] == "IdentityObject"
    assert identity["identityType"] == "emailAddress"
    assert identity["hashed"] is True
    salt = identity["salt"]
    assert len(salt) >= 16
    email = certificate.trainee.email.lower()
    assert identity["identityHash"] == "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()
    assert email not in json.dumps(claims)
    # Each certificate has its own salt, and the same certificate always the same credential.
    other = make.certificate(make.workshop(), certificate.trainee)
    other_claims = client.get(f"/certificates/{other.serial}/badge.json").json
    assert other_claims["credentialSubject"]["identifier"][0]["salt"] != salt
    assert client.get(f"/certificates/{certificate.serial}/badge.json").json == {
        k: v for k, v in claims.items() if k not in ("iss", "jti", "nbf", "sub")
    }


def test_a_competence_badge_names_its_skills_standard_and_validates(client, make, validator):
    workshop = make.workshop(title="Nanofat injection")
    certificate = make.certificate(workshop, kind=CertificateKind.COMPETENCE)
    client.login(certificate.trainee)
    claims = client.get(f"/certificates/{certificate.serial}/badge.json").json
    assert schema_errors(validator, claims) == []
    achievement = claims["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "Certificate"
    assert certificate.snapshot["standard"] in achievement["criteria"]["narrative"]
    assert "creditsAvailable" not in achievement
    assert "creditsEarned" not in claims["credentialSubject"]


def test_the_badge_says_what_the_snapshot_says_not_the_live_workshop(client, make, workshop):
    certificate = make.certificate(workshop)
    workshop.title = "Renamed after issue"
    db.session.commit()
    client.login(certificate.trainee)
    claims = client.get(f"/certificates/{certificate.serial}/badge.json").json
    assert claims["name"] == "Certificate of attendance: Microfat masterclass"
    assert "Renamed" not in json.dumps(claims)


def bit(encoded_list: str, index: int) -> bool:
    """Read a Bitstring Status List the way the W3C recommendation spells it out."""
    assert encoded_list.startswith("u")
    text = encoded_list[1:]
    data = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert len(data) * 8 >= 131_072
    return bool(data[index // 8] & (0x80 >> (index % 8)))


def status_of(client, claims) -> bool:
    entry = claims["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    url = urlsplit(entry["statusListCredential"])
    assert f"{url.scheme}://{url.netloc}" == BASE
    response = client.get(url.path)
    assert response.status_code == 200
    status_list = response.json
    assert status_list["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status_list["credentialSubject"]["statusPurpose"] == "revocation"
    return bit(status_list["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))


def test_a_revocation_shows_on_the_status_list(client, make, workshop):
    valid = make.certificate(workshop)
    revoked = make.certificate(make.workshop(), state=CertificateState.REVOKED)
    client.login(make.admin())
    valid_claims = client.get(f"/certificates/{valid.serial}/badge.json").json
    revoked_claims = client.get(f"/certificates/{revoked.serial}/badge.json").json
    client.logout()
    assert status_of(client, valid_claims) is False
    assert status_of(client, revoked_claims) is True
    # Revoking the valid one through the page sets its bit too.
    client.login(workshop.certifier)
    answer = client.post(
        f"/certificates/{valid.serial}/revoke", data={"reason_code": "issued-in-error", "public_details": ""}
    )
    assert answer.status_code == 302, answer.text
    client.logout()
    assert status_of(client, valid_claims) is True


def test_the_status_list_is_also_served_signed(client, make):
    revoked = make.certificate(make.workshop(), state=CertificateState.REVOKED)
    response = client.get("/badges/status/revocation", headers={"Accept": "application/vc+jwt"})
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert "Accept" in response.headers["Vary"]
    claims = jwt.decode(response.text, served_keys(client), algorithms=["RS256"]).claims
    assert claims["iss"] == f"{BASE}/badges/issuer"
    assert claims["jti"] == f"{BASE}/badges/status/revocation"
    assert bit(claims["credentialSubject"]["encodedList"], revoked.id) is True
    assert bit(claims["credentialSubject"]["encodedList"], revoked.id + 1) is False


def test_the_public_documents_are_cached_briefly_and_open_to_anyone(client):
    for path, seconds in (
        ("/.well-known/jwks.json", 3600),
        ("/badges/issuer", 3600),
        ("/badges/status/revocation", 300),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == f"public, max-age={seconds}"
    issuer = client.get("/badges/issuer").json
    assert issuer["id"] == f"{BASE}/badges/issuer"
    assert issuer["type"] == ["Profile"]
    assert issuer["name"] == client.application.config["PROGRAMME_NAME"]


def test_only_those_who_see_the_certificate_get_its_badge(client, make, workshop):
    certificate = make.certificate(workshop)
    for user in (make.enrolment(workshop).trainee, make.workshop().certifier):
        client.login(user)
        assert client.get(f"/certificates/{certificate.serial}/badge.jwt").status_code == 404
        assert client.get(f"/certificates/{certificate.serial}/badge.json").status_code == 404
    client.logout()
    assert client.get(f"/certificates/{certificate.serial}/badge.jwt").status_code == 302


def test_an_erased_holder_has_no_badge(client, make, workshop):
    certificate = make.certificate(workshop)
    certificate.snapshot = {**certificate.snapshot, "name": None, "holder_erased": True}
    db.session.commit()
    client.login(make.admin())
    assert client.get(f"/certificates/{certificate.serial}/badge.jwt").status_code == 404
    page = client.get(f"/certificates/{certificate.serial}")
    assert "badge.jwt" not in page.text
    assert "linkedin.com" not in page.text


def test_the_certificate_page_offers_the_badge_and_a_filled_in_linkedin_link(client, make, workshop, app):
    certificate = make.certificate(workshop)
    client.login(certificate.trainee)
    page = client.get(f"/certificates/{certificate.serial}")
    assert f"/certificates/{link_serial(certificate.serial)}/badge.jwt" in page.text
    [href] = [
        part.split('"')[0].replace("&amp;", "&")
        for part in page.text.split('href="')[1:]
        if "linkedin.com" in part
    ]
    url = urlsplit(href)
    assert (url.scheme, url.netloc, url.path) == ("https", "www.linkedin.com", "/profile/add")
    query = parse_qs(url.query)
    cert_url = query.pop("certUrl")[0]
    issued = certificate.issued_at.astimezone(ZoneInfo(workshop.timezone))
    assert query == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Certificate of attendance: Microfat masterclass"],
        "organizationName": [app.config["PROGRAMME_NAME"]],
        "issueYear": [str(issued.year)],
        "issueMonth": [str(issued.month)],
        "certId": [certificate.serial],
    }
    assert cert_url.startswith(f"{BASE}/verify/")
    verify = client.get(urlsplit(cert_url).path)
    assert verify.status_code == 200
    assert certificate.serial in verify.text
    assert "/badges/issuer" in verify.text
    assert "/.well-known/jwks.json" in verify.text


def test_a_revoked_certificate_offers_no_linkedin_link(client, make, workshop):
    certificate = make.certificate(workshop, state=CertificateState.REVOKED)
    client.login(certificate.trainee)
    page = client.get(f"/certificates/{certificate.serial}")
    assert "linkedin.com" not in page.text
    assert f"/certificates/{link_serial(certificate.serial)}/badge.jwt" in page.text


# --- the command line and the key ---------------------------------------------------


def test_cli_writes_a_badge_and_verify_reports_valid_revoked_or_forged(app, make, workshop, tmp_path):
    runner = app.test_cli_runner()
    certificate = make.certificate(workshop)
    revoked = make.certificate(make.workshop(), state=CertificateState.REVOKED)
    good, bad = tmp_path / "good.jwt", tmp_path / "bad.jwt"
    assert runner.invoke(cli.export_badge, [certificate.serial.lower(), str(good)]).exit_code == 0
    assert runner.invoke(cli.export_badge, [revoked.serial, str(bad)]).exit_code == 0
    with app.app_context():
        claims = jwt.decode(
            good.read_text().strip(), KeySet.import_key_set(badge_keys.public_key_set()), algorithms=["RS256"]
        ).claims
    assert claims["credentialSubject"]["achievement"]["name"].endswith("Microfat masterclass")

    result = runner.invoke(cli.verify_pdf, [str(good)])
    assert result.exit_code == 0, result.output
    assert "AUTHENTIC" in result.output
    assert "Status: valid" in result.output

    result = runner.invoke(cli.verify_pdf, [str(bad)])
    assert result.exit_code == 2, result.output
    assert "REVOKED" in result.output

    header, payload, signature = good.read_text().strip().split(".")
    forged = tmp_path / "forged.jwt"
    forged.write_text(f"{header}.{payload}.{signature[:-4]}AAAA")
    result = runner.invoke(cli.verify_pdf, [str(forged)])
    assert result.exit_code == 1
    assert "NOT AUTHENTIC" in result.output

    missing = runner.invoke(cli.export_badge, ["0000-0000-0000-0000-0", str(tmp_path / "none.jwt")])
    assert missing.exit_code == 1
    assert "no certificate" in missing.output


def test_the_badge_key_is_made_once_readable_by_its_owner_only(ctx, app):
    first = badge_keys.signing_key()
    path = badge_keys.key_path()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    badge_keys._keys.clear()
    again = badge_keys.signing_key()
    assert again.thumbprint() == first.thumbprint()
    assert again.kid == f"{BASE}/.well-known/jwks.json#{first.thumbprint()}"
    # A worker that loses the race reads the winner's key instead of making its own.
    assert badge_keys._load_or_create(path) == path.read_bytes()
