"""Validating a curriculum: every problem at once, and the canonical content when
there is none.

The shape of each file comes from the format's models (format.py, in our words by
messages.py); the rules that need more than one field, or the whole curriculum, are
here: the vocabulary, duplicate ids, known objectives and references, prerequisites
and their cycles. Questions are checked in question_checks.py, the item-writing rules
of format 2 in bank.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from training.curriculum.bank import bank_problems, module_bank
from training.curriculum.format import MODULE_MODELS, CurriculumFile, ModuleFile
from training.curriculum.graph import find_cycle
from training.curriculum.messages import read, sort_problems
from training.curriculum.problems import (
    Checker,
    ImageInfo,
    LocatedQuestion,
    Problem,
    Result,
    Source,
    duplicates,
    line_of,
)
from training.curriculum.question_checks import cited_refs, read_questions

Path = tuple[str | int, ...]


def validate(source: Source) -> Result:
    """Check everything and return every problem; the canonical content when clean."""
    curriculum = source.curriculum
    if not isinstance(curriculum, Mapping):
        line = line_of(curriculum)
        return Result(
            [Problem(source.curriculum_file, line, (), "curriculum.yaml must be a mapping of fields")], None
        )
    head = Checker(source.curriculum_file)
    data, found = read(CurriculumFile, curriculum, source.curriculum_file)
    head.problems.extend(found)
    fmt = data.get("format", 1)
    vocabulary = data.get("vocabulary") or {}
    raw_vocabulary = curriculum.get("vocabulary")
    regions: list[str] = vocabulary.get("regions", [])
    layers: list[str] = vocabulary.get("layers", [])
    for name, words in (("regions", regions), ("layers", layers)):
        for word in duplicates(words):
            head.add(raw_vocabulary, name, ("vocabulary", name), f"'{word}' appears twice in {name}")
    header: dict[str, Any] = {
        "slug": data.get("slug", ""),
        "title": data.get("title", ""),
        "description": data.get("description", ""),
        "owner": data.get("owner", ""),
        "version_notes": data.get("version_notes", ""),
        "vocabulary": {"regions": regions, "layers": layers},
    }
    if fmt >= 2:
        # Only written when it is not 1, so a version-1 file keeps its content hash.
        header["format"] = fmt
    if data.get("language"):
        # Only written when given, for the same reason.
        header["language"] = data["language"]
    problems = sort_problems(CurriculumFile, head.problems, shape=found)
    located: list[LocatedQuestion] = []

    modules: list[dict[str, Any]] = []
    seen_codes: dict[str, str] = {}
    module_nodes: dict[str, tuple[str, Any]] = {}
    if not source.modules:
        problems.append(
            Problem(source.curriculum_file, 1, ("modules",), "the curriculum has no module files")
        )
    for file, node in source.modules:
        checker = Checker(file)
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


def _items(data: Mapping[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    """The (index, item) pairs of a list of mappings; items that are not mappings were reported."""
    return [(index, item) for index, item in enumerate(data.get(name) or []) if isinstance(item, dict)]


def _raw_item(node: Mapping[str, Any], name: str, index: int) -> Any:
    items = node.get(name)
    return items[index] if isinstance(items, list) and index < len(items) else node


def _module(
    c: Checker,
    node: Any,
    regions: set[str],
    layers: set[str],
    images: Mapping[str, ImageInfo],
    fmt: int = 1,
) -> dict[str, Any] | None:
    if not isinstance(node, Mapping):
        c.add(node, None, (), "a module file must be a mapping of fields")
        return None
    model: type[ModuleFile] = MODULE_MODELS[fmt]
    data, found = read(model, node, c.file)
    c.problems.extend(found)
    module: dict[str, Any] = {
        "code": data.get("code", ""),
        "title": data.get("title", ""),
        "summary": data.get("summary", ""),
        "kinds": data.get("kinds", []),
        "planned_minutes": data.get("planned_minutes", 0),
    }
    for name, vocabulary in (("regions", regions), ("layers", layers)):
        words = data.get(name, [])
        for word in words:
            if word not in vocabulary:
                c.add(
                    node, name, (name,), f"unknown {name[:-1]} '{word}' (not in the curriculum's vocabulary)"
                )
        for word in duplicates(words):
            c.add(node, name, (name,), f"'{word}' is listed twice")
        module[name] = words
    module["references"] = _references(c, node, data)
    reference_ids = {ref["id"] for ref in module["references"] if ref.get("id")}
    module["key_facts"] = _key_facts(c, node, data, reference_ids) if fmt >= 2 else data.get("key_facts", [])
    prerequisites = data.get("prerequisites", [])
    for word in duplicates(prerequisites):
        c.add(node, "prerequisites", ("prerequisites",), f"prerequisite {word} is listed twice")
    module["prerequisites"] = prerequisites
    module["objectives"] = _objectives(c, node, data)
    module["skills"] = _skills(c, node, data)
    objective_ids = {objective["id"] for objective in module["objectives"]}
    module["questions"] = read_questions(c, node, data, objective_ids, images, fmt, reference_ids)
    c.problems[:] = sort_problems(model, c.problems, shape=found)
    if fmt >= 2:
        module_bank(c, node, module)
    return module


def _key_facts(
    c: Checker, node: Mapping[str, Any], data: Mapping[str, Any], known: set[str]
) -> list[dict[str, Any]]:
    facts = []
    for index, item in _items(data, "key_facts"):
        path: Path = ("key_facts", index)
        raw = _raw_item(node, "key_facts", index)
        refs = cited_refs(c, raw, item.get("refs"), path, known, f"key fact {index + 1}")
        facts.append({"text": item.get("text", ""), "refs": refs})
    return facts


def _references(c: Checker, node: Mapping[str, Any], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    references = []
    seen: set[str] = set()
    for index, item in _items(data, "references"):
        ref_id = item.get("id")
        if ref_id in seen:
            raw = _raw_item(node, "references", index)
            c.add(raw, "id", ("references", index, "id"), f"reference id {ref_id} is used twice")
        if ref_id:
            seen.add(ref_id)
        reference = {
            "text": item.get("text", ""),
            "url": item.get("url") or None,
            "general_knowledge": item.get("general_knowledge", False),
        }
        if ref_id:
            reference = {"id": ref_id, **reference}
        references.append(reference)
    return references


def _objectives(c: Checker, node: Mapping[str, Any], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    objectives = []
    seen: set[str] = set()
    for index, item in _items(data, "objectives"):
        key = item.get("id", "")
        if key and key in seen:
            raw = _raw_item(node, "objectives", index)
            c.add(raw, "id", ("objectives", index, "id"), f"duplicate objective id '{key}'")
        seen.add(key)
        objectives.append({"id": key, "verb": item.get("verb", ""), "text": item.get("text", "")})
    return objectives


def _skills(c: Checker, node: Mapping[str, Any], data: Mapping[str, Any]) -> list[dict[str, Any]]:
    skills = []
    seen: set[str] = set()
    for index, item in _items(data, "skills"):
        path: Path = ("skills", index)
        raw = _raw_item(node, "skills", index)
        key = item.get("id", "")
        if key and key in seen:
            c.add(raw, "id", (*path, "id"), f"duplicate skill id '{key}'")
        seen.add(key)
        skills.append(
            {
                "id": key,
                "title": item.get("title", ""),
                "description": item.get("description", ""),
                "checklist": _checklist(c, raw, item, path),
            }
        )
    return skills


def _checklist(c: Checker, raw: Any, item: Mapping[str, Any], path: Path) -> list[dict[str, Any]]:
    steps = []
    seen: set[str] = set()
    raw_steps = raw.get("checklist") if isinstance(raw, Mapping) else None
    for index, step in _items(item, "checklist"):
        key = step.get("id", "")
        if key and key in seen:
            c.add(raw_steps, index, (*path, "checklist"), f"duplicate checklist step id '{key}'")
        seen.add(key)
        clean: dict[str, Any] = {"id": key, "text": step.get("text", "")}
        if step.get("critical"):
            # Written only when true, so a checklist without critical steps keeps its content hash.
            clean["critical"] = True
        steps.append(clean)
    return steps


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
