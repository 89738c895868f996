"""Importing curriculum folders as published versions, and exporting a version as files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from training.core import audit
from training.core.db import utcnow
from training.core.errors import InvalidInput
from training.curriculum import files
from training.curriculum.content import version_content, version_images
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
from training.curriculum.problems import Problem
from training.curriculum.versions import content_hash
from training.extensions import db

if TYPE_CHECKING:
    from training.accounts.models import User


class CurriculumProblems(InvalidInput):
    """A curriculum that does not validate; ``problem_list`` keeps file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problem_list = problems
        super().__init__({None: [str(problem) for problem in problems]})


@dataclass(frozen=True)
class ImportOutcome:
    slug: str
    version: CurriculumVersion
    created: bool


def import_folder(path: Path, *, actor: User | None = None) -> list[ImportOutcome]:
    """Import every curriculum under ``path``; all or nothing."""
    loaded = [files.load(root) for root in files.find_curricula(path)]
    if not loaded:
        raise CurriculumProblems([Problem(str(path), 1, (), "no curriculum.yaml found here")])
    problems = [problem for item in loaded for problem in item.problems]
    if problems:
        raise CurriculumProblems(problems)
    return [import_content(item.content, item.images, actor=actor) for item in loaded if item.content]


def import_content(content: dict[str, Any], images: dict[str, bytes], *, actor: User | None) -> ImportOutcome:
    """Store validated content as a new published version, unless the latest is identical."""
    header = content["curriculum"]
    digest = content_hash(content, files.image_digests(images))
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
    version = new_version(curriculum, content, images, actor=actor)
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


def new_version(
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
        language=header.get("language") or None,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(version)
    for position, module in enumerate(content["modules"]):
        row = Module(version=version, position=position, source_file=None, planned_minutes=1)
        write_module(row, module)
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


def write_module(row: Module, module: dict[str, Any]) -> None:
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
