"""Authoring forms: shape checks only. The curriculum rules (the same as for
the files) run in the services and put their messages next to these fields."""

from __future__ import annotations

import re
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from training.accounts.forms import MultiCheckboxField
from training.core.forms import choices
from training.curriculum.files import MAX_IMAGE_BYTES
from training.curriculum.format import MAX_MINUTES, MAX_OPTIONS, MODULE_KINDS

KIND_LABELS = {
    "lecture": "Lecture",
    "cadaver_lab": "Cadaver lab",
    "hands_on": "Hands-on",
    "live_demonstration": "Live demonstration",
    "seminar": "Seminar",
}
QUESTION_KIND_CHOICES = [
    ("single", "Single choice"),
    ("multiple", "Multiple response"),
    ("true_false", "True / false"),
]

OPTION_IDS = "abcdefgh"
GENERAL_MARK = "(general)"


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


REF_LIST = re.compile(r"^(?P<text>.*?)\s*\[(?P<refs>[A-Za-z0-9 ,]+)\]$")
REF_PREFIX = re.compile(r"^(?P<id>[A-Z][A-Z0-9]{0,5}):\s*")


def words(text: str | None) -> list[str]:
    """``"R1, R7"`` -> ``["R1", "R7"]``."""
    return [word.strip() for word in (text or "").replace(";", ",").split(",") if word.strip()]


def fact_line(fact: Any) -> str:
    """A key fact as the form shows it: ``text [R1, R7]`` for a format-2 fact."""
    if isinstance(fact, dict):
        return f"{fact['text']} [{', '.join(fact['refs'])}]"
    return str(fact)


def parse_fact(line: str, fmt: int) -> Any:
    match = REF_LIST.match(line)
    if fmt < 2:
        return line
    if match is None:
        return {"text": line, "refs": []}
    return {"text": match["text"], "refs": words(match["refs"])}


def _parts(line: str, count: int) -> list[str] | None:
    parts = [part.strip() for part in line.split("|", count - 1)]
    return parts if len(parts) == count else None


class ModuleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("Summary", validators=[Length(max=5000)], render_kw={"rows": 4})
    kinds = MultiCheckboxField("Kind", choices=choices((k, KIND_LABELS[k]) for k in MODULE_KINDS))
    planned_minutes = IntegerField(
        "Planned minutes", validators=[InputRequired(), NumberRange(min=1, max=MAX_MINUTES)]
    )
    regions = MultiCheckboxField("Anatomical regions", choices=[])
    layers = MultiCheckboxField("Tissue layers", choices=[])
    prerequisites = MultiCheckboxField("Prerequisites", choices=[])
    objectives = TextAreaField(
        "Learning objectives",
        description="One per line: id | measurable verb | text, "
        "e.g. harvest-pressure | explain | Explain why ...",
        render_kw={"rows": 6},
    )
    key_facts = TextAreaField(
        "Key facts",
        description="One per line, ending with the ids of the references it rests on, e.g. "
        "'Depth is set per region. [R7, R8]'.",
        render_kw={"rows": 6},
    )
    references = TextAreaField(
        "References",
        description=f"One per line: id: text | optional https:// address, e.g. 'R1: Tonnard P, ...'. "
        f"Start with {GENERAL_MARK} when it comes from general anatomy knowledge.",
        render_kw={"rows": 4},
    )
    submit = SubmitField("Save module")

    def validate_objectives(self, field: Any) -> None:
        for number, line in enumerate(lines(field.data), start=1):
            if _parts(line, 3) is None:
                raise ValidationError(f"Line {number}: write id | verb | text.")

    def set_choices(self, vocabulary: dict[str, list[str]], other_codes: list[str]) -> None:
        self.regions.choices = choices((word, word) for word in vocabulary.get("regions", []))
        self.layers.choices = choices((word, word) for word in vocabulary.get("layers", []))
        self.prerequisites.choices = choices((code, code) for code in other_codes)

    def load(self, content: dict[str, Any]) -> None:
        for name in ("title", "summary", "kinds", "planned_minutes", "regions", "layers", "prerequisites"):
            getattr(self, name).data = content[name]
        self.objectives.data = "\n".join(
            f"{o['id']} | {o['verb']} | {o['text']}" for o in content["objectives"]
        )
        self.key_facts.data = "\n".join(fact_line(fact) for fact in content["key_facts"])
        self.references.data = "\n".join(
            (f"{GENERAL_MARK} " if r["general_knowledge"] else "")
            + (f"{r['id']}: " if r.get("id") else "")
            + r["text"]
            + (f" | {r['url']}" if r["url"] else "")
            for r in content["references"]
        )

    def fields_for_service(self, fmt: int = 1) -> dict[str, Any]:
        objectives = []
        for line in lines(self.objectives.data):
            key, verb, text = _parts(line, 3) or ("", "", line)
            objectives.append({"id": key, "verb": verb, "text": text})
        references = []
        for line in lines(self.references.data):
            general = line.startswith(GENERAL_MARK)
            text, _, url = line.removeprefix(GENERAL_MARK).strip().rpartition(" | ")
            if not text:
                text, url = url, ""
            reference: dict[str, Any] = {
                "text": text.strip(),
                "url": url.strip() or None,
                "general_knowledge": general,
            }
            if prefix := REF_PREFIX.match(reference["text"]):
                reference = {"id": prefix["id"], **reference, "text": reference["text"][prefix.end() :]}
            references.append(reference)
        return {
            "title": (self.title.data or "").strip(),
            "summary": (self.summary.data or "").strip(),
            "kinds": list(self.kinds.data or []),
            "planned_minutes": self.planned_minutes.data,
            "regions": list(self.regions.data or []),
            "layers": list(self.layers.data or []),
            "prerequisites": list(self.prerequisites.data or []),
            "objectives": objectives,
            "key_facts": [parse_fact(line, fmt) for line in lines(self.key_facts.data)],
            "references": references,
        }


class OptionForm(Form):
    text = StringField("Option text", validators=[Optional(), Length(max=1000)])
    correct = BooleanField("Correct")


class QuestionForm(FlaskForm):
    kind = SelectField("Kind", choices=choices(QUESTION_KIND_CHOICES), validators=[DataRequired()])
    objective = SelectField("Objective it tests", choices=[], validators=[DataRequired()])
    stem = TextAreaField("Question", validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3})
    options = FieldList(FormField(OptionForm), min_entries=6, max_entries=MAX_OPTIONS)
    answer = RadioField(
        "Answer (true / false questions)",
        choices=choices([("true", "True"), ("false", "False")]),
        validators=[Optional()],
    )
    image = SelectField("Image (optional)", choices=[], validators=[Optional()])
    explanation = TextAreaField(
        "Explanation", validators=[DataRequired(), Length(max=5000)], render_kw={"rows": 3}
    )
    refs = StringField(
        "References it rests on",
        description="Ids from the module's references, e.g. R1, R7.",
        validators=[Optional(), Length(max=200)],
    )
    tags = StringField("Tags", description="e.g. safety", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Save question")

    def set_choices(self, objectives: list[tuple[str, str]], images: list[str]) -> None:
        self.objective.choices = choices(objectives)
        self.image.choices = choices([("", "No image"), *((name, name) for name in images)])

    def load(self, question: dict[str, Any]) -> None:
        self.kind.data = question["kind"]
        self.objective.data = question["objective"]
        self.stem.data = question["stem"]
        self.explanation.data = question["explanation"]
        self.image.data = question["image"] or ""
        self.refs.data = ", ".join(question.get("refs", []))
        self.tags.data = ", ".join(question.get("tags", []))
        if question["kind"] == "true_false":
            correct = next((o["id"] for o in question["options"] if o["correct"]), "true")
            self.answer.data = correct
        else:
            for entry, option in zip(self.options.entries, question["options"], strict=False):
                entry.form.text.data = option["text"]
                entry.form.correct.data = option["correct"]

    def item_for_service(self) -> dict[str, Any]:
        kind = self.kind.data
        if kind == "true_false":
            answer = self.answer.data
            options = [
                {"id": "true", "text": "True", "correct": answer == "true"},
                {"id": "false", "text": "False", "correct": answer == "false"},
            ]
        else:
            filled = [e.form for e in self.options.entries if (e.form.text.data or "").strip()]
            options = [
                {"id": OPTION_IDS[i], "text": f.text.data.strip(), "correct": bool(f.correct.data)}
                for i, f in enumerate(filled[: len(OPTION_IDS)])
            ]
        return {
            "kind": kind,
            "objective": self.objective.data,
            "stem": (self.stem.data or "").strip(),
            "explanation": (self.explanation.data or "").strip(),
            "options": options,
            "image": self.image.data or None,
            "hotspots": [],
            "refs": words(self.refs.data),
            "tags": [tag.lower() for tag in words(self.tags.data)],
        }

    def validate_answer(self, field: Any) -> None:
        if self.kind.data == "true_false" and field.data not in ("true", "false"):
            raise ValidationError("Choose whether the statement is true or false.")


class SkillForm(FlaskForm):
    title = StringField("Skill", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)], render_kw={"rows": 3})
    checklist = TextAreaField(
        "Checklist",
        description="One step per line, in order. Start a must-pass step with (critical). "
        "A step whose text you keep keeps its id, so earlier assessments still refer to it.",
        validators=[DataRequired()],
        render_kw={"rows": 8},
    )
    submit = SubmitField("Save skill")


class CompareForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    old = SelectField("Compare", choices=[], coerce=int)
    new = SelectField("with", choices=[], coerce=int)


class ImageForm(FlaskForm):
    image = FileField(
        "Image file",
        description="PNG, JPEG, GIF or WebP, at most 2 MB. Questions of this draft can then show it.",
        validators=[
            FileRequired("Choose an image file."),
            FileSize(MAX_IMAGE_BYTES, message="The file is over 2 MB."),
        ],
    )
    submit = SubmitField("Upload")
