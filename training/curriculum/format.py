"""The curriculum file format, declared once: what a curriculum.yaml and its module
files may hold, as pydantic models.

The models check shape, types, lengths and patterns; validation.py turns their errors
into ``file:line: message`` problems (in the words of messages.py) and adds the rules
that need more than one field or the whole curriculum (known references, balanced
answer keys, safety items, one stem per question, prerequisite cycles ...). The JSON
Schema for authors' editors (schema.py) is generated from the same models.

Format 2 (the shipped curriculum from version 2 on) adds reference ids, ``refs`` on key
facts and questions, question ``tags`` and the item-writing rules of bank.py. Files that
declare no format are format 1 and are read as before, so version-1-era files load.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

ModuleKindName = Literal["lecture", "cadaver_lab", "hands_on", "live_demonstration", "seminar"]
QuestionKindName = Literal["single", "multiple", "true_false", "hotspot"]
MODULE_KINDS: tuple[str, ...] = get_args(ModuleKindName)
QUESTION_KINDS: tuple[str, ...] = get_args(QuestionKindName)
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
# The language the curriculum's text is written in, as a BCP 47 tag: "en", "es", "pt-PT".
LANGUAGE_PATTERN = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2}|-[0-9]{3})?$")
IMAGE_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.(png|jpe?g|gif|webp)$")

MAX_TITLE = 200
MAX_TEXT = 5000
MAX_MINUTES = 24 * 60
MAX_OPTIONS = 8

REFERENCE_ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,5}$")
# Module kinds in which trainees handle instruments or tissue.
HANDS_ON_KINDS = frozenset({"hands_on", "cadaver_lab"})
SAFETY_TAG = "safety"
MIN_SAFETY_ITEMS = 2
# A single-answer bank of at least this many items must not put more than half of its keys in one position.
KEY_POSITION_MIN_ITEMS = 4
TRUE_SHARE = (0.35, 0.65)


# --- the models ---


def _stripped(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _optional(value: Any) -> Any:
    return "" if value is None else _stripped(value)


def _none_is_empty(value: Any) -> Any:
    return [] if value is None else value


# A list that may be left out, or left empty ("regions:" alone in YAML is null).
NoneIsEmpty = BeforeValidator(_none_is_empty)


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _measurable(verb: str) -> str:
    if verb in UNMEASURABLE_VERBS:
        raise PydanticCustomError(
            "unmeasurable_verb",
            "'{verb}' cannot be measured; use a verb such as describe, identify or demonstrate",
            {"verb": verb},
        )
    if verb not in MEASURABLE_VERBS:
        raise PydanticCustomError(
            "unknown_verb",
            "'{verb}' is not a measurable verb; use one such as {examples}",
            {"verb": verb, "examples": ", ".join(sorted(MEASURABLE_VERBS)[:8])},
        )
    return verb


def _not_a_boolean(value: Any) -> Any:
    # YAML's true is Python's 1: a format must be a number.
    if isinstance(value, bool):
        raise PydanticCustomError("format", "'format' must be one of 1, 2")
    return value


def _numbered_steps(value: Any) -> Any:
    """A checklist step written as plain text is step-1, step-2 ... by its position."""
    if not isinstance(value, list):
        return value
    return [
        {"id": f"step-{index + 1}", "text": step.strip()} if isinstance(step, str) and step.strip() else step
        for index, step in enumerate(value)
    ]


Strip = BeforeValidator(_stripped)
Blank = BeforeValidator(_optional)
# Text is given (not empty), then stripped, then held to its limit.
Text = Annotated[str, Field(min_length=1), AfterValidator(str.strip), Field(max_length=MAX_TEXT)]
Title = Annotated[str, Field(min_length=1), AfterValidator(str.strip), Field(max_length=MAX_TITLE)]
ShortText = Annotated[str, Field(min_length=1), AfterValidator(str.strip), Field(max_length=1000)]
OptionalText = Annotated[str, Blank, Field(max_length=MAX_TEXT)]
OptionalTitle = Annotated[str, Blank, Field(max_length=MAX_TITLE)]
# An entry of a list of words or lines: some text once stripped.
Entry = Annotated[str, Strip, Field(min_length=1, max_length=MAX_TEXT)]
Key = Annotated[str, Field(pattern=KEY_PATTERN.pattern)]
URL_PATTERN = r"^(https?://|$)"  # or nothing at all
ReferenceId = Annotated[str, Field(pattern=REFERENCE_ID_PATTERN.pattern)]
# Which ids a module's references have is the rules' to check (question_checks.py).
Refs = Annotated[
    list[Any],
    Field(min_length=1),
    WithJsonSchema(
        {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string", "pattern": REFERENCE_ID_PATTERN.pattern},
            "description": "Ids of the module's references this rests on (format 2), e.g. [R1, R7].",
        }
    ),
]
# A hotspot region's fields depend on its shape, and whether it lies inside its image on
# the image: question_checks.py reads them by hand; the schema still shows their shape.
NUMBER = {"type": "number", "minimum": 0}
SIZE = {"type": "number", "exclusiveMinimum": 0}
REGION_SCHEMA = {
    "type": "object",
    "required": ["shape"],
    "properties": {
        "shape": {"enum": ["rect", "circle", "polygon"]},
        "x": NUMBER,
        "y": NUMBER,
        "w": SIZE,
        "h": SIZE,
        "cx": NUMBER,
        "cy": NUMBER,
        "r": SIZE,
        "points": {
            "type": "array",
            "minItems": 3,
            "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": NUMBER},
        },
    },
    "additionalProperties": False,
}


class FormatModel(BaseModel):
    """Exactly the declared fields, of exactly their types: YAML's "60" is not a number."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Vocabulary(FormatModel):
    regions: Annotated[list[Entry], Field(min_length=1, json_schema_extra={"uniqueItems": True})]
    layers: Annotated[list[Entry], Field(min_length=1, json_schema_extra={"uniqueItems": True})]


class CurriculumFile(FormatModel):
    """The curriculum's own file, curriculum.yaml."""

    format: Annotated[Literal[1, 2], BeforeValidator(_not_a_boolean)] = 1
    slug: Annotated[
        str,
        Field(min_length=1),
        AfterValidator(str.strip),
        # The schema leaves out a pattern that follows a validator: say it again for the schema.
        Field(
            max_length=80, pattern=SLUG_PATTERN.pattern, json_schema_extra={"pattern": SLUG_PATTERN.pattern}
        ),
    ]
    title: Title
    description: OptionalText = ""
    owner: OptionalTitle = ""
    version_notes: OptionalText = ""
    # Optional: the curriculum is data, taught in its own language whatever the page's.
    language: Annotated[str, Field(max_length=35, pattern=LANGUAGE_PATTERN.pattern)] = ""
    vocabulary: Vocabulary


class Reference(FormatModel):
    id: Annotated[
        ReferenceId | None,
        Field(
            description="R1.. for the literature, S for the seed article, G for general knowledge; "
            "required in format 2."
        ),
    ] = None
    text: ShortText
    url: Annotated[
        str,
        Blank,
        Field(max_length=500, pattern=URL_PATTERN, json_schema_extra={"pattern": URL_PATTERN}),
    ] = ""
    general_knowledge: bool = False


class Reference2(Reference):
    id: ReferenceId  # required from format 2 on


class KeyFact(FormatModel):
    text: Text
    refs: Refs


class Objective(FormatModel):
    id: Key
    verb: Annotated[
        str,
        BeforeValidator(_lower),
        Field(min_length=1, max_length=40),
        AfterValidator(_measurable),
        WithJsonSchema({"enum": sorted(MEASURABLE_VERBS)}),
    ]
    text: Text


class Step(BaseModel):
    # Unknown fields in a step have always been ignored.
    model_config = ConfigDict(strict=True, json_schema_extra={"additionalProperties": False})

    id: Key
    text: Text
    critical: Annotated[bool, Field(description="A must-pass step.")] = False


class Skill(FormatModel):
    id: Key
    title: Title
    description: OptionalText = ""
    checklist: Annotated[
        list[Step],
        BeforeValidator(_numbered_steps),
        Field(min_length=1),
    ]


class Option(FormatModel):
    id: Annotated[str, Field(pattern=r"^[a-z0-9]{1,8}$")]
    correct: bool = False
    text: ShortText


class Question(FormatModel):
    id: Annotated[Key, Field(description="Unique in the whole curriculum.")]
    kind: QuestionKindName
    objective: Annotated[
        str,
        Field(min_length=1),
        AfterValidator(str.strip),
        Field(max_length=40, description="The id of the objective the question tests."),
    ]
    stem: Text
    explanation: Text
    image: Annotated[str, Field(pattern=IMAGE_NAME_PATTERN.pattern)] | None = None
    # Which of options, answer and hotspots a question has depends on its kind (question_checks.py).
    options: Annotated[
        list[Option], NoneIsEmpty, Field(json_schema_extra={"minItems": 2, "maxItems": MAX_OPTIONS})
    ] = []
    answer: Annotated[
        Any, WithJsonSchema({"type": "boolean", "description": "true/false questions only."})
    ] = None
    hotspots: Annotated[Any, WithJsonSchema({"type": "array", "minItems": 1, "items": REGION_SCHEMA})] = None


class Question2(Question):
    refs: Refs
    tags: Annotated[list[Key], NoneIsEmpty, Field(description="e.g. [safety]")] = []


class ModuleFile(FormatModel):
    """A module file (modules/*.yaml) of format 1."""

    code: Annotated[
        str,
        Field(min_length=1),
        AfterValidator(str.strip),
        # The schema leaves out a pattern that follows a validator: say it again for the schema.
        Field(
            max_length=20, pattern=CODE_PATTERN.pattern, json_schema_extra={"pattern": CODE_PATTERN.pattern}
        ),
    ]
    title: Title
    summary: OptionalText = ""
    kinds: Annotated[
        list[ModuleKindName],
        Field(min_length=1),
    ]
    planned_minutes: Annotated[int, Field(ge=1, le=MAX_MINUTES)]
    regions: Annotated[list[Entry], NoneIsEmpty, Field(json_schema_extra={"uniqueItems": True})] = []
    layers: Annotated[list[Entry], NoneIsEmpty, Field(json_schema_extra={"uniqueItems": True})] = []
    references: Annotated[list[Reference], NoneIsEmpty] = []
    key_facts: Annotated[list[Entry], NoneIsEmpty, Field(description="Format 1: plain text.")] = []
    prerequisites: Annotated[
        list[Entry],
        NoneIsEmpty,
        Field(
            json_schema_extra={
                "uniqueItems": True,
                "items": {"type": "string", "pattern": CODE_PATTERN.pattern},
            }
        ),
    ] = []
    objectives: Annotated[list[Objective], Field(min_length=1)]
    skills: Annotated[list[Skill], NoneIsEmpty] = []
    questions: Annotated[list[Question], NoneIsEmpty] = []


class ModuleFile2(ModuleFile):
    """A module file (modules/*.yaml) of format 2."""

    # Format 2 redefines these fields (pydantic allows a subclass to); mypy sees a changed
    # attribute type, hence the ignores.
    references: Annotated[list[Reference2], NoneIsEmpty] = []  # type: ignore[assignment]
    key_facts: Annotated[list[KeyFact], NoneIsEmpty] = []  # type: ignore[assignment]
    questions: Annotated[list[Question2], NoneIsEmpty] = []  # type: ignore[assignment]


MODULE_MODELS: dict[int, type[ModuleFile]] = {1: ModuleFile, 2: ModuleFile2}
