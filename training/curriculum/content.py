"""Reading curricula: a version back as its canonical content, and what the pages show."""

from __future__ import annotations

from datetime import date
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.curriculum import files
from training.curriculum.models import (
    Curriculum,
    CurriculumImage,
    CurriculumVersion,
    Module,
    Question,
    VersionState,
)
from training.curriculum.problems import ImageInfo, Result, Source
from training.curriculum.validation import validate
from training.curriculum.versions import Comparison, compare
from training.extensions import db
from training.workshops.models import Workshop, WorkshopState, workshop_modules


def load_version(version_id: int) -> CurriculumVersion | None:
    """A version with everything under it, in a fixed number of queries."""
    found = load_versions([version_id])
    return found[0] if found else None


def load_versions(version_ids: list[int]) -> list[CurriculumVersion]:
    """Several versions with everything under them, in the same fixed number of queries."""
    return list(
        db.session.scalars(
            sa.select(CurriculumVersion)
            .where(CurriculumVersion.id.in_(version_ids))
            .options(
                selectinload(CurriculumVersion.curriculum),
                selectinload(CurriculumVersion.based_on),
                selectinload(CurriculumVersion.modules).selectinload(Module.objectives),
                selectinload(CurriculumVersion.modules).selectinload(Module.skills),
                selectinload(CurriculumVersion.modules)
                .selectinload(Module.questions)
                .selectinload(Question.objective),
            )
        )
    )


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
    """The version as its files say it. Everything under it is loaded first, in a fixed
    number of queries (what is loaded already is not read again)."""
    load_versions([version.id])
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
    if version.language:
        header["language"] = version.language
    return {"curriculum": header, "modules": [module_content(module) for module in version.modules]}


def version_images(version: CurriculumVersion) -> dict[str, bytes]:
    rows = db.session.scalars(
        sa.select(CurriculumImage)
        .where(CurriculumImage.version_id == version.id)
        .options(sa.orm.undefer(CurriculumImage.data))
    )
    return {row.name: row.data for row in rows}


def image_infos(version: CurriculumVersion) -> dict[str, ImageInfo]:
    rows = db.session.execute(
        sa.select(CurriculumImage.name, CurriculumImage.width, CurriculumImage.height).where(
            CurriculumImage.version_id == version.id
        )
    )
    return {name: ImageInfo(width, height) for name, width, height in rows}


def stored_digests(version: CurriculumVersion) -> dict[str, str]:
    rows = db.session.execute(
        sa.select(CurriculumImage.name, CurriculumImage.sha256).where(
            CurriculumImage.version_id == version.id
        )
    )
    return dict(rows.all())


def validate_content(content: dict[str, Any], images: dict[str, ImageInfo]) -> Result:
    """Validate a canonical content exactly as if it had been read from files."""
    modules = [
        (f"modules/{module['code'] or index}.yaml", files.module_document(module))
        for index, module in enumerate(content["modules"])
    ]
    return validate(Source("curriculum.yaml", content["curriculum"], modules, images))


def upcoming_workshops(code: str, today: date) -> list[Workshop]:
    """Published workshops not yet ended that teach a module with this code, in any version."""
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


def compare_versions(old: CurriculumVersion, new: CurriculumVersion) -> Comparison:
    return compare(version_content(old), version_content(new))


def catalogue() -> list[Curriculum]:
    """Every curriculum with its versions, by title."""
    return list(
        db.session.scalars(
            sa.select(Curriculum).options(selectinload(Curriculum.versions)).order_by(Curriculum.title)
        )
    )


def load_module(module_id: int) -> Module | None:
    """A module with its version (and the version's other modules), objectives, skills and questions."""
    return db.session.scalar(
        sa.select(Module)
        .where(Module.id == module_id)
        .options(
            selectinload(Module.version).selectinload(CurriculumVersion.modules),
            selectinload(Module.version).selectinload(CurriculumVersion.curriculum),
            selectinload(Module.objectives),
            selectinload(Module.skills),
            selectinload(Module.questions).selectinload(Question.objective),
        )
    )


class ImageSize(NamedTuple):
    name: str
    width: int
    height: int


def image_sizes(version: CurriculumVersion) -> list[ImageSize]:
    """The version's images (name, width, height), by name."""
    rows = db.session.execute(
        sa.select(CurriculumImage.name, CurriculumImage.width, CurriculumImage.height)
        .where(CurriculumImage.version_id == version.id)
        .order_by(CurriculumImage.name)
    )
    return [ImageSize(name, width, height) for name, width, height in rows]


def image_names(version_id: int) -> list[str]:
    return list(
        db.session.scalars(sa.select(CurriculumImage.name).where(CurriculumImage.version_id == version_id))
    )


def image_file(version: CurriculumVersion, name: str) -> CurriculumImage | None:
    """One of the version's images with its bytes."""
    return db.session.scalar(
        sa.select(CurriculumImage)
        .where(CurriculumImage.version_id == version.id, CurriculumImage.name == name)
        .options(sa.orm.undefer(CurriculumImage.data))
    )


def find_version(slug: str, number: int | None = None) -> CurriculumVersion | None:
    """Version ``number`` of the curriculum ``slug``, or its latest published version."""
    query = (
        sa.select(CurriculumVersion)
        .join(Curriculum)
        .where(Curriculum.slug == slug)
        .order_by(CurriculumVersion.number.desc())
    )
    if number is None:
        query = query.where(CurriculumVersion.state == VersionState.PUBLISHED)
    else:
        query = query.where(CurriculumVersion.number == number)
    return db.session.scalars(query.limit(1)).first()
