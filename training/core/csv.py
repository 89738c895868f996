"""CSV files that are safe to open in a spreadsheet."""

from __future__ import annotations

from typing import Any

# A cell that starts with one of these is run as a formula by spreadsheet
# programs; a name like "=HYPERLINK(...)" typed at sign-up must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]
