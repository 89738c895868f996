"""What the validator reports and reads: problems with their file and line, the
curriculum as read from its files, and the reader that records what is wrong.

The YAML loader's mappings remember their line numbers (plain dicts from a browser
draft do not), so every problem names the file, the line when known, and the path of
the field at fault: the command line prints ``file:line: message`` and a form shows
the message next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from training.curriculum.format import KEY_PATTERN, MAX_TEXT


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

    # Each reader returns a clean value (or a harmless default) and records what is wrong.
    def text(
        self,
        mapping: Mapping[str, Any],
        key: str,
        path: tuple[str | int, ...],
        *,
        required: bool = True,
        limit: int = MAX_TEXT,
    ) -> str:
        value = mapping.get(key)
        if value is None or value == "":
            if required:
                self.add(mapping, None if key not in mapping else key, (*path, key), f"'{key}' is required")
            return ""
        if not isinstance(value, str):
            self.add(mapping, key, (*path, key), f"'{key}' must be text, not {type_name(value)}")
            return ""
        value = value.strip()
        if len(value) > limit:
            self.add(mapping, key, (*path, key), f"'{key}' is longer than {limit} characters")
        return value

    def text_list(
        self, mapping: Mapping[str, Any], key: str, path: tuple[str | int, ...], *, required: bool = False
    ) -> list[str]:
        value = mapping.get(key)
        if value is None:
            if required:
                self.add(mapping, None, (*path, key), f"'{key}' is required")
            return []
        if not isinstance(value, list):
            self.add(mapping, key, (*path, key), f"'{key}' must be a list, not {type_name(value)}")
            return []
        items = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.add(value, index, (*path, key), f"'{key}' item {index + 1} must be non-empty text")
            elif len(item) > MAX_TEXT:
                self.add(value, index, (*path, key), f"'{key}' item {index + 1} is too long")
            else:
                items.append(item.strip())
        if required and not items and isinstance(value, list) and not value:
            self.add(mapping, key, (*path, key), f"'{key}' needs at least one item")
        return items

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

    def key(self, mapping: Mapping[str, Any], name: str, path: tuple[str | int, ...], what: str) -> str:
        value = mapping.get(name)
        if value is None:
            self.add(mapping, None, (*path, name), f"{what} has no '{name}'")
            return ""
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.add(
                mapping,
                name,
                (*path, name),
                f"{what} id {value!r} must be lower-case letters, digits and '-' (at most 40)",
            )
            return ""
        return value


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
