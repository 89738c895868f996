"""Absolute links for e-mails, calendars and certificates.

They are built from TRAINING_BASE_URL, never from the request's Host header:
a link in a certificate must point at the real site even when it was made by a
background task or by a request that reached us under another name.

A base URL on this computer (``localhost``, ``127.0.0.1``, ``::1``) is right for
trying the app out, and wrong anywhere else: nobody else can follow its links.
``is_local`` and ``served_elsewhere`` tell the two apart.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)


def is_local_host(host: str) -> bool:
    """Whether ``host`` names this computer only (loopback, or the "any address" 0.0.0.0)."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _host_and_port(url: str) -> tuple[str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a port that is not a number
        return None
    if not parts.hostname:
        return None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def is_local(url: str) -> bool:
    """Whether links under ``url`` lead to this computer only."""
    found = _host_and_port(url)
    return found is not None and is_local_host(found[0])


def served_elsewhere(base_url: str, served_url: str) -> bool:
    """Whether ``base_url`` is local while the app is reached as ``served_url`` (another
    host, or another port of this one): its links then lead nowhere for the visitor."""
    base, served = _host_and_port(base_url), _host_and_port(served_url)
    if base is None or served is None or not is_local_host(base[0]):
        return False
    return not is_local_host(served[0]) or served[1] != base[1]


def local_links_allowed(app: Flask) -> bool:
    """Links to this computer are fine while developing (TRAINING_ENV=development, as
    `make run` sets it, or `flask run --debug`) and in the tests; nowhere else."""
    return bool(app.testing or app.debug or app.config["ENVIRONMENT"] == "development")
