"""Form helpers shared by every feature."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import SelectChoice

# What a browser sends back for an option meaning "none": the empty string, or the
# text "None" from a page rendered before blank options were written as "".
BLANK_VALUES = (None, "", "None")


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select options; a value of None is the blank
    option (value ""), which ``optional_int`` reads back as None."""
    return [SelectChoice("" if value is None else value, label) for value, label in pairs]


def optional_int(value: Any) -> int | None:
    """Coerce for a select of ids with a blank "none" option: blank -> None."""
    if value in BLANK_VALUES:
        return None
    return int(value)
