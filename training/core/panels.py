"""The panels other capabilities add to a workshop's page, worked out by its view:
templates never query.

A capability registers what its panel needs (``@panels.workshop_panel("certificates")``,
in a module the app factory imports); the workshop page's view passes every panel's
data to the page as ``panels``, and the capability's ``_workshop_panel.html`` reads its
own, ``panels.certificates``. A provider returns None when the visitor sees nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PanelData = Callable[[Any, Any], Any]
PANELS: dict[str, PanelData] = {}


def workshop_panel(name: str) -> Callable[[PanelData], PanelData]:
    """Register ``provider(workshop, user)`` as what the workshop page's panel ``name`` shows."""

    def register(provider: PanelData) -> PanelData:
        PANELS[name] = provider
        return provider

    return register


def panels_for(workshop: Any, user: Any) -> dict[str, Any]:
    """Every registered panel's data for ``user`` on ``workshop``'s page, by panel name."""
    return {name: provider(workshop, user) for name, provider in PANELS.items()}
