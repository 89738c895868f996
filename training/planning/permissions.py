"""Who may use the organizer's tools over many workshops."""

from __future__ import annotations

from typing import TYPE_CHECKING

from training.core.permissions import predicate
from training.workshops.permissions import can_browse_workshops, can_create_workshop, organizes

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


@predicate
def can_copy_workshop(user: User, workshop: Workshop) -> bool:
    """Schedule the next edition: an organizer of the workshop who may create workshops."""
    return organizes(user, workshop) and can_create_workshop(user)


@predicate
def can_view_programme_month(user: User) -> bool:
    """The month view shows what the catalogue shows (drafts only to those who see them)."""
    return can_browse_workshops(user)


@predicate
def can_view_organizer_dashboard(user: User) -> bool:
    """Figures of the workshops one organizes (admins: of every workshop)."""
    return can_create_workshop(user)
