"""The access matrix: every endpoint x every kind of user x every method.

Each capability keeps its rows in a module of this package (``ENTRIES``) and,
if its URLs need objects, a ``build(world, make)`` that creates them. The test
in ``test_access_matrix.py`` walks ``app.url_map``: an endpoint with no row
fails it, so no new page can escape the table.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType, SimpleNamespace

from tests.web.access.common import Entry


def modules() -> list[ModuleType]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name != "common")
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def all_entries() -> dict[tuple[str, str], Entry]:
    entries: dict[tuple[str, str], Entry] = {}
    for module in modules():
        for key, entry in module.ENTRIES.items():
            assert key not in entries, f"{key} is in the matrix twice"
            entries[key] = entry
    return entries


def build_world(make, app, key: tuple[str, str] | None = None) -> SimpleNamespace:
    """The people every row uses, and the objects of the capabilities' ``build``: only
    the module holding ``key``'s row when a key is given (a world costs about a second)."""
    world = SimpleNamespace(
        trainee=make.trainee(),
        faculty=make.faculty(),
        organizer=make.organizer(),
        admin=make.admin(),
    )
    for module in modules():
        if hasattr(module, "build") and (key is None or key in module.ENTRIES):
            with app.app_context():
                module.build(world, make)
    return world
