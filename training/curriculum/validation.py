"""Validating a curriculum: every problem at once, and the canonical content when
there is none. The module's fields are read here; questions in question_checks.py,
the item-writing rules of format 2 in bank.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from training.curriculum.bank import bank_problems, module_bank
from training.curriculum.format import (
    CODE_PATTERN,
    CURRICULUM_FIELDS,
    FORMATS,
    MAX_MINUTES,
    MAX_TITLE,
    MEASURABLE_VERBS,
    MODULE_FIELDS,
    MODULE_KINDS,
    REFERENCE_ID_PATTERN,
    SLUG_PATTERN,
    UNMEASURABLE_VERBS,
)
from training.curriculum.graph import find_cycle
from training.curriculum.problems import (
    Checker,
    ImageInfo,
    LocatedQuestion,
    Problem,
    Result,
    Source,
    duplicates,
    line_of,
    type_name,
)
from training.curriculum.question_checks import cited_refs, read_questions


def validate(source: Source) -> Result:
    """Check everything and return every problem; the canonical content when clean."""
    problems: list[Problem] = []
    head = Checker(source.curriculum_file)
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
    header: dict[str, Any] = {
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
            for word in duplicates(words):
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
            f"'planned_minutes' must be a whole number, not {type_name(minutes)}",
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
        for word in duplicates(words):
            c.add(node, name, (name,), f"'{word}' is listed twice")
        module[name] = words
    module["references"] = _references(c, node, fmt)
    reference_ids = {ref["id"] for ref in module["references"] if ref.get("id")}
    module["key_facts"] = (
        _key_facts(c, node, reference_ids) if fmt >= 2 else c.text_list(node, "key_facts", ())
    )
    prerequisites = c.text_list(node, "prerequisites", ())
    for word in duplicates(prerequisites):
        c.add(node, "prerequisites", ("prerequisites",), f"prerequisite {word} is listed twice")
    module["prerequisites"] = prerequisites
    module["objectives"] = _objectives(c, node)
    module["skills"] = _skills(c, node, fmt)
    objective_ids = {objective["id"] for objective in module["objectives"]}
    module["questions"] = read_questions(c, node, objective_ids, images, fmt, reference_ids)
    if fmt >= 2:
        module_bank(c, node, module)
    return module


def _key_facts(c: Checker, node: Mapping[str, Any], known: set[str]) -> list[dict[str, Any]]:
    facts = []
    for index, item in c.mapping_list(node, "key_facts", ()):
        path: tuple[str | int, ...] = ("key_facts", index)
        c.unknown_fields(item, {"text", "refs"}, path)
        facts.append(
            {
                "text": c.text(item, "text", path),
                "refs": cited_refs(c, item, path, known, f"key fact {index + 1}"),
            }
        )
    return facts


def _references(c: Checker, node: Mapping[str, Any], fmt: int = 1) -> list[dict[str, Any]]:
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


def _objectives(c: Checker, node: Mapping[str, Any]) -> list[dict[str, Any]]:
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


def _skills(c: Checker, node: Mapping[str, Any], fmt: int = 1) -> list[dict[str, Any]]:
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
    c: Checker, item: Mapping[str, Any], path: tuple[str | int, ...], fmt: int = 1
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
