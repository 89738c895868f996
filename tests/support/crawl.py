"""Every role's pages, as the access matrix knows them: each GET row whose expected
status for a role is 200, in the matrix's world. A page added to the matrix is
crawled without anyone listing it here."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import urlsplit

from tests.web import access
from tests.web.access.common import ROLES

_FILE = re.compile(r"\.[a-z]{2,4}$")
_DOCUMENT = re.compile(r"^\s*<!doctype html", re.I)


@dataclass(frozen=True)
class Target:
    endpoint: str
    role: str
    url: str

    def __str__(self) -> str:
        return f"{self.endpoint} as {self.role} ({self.url})"


def targets(world: SimpleNamespace) -> Iterator[Target]:
    """Every (page, role) that answers 200, grouped by role (one login per role)."""
    entries = access.all_entries()
    for role in ROLES:
        for (endpoint, method), entry in sorted(entries.items()):
            if method != "GET" or entry.expected[role] != 200 or endpoint == "static":
                continue
            yield Target(endpoint, role, entry.url.format(**vars(world)))


def is_file(url: str) -> bool:
    """An address that names a file (programme.pdf, roster.csv, calendar.ics), not a page."""
    return bool(_FILE.search(urlsplit(url).path))


def is_document(html: str) -> bool:
    """A whole page, not a fragment that htmx swaps into one."""
    return bool(_DOCUMENT.match(html))


def as_document(fragment: str) -> str:
    """A fragment in the smallest valid page, so the checker judges the fragment only."""
    return (
        f'<!DOCTYPE html><html lang="en"><head><title>fragment</title></head><body>{fragment}</body></html>'
    )
