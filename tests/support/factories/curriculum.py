"""Curriculum factories: a published version with modules, objectives, skills and questions."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.factories.base import sequence
from training.core.db import utcnow
from training.curriculum.models import (
    Curriculum,
    CurriculumVersion,
    Module,
    Objective,
    Question,
    QuestionKind,
    Skill,
    VersionState,
)
from training.extensions import db


class CurriculumFactories:
    app: Flask

    def curriculum_version(
        self,
        modules: list[str] | None = None,
        *,
        curriculum: Curriculum | None = None,
        state: VersionState = VersionState.PUBLISHED,
        questions_per_module: int = 3,
        **fields: Any,
    ) -> CurriculumVersion:
        """A version whose modules (by code) each have two objectives, one skill
        with a four-step checklist, and single-choice questions."""
        n = sequence()
        codes = modules if modules is not None else ["ANAT-101", "MFAT-201"]
        with self.app.app_context():
            if curriculum is None:
                curriculum = Curriculum(slug=f"curriculum-{n}", title=f"Curriculum {n}")
                db.session.add(curriculum)
                number = 1
            else:
                number = len(curriculum.versions) + 1
            version = CurriculumVersion(
                curriculum=curriculum,
                number=number,
                state=state,
                title=fields.pop("title", curriculum.title),
                content_hash=fields.pop("content_hash", f"{n:064x}"),
                vocabulary=fields.pop(
                    "vocabulary", {"regions": ["temple", "midface", "donor sites"], "layers": ["dermis"]}
                ),
                published_at=utcnow() if state is VersionState.PUBLISHED else None,
                **fields,
            )
            for position, code in enumerate(codes):
                version.modules.append(self._module(code, position, questions_per_module))
            db.session.add(version)
            db.session.commit()
        return version

    def _module(self, code: str, position: int, questions: int) -> Module:
        module = Module(
            code=code,
            title=f"Module {code}",
            summary=f"What {code} teaches.",
            kinds=["lecture", "hands_on"],
            planned_minutes=90,
            regions=["temple"],
            layers=["dermis"],
            key_facts=["A fact."],
            prerequisites=[],
            references=[],
            position=position,
        )
        objectives = [
            Objective(key=f"obj-{i}", verb="describe", text=f"Describe point {i} of {code}.", position=i)
            for i in (1, 2)
        ]
        module.objectives.extend(objectives)
        module.skills.append(
            Skill(
                key="skill-1",
                title=f"Practical skill of {code}",
                checklist=[{"id": f"step-{i}", "text": f"Step {i}"} for i in range(1, 5)],
            )
        )
        for i in range(questions):
            module.questions.append(
                Question(
                    key=f"q-{i + 1}",
                    kind=QuestionKind.SINGLE,
                    stem=f"Question {i + 1} of {code}?",
                    options=[
                        {"id": "a", "text": "Right", "correct": True},
                        {"id": "b", "text": "Wrong", "correct": False},
                        {"id": "c", "text": "Also wrong", "correct": False},
                    ],
                    explanation="Because.",
                    objective=objectives[i % 2],
                    position=i,
                )
            )
        return module
