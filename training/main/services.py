"""What the home capability's pages read that is not core's: the venues' time zones
the audit log shows workshop events in."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from training.extensions import db
from training.workshops.models import Workshop


def workshop_zones(workshop_ids: Iterable[int]) -> dict[int, str]:
    """Each workshop's venue time zone, by id."""
    ids = set(workshop_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(sa.select(Workshop.id, Workshop.timezone).where(Workshop.id.in_(ids))).all()
    )
