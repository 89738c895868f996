"""Times as the venue sees them: stored in UTC, shown in the workshop's zone, named."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from training.core.i18n import localized


def at_venue(value: datetime | None, where: Any, fmt: str = "%Y-%m-%d %H:%M", named: bool = True) -> str:
    """``value`` at the venue: ``where`` is a workshop, a ZoneInfo or an IANA name.
    The zone is named after the time unless ``named=False`` (a heading names it).
    Day and month names are in the page's language (``fmt`` is strftime's).
    In templates: ``{{ session.starts_at | at_venue(workshop) }}``."""
    if value is None:
        return ""
    zone_name = getattr(where, "timezone", None) or str(where)
    local = localized(value, fmt, ZoneInfo(zone_name))
    return f"{local} {zone_name}" if named else local
