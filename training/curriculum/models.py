"""Curricula as versioned data: modules, objectives, skills and question banks.

A curriculum has versions. A published version never changes: workshops, quiz
attempts, skill assessments and certificates point at the version (and at its
modules, objectives, skills and questions) they used, so old ids stay valid
forever. A change is a new version, identified by the hash of its content.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, TimestampMixin, enum_column
from training.extensions import Model

if TYPE_CHECKING:
    from training.accounts.models import User


class ModuleKind(enum.Enum):
    LECTURE = "lecture"
    CADAVER_LAB = "cadaver_lab"
    HANDS_ON = "hands_on"
    LIVE_DEMONSTRATION = "live_demonstration"
    SEMINAR = "seminar"

    @property
    def label(self) -> str:
        return {
            "lecture": "Lecture",
            "cadaver_lab": "Cadaver lab",
            "hands_on": "Hands-on",
            "live_demonstration": "Live demonstration",
            "seminar": "Seminar",
        }[self.value]


class QuestionKind(enum.Enum):
    SINGLE = "single"  # single choice: exactly one correct option
    MULTIPLE = "multiple"  # multiple response: one or more correct options, partial credit
    TRUE_FALSE = "true_false"
    HOTSPOT = "hotspot"  # click a point on an image; correct inside the drawn regions


class VersionState(enum.Enum):
    DRAFT = "draft"  # being authored in the browser; may change
    PUBLISHED = "published"  # frozen


class Curriculum(IdMixin, TimestampMixin, Model):
    __tablename__ = "curricula"

    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))

    versions: Mapped[list[CurriculumVersion]] = relationship(
        back_populates="curriculum", order_by="CurriculumVersion.number"
    )


class CurriculumVersion(IdMixin, TimestampMixin, Model):
    __tablename__ = "curriculum_versions"
    __table_args__ = (
        sa.UniqueConstraint("curriculum_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    curriculum_id: Mapped[int] = mapped_column(sa.ForeignKey("curricula.id"), index=True)
    number: Mapped[int]
    state: Mapped[VersionState] = enum_column(VersionState, default=VersionState.DRAFT)
    # SHA-256 of the canonical content: importing unchanged files finds this version.
    content_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    owner: Mapped[str] = mapped_column(sa.String(200), default="")
    version_notes: Mapped[str] = mapped_column(sa.Text, default="")
    # The file format the content follows (1, or 2 with reference ids, refs and tags).
    format: Mapped[int] = mapped_column(default=1, server_default="1")
    # The controlled vocabulary of this version: {"regions": [...], "layers": [...]}.
    vocabulary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The language its text is written in (BCP 47), when the curriculum says: pages mark
    # the content with it, whatever language they themselves are in.
    language: Mapped[str | None] = mapped_column(sa.String(35))
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The version a draft was started from, for comparison.
    based_on_id: Mapped[int | None] = mapped_column(sa.ForeignKey("curriculum_versions.id"))

    curriculum: Mapped[Curriculum] = relationship(back_populates="versions")
    modules: Mapped[list[Module]] = relationship(
        back_populates="version", order_by="Module.position", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()
    based_on: Mapped[CurriculumVersion | None] = relationship(remote_side="CurriculumVersion.id")

    @property
    def label(self) -> str:
        return f"{self.title} v{self.number}"

    @property
    def frozen(self) -> bool:
        return self.state is VersionState.PUBLISHED


class Module(IdMixin, Model):
    __tablename__ = "modules"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "code"),
        sa.CheckConstraint("planned_minutes > 0", name="planned_minutes_positive"),
    )

    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("curriculum_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(sa.String(20))  # e.g. NFAT-301, stable across versions
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # Most modules combine formats ("lecture + hands-on"): values of ModuleKind.
    kinds: Mapped[list[str]] = mapped_column(default=list)
    planned_minutes: Mapped[int]
    regions: Mapped[list[str]] = mapped_column(default=list)
    layers: Mapped[list[str]] = mapped_column(default=list)
    # Text (format 1), or {"text": ..., "refs": ["R1"]} (format 2); the column is JSON either way.
    key_facts: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # Codes of modules of the same version that must come first.
    prerequisites: Mapped[list[str]] = mapped_column(default=list)
    # [{"id": "R1" (format 2), "text": ..., "url": ... or None, "general_knowledge": bool}]
    references: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)
    source_file: Mapped[str | None] = mapped_column(sa.String(200))

    version: Mapped[CurriculumVersion] = relationship(back_populates="modules")
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="module", order_by="Objective.position", cascade="all, delete-orphan"
    )
    skills: Mapped[list[Skill]] = relationship(
        back_populates="module", order_by="Skill.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def kind_labels(self) -> list[str]:
        return [ModuleKind(kind).label for kind in self.kinds]


class Objective(IdMixin, Model):
    """A learning objective: a measurable verb and what the trainee can then do."""

    __tablename__ = "objectives"
    __table_args__ = (sa.UniqueConstraint("module_id", "key"),)

    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(40))  # stable id within the module, e.g. "harvest-pressure"
    verb: Mapped[str] = mapped_column(sa.String(40))  # e.g. "describe", "demonstrate"
    text: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="objectives")


class Skill(IdMixin, Model):
    """A practical skill with its task-specific checklist, assessed with OSATS."""

    __tablename__ = "skills"
    __table_args__ = (sa.UniqueConstraint("module_id", "key"),)

    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(40))  # stable across versions with the module code
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"id": "step-1", "text": "...", "critical": true (only when it is)}], in order
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(default=0)

    module: Mapped[Module] = relationship(back_populates="skills")

    @property
    def identity(self) -> str:
        """The same skill across versions: module code and skill key."""
        return f"{self.module.code}/{self.key}"


class Question(IdMixin, TimestampMixin, Model):
    __tablename__ = "questions"
    __table_args__ = (sa.UniqueConstraint("module_id", "key"),)

    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[QuestionKind] = enum_column(QuestionKind)
    stem: Mapped[str] = mapped_column(sa.Text)
    # [{"id": "a", "text": "...", "correct": bool}]; empty for hotspot questions
    options: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    objective_id: Mapped[int] = mapped_column(sa.ForeignKey("objectives.id"), index=True)
    # A file name in the curriculum's images (or an upload), shown with the stem.
    image: Mapped[str | None] = mapped_column(sa.String(200))
    # Hotspot regions in image pixels: [{"shape": "rect", "x":, "y":, "w":, "h":},
    # {"shape": "circle", "cx":, "cy":, "r":}, {"shape": "polygon", "points": [[x, y], ...]}]
    hotspots: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    # Format 2: the module's reference ids the question rests on, and tags such as "safety".
    refs: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(default=list, server_default="[]")
    position: Mapped[int] = mapped_column(default=0)
    # Who wrote it in the browser (None for questions that came from the files).
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship(back_populates="questions")
    objective: Mapped[Objective] = relationship()

    @property
    def correct_option_ids(self) -> list[str]:
        return [option["id"] for option in self.options if option.get("correct")]


class CurriculumImage(IdMixin, Model):
    """An image a version's questions show, kept with the version so it never changes under it."""

    __tablename__ = "curriculum_images"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "name"),
        sa.CheckConstraint("width > 0 AND height > 0", name="size_positive"),
    )

    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("curriculum_versions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(160))
    media_type: Mapped[str] = mapped_column(sa.String(40))
    width: Mapped[int]
    height: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)

    version: Mapped[CurriculumVersion] = relationship()
