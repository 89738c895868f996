"""The parts capabilities add to shared pages, worked out by the page's view: templates
never query.

A capability registers what its part shows, in a module the app factory imports:
a dashboard tile (``@page_parts.tile("enrolments")``, ``provider(user)``) or a panel on a
workshop's page (``@page_parts.workshop_panel("certificates")``,
``provider(workshop, user)``). The dashboard view passes every tile's data as ``tiles``
and the workshop page's view every panel's as ``panels``; the capability's
``_dashboard.html`` or ``_workshop_panel.html`` reads its own (``tiles.enrolments``,
``panels.certificates``). A provider returns None when the person sees nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Provider = Callable[..., Any]
TILES: dict[str, Provider] = {}
PANELS: dict[str, Provider] = {}


def _registrar(parts: dict[str, Provider], name: str) -> Callable[[Provider], Provider]:
    def register(provider: Provider) -> Provider:
        parts[name] = provider
        return provider

    return register


def tile(name: str) -> Callable[[Provider], Provider]:
    """Register ``provider(user)`` as what the dashboard's tile ``name`` shows."""
    return _registrar(TILES, name)


def workshop_panel(name: str) -> Callable[[Provider], Provider]:
    """Register ``provider(workshop, user)`` as what the workshop page's panel ``name`` shows."""
    return _registrar(PANELS, name)


def tiles_for(user: Any) -> dict[str, Any]:
    """Every tile's data for ``user``, by tile name."""
    return {name: provider(user) for name, provider in TILES.items()}


def panels_for(workshop: Any, user: Any) -> dict[str, Any]:
    """Every panel's data for ``user`` on ``workshop``'s page, by panel name."""
    return {name: provider(workshop, user) for name, provider in PANELS.items()}
