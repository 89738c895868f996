"""A version's identity (the hash of its content) and what changed between two versions."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
