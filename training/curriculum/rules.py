"""Pure curriculum decisions: validating the content, its hash, comparing
versions and laying out the prerequisite graph.

Nothing here touches the database or the request. The validator reads plain
mappings (the YAML loader's mappings remember their line numbers, plain dicts
from a browser draft do not) and reports every problem with the file, the line
when known, and the path of the field at fault, so the command line can print
``file:line: message`` and a form can show the message next to its field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MODULE_KINDS = ("lecture", "cadaver_lab", "hands_on", "live_demonstration", "seminar")
QUESTION_KINDS = ("single", "multiple", "true_false", "hotspot")
# Verbs a trainee can be observed doing; "understand", "know", "appreciate" cannot be measured.
MEASURABLE_VERBS = frozenset(
    {
        "apply",
        "appraise",
        "assess",
        "calculate",
        "choose",
        "classify",
        "compare",
        "contrast",
        "define",
        "demonstrate",
        "describe",
        "design",
        "differentiate",
        "discuss",
        "distinguish",
        "document",
        "estimate",
        "evaluate",
        "explain",
        "identify",
        "interpret",
        "justify",
        "label",
        "list",
        "locate",
        "name",
        "outline",
        "perform",
        "plan",
        "prepare",
        "recognise",
        "recognize",
        "recall",
        "record",
        "relate",
        "select",
        "sequence",
        "state",
        "summarise",
        "summarize",
        "use",
    }
)
UNMEASURABLE_VERBS = frozenset(
    {"understand", "know", "appreciate", "learn", "be aware", "realise", "realize"}
)

CODE_PATTERN = re.compile(r"^[A-Z]{2,8}-[0-9]{3}$")
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
IMAGE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.(png|jpe?g|gif|webp)$")

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_MINUTES = 24 * 60
MAX_OPTIONS = 8

CURRICULUM_FIELDS = {"format", "slug", "title", "description", "owner", "version_notes", "vocabulary"}
# Format 2 (the shipped curriculum from version 2 on) adds reference ids, `refs` on key
# facts and questions, question `tags`, and the item-writing rules below. Files that
# declare no format are format 1 and are read as before, so version-1-era files load.
FORMATS = (1, 2)
REFERENCE_ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,5}$")
# Module kinds in which trainees handle instruments or tissue.
HANDS_ON_KINDS = frozenset({"hands_on", "cadaver_lab"})
SAFETY_TAG = "safety"
MIN_SAFETY_ITEMS = 2
# A single-answer bank of at least this many items must not put more than half of its keys in one position.
KEY_POSITION_MIN_ITEMS = 4
TRUE_SHARE = (0.35, 0.65)
MODULE_FIELDS = {
    "code",
    "title",
    "summary",
    "kinds",
    "planned_minutes",
    "regions",
    "layers",
    "key_facts",
    "prerequisites",
    "references",
    "objectives",
    "skills",
    "questions",
}
QUESTION_FIELDS = {"id", "kind", "stem", "options", "answer", "explanation", "objective", "image", "hotspots"}
QUESTION_FIELDS_2 = QUESTION_FIELDS | {"refs", "tags"}


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


class _Checker:
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
            self.add(mapping, key, (*path, key), f"'{key}' must be text, not {_type_name(value)}")
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
            self.add(mapping, key, (*path, key), f"'{key}' must be a list, not {_type_name(value)}")
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
            self.add(mapping, key, (*path, key), f"'{key}' must be a list, not {_type_name(value)}")
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


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return "text" if isinstance(value, str) else type(value).__name__


def validate(source: Source) -> Result:
    """Check everything and return every problem; the canonical content when clean."""
    problems: list[Problem] = []
    head = _Checker(source.curriculum_file)
    curriculum = source.curriculum
    if not isinstance(curriculum, Mapping):
        head.add(curriculum, None, (), "curriculum.yaml must be a mapping of fields")
        return Result(head.problems, None)
    head.unknown_fields(curriculum, CURRICULUM_FIELDS, ())
    fmt = curriculum.get("format", 1)
    if isinstance(fmt, bool) or fmt not in FORMATS:
        head.add(
            curriculum,
            "format",
            ("format",),
            f"'format' must be one of {', '.join(map(str, FORMATS))}",
        )
        fmt = 1
    slug = head.text(curriculum, "slug", (), limit=80)
    if slug and not SLUG_PATTERN.match(slug):
        head.add(curriculum, "slug", ("slug",), "slug must be lower-case letters, digits and '-'")
    header = {
        "slug": slug,
        "title": head.text(curriculum, "title", (), limit=MAX_TITLE),
        "description": head.text(curriculum, "description", (), required=False),
        "owner": head.text(curriculum, "owner", (), required=False, limit=MAX_TITLE),
        "version_notes": head.text(curriculum, "version_notes", (), required=False),
    }
    vocabulary = curriculum.get("vocabulary")
    regions: list[str] = []
    layers: list[str] = []
    if not isinstance(vocabulary, Mapping):
        head.add(
            curriculum,
            "vocabulary" if "vocabulary" in curriculum else None,
            ("vocabulary",),
            "'vocabulary' is required: a mapping with 'regions' and 'layers'",
        )
    else:
        head.unknown_fields(vocabulary, {"regions", "layers"}, ("vocabulary",))
        regions = head.text_list(vocabulary, "regions", ("vocabulary",), required=True)
        layers = head.text_list(vocabulary, "layers", ("vocabulary",), required=True)
        for name, words in (("regions", regions), ("layers", layers)):
            for word in _duplicates(words):
                head.add(vocabulary, name, ("vocabulary", name), f"'{word}' appears twice in {name}")
    header["vocabulary"] = {"regions": regions, "layers": layers}
    if fmt >= 2:
        # Only written when it is not 1, so a version-1 file keeps its content hash.
        header["format"] = fmt
    problems.extend(head.problems)
    located: list[LocatedQuestion] = []

    modules: list[dict[str, Any]] = []
    seen_codes: dict[str, str] = {}
    module_nodes: dict[str, tuple[str, Any]] = {}
    if not source.modules:
        problems.append(
            Problem(source.curriculum_file, 1, ("modules",), "the curriculum has no module files")
        )
    for file, node in source.modules:
        checker = _Checker(file)
        module = _module(checker, node, set(regions), set(layers), source.images, fmt)
        problems.extend(checker.problems)
        located.extend(checker.located)
        if module is None:
            continue
        code = module["code"]
        if code in seen_codes:
            problems.append(
                Problem(
                    file,
                    line_of(node, "code"),
                    ("code",),
                    f"module code {code} is also used in {seen_codes[code]}",
                )
            )
            continue
        if code:
            seen_codes[code] = file
            module_nodes[code] = (file, node)
        modules.append(module)

    problems.extend(_prerequisite_problems(modules, module_nodes))
    if fmt >= 2:
        problems.extend(bank_problems(located))
    if problems:
        return Result(problems, None)
    return Result([], {"curriculum": header, "modules": modules})


def _duplicates(items: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    twice = []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.add(item)
    return twice


def _module(
    c: _Checker,
    node: Any,
    regions: set[str],
    layers: set[str],
    images: Mapping[str, ImageInfo],
    fmt: int = 1,
) -> dict[str, Any] | None:
    if not isinstance(node, Mapping):
        c.add(node, None, (), "a module file must be a mapping of fields")
        return None
    c.unknown_fields(node, MODULE_FIELDS, ())
    code = c.text(node, "code", (), limit=20)
    if code and not CODE_PATTERN.match(code):
        c.add(
            node,
            "code",
            ("code",),
            f"module code {code!r} must look like NFAT-301 (capitals, '-', three digits)",
        )
    module: dict[str, Any] = {
        "code": code,
        "title": c.text(node, "title", (), limit=MAX_TITLE),
        "summary": c.text(node, "summary", (), required=False),
    }
    kinds = c.text_list(node, "kinds", (), required=True)
    for kind in kinds:
        if kind not in MODULE_KINDS:
            c.add(node, "kinds", ("kinds",), f"unknown kind '{kind}' (use {', '.join(MODULE_KINDS)})")
    module["kinds"] = kinds
    minutes = node.get("planned_minutes")
    if minutes is None:
        c.add(node, None, ("planned_minutes",), "'planned_minutes' is required")
    elif isinstance(minutes, bool) or not isinstance(minutes, int):
        c.add(
            node,
            "planned_minutes",
            ("planned_minutes",),
            f"'planned_minutes' must be a whole number, not {_type_name(minutes)}",
        )
    elif not 1 <= minutes <= MAX_MINUTES:
        c.add(
            node,
            "planned_minutes",
            ("planned_minutes",),
            f"'planned_minutes' must be between 1 and {MAX_MINUTES}",
        )
    module["planned_minutes"] = minutes if isinstance(minutes, int) and not isinstance(minutes, bool) else 0
    for name, vocabulary in (("regions", regions), ("layers", layers)):
        words = c.text_list(node, name, ())
        for word in words:
            if word not in vocabulary:
                c.add(
                    node, name, (name,), f"unknown {name[:-1]} '{word}' (not in the curriculum's vocabulary)"
                )
        for word in _duplicates(words):
            c.add(node, name, (name,), f"'{word}' is listed twice")
        module[name] = words
    module["references"] = _references(c, node, fmt)
    reference_ids = {ref["id"] for ref in module["references"] if ref.get("id")}
    module["key_facts"] = (
        _key_facts(c, node, reference_ids) if fmt >= 2 else c.text_list(node, "key_facts", ())
    )
    prerequisites = c.text_list(node, "prerequisites", ())
    for word in _duplicates(prerequisites):
        c.add(node, "prerequisites", ("prerequisites",), f"prerequisite {word} is listed twice")
    module["prerequisites"] = prerequisites
    module["objectives"] = _objectives(c, node)
    module["skills"] = _skills(c, node, fmt)
    objective_ids = {objective["id"] for objective in module["objectives"]}
    module["questions"] = _questions(c, node, objective_ids, images, fmt, reference_ids)
    if fmt >= 2:
        _module_bank(c, node, module)
    return module


def _refs(
    c: _Checker, item: Mapping[str, Any], path: tuple[str | int, ...], known: set[str], what: str
) -> list[str]:
    """The reference ids ``item`` names in ``refs``: at least one, each listed in the module."""
    value = item.get("refs")
    if not isinstance(value, list) or not value:
        c.add(
            item,
            "refs" if "refs" in item else None,
            (*path, "refs"),
            f"{what} names no reference ('refs: [R1]')",
        )
        return []
    refs = []
    for ref in value:
        if not isinstance(ref, str) or ref not in known:
            c.add(
                item,
                "refs",
                (*path, "refs"),
                f"{what} cites unknown reference {ref!r} "
                f"(the module lists {', '.join(sorted(known)) or 'none'})",
            )
        elif ref not in refs:
            refs.append(ref)
    return refs


def _key_facts(c: _Checker, node: Mapping[str, Any], known: set[str]) -> list[dict[str, Any]]:
    facts = []
    for index, item in c.mapping_list(node, "key_facts", ()):
        path: tuple[str | int, ...] = ("key_facts", index)
        c.unknown_fields(item, {"text", "refs"}, path)
        facts.append(
            {"text": c.text(item, "text", path), "refs": _refs(c, item, path, known, f"key fact {index + 1}")}
        )
    return facts


def _raw_by_id(node: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The raw mappings of a module's list ``key`` by their id (to report at their line)."""
    value = node.get(key)
    items = value if isinstance(value, list) else []
    return {item.get("id"): item for item in items if isinstance(item, Mapping)}


def _module_bank(c: _Checker, node: Mapping[str, Any], module: dict[str, Any]) -> None:
    """Format-2 rules over one module: every objective tested, safety items, critical steps, keys."""
    tested = {question["objective"] for question in module["questions"]}
    raw_objectives = _raw_by_id(node, "objectives")
    for index, objective in enumerate(module["objectives"]):
        if objective["id"] and objective["id"] not in tested:
            item = raw_objectives.get(objective["id"], node)
            c.add(item, "id", ("objectives", index, "id"), f"objective '{objective['id']}' has no question")
    if HANDS_ON_KINDS & set(module["kinds"]):
        safety = [q for q in module["questions"] if SAFETY_TAG in q.get("tags", [])]
        if len(safety) < MIN_SAFETY_ITEMS:
            c.add(
                node,
                "questions" if "questions" in node else None,
                ("questions",),
                f"a hands-on module needs at least {MIN_SAFETY_ITEMS} questions tagged "
                f"'{SAFETY_TAG}' (it has {len(safety)})",
            )
    raw_skills = _raw_by_id(node, "skills")
    for index, skill in enumerate(module["skills"]):
        if skill["checklist"] and not any(step.get("critical") for step in skill["checklist"]):
            item = raw_skills.get(skill["id"], node)
            c.add(
                item,
                "checklist",
                ("skills", index, "checklist"),
                f"skill '{skill['id']}' has no critical step (mark the must-pass steps 'critical: true')",
            )
    positions: dict[int, list[str]] = {}
    for question in module["questions"]:
        if question["kind"] == "single":
            index = next((i for i, o in enumerate(question["options"]) if o["correct"]), 0)
            positions.setdefault(index, []).append(question["id"])
    total = sum(len(ids) for ids in positions.values())
    if total >= KEY_POSITION_MIN_ITEMS:
        for index, ids in sorted(positions.items()):
            if len(ids) * 2 > total:
                c.add(
                    node,
                    "questions" if "questions" in node else None,
                    ("questions",),
                    f"{len(ids)} of the {total} single-answer keys are option {index + 1} "
                    f"({', '.join(ids)}); spread the keys so none holds more than half",
                )


def _stem_words(stem: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", stem.lower()))


def bank_problems(located: Sequence[LocatedQuestion]) -> list[Problem]:
    """Format-2 rules over the whole question bank: ids and stems used once, true/false balance."""
    problems = []
    stems: dict[str, LocatedQuestion] = {}
    ids: dict[str, LocatedQuestion] = {}
    for item in located:
        first_id = ids.setdefault(item.question["id"], item)
        if first_id is not item and first_id.file != item.file:
            problems.append(
                Problem(
                    item.file,
                    item.line,
                    (*item.path, "id"),
                    f"question id {item.question['id']} is also used in {first_id.file}:{first_id.line or 1}",
                )
            )
        words = _stem_words(item.question["stem"])
        first = stems.get(words)
        if words and first is not None:
            problems.append(
                Problem(
                    item.file,
                    item.line,
                    (*item.path, "stem"),
                    f"question {item.question['id']} repeats the stem of {first.question['id']} "
                    f"({first.file}:{first.line or 1})",
                )
            )
        stems.setdefault(words, item)
    flags = [item for item in located if item.question["kind"] == "true_false"]
    if flags:
        true = [item for item in flags if item.question["options"][0]["correct"]]
        share = len(true) / len(flags)
        if not TRUE_SHARE[0] <= share <= TRUE_SHARE[1]:
            last = (true if share > TRUE_SHARE[1] else [i for i in flags if i not in true])[-1]
            problems.append(
                Problem(
                    last.file,
                    last.line,
                    (*last.path, "answer"),
                    f"{len(true)} of the {len(flags)} true/false questions are true ({share:.0%}); "
                    f"keep the bank between {TRUE_SHARE[0]:.0%} and {TRUE_SHARE[1]:.0%} true",
                )
            )
    return problems


def _references(c: _Checker, node: Mapping[str, Any], fmt: int = 1) -> list[dict[str, Any]]:
    references = []
    seen: set[str] = set()
    for index, item in c.mapping_list(node, "references", ()):
        path: tuple[str | int, ...] = ("references", index)
        c.unknown_fields(item, {"id", "text", "url", "general_knowledge"}, path)
        ref_id = item.get("id")
        if ref_id is None and fmt >= 2:
            c.add(item, None, (*path, "id"), f"reference {index + 1} needs an id such as R1 or S")
        elif ref_id is not None and (not isinstance(ref_id, str) or not REFERENCE_ID_PATTERN.match(ref_id)):
            c.add(
                item,
                "id",
                (*path, "id"),
                f"reference id {ref_id!r} must be capitals and digits such as R1 "
                "(S for the seed article, G for general knowledge)",
            )
            ref_id = None
        elif ref_id in seen:
            c.add(item, "id", (*path, "id"), f"reference id {ref_id} is used twice")
        if isinstance(ref_id, str):
            seen.add(ref_id)
        text = c.text(item, "text", path, limit=1000)
        url = c.text(item, "url", path, required=False, limit=500) or None
        if url and not url.startswith(("https://", "http://")):
            c.add(item, "url", (*path, "url"), "a reference url must start with https:// or http://")
        general = item.get("general_knowledge", False)
        if not isinstance(general, bool):
            c.add(
                item,
                "general_knowledge",
                (*path, "general_knowledge"),
                "'general_knowledge' must be true or false",
            )
            general = False
        reference = {"text": text, "url": url, "general_knowledge": general}
        if ref_id:
            reference = {"id": ref_id, **reference}
        references.append(reference)
    return references


def _objectives(c: _Checker, node: Mapping[str, Any]) -> list[dict[str, Any]]:
    objectives = []
    seen: set[str] = set()
    items = c.mapping_list(node, "objectives", ())
    if not items:
        c.add(
            node,
            "objectives" if "objectives" in node else None,
            ("objectives",),
            "a module needs at least one learning objective",
        )
    for index, item in items:
        path: tuple[str | int, ...] = ("objectives", index)
        c.unknown_fields(item, {"id", "verb", "text"}, path)
        key = c.key(item, "id", path, "objective")
        if key in seen:
            c.add(item, "id", (*path, "id"), f"duplicate objective id '{key}'")
        seen.add(key)
        verb = c.text(item, "verb", path, limit=40).lower()
        if verb in UNMEASURABLE_VERBS:
            c.add(
                item,
                "verb",
                (*path, "verb"),
                f"'{verb}' cannot be measured; use a verb such as describe, identify or demonstrate",
            )
        elif verb and verb not in MEASURABLE_VERBS:
            c.add(
                item,
                "verb",
                (*path, "verb"),
                f"'{verb}' is not a measurable verb; use one such as "
                f"{', '.join(sorted(MEASURABLE_VERBS)[:8])}",
            )
        objectives.append({"id": key, "verb": verb, "text": c.text(item, "text", path)})
    return objectives


def _skills(c: _Checker, node: Mapping[str, Any], fmt: int = 1) -> list[dict[str, Any]]:
    skills = []
    seen: set[str] = set()
    for index, item in c.mapping_list(node, "skills", ()):
        path: tuple[str | int, ...] = ("skills", index)
        c.unknown_fields(item, {"id", "title", "description", "checklist"}, path)
        key = c.key(item, "id", path, "skill")
        if key in seen:
            c.add(item, "id", (*path, "id"), f"duplicate skill id '{key}'")
        seen.add(key)
        skill = {
            "id": key,
            "title": c.text(item, "title", path, limit=MAX_TITLE),
            "description": c.text(item, "description", path, required=False),
            "checklist": _checklist(c, item, path, fmt),
        }
        skills.append(skill)
    return skills


def _checklist(
    c: _Checker, item: Mapping[str, Any], path: tuple[str | int, ...], fmt: int = 1
) -> list[dict[str, Any]]:
    value = item.get("checklist")
    if not isinstance(value, list) or not value:
        c.add(
            item,
            "checklist" if "checklist" in item else None,
            (*path, "checklist"),
            "a skill needs a checklist of steps",
        )
        return []
    steps = []
    seen: set[str] = set()
    for index, step in enumerate(value):
        if isinstance(step, str) and step.strip():
            key, text = f"step-{index + 1}", step.strip()
        elif isinstance(step, Mapping):
            key = c.key(step, "id", (*path, "checklist", index), "step")
            text = c.text(step, "text", (*path, "checklist", index))
        else:
            c.add(
                value,
                index,
                (*path, "checklist"),
                f"checklist step {index + 1} must be text or a mapping with id and text",
            )
            continue
        if key in seen:
            c.add(value, index, (*path, "checklist"), f"duplicate checklist step id '{key}'")
        seen.add(key)
        clean: dict[str, Any] = {"id": key, "text": text}
        critical = step.get("critical", False) if isinstance(step, Mapping) else False
        if not isinstance(critical, bool):
            c.add(step, "critical", (*path, "checklist", index), "'critical' must be true or false")
        elif critical:
            # Written only when true, so a checklist without critical steps keeps its content hash.
            clean["critical"] = True
        steps.append(clean)
    return steps


def _questions(
    c: _Checker,
    node: Mapping[str, Any],
    objective_ids: set[str],
    images: Mapping[str, ImageInfo],
    fmt: int = 1,
    reference_ids: set[str] | None = None,
) -> list[dict[str, Any]]:
    questions = []
    seen: set[str] = set()
    for index, item in c.mapping_list(node, "questions", ()):
        path: tuple[str | int, ...] = ("questions", index)
        c.unknown_fields(item, QUESTION_FIELDS_2 if fmt >= 2 else QUESTION_FIELDS, path)
        key = c.key(item, "id", path, "question")
        if key in seen:
            c.add(item, "id", (*path, "id"), f"duplicate question id '{key}'")
        seen.add(key)
        kind = item.get("kind")
        if kind not in QUESTION_KINDS:
            c.add(
                item,
                "kind" if "kind" in item else None,
                (*path, "kind"),
                f"question kind must be one of {', '.join(QUESTION_KINDS)}",
            )
            kind = "single"
        objective = c.text(item, "objective", path, limit=40)
        if objective and objective not in objective_ids:
            c.add(
                item,
                "objective",
                (*path, "objective"),
                f"question {key} tests unknown objective '{objective}'",
            )
        question: dict[str, Any] = {
            "id": key,
            "kind": kind,
            "stem": c.text(item, "stem", path),
            "explanation": c.text(item, "explanation", path),
            "objective": objective,
            "image": _image(c, item, path, images),
        }
        question["options"] = _options(c, item, path, kind)
        question["hotspots"] = _hotspots(c, item, path, kind, images.get(question["image"] or ""))
        if fmt >= 2:
            question["refs"] = _refs(c, item, path, reference_ids or set(), f"question {key}")
            question["tags"] = _tags(c, item, path)
            if kind == "multiple" and question["options"] and all(o["correct"] for o in question["options"]):
                c.add(
                    item,
                    "options",
                    (*path, "options"),
                    f"every option of question {key} is correct; a multiple-answer item needs a wrong option",
                )
        c.located.append(LocatedQuestion(c.file, line_of(item), path, question))
        questions.append(question)
    return questions


def _tags(c: _Checker, item: Mapping[str, Any], path: tuple[str | int, ...]) -> list[str]:
    value = item.get("tags")
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(tag, str) and KEY_PATTERN.match(tag) for tag in value
    ):
        c.add(item, "tags", (*path, "tags"), "'tags' must be a list of lower-case words such as safety")
        return []
    return list(dict.fromkeys(value))


def _image(
    c: _Checker, item: Mapping[str, Any], path: tuple[str | int, ...], images: Mapping[str, ImageInfo]
) -> str | None:
    name = item.get("image")
    if name is None:
        return None
    if not isinstance(name, str) or not IMAGE_NAME_PATTERN.match(name):
        c.add(
            item,
            "image",
            (*path, "image"),
            "image must be a file name in images/ ending .png, .jpg, .gif or .webp",
        )
        return None
    info = images.get(name)
    if info is None:
        c.add(item, "image", (*path, "image"), f"image '{name}' is missing from images/")
        return None
    if info.error:
        c.add(item, "image", (*path, "image"), f"image '{name}': {info.error}")
        return None
    return name


def _options(
    c: _Checker, item: Mapping[str, Any], path: tuple[str | int, ...], kind: str
) -> list[dict[str, Any]]:
    if kind == "true_false":
        answer = item.get("answer")
        if "options" in item:
            c.add(
                item,
                "options",
                (*path, "options"),
                "a true/false question has 'answer: true' or 'answer: false', not options",
            )
        if not isinstance(answer, bool):
            c.add(
                item,
                "answer" if "answer" in item else None,
                (*path, "answer"),
                "a true/false question needs 'answer: true' or 'answer: false'",
            )
            answer = True
        return [
            {"id": "true", "text": "True", "correct": answer},
            {"id": "false", "text": "False", "correct": not answer},
        ]
    if "answer" in item:
        c.add(
            item,
            "answer",
            (*path, "answer"),
            "'answer' is only for true/false questions; mark options correct",
        )
    if kind == "hotspot":
        if item.get("options"):
            c.add(item, "options", (*path, "options"), "a hotspot question has regions, not options")
        return []
    options = []
    seen: set[str] = set()
    entries = c.mapping_list(item, "options", path)
    for index, option in entries:
        opath = (*path, "options", index)
        c.unknown_fields(option, {"id", "text", "correct"}, opath)
        key = option.get("id")
        if not isinstance(key, str) or not re.match(r"^[a-z0-9]{1,8}$", key):
            c.add(
                option,
                "id" if "id" in option else None,
                (*opath, "id"),
                f"option {index + 1} needs an id of lower-case letters or digits",
            )
            key = f"?{index}"
        elif key in seen:
            c.add(option, "id", (*opath, "id"), f"duplicate option id '{key}'")
        seen.add(key)
        correct = option.get("correct", False)
        if not isinstance(correct, bool):
            c.add(option, "correct", (*opath, "correct"), "'correct' must be true or false")
            correct = False
        options.append({"id": key, "text": c.text(option, "text", opath, limit=1000), "correct": correct})
    correct_count = sum(1 for option in options if option["correct"])
    where = item
    key_name = "options" if "options" in item else None
    if len(options) < 2:
        c.add(where, key_name, (*path, "options"), "a choice question needs at least two options")
    elif len(options) > MAX_OPTIONS:
        c.add(where, key_name, (*path, "options"), f"a question has at most {MAX_OPTIONS} options")
    if kind == "single" and options and correct_count != 1:
        c.add(
            where,
            key_name,
            (*path, "options"),
            f"a single-choice question needs exactly one correct option (it has {correct_count})",
        )
    if kind == "multiple" and options and correct_count < 1:
        c.add(
            where,
            key_name,
            (*path, "options"),
            "a multiple-response question needs at least one correct option",
        )
    return options


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _hotspots(
    c: _Checker, item: Mapping[str, Any], path: tuple[str | int, ...], kind: str, image: ImageInfo | None
) -> list[dict[str, Any]]:
    if kind != "hotspot":
        if item.get("hotspots"):
            c.add(item, "hotspots", (*path, "hotspots"), "only hotspot questions have hotspots")
        return []
    if not item.get("image"):
        c.add(item, None, (*path, "image"), "a hotspot question needs an image")
    shapes = []
    entries = c.mapping_list(item, "hotspots", path)
    if not entries:
        c.add(
            item,
            "hotspots" if "hotspots" in item else None,
            (*path, "hotspots"),
            "a hotspot question needs at least one region",
        )
    for index, shape in entries:
        spath = (*path, "hotspots", index)
        kind_of_shape = shape.get("shape")
        fields = {"rect": ("x", "y", "w", "h"), "circle": ("cx", "cy", "r"), "polygon": ("points",)}.get(
            kind_of_shape if isinstance(kind_of_shape, str) else ""
        )
        if fields is None:
            c.add(
                shape,
                "shape" if "shape" in shape else None,
                (*spath, "shape"),
                "a region's shape must be rect, circle or polygon",
            )
            continue
        c.unknown_fields(shape, {"shape", *fields}, spath)
        clean: dict[str, Any] = {"shape": kind_of_shape}
        if kind_of_shape == "polygon":
            points = shape.get("points")
            good = (
                isinstance(points, list)
                and len(points) >= 3
                and all(isinstance(p, list) and len(p) == 2 and all(_number(v) for v in p) for p in points)
            )
            if not good:
                c.add(
                    shape,
                    "points" if "points" in shape else None,
                    (*spath, "points"),
                    "a polygon needs at least three points [x, y] of non-negative numbers",
                )
                continue
            clean["points"] = [[p[0], p[1]] for p in points]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            box = (min(xs), min(ys), max(xs), max(ys))
        else:
            bad = [name for name in fields if not _number(shape.get(name))]
            if bad:
                c.add(
                    shape, None, spath, f"a {kind_of_shape} needs non-negative numbers for {', '.join(bad)}"
                )
                continue
            clean.update({name: shape[name] for name in fields})
            size_names = ("w", "h") if kind_of_shape == "rect" else ("r",)
            if any(shape[name] <= 0 for name in size_names):
                c.add(shape, None, spath, f"a {kind_of_shape} must have a size above zero")
                continue
            if kind_of_shape == "rect":
                box = (shape["x"], shape["y"], shape["x"] + shape["w"], shape["y"] + shape["h"])
            else:
                box = (
                    shape["cx"] - shape["r"],
                    shape["cy"] - shape["r"],
                    shape["cx"] + shape["r"],
                    shape["cy"] + shape["r"],
                )
        if image and image.width and (box[2] > image.width or box[3] > image.height or min(box[:2]) < 0):
            c.add(
                shape, None, spath, f"region {index + 1} lies outside the {image.width}x{image.height} image"
            )
        shapes.append(clean)
    return shapes


def _prerequisite_problems(
    modules: list[dict[str, Any]], nodes: Mapping[str, tuple[str, Any]]
) -> list[Problem]:
    problems = []
    codes = {module["code"] for module in modules}
    graph: dict[str, list[str]] = {}
    for module in modules:
        code = module["code"]
        file, node = nodes.get(code, ("?", None))
        graph[code] = []
        for prerequisite in module["prerequisites"]:
            if prerequisite == code:
                problems.append(
                    Problem(
                        file,
                        line_of(node, "prerequisites"),
                        ("prerequisites",),
                        f"{code} lists itself as a prerequisite",
                    )
                )
            elif prerequisite not in codes:
                problems.append(
                    Problem(
                        file,
                        line_of(node, "prerequisites"),
                        ("prerequisites",),
                        f"unknown prerequisite {prerequisite}",
                    )
                )
            else:
                graph[code].append(prerequisite)
    cycle = find_cycle(graph)
    if cycle:
        file, node = nodes.get(cycle[0], ("?", None))
        problems.append(
            Problem(
                file,
                line_of(node, "prerequisites"),
                ("prerequisites",),
                f"prerequisite cycle: {' -> '.join(cycle)}",
            )
        )
    return problems


def find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str] | None:
    """A cycle as a closed path of codes (first == last), or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    stack: list[str] = []

    def visit(code: str) -> list[str] | None:
        state[code] = 1
        stack.append(code)
        for nxt in graph.get(code, ()):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if state.get(nxt) is None and (found := visit(nxt)):
                return found
        stack.pop()
        state[code] = 2
        return None

    for code in sorted(graph):
        if state.get(code) is None and (found := visit(code)):
            return found
    return None


def content_hash(content: Mapping[str, Any], image_digests: Mapping[str, str]) -> str:
    """SHA-256 of the canonical content and of the images it uses."""
    payload = json.dumps(
        {"content": content, "images": dict(sorted(image_digests.items()))},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --- comparing versions ---


@dataclass
class ModuleChange:
    code: str
    title: str
    fields: list[str] = field(default_factory=list)
    questions_added: list[str] = field(default_factory=list)
    questions_removed: list[str] = field(default_factory=list)
    questions_changed: list[str] = field(default_factory=list)


@dataclass
class Comparison:
    modules_added: list[str] = field(default_factory=list)
    modules_removed: list[str] = field(default_factory=list)
    modules_changed: list[ModuleChange] = field(default_factory=list)
    header_changed: list[str] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.modules_added or self.modules_removed or self.modules_changed or self.header_changed)


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> Comparison:
    """What changed between two canonical contents: modules by code, questions by id."""
    result = Comparison()
    result.header_changed = [
        key
        for key in sorted(set(old["curriculum"]) | set(new["curriculum"]))
        if old["curriculum"].get(key) != new["curriculum"].get(key)
    ]
    before = {module["code"]: module for module in old["modules"]}
    after = {module["code"]: module for module in new["modules"]}
    result.modules_added = [code for code in after if code not in before]
    result.modules_removed = [code for code in before if code not in after]
    for code, module in after.items():
        if code not in before or before[code] == module:
            continue
        change = ModuleChange(code, module["title"])
        change.fields = [
            key for key in module if key != "questions" and module.get(key) != before[code].get(key)
        ]
        old_questions = {q["id"]: q for q in before[code]["questions"]}
        new_questions = {q["id"]: q for q in module["questions"]}
        change.questions_added = [key for key in new_questions if key not in old_questions]
        change.questions_removed = [key for key in old_questions if key not in new_questions]
        change.questions_changed = [
            key for key, q in new_questions.items() if key in old_questions and old_questions[key] != q
        ]
        result.modules_changed.append(change)
    return result


# --- the prerequisite graph ---


@dataclass(frozen=True)
class Node:
    code: str
    title: str
    layer: int
    row: int


def layers(prerequisites: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Each module's column: one more than its deepest prerequisite (cycles are cut)."""
    depth: dict[str, int] = {}

    def visit(code: str, trail: frozenset[str]) -> int:
        if code in depth:
            return depth[code]
        known = [p for p in prerequisites.get(code, ()) if p in prerequisites and p not in trail]
        depth[code] = 1 + max((visit(p, trail | {code}) for p in known), default=-1)
        return depth[code]

    for code in prerequisites:
        visit(code, frozenset())
    return depth


def layout(modules: Sequence[tuple[str, str, Sequence[str]]]) -> list[Node]:
    """Place (code, title, prerequisites) in columns by depth, rows in file order."""
    graph = {code: list(prereqs) for code, _, prereqs in modules}
    depth = layers(graph)
    rows: dict[int, int] = {}
    nodes = []
    for code, title, _ in modules:
        column = depth[code]
        nodes.append(Node(code, title, column, rows.get(column, 0)))
        rows[column] = rows.get(column, 0) + 1
    return nodes


CRITICAL_MARK = "(critical)"


def checklist_from_lines(lines: Sequence[str], existing: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Steps typed one per line; a step whose text is unchanged keeps its id (assessments refer
    to it). A line starting with ``(critical)`` is a must-pass step."""
    by_text = {step["text"]: step["id"] for step in existing}
    used = set()
    steps = []
    for line in lines:
        text = line.strip()
        critical = text.startswith(CRITICAL_MARK)
        text = text.removeprefix(CRITICAL_MARK).strip()
        if not text:
            continue
        key = by_text.get(text)
        if key is None or key in used:
            number = 1
            while f"step-{number}" in used or f"step-{number}" in by_text.values():
                number += 1
            key = f"step-{number}"
        used.add(key)
        steps.append({"id": key, "text": text, **({"critical": True} if critical else {})})
    return steps


def transitive_reduction(graph: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Keep an edge only when no longer path implies it, so the picture shows the path, not every link."""

    def reachable(start: str, skip: tuple[str, str]) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            code = todo.pop()
            for nxt in graph.get(code, ()):
                if (code, nxt) == skip or nxt in seen:
                    continue
                seen.add(nxt)
                todo.append(nxt)
        return seen

    return {
        code: [p for p in prereqs if p in graph and p not in reachable(code, (code, p))]
        for code, prereqs in graph.items()
    }
