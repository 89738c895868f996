"""Absolute links for e-mails, calendars and certificates.

They are built from TRAINING_BASE_URL, never from the request's Host header:
a link in a certificate must point at the real site even when it was made by a
background task or by a request that reached us under another name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, values, force_external=True)
