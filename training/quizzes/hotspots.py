"""Hotspot questions: faculty draw the regions to click on an image of a draft
curriculum version; the image is served to authors and to trainees who drew it."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.core import audit, uploads
from training.core.errors import Conflict, InvalidInput
from training.curriculum import services as curriculum_services
from training.curriculum.models import CurriculumImage, Module, Question, QuestionKind
from training.extensions import db
from training.quizzes import rules

# Hotspot questions -------------------------------------------------------------------------

FROZEN = (
    "This curriculum version is published and frozen: its questions cannot change. Start a new draft version."
)
# Where hotspot images were stored before they became images of the curriculum version;
# still read so that questions saved then keep showing their picture.
IMAGE_KIND = "question-images"


def _version_image(question: Question) -> CurriculumImage | None:
    if not question.image:
        return None
    return db.session.scalar(
        sa.select(CurriculumImage).where(
            CurriculumImage.version_id == question.module.version_id, CurriculumImage.name == question.image
        )
    )


def image_file(question: Question) -> tuple[bytes, str] | None:
    """The bytes and media type of a question's image: an image of its curriculum version
    (where the files and the validator keep them), or a legacy upload."""
    row = _version_image(question)
    if row is not None:
        return row.data, row.media_type
    data = uploads.read(IMAGE_KIND, question.image)
    if data is None or question.image is None:
        return None
    return data, uploads.mime_of(question.image)


def image_size(question: Question) -> tuple[int, int] | None:
    row = _version_image(question)
    if row is not None:
        return row.width, row.height
    data = uploads.read(IMAGE_KIND, question.image)
    return uploads.dimensions(data) if data is not None else None


def _hotspot_problems(
    module: Module, objective_id: int, raw_regions: str, size: tuple[int, int] | None
) -> tuple[list[dict[str, Any]], dict[str | None, list[str]]]:
    problems: dict[str | None, list[str]] = {}
    if objective_id not in {o.id for o in module.objectives}:
        problems["objective_id"] = ["Choose an objective of this module."]
    shapes = None
    if rules.hotspot_json_problem(raw_regions or "") is None:
        try:
            shapes = json.loads(raw_regions or "[]")
        except ValueError:
            shapes = None
    if size is None:
        return [], problems
    regions, region_problems = rules.clean_hotspots(shapes, *size)
    if shapes is None:
        region_problems = ["The regions could not be read: draw them again."]
    if region_problems:
        problems["hotspots"] = region_problems
    return regions, problems


def save_hotspot_question(
    module: Module,
    question: Question | None,
    *,
    stem: str,
    objective_id: int,
    explanation: str,
    regions_json: str,
    image_data: bytes | None,
    actor: User,
    refs: list[str] | None = None,
    tags: list[str] | None = None,
) -> Question:
    """Create (``question`` None) or change a hotspot question of a draft version."""
    if module.version.frozen:
        raise Conflict(FROZEN)
    checked = None
    problems: dict[str | None, list[str]] = {}
    if image_data:
        try:
            checked = uploads.check_image(image_data)
        except InvalidInput as error:
            problems.update(error.problems)
    elif question is None or image_size(question) is None:
        problems["image"] = ["Upload the image the trainee will click on."]
    size = (checked.width, checked.height) if checked else (image_size(question) if question else None)
    regions, more = _hotspot_problems(module, objective_id, regions_json, size)
    problems.update(more)
    if not stem.strip():
        problems["stem"] = ["Write the question."]
    if problems:
        raise InvalidInput(problems)
    image_name = None
    if checked is not None:
        # The image joins the version's images, where the curriculum rules (and an export)
        # look for it; a name from its digest never replaces another question's image.
        extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
        image_name = (
            f"hotspot-{hashlib.sha256(checked.data).hexdigest()[:16]}.{extension.get(checked.mime, 'png')}"
        )
        curriculum_services.add_image(module.version, image_name, checked.data, actor=actor)
    before = None
    if question is None:
        position = db.session.scalar(
            sa.select(sa.func.max(Question.position)).where(Question.module_id == module.id)
        )
        question = Question(
            module_id=module.id,
            key=f"hotspot-{secrets.token_hex(4)}",
            kind=QuestionKind.HOTSPOT,
            options=[],
            position=(position or 0) + 1,
            created_by_id=actor.id,
        )
        db.session.add(question)
    else:
        before = {"stem": question.stem, "hotspots": question.hotspots, "image": question.image}
    if image_name is not None:
        question.image = image_name
    question.stem = stem.strip()
    question.objective_id = objective_id
    question.explanation = explanation.strip()
    question.hotspots = regions
    if refs is not None:
        question.refs = refs
    if tags is not None:
        question.tags = tags
    db.session.flush()
    after = {"stem": question.stem, "hotspots": question.hotspots, "image": question.image}
    old, new = audit.diff(before or {}, after)
    audit.record(
        "question.hotspot_saved" if before else "question.hotspot_created",
        question,
        actor=actor,
        summary=f"Hotspot question {question.key} of {module.code} {'changed' if before else 'added'}",
        old=old or None,
        new=new,
    )
    return question
