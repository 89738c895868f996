"""The item-writing rules of format 2, over one module and over the whole question
bank: every objective tested, safety items in hands-on modules, critical steps, keys
spread over the positions, one stem per question, a balanced true/false bank."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from training.curriculum.format import (
    HANDS_ON_KINDS,
    KEY_POSITION_MIN_ITEMS,
    MIN_SAFETY_ITEMS,
    SAFETY_TAG,
    TRUE_SHARE,
)
from training.curriculum.problems import Checker, LocatedQuestion, Problem


def _raw_by_id(node: Mapping[str, Any], key: str) -> dict[Any, Any]:
    """The raw mappings of a module's list ``key`` by their id (to report at their line)."""
    value = node.get(key)
    items = value if isinstance(value, list) else []
    return {item.get("id"): item for item in items if isinstance(item, Mapping)}


def module_bank(c: Checker, node: Mapping[str, Any], module: dict[str, Any]) -> None:
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
