"""Curriculum use cases: import, export, drafts, authoring and publishing.

Every change is validated with the same rules as the files (``rules.validate``):
a browser draft is turned into the canonical content, the edit is applied to
that content, and only a clean result is written. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.core import audit, uploads
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.curriculum import files, rules
from training.curriculum.models import (
    Curriculum,
    CurriculumImage,
    CurriculumVersion,
    Module,
    Objective,
    Question,
    QuestionKind,
    Skill,
    VersionState,
)
from training.extensions import db

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


class CurriculumProblems(InvalidInput):
    """A curriculum that does not validate; ``problem_list`` keeps file and line."""

    def __init__(self, problems: list[rules.Problem]) -> None:
        self.problem_list = problems
        super().__init__({None: [str(problem) for problem in problems]})


@dataclass(frozen=True)
class ImportOutcome:
    slug: str
    version: CurriculumVersion
    created: bool


# --- reading a version back as content ---


def load_version(version_id: int) -> CurriculumVersion | None:
    """A version with everything under it, in a fixed number of queries."""
    found = load_versions([version_id])
    return found[0] if found else None


def load_versions(version_ids: list[int]) -> list[CurriculumVersion]:
    """Several versions with everything under them, in the same fixed number of queries."""
    return db.session.scalars(
        sa.select(CurriculumVersion)
        .where(CurriculumVersion.id.in_(version_ids))
        .options(
            selectinload(CurriculumVersion.curriculum),
            selectinload(CurriculumVersion.modules).selectinload(Module.objectives),
            selectinload(CurriculumVersion.modules).selectinload(Module.skills),
            selectinload(CurriculumVersion.modules)
            .selectinload(Module.questions)
            .selectinload(Question.objective),
        )
    ).all()


def module_content(module: Module) -> dict[str, Any]:
    content = {
        "code": module.code,
        "title": module.title,
        "summary": module.summary,
        "kinds": list(module.kinds),
        "planned_minutes": module.planned_minutes,
        "regions": list(module.regions),
        "layers": list(module.layers),
        "key_facts": [dict(fact) if isinstance(fact, dict) else fact for fact in module.key_facts],
        "prerequisites": list(module.prerequisites),
        "references": [
            {
                **({"id": r["id"]} if r.get("id") else {}),
                "text": r["text"],
                "url": r.get("url"),
                "general_knowledge": bool(r.get("general_knowledge")),
            }
            for r in module.references
        ],
        "objectives": [{"id": o.key, "verb": o.verb, "text": o.text} for o in module.objectives],
        "skills": [
            {
                "id": s.key,
                "title": s.title,
                "description": s.description,
                "checklist": [
                    {
                        "id": step["id"],
                        "text": step["text"],
                        **({"critical": True} if step.get("critical") else {}),
                    }
                    for step in s.checklist
                ],
            }
            for s in module.skills
        ],
        "questions": [
            {
                "id": q.key,
                "kind": q.kind.value,
                "stem": q.stem,
                "explanation": q.explanation,
                "objective": q.objective.key,
                "image": q.image,
                "options": [
                    {"id": o["id"], "text": o["text"], "correct": bool(o.get("correct"))} for o in q.options
                ],
                "hotspots": list(q.hotspots),
                **({"refs": list(q.refs), "tags": list(q.tags)} if module.version.format >= 2 else {}),
            }
            for q in module.questions
        ],
    }
    return content


def version_content(version: CurriculumVersion) -> dict[str, Any]:
    header: dict[str, Any] = {
        "slug": version.curriculum.slug,
        "title": version.title,
        "description": version.description,
        "owner": version.owner,
        "version_notes": version.version_notes,
        "vocabulary": {
            "regions": list(version.vocabulary.get("regions", [])),
            "layers": list(version.vocabulary.get("layers", [])),
        },
    }
    if version.format >= 2:
        header["format"] = version.format
    return {"curriculum": header, "modules": [module_content(module) for module in version.modules]}


def version_images(version: CurriculumVersion) -> dict[str, bytes]:
    rows = db.session.scalars(
        sa.select(CurriculumImage)
        .where(CurriculumImage.version_id == version.id)
        .options(sa.orm.undefer(CurriculumImage.data))
    )
    return {row.name: row.data for row in rows}


def _image_infos(version: CurriculumVersion) -> dict[str, rules.ImageInfo]:
    rows = db.session.execute(
        sa.select(CurriculumImage.name, CurriculumImage.width, CurriculumImage.height).where(
            CurriculumImage.version_id == version.id
        )
    )
    return {name: rules.ImageInfo(width, height) for name, width, height in rows}


def _digests(version: CurriculumVersion) -> dict[str, str]:
    rows = db.session.execute(
        sa.select(CurriculumImage.name, CurriculumImage.sha256).where(
            CurriculumImage.version_id == version.id
        )
    )
    return dict(rows.all())


def validate_content(content: dict[str, Any], images: dict[str, rules.ImageInfo]) -> rules.Result:
    """Validate a canonical content exactly as if it had been read from files."""
    modules = [
        (f"modules/{module['code'] or index}.yaml", files.module_document(module))
        for index, module in enumerate(content["modules"])
    ]
    return rules.validate(rules.Source("curriculum.yaml", content["curriculum"], modules, images))


# --- import and export ---


def import_folder(path: Path, *, actor: User | None = None) -> list[ImportOutcome]:
    """Import every curriculum under ``path``; all or nothing."""
    loaded = [files.load(root) for root in files.find_curricula(path)]
    if not loaded:
        raise CurriculumProblems([rules.Problem(str(path), 1, (), "no curriculum.yaml found here")])
    problems = [problem for item in loaded for problem in item.problems]
    if problems:
        raise CurriculumProblems(problems)
    return [import_content(item.content, item.images, actor=actor) for item in loaded if item.content]


def import_content(content: dict[str, Any], images: dict[str, bytes], *, actor: User | None) -> ImportOutcome:
    """Store validated content as a new published version, unless the latest is identical."""
    header = content["curriculum"]
    digest = rules.content_hash(content, files.image_digests(images))
    curriculum = db.session.scalar(
        sa.select(Curriculum).where(Curriculum.slug == header["slug"]).with_for_update()
    )
    if curriculum is None:
        curriculum = Curriculum(slug=header["slug"], title=header["title"])
        db.session.add(curriculum)
        db.session.flush()
    latest = db.session.scalar(
        sa.select(CurriculumVersion)
        .where(
            CurriculumVersion.curriculum_id == curriculum.id,
            CurriculumVersion.state == VersionState.PUBLISHED,
        )
        .order_by(CurriculumVersion.number.desc())
        .limit(1)
    )
    if latest is not None and latest.content_hash == digest:
        return ImportOutcome(curriculum.slug, latest, created=False)
    version = _new_version(curriculum, content, images, actor=actor)
    version.state = VersionState.PUBLISHED
    version.published_at = utcnow()
    version.content_hash = digest
    curriculum.title = header["title"]
    db.session.flush()
    audit.record(
        "curriculum.imported",
        version,
        actor=actor,
        summary=f"Imported {version.label} ({len(content['modules'])} modules)",
        new={"content_hash": digest},
    )
    return ImportOutcome(curriculum.slug, version, created=True)


def _next_number(curriculum: Curriculum) -> int:
    highest = db.session.scalar(
        sa.select(sa.func.max(CurriculumVersion.number)).where(
            CurriculumVersion.curriculum_id == curriculum.id
        )
    )
    return (highest or 0) + 1


def _new_version(
    curriculum: Curriculum, content: dict[str, Any], images: dict[str, bytes], *, actor: User | None
) -> CurriculumVersion:
    header = content["curriculum"]
    version = CurriculumVersion(
        curriculum=curriculum,
        number=_next_number(curriculum),
        state=VersionState.DRAFT,
        title=header["title"],
        description=header["description"],
        owner=header["owner"],
        version_notes=header["version_notes"],
        vocabulary=header["vocabulary"],
        format=header.get("format", 1),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    for position, module in enumerate(content["modules"]):
        row = Module(version=version, position=position, source_file=None, planned_minutes=1)
        _write_module(row, module)
        db.session.add(row)
    for name, data in images.items():
        info, media_type = files.inspect_image(data)
        db.session.add(
            CurriculumImage(
                version=version,
                name=name,
                media_type=media_type or "application/octet-stream",
                width=info.width,
                height=info.height,
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )
    db.session.flush()
    return version


def _write_module(row: Module, module: dict[str, Any]) -> None:
    """Make ``row`` hold ``module``; children keep their rows (and ids) by key."""
    for name in (
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
    ):
        setattr(row, name, module[name])
    objectives = {o.key: o for o in row.objectives}
    row.objectives = []
    for position, item in enumerate(module["objectives"]):
        objective = objectives.get(item["id"]) or Objective(key=item["id"])
        objective.verb, objective.text, objective.position = item["verb"], item["text"], position
        row.objectives.append(objective)
    by_key = {o.key: o for o in row.objectives}
    skills = {s.key: s for s in row.skills}
    row.skills = []
    for position, item in enumerate(module["skills"]):
        skill = skills.get(item["id"]) or Skill(key=item["id"])
        skill.title, skill.description, skill.position = item["title"], item["description"], position
        skill.checklist = [dict(step) for step in item["checklist"]]
        row.skills.append(skill)
    questions = {q.key: q for q in row.questions}
    row.questions = []
    for position, item in enumerate(module["questions"]):
        question = questions.get(item["id"]) or Question(key=item["id"])
        question.kind = QuestionKind(item["kind"])
        question.stem, question.explanation = item["stem"], item["explanation"]
        question.options = [dict(option) for option in item["options"]]
        question.image = item["image"]
        question.hotspots = [dict(shape) for shape in item["hotspots"]]
        question.refs, question.tags = list(item.get("refs", [])), list(item.get("tags", []))
        question.objective = by_key[item["objective"]]
        question.position = position
        row.questions.append(question)


def export_version(version: CurriculumVersion, root: Path) -> list[Path]:
    return files.write(version_content(version), version_images(version), root)


# --- drafts and publishing ---


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
    draft = _new_version(version.curriculum, version_content(version), version_images(version), actor=actor)
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
    result = validate_content(content, _image_infos(version))
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
    _write_module(module, clean)
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
    _write_module(module, clean)
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
    _write_module(module, clean)
    db.session.flush()
    audit.record(
        "curriculum.skill_saved",
        module,
        actor=actor,
        summary=f"{'Added' if skill is None else 'Edited'} skill {key} of {module.code}",
    )
    return next(s for s in module.skills if s.key == key)


def draft_problems(version: CurriculumVersion) -> list[rules.Problem]:
    return validate_content(version_content(version), _image_infos(version)).problems


def publish(version: CurriculumVersion, *, actor: User, notes: str | None = None) -> CurriculumVersion:
    """Freeze a draft as the newest published version."""
    db.session.scalar(sa.select(Curriculum).where(Curriculum.id == version.curriculum_id).with_for_update())
    _require_draft(version)
    if notes is not None:
        version.version_notes = notes.strip()
    content = version_content(version)
    result = validate_content(content, _image_infos(version))
    if result.problems:
        raise CurriculumProblems(result.problems)
    if version.based_on is not None and _same_teaching(version_content(version.based_on), content):
        raise Conflict("Nothing has changed since the version this draft started from; discard it instead.")
    version.state = VersionState.PUBLISHED
    version.published_at = utcnow()
    version.content_hash = rules.content_hash(result.content or content, _digests(version))
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
    from training.workshops.models import Workshop

    _require_draft(version)
    used = db.session.scalar(sa.select(sa.func.count()).where(Workshop.curriculum_version_id == version.id))
    if used:
        raise Conflict(
            f"{version.label} is already used by {used} workshop(s); publish it instead of discarding it."
        )
    audit.record(
        "curriculum.draft_discarded", version, actor=actor, summary=f"Discarded draft {version.label}"
    )
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
    if not rules.IMAGE_NAME_PATTERN.match(name):
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


# --- reading for pages ---


def upcoming_workshops(code: str, today: date) -> list[Workshop]:
    """Published workshops not yet ended that teach a module with this code, in any version."""
    from training.workshops.models import Workshop, WorkshopState, workshop_modules

    return list(
        db.session.scalars(
            sa.select(Workshop)
            .join(workshop_modules, workshop_modules.c.workshop_id == Workshop.id)
            .join(Module, Module.id == workshop_modules.c.module_id)
            .where(Module.code == code, Workshop.state == WorkshopState.PUBLISHED, Workshop.ends_on >= today)
            .order_by(Workshop.starts_on, Workshop.id)
            .distinct()
            .limit(20)
        )
    )


def compare_versions(old: CurriculumVersion, new: CurriculumVersion) -> rules.Comparison:
    return rules.compare(version_content(old), version_content(new))
