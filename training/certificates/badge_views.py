"""Open Badges 3.0: the holder's badge downloads, and what any verifier reads (public keys,
issuer profile, revocation list)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request
from flask_login import current_user, login_required

from training.certificates import badge_keys, badges, bp, permissions
from training.certificates.models import Certificate
from training.certificates.registry import find_by_serial
from training.core.permissions import ensure_or_404, public

# Keys and the issuer change seldom; the revocation list must show a revocation within minutes.
KEYS_CACHE_SECONDS = 3600
STATUS_CACHE_SECONDS = 300
SIGNED_CREDENTIAL = "application/vc+jwt"


def _certificate(serial: str) -> Certificate:
    certificate = find_by_serial(serial)
    ensure_or_404(certificate is not None and permissions.can_view_certificate(current_user, certificate))
    assert certificate is not None  # ensure_or_404 answered 404 otherwise
    return certificate


def _download(content: str, mimetype: str, name: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certificates/<serial:serial>/badge.jwt")
@login_required
def badge_jwt(serial: str):
    certificate = _certificate(serial)
    # Open Badges 3.0: a VC-JWT file is the compact JWS, served as text/plain.
    return _download(
        badges.signed_badge(certificate), "text/plain", badges.badge_file_name(certificate, "jwt")
    )


@bp.route("/certificates/<serial:serial>/badge.json")
@login_required
def badge_json(serial: str):
    certificate = _certificate(serial)
    content = json.dumps(badges.credential(certificate), indent=2, ensure_ascii=False)
    return _download(content, "application/json", badges.badge_file_name(certificate, "json"))


def _public_json(body: Mapping[str, Any], seconds: int, mimetype: str = "application/json") -> Response:
    response = jsonify(body)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/.well-known/jwks.json")
@public
def badge_jwks():
    return _public_json(badge_keys.public_key_set(), KEYS_CACHE_SECONDS, "application/jwk-set+json")


@bp.route("/badges/issuer")
@public
def badge_issuer():
    return _public_json(badges.issuer_profile(), KEYS_CACHE_SECONDS)


@bp.route("/badges/status/revocation")
@public
def badge_status_list():
    # JSON by default; the same credential signed (VC-JWT) for ``Accept: application/vc+jwt``.
    if request.accept_mimetypes.best_match(["application/json", SIGNED_CREDENTIAL]) == SIGNED_CREDENTIAL:
        response = Response(badges.signed_status_list(), mimetype=SIGNED_CREDENTIAL)
        response.headers["Cache-Control"] = f"public, max-age={STATUS_CACHE_SECONDS}"
        response.headers["Access-Control-Allow-Origin"] = "*"
    else:
        response = _public_json(badges.status_list_credential(), STATUS_CACHE_SECONDS)
    response.vary.add("Accept")
    return response
