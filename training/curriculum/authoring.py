"""Authoring in the browser: a draft copied from a published version, edits checked
with the same rules as the files, publishing and discarding.

Every change is validated with the same rules as the files: a browser draft is turned
into the canonical content, the edit is applied to that content, and only a clean
result is written. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from training.core import audit, uploads
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.curriculum import files
from training.curriculum.content import (
    image_infos,
    load_version,
    module_content,
    stored_digests,
    validate_content,
    version_content,
    version_images,
)
from training.curriculum.format import IMAGE_NAME_PATTERN
from training.curriculum.importing import CurriculumProblems, new_version, write_module
from training.curriculum.models import (
    Curriculum,
    CurriculumImage,
    CurriculumVersion,
    Module,
    Question,
    Skill,
    VersionState,
)
from training.curriculum.problems import Problem
from training.curriculum.versions import content_hash
from training.extensions import db
from training.workshops.models import Workshop

if TYPE_CHECKING:
    from training.accounts.models import User


def current_draft(curriculum: Curriculum) -> CurriculumVersion | None:
    return db.session.scalar(
        sa.select(CurriculumVersion).where(
            CurriculumVersion.curriculum_id == curriculum.id, CurriculumVersion.state == VersionState.DRAFT
        )
    )


def start_draft(version: CurriculumVersion, *, actor: User) -> CurriculumVersion:
    """A draft copy of a published version; one draft per curriculum at a time."""
    db.session.scalar(sa.select(Curriculum).where(Curriculum.id == version.curriculum_id).with_for_update())
    if not version.frozen:
        raise Conflict("Start a draft from a published version.")
    existing = current_draft(version.curriculum)
    if existing is not None:
        raise Conflict(f"{existing.label} is already being drafted; edit or discard it first.")
    draft = new_version(version.curriculum, version_content(version), version_images(version), actor=actor)
    draft.based_on = version
    draft.version_notes = ""
    db.session.flush()
    audit.record(
        "curriculum.draft_started",
        draft,
        actor=actor,
        summary=f"Started {draft.label} from v{version.number}",
    )
    return draft


def _require_draft(version: CurriculumVersion) -> None:
    if version.frozen:
        raise Conflict(f"{version.label} is published and cannot change; start a draft.")


FIELD_NAMES = {"id": "key"}


def _edit(module: Module, change: Any, scope: tuple[str | int, ...]) -> dict[str, Any]:
    """Apply ``change`` to the module's content, validate the whole version, and
    return the clean module. Problems inside ``scope`` are keyed by field."""
    version = module.version
    _require_draft(version)
    content = version_content(version)
    index = next(i for i, m in enumerate(version.modules) if m.id == module.id)
    change(content["modules"][index])
    result = validate_content(content, image_infos(version))
    file = f"modules/{content['modules'][index]['code'] or index}.yaml"
    mine: dict[str | None, list[str]] = {}
    for problem in result.problems:
        if problem.file != file and not (problem.path[:1] == ("prerequisites",) and scope == ()):
            continue
        if problem.path[: len(scope)] != scope:
            continue
        rest = problem.path[len(scope) :]
        name = next((str(part) for part in rest if isinstance(part, str)), None)
        mine.setdefault(FIELD_NAMES.get(name or "", name), []).append(problem.message)
    if mine:
        raise InvalidInput(mine)
    if result.content is None:
        # The edit is clean but the draft has problems elsewhere; publishing will list them.
        return content["modules"][index]
    return result.content["modules"][index]


def update_module(module: Module, fields: dict[str, Any], *, actor: User) -> None:
    before = module_content(module)

    def change(item: dict[str, Any]) -> None:
        item.update(fields)

    clean = _edit(module, change, ())
    write_module(module, clean)
    db.session.flush()
    old, new = audit.diff(_flat(before), _flat(module_content(module)))
    audit.record(
        "curriculum.module_edited",
        module,
        actor=actor,
        summary=f"Edited {module.code} in {module.version.label}",
        old=old,
        new=new,
    )


def _flat(content: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in content.items() if k not in ("questions", "skills", "objectives", "references")}


def save_question(
    module: Module, question: Question | None, item: dict[str, Any], *, actor: User
) -> Question:
    """Add a question (``question`` None) or replace one, keeping its id and key."""
    key = question.key if question is not None else item["id"]
    item = {**item, "id": key}

    def change(content: dict[str, Any]) -> None:
        keys = [q["id"] for q in content["questions"]]
        if question is None:
            content["questions"].append(item)
        else:
            content["questions"][keys.index(key)] = item

    position = len(module.questions) if question is None else [q.key for q in module.questions].index(key)
    clean = _edit(module, change, ("questions", position))
    write_module(module, clean)
    db.session.flush()
    saved = next(q for q in module.questions if q.key == key)
    if question is None:
        saved.created_by_id = actor.id
    audit.record(
        "curriculum.question_saved",
        saved,
        actor=actor,
        summary=f"{'Added' if question is None else 'Edited'} question {key} of {module.code}",
    )
    return saved


def save_skill(module: Module, skill: Skill | None, item: dict[str, Any], *, actor: User) -> Skill:
    key = skill.key if skill is not None else item["id"]
    item = {**item, "id": key}

    def change(content: dict[str, Any]) -> None:
        keys = [s["id"] for s in content["skills"]]
        if skill is None:
            content["skills"].append(item)
        else:
            content["skills"][keys.index(key)] = item

    position = len(module.skills) if skill is None else [s.key for s in module.skills].index(key)
    clean = _edit(module, change, ("skills", position))
    write_module(module, clean)
    db.session.flush()
    audit.record(
        "curriculum.skill_saved",
        module,
        actor=actor,
        summary=f"{'Added' if skill is None else 'Edited'} skill {key} of {module.code}",
    )
    return next(s for s in module.skills if s.key == key)


def draft_problems(version: CurriculumVersion) -> list[Problem]:
    return validate_content(version_content(version), image_infos(version)).problems


def publish(version: CurriculumVersion, *, actor: User, notes: str | None = None) -> CurriculumVersion:
    """Freeze a draft as the newest published version."""
    db.session.scalar(sa.select(Curriculum).where(Curriculum.id == version.curriculum_id).with_for_update())
    _require_draft(version)
    if notes is not None:
        version.version_notes = notes.strip()
    content = version_content(version)
    result = validate_content(content, image_infos(version))
    if result.problems:
        raise CurriculumProblems(result.problems)
    if version.based_on is not None and _same_teaching(version_content(version.based_on), content):
        raise Conflict("Nothing has changed since the version this draft started from; discard it instead.")
    version.state = VersionState.PUBLISHED
    version.published_at = utcnow()
    version.content_hash = content_hash(result.content or content, stored_digests(version))
    version.curriculum.title = version.title
    db.session.flush()
    audit.record("curriculum.published", version, actor=actor, summary=f"Published {version.label}")
    return version


def _same_teaching(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Equal apart from the version notes, which every version writes afresh."""
    strip = lambda content: {**content, "curriculum": {**content["curriculum"], "version_notes": ""}}  # noqa: E731
    return strip(old) == strip(new)


def discard(version: CurriculumVersion, *, actor: User) -> None:
    """Delete a draft, unless something (a workshop, a quiz) already refers to it."""
    _require_draft(version)
    used = db.session.scalar(sa.select(sa.func.count()).where(Workshop.curriculum_version_id == version.id))
    if used:
        raise Conflict(
            f"{version.label} is already used by {used} workshop(s); publish it instead of discarding it."
        )
    audit.record(
        "curriculum.draft_discarded", version, actor=actor, summary=f"Discarded draft {version.label}"
    )
    load_version(version.id)  # everything the delete cascades to, in a fixed number of queries
    try:
        with db.session.begin_nested():
            db.session.execute(sa.delete(CurriculumImage).where(CurriculumImage.version_id == version.id))
            db.session.delete(version)
    except sa.exc.IntegrityError:
        raise Conflict(
            f"{version.label} is already in use elsewhere; publish it instead of discarding it."
        ) from None


def add_image(version: CurriculumVersion, name: str, data: bytes, *, actor: User) -> CurriculumImage:
    """Store an uploaded image in a draft (for hotspot questions); refuses what is not an image."""
    _require_draft(version)
    if not IMAGE_NAME_PATTERN.match(name):
        raise InvalidInput(
            {"image": ["Name the file with letters, digits, '-', '_' and .png, .jpg, .gif or .webp."]}
        )
    # Uploaded in the browser: re-encoded, which drops what is not pixels (a camera's
    # location, a script hidden after the image data).
    checked = uploads.check_image(data, files.IMAGE_LIMITS)
    existing = db.session.scalar(
        sa.select(CurriculumImage).where(
            CurriculumImage.version_id == version.id, CurriculumImage.name == name
        )
    )
    row = existing or CurriculumImage(version_id=version.id, name=name)
    row.media_type, row.width, row.height = checked.mime, checked.width, checked.height
    row.sha256, row.data = hashlib.sha256(checked.data).hexdigest(), checked.data
    db.session.add(row)
    db.session.flush()
    audit.record("curriculum.image_added", row, actor=actor, summary=f"Added image {name} to {version.label}")
    return row
