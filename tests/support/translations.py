"""tools/translations.py (extraction, catalogues) for the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "tools" / "translations.py"
_spec = importlib.util.spec_from_file_location("translations_tool", _PATH)
assert _spec is not None
assert _spec.loader is not None
tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tool)


def compile_stale_catalogues() -> None:
    """`make test` compiles the catalogues; a bare `pytest` after editing a .po does too."""
    tool.compile_catalogues()
