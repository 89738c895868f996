"""The format models' errors in our words, at their line.

pydantic names the place of an error with a location tuple, ``("questions", 2,
"options", 0, "id")``; the YAML loader's mappings remember the line of every key and
item, so the same tuple walked through the file gives the line (``line_of``). The
wording is ours, field by field, as authors have always read it.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from training.curriculum.format import KEY_PATTERN, MAX_MINUTES, MODULE_KINDS, QUESTION_KINDS
from training.curriculum.problems import Problem, line_of, type_name

Path = tuple[str | int, ...]
# The entity a list's items are, for "objective has no 'id'".
ITEM_NAMES = {"objectives": "objective", "skills": "skill", "questions": "question", "checklist": "step"}
# Errors that pydantic's own validators raise with our words already.
OUR_WORDS = {"unmeasurable_verb", "unknown_verb", "format"}


def read(model: type[BaseModel], raw: Any, file: str) -> tuple[dict[str, Any], list[Problem]]:
    """``raw`` checked against ``model``: its clean fields (only those that are valid,
    when something is wrong) and the problems, in the order of the model's fields."""
    try:
        return model.model_validate(raw).model_dump(), []
    except ValidationError as error:
        problems: dict[tuple[Path, str], Problem] = {}
        for detail in error.errors():
            for path, anchor, message in describe(detail, raw):
                container, key = _anchor(raw, anchor)
                if detail["type"] == "missing":
                    key = None  # the line of the mapping it is missing from
                problems.setdefault((path, message), Problem(file, line_of(container, key), path, message))
        return salvage(model, raw), sort_problems(model, [], shape=list(problems.values()))


def salvage(model: type[BaseModel], raw: Any) -> dict[str, Any]:
    """The fields of ``raw`` that are valid on their own, so that the rules over the
    whole curriculum still run (and report) while the author fixes the shape."""
    if not isinstance(raw, Mapping):
        return {}
    instance = model.model_construct()
    good: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in raw:
            continue
        try:
            model.__pydantic_validator__.validate_assignment(instance, name, raw[name])
        except ValidationError:
            inner = item_model(info.annotation)
            if inner is not None and isinstance(raw[name], list):
                good[name] = [
                    salvage(inner, item) if isinstance(item, Mapping) else None for item in raw[name]
                ]
            continue
        value = getattr(instance, name)
        good[name] = value.model_dump() if isinstance(value, BaseModel) else _dump(value)
    return good


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [item.model_dump() if isinstance(item, BaseModel) else item for item in value]
    return value


def item_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``list[Model]``, ``Model | None`` or ``Annotated[...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (list, typing.Annotated, typing.Union, types.UnionType):
        args = typing.get_args(annotation)
        candidates = args[:1] if typing.get_origin(annotation) is typing.Annotated else args
        for arg in candidates:
            found = item_model(arg)
            if found is not None:
                return found
    return None


def field_order(model: type[BaseModel], path: Path) -> list[int]:
    """Sorts problems as an author reads the file: by the model's fields, item by item,
    unknown fields first."""
    key = []
    current: type[BaseModel] | None = model
    for part in path:
        if isinstance(part, int):
            key.append(part)
            continue
        fields = list(current.model_fields) if current is not None else []
        key.append(fields.index(part) if part in fields else -1)
        current = item_model(current.model_fields[part].annotation) if current and part in fields else None
    return key


def _anchor(raw: Any, loc: Path) -> tuple[Any, str | int | None]:
    """The container holding the last step of ``loc`` (as deep as the file goes) and its key."""
    container = raw
    for part in loc[:-1]:
        try:
            inner = container[part]
        except (KeyError, IndexError, TypeError):
            return container, None
        if not isinstance(inner, Mapping | list):
            return container, part
        container = inner
    return container, (loc[-1] if loc else None)


def _raw_at(raw: Any, loc: Path) -> Any:
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw


def describe(error: ErrorDetails, raw: Any) -> list[tuple[Path, Path, str]]:
    """(path, where its line is, message) for one pydantic error."""
    loc: Path = tuple(error["loc"])
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        return [(loc, loc, f"unknown field '{loc[-1]}'")]
    if kind in OUR_WORDS:
        return [(loc, loc, error["msg"])]
    if isinstance(value, str):
        # A constraint after our own validator (stripping) is pydantic's generic one.
        kind = {"too_short": "string_too_short", "too_long": "string_too_long"}.get(kind, kind)
    missing = kind in ("missing", "string_too_short") or (value is None and kind.endswith("_type"))
    last = loc[-1] if loc else ""
    if isinstance(last, int):
        return _item(loc, kind, value, raw)
    field = str(last)
    parent = loc[-3] if len(loc) >= 3 else None
    index = loc[-2] if len(loc) >= 2 and isinstance(loc[-2], int) else 0
    if field == "format":
        return [(loc, loc, "'format' must be one of 1, 2")]
    if loc == ("vocabulary",):
        return [(loc, loc, "'vocabulary' is required: a mapping with 'regions' and 'layers'")]
    if field == "id" and parent in ITEM_NAMES:
        what = ITEM_NAMES[str(parent)]
        if missing:
            return [(loc, loc, f"{what} has no 'id'")]
        return [(loc, loc, f"{what} id {value!r} must be lower-case letters, digits and '-' (at most 40)")]
    if field == "id" and parent == "options":
        return [(loc, loc, f"option {index + 1} needs an id of lower-case letters or digits")]
    if field == "id" and parent == "references":
        if missing:
            return [(loc, loc, f"reference {index + 1} needs an id such as R1 or S")]
        return [
            (
                loc,
                loc,
                f"reference id {value!r} must be capitals and digits such as R1 "
                "(S for the seed article, G for general knowledge)",
            )
        ]
    if field == "kind" and parent == "questions":
        return [(loc, loc, f"question kind must be one of {', '.join(QUESTION_KINDS)}")]
    if field == "image":
        return [(loc, loc, "image must be a file name in images/ ending .png, .jpg, .gif or .webp")]
    if field == "url" and kind == "string_pattern_mismatch":
        return [(loc, loc, "a reference url must start with https:// or http://")]
    if field == "refs":
        if parent == "key_facts":
            what = f"key fact {index + 1}"
        else:
            key = _raw_at(raw, (*loc[:-1], "id"))
            what = f"question {key if isinstance(key, str) and KEY_PATTERN.match(key) else ''}"
        return [(loc, loc, f"{what} names no reference ('refs: [R1]')")]
    if field == "tags":
        return [(loc, loc, "'tags' must be a list of lower-case words such as safety")]
    if loc == ("objectives",):
        message = "a module needs at least one learning objective"
        if kind == "list_type" and not missing:
            return [(loc, loc, f"'objectives' must be a list, not {type_name(value)}"), (loc, loc, message)]
        return [(loc, loc, message)]
    if field == "checklist":
        return [(loc, loc, "a skill needs a checklist of steps")]
    if field == "planned_minutes":
        if missing:
            return [(loc, loc, "'planned_minutes' is required")]
        if kind == "int_type":
            return [(loc, loc, f"'planned_minutes' must be a whole number, not {type_name(value)}")]
        return [(loc, loc, f"'planned_minutes' must be between 1 and {MAX_MINUTES}")]
    if kind == "string_pattern_mismatch" and field == "code":
        return [(loc, loc, f"module code {value!r} must look like NFAT-301 (capitals, '-', three digits)")]
    if kind == "string_pattern_mismatch" and field == "slug":
        return [(loc, loc, "slug must be lower-case letters, digits and '-'")]
    if kind == "bool_type":
        return [(loc, loc, f"'{field}' must be true or false")]
    if missing:
        return [(loc, loc, f"'{field}' is required")]
    if kind == "string_type":
        return [(loc, loc, f"'{field}' must be text, not {type_name(value)}")]
    if kind == "string_too_long":
        return [(loc, loc, f"'{field}' is longer than {error.get('ctx', {}).get('max_length')} characters")]
    if kind == "list_type":
        return [(loc, loc, f"'{field}' must be a list, not {type_name(value)}")]
    if kind == "too_short":
        return [(loc, loc, f"'{field}' needs at least one item")]
    return [(loc, loc, f"'{field}': {error['msg']}")]


def _item(loc: Path, kind: str, value: Any, raw: Any) -> list[tuple[Path, Path, str]]:
    """An error about one item of a list: ``loc`` ends with its index."""
    index = int(loc[-1])
    name = str(loc[-2]) if len(loc) >= 2 else ""
    if name == "kinds" and kind == "literal_error" and isinstance(value, str) and value.strip():
        at: Path = loc[:-1]
        return [(at, at, f"unknown kind '{value}' (use {', '.join(MODULE_KINDS)})")]
    if name == "tags":
        return [(loc[:-1], loc[:-1], "'tags' must be a list of lower-case words such as safety")]
    if name == "checklist":
        return [(loc[:-1], loc, f"checklist step {index + 1} must be text or a mapping with id and text")]
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        # Before the list's items, whose own problems come after.
        return [(loc[:-1], loc, f"{name} item {index + 1} must be a mapping")]
    if kind in ("string_too_long", "too_long"):
        return [(loc[:-1], loc, f"'{name}' item {index + 1} is too long")]
    return [(loc[:-1], loc, f"'{name}' item {index + 1} must be non-empty text")]


def sort_problems(
    model: type[BaseModel], problems: Sequence[Problem], shape: Sequence[Problem] = ()
) -> list[Problem]:
    """In the order of the file: the rules' problems (``problems`` that are not in
    ``shape``) keep the order the rules found them in, and each wrong shape goes before
    the first of them that is further down (a rule over a field, say a list's items
    together, after what is wrong inside it)."""
    ids = {id(problem) for problem in shape}
    shaped = sorted(shape, key=lambda p: field_order(model, p.path))
    merged: list[Problem] = []
    for problem in problems:
        if id(problem) in ids:
            continue
        after = [*field_order(model, problem.path), 1_000]
        while shaped and field_order(model, shaped[0].path) <= after:
            merged.append(shaped.pop(0))
        merged.append(problem)
    return [*merged, *shaped]
