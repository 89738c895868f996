"""Pure curriculum decisions: validating the content, its hash, comparing
versions and laying out the prerequisite graph.

Nothing here touches the database or the request. This module is the rules'
public face (the services, the forms and the tests call these names); the rules
themselves live in their own modules: the file format as pydantic models
(format.py) and their errors in our words at their line (messages.py), the
problems (problems.py), the rules over the whole curriculum (validation.py,
question_checks.py, bank.py), versions (versions.py) and the graph (graph.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from training.curriculum.format import (
    IMAGE_NAME_PATTERN,
    MAX_MINUTES,
    MAX_OPTIONS,
    MAX_TEXT,
    MAX_TITLE,
    MODULE_KINDS,
    QUESTION_KINDS,
)
from training.curriculum.graph import Node, find_cycle, layers, layout, transitive_reduction
from training.curriculum.problems import ImageInfo, LocatedQuestion, Problem, Result, Source, line_of
from training.curriculum.validation import validate
from training.curriculum.versions import Comparison, ModuleChange, compare, content_hash

__all__ = [
    "CRITICAL_MARK",
    "IMAGE_NAME_PATTERN",
    "MAX_MINUTES",
    "MAX_OPTIONS",
    "MAX_TEXT",
    "MAX_TITLE",
    "MODULE_KINDS",
    "QUESTION_KINDS",
    "Comparison",
    "ImageInfo",
    "LocatedQuestion",
    "ModuleChange",
    "Node",
    "Problem",
    "Result",
    "Source",
    "checklist_from_lines",
    "compare",
    "content_hash",
    "find_cycle",
    "layers",
    "layout",
    "line_of",
    "transitive_reduction",
    "validate",
]

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
