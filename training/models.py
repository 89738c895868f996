"""Every table of the app, imported in one place so that the metadata, and with
it Alembic's autogenerate, always sees all of them. Add new model modules here."""

from training.accounts.models import User, UserRole
from training.core.audit import AuditEvent
from training.core.jobs import Job
from training.core.mail import OutboxMessage
from training.curriculum.models import Curriculum, CurriculumVersion, Module, Objective, Question, Skill

__all__ = [
    "AuditEvent",
    "Curriculum",
    "CurriculumVersion",
    "Job",
    "Module",
    "Objective",
    "OutboxMessage",
    "Question",
    "Skill",
    "User",
    "UserRole",
]
