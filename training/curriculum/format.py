"""The curriculum file format: the kinds, patterns, limits and field names a
curriculum.yaml and its module files may use."""

from __future__ import annotations

import re

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
