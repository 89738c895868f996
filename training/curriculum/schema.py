"""The curriculum file format as a JSON Schema, for authors' editors.

Built from the validator's own constants so that the two cannot drift apart on
kinds, patterns and limits. The schema describes shape only; the rules that need
the whole curriculum (known references, balanced keys, safety items, one stem per
question ...) stay in rules.py, which reports them as ``file:line: message``.
``flask --app training curriculum schema`` writes it to curricula/schema.json.
"""

from __future__ import annotations

import json
from typing import Any

from training.curriculum import format as rules

SCHEMA_ID = "https://example.org/training/curriculum.schema.json"


def _text(limit: int = rules.MAX_TEXT, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit, **extra}


def _pattern(regex: Any) -> str:
    return regex.pattern


def _ids(description: str) -> dict[str, Any]:
    return {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string", "pattern": _pattern(rules.REFERENCE_ID_PATTERN)},
        "description": description,
    }


def build() -> dict[str, Any]:
    """The schema as a plain mapping (stable key order, so the file diffs cleanly)."""
    key = {"type": "string", "pattern": _pattern(rules.KEY_PATTERN)}
    refs = _ids("Ids of the module's references this rests on (format 2), e.g. [R1, R7].")
    option = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "text"],
        "properties": {
            "id": {"type": "string", "pattern": "^[a-z0-9]{1,8}$"},
            "text": _text(1000),
            "correct": {"type": "boolean", "default": False},
        },
    }
    shape = {
        "type": "object",
        "required": ["shape"],
        "properties": {
            "shape": {"enum": ["rect", "circle", "polygon"]},
            "x": {"type": "number", "minimum": 0},
            "y": {"type": "number", "minimum": 0},
            "w": {"type": "number", "exclusiveMinimum": 0},
            "h": {"type": "number", "exclusiveMinimum": 0},
            "cx": {"type": "number", "minimum": 0},
            "cy": {"type": "number", "minimum": 0},
            "r": {"type": "number", "exclusiveMinimum": 0},
            "points": {
                "type": "array",
                "minItems": 3,
                "items": {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"type": "number", "minimum": 0},
                },
            },
        },
        "additionalProperties": False,
    }
    question = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "kind", "objective", "stem", "explanation"],
        "properties": {
            "id": {**key, "description": "Unique in the whole curriculum."},
            "kind": {"enum": list(rules.QUESTION_KINDS)},
            "objective": {**key, "description": "The id of the objective the question tests."},
            "stem": _text(),
            "options": {"type": "array", "minItems": 2, "maxItems": rules.MAX_OPTIONS, "items": option},
            "answer": {"type": "boolean", "description": "true/false questions only."},
            "image": {"type": "string", "pattern": _pattern(rules.IMAGE_NAME_PATTERN)},
            "hotspots": {"type": "array", "minItems": 1, "items": shape},
            "refs": refs,
            "tags": {"type": "array", "items": key, "description": "e.g. [safety]"},
            "explanation": _text(),
        },
    }
    step = {
        "oneOf": [
            _text(),
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "text"],
                "properties": {
                    "id": key,
                    "text": _text(),
                    "critical": {"type": "boolean", "description": "A must-pass step."},
                },
            },
        ]
    }
    module = {
        "type": "object",
        "additionalProperties": False,
        "required": ["code", "title", "kinds", "planned_minutes", "objectives"],
        "properties": {
            "code": {"type": "string", "pattern": _pattern(rules.CODE_PATTERN)},
            "title": _text(rules.MAX_TITLE),
            "summary": {"type": "string", "maxLength": rules.MAX_TEXT},
            "kinds": {"type": "array", "minItems": 1, "items": {"enum": list(rules.MODULE_KINDS)}},
            "planned_minutes": {"type": "integer", "minimum": 1, "maximum": rules.MAX_MINUTES},
            "regions": {"type": "array", "items": _text(), "uniqueItems": True},
            "layers": {"type": "array", "items": _text(), "uniqueItems": True},
            "key_facts": {
                "type": "array",
                "items": {
                    "oneOf": [
                        _text(description="Format 1: plain text."),
                        {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["text", "refs"],
                            "properties": {"text": _text(), "refs": refs},
                        },
                    ]
                },
            },
            "prerequisites": {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "string", "pattern": _pattern(rules.CODE_PATTERN)},
            },
            "references": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["text"],
                    "properties": {
                        "id": {
                            "type": "string",
                            "pattern": _pattern(rules.REFERENCE_ID_PATTERN),
                            "description": "R1.. for the literature, S for the seed article, "
                            "G for general knowledge; required in format 2.",
                        },
                        "text": _text(1000),
                        "url": {"type": "string", "pattern": "^https?://", "maxLength": 500},
                        "general_knowledge": {"type": "boolean"},
                    },
                },
            },
            "objectives": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "verb", "text"],
                    "properties": {
                        "id": key,
                        "verb": {"enum": sorted(rules.MEASURABLE_VERBS)},
                        "text": _text(),
                    },
                },
            },
            "skills": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "title", "checklist"],
                    "properties": {
                        "id": key,
                        "title": _text(rules.MAX_TITLE),
                        "description": {"type": "string", "maxLength": rules.MAX_TEXT},
                        "checklist": {"type": "array", "minItems": 1, "items": step},
                    },
                },
            },
            "questions": {"type": "array", "items": question},
        },
    }
    curriculum = {
        "type": "object",
        "additionalProperties": False,
        "required": ["slug", "title", "vocabulary"],
        "properties": {
            "format": {"enum": list(rules.FORMATS), "default": 1},
            "slug": {"type": "string", "pattern": _pattern(rules.SLUG_PATTERN)},
            "title": _text(rules.MAX_TITLE),
            "description": {"type": "string", "maxLength": rules.MAX_TEXT},
            "owner": {"type": "string", "maxLength": rules.MAX_TITLE},
            "version_notes": {"type": "string", "maxLength": rules.MAX_TEXT},
            "vocabulary": {
                "type": "object",
                "additionalProperties": False,
                "required": ["regions", "layers"],
                "properties": {
                    "regions": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _text()},
                    "layers": {"type": "array", "minItems": 1, "uniqueItems": True, "items": _text()},
                },
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Curriculum files: curriculum.yaml and modules/*.yaml",
        "description": "Generated by `flask --app training curriculum schema`; do not edit by hand.",
        "oneOf": [{"$ref": "#/$defs/curriculum"}, {"$ref": "#/$defs/module"}],
        "$defs": {"curriculum": curriculum, "module": module},
    }


def render() -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
