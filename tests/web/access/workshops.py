"""The workshops pages in the access matrix."""

from tests.web.access.common import Entry  # noqa: F401

ENTRIES: dict = {}
