"""What the validator reports and reads: problems with their file and line, the
curriculum as read from its files, and the checker that records what is wrong.

The YAML loader's mappings remember their line numbers (plain dicts from a browser
draft do not), so every problem names the file, the line when known, and the path of
the field at fault: the command line prints ``file:line: message`` and a form shows
the message next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None  # 1-based; None when the content has no file behind it (a browser draft)
    path: tuple[str | int, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 1}: {self.message}"


@dataclass(frozen=True)
class ImageInfo:
    """What the loader learned about an image file: ``error`` when it is not a usable image."""

    width: int = 0
    height: int = 0
    error: str | None = None


@dataclass
class Source:
    """A curriculum as read from its files (or built from a draft)."""

    curriculum_file: str
    curriculum: Any
    modules: list[tuple[str, Any]] = field(default_factory=list)
    images: dict[str, ImageInfo] = field(default_factory=dict)


@dataclass
class Result:
    problems: list[Problem]
    content: dict[str, Any] | None  # the canonical content when there is no problem

    @property
    def ok(self) -> bool:
        return not self.problems


def line_of(container: Any, key: str | int | None = None) -> int | None:
    """The 1-based line of ``container[key]`` (or of the container), if the loader kept it."""
    lc = getattr(container, "lc", None)
    if lc is None:
        return None
    try:
        if key is None:
            return lc.line + 1
        if isinstance(key, int):
            return lc.item(key)[0] + 1
        return lc.key(key)[0] + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return lc.line + 1


@dataclass(frozen=True)
class LocatedQuestion:
    """A clean question with the file and line it came from, for checks across modules."""

    file: str
    line: int | None
    path: tuple[str | int, ...]
    question: dict[str, Any]


class Checker:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.located: list[LocatedQuestion] = []

    def add(self, container: Any, key: str | int | None, path: tuple[str | int, ...], message: str) -> None:
        self.problems.append(Problem(self.file, line_of(container, key), path, message))

    # The hotspot regions' readers: each returns what is usable and records what is wrong.
    def mapping_list(self, mapping: Mapping[str, Any], key: str, path: tuple[str | int, ...]) -> list[Any]:
        value = mapping.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.add(mapping, key, (*path, key), f"'{key}' must be a list, not {type_name(value)}")
            return []
        good = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                good.append((index, item))
            else:
                self.add(value, index, (*path, key, index), f"{key} item {index + 1} must be a mapping")
        return good

    def unknown_fields(
        self, mapping: Mapping[str, Any], allowed: set[str], path: tuple[str | int, ...]
    ) -> None:
        for key in mapping:
            if key not in allowed:
                self.add(mapping, key, (*path, str(key)), f"unknown field '{key}'")


def type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return "text" if isinstance(value, str) else type(value).__name__


def duplicates(items: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    twice = []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.add(item)
    return twice
