"""The dashboard's tiles, worked out by the dashboard view: templates never query.

A capability registers what its tile shows (``@dashboard.tile("enrolments")``,
in a module the app factory imports); the dashboard view passes every tile's data
to the page as ``tiles``, and the capability's ``_dashboard.html`` reads its own,
``tiles.enrolments``. A provider returns None when its tile has nothing to show
the person.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from training.accounts.models import User

TileData = Callable[["User"], Any]
TILES: dict[str, TileData] = {}


def tile(name: str) -> Callable[[TileData], TileData]:
    """Register ``provider(user)`` as what the dashboard's tile ``name`` shows."""

    def register(provider: TileData) -> TileData:
        TILES[name] = provider
        return provider

    return register


def tiles_for(user: User) -> dict[str, Any]:
    """Every registered tile's data for ``user``, by tile name."""
    return {name: provider(user) for name, provider in TILES.items()}
