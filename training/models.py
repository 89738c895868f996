"""Every table of the app, imported in one place so that the metadata, and with
it Alembic's autogenerate, always sees all of them. Add new model modules here."""

# Capabilities whose tables are not named below: importing them registers their tables.
import training.attendance.models
import training.certificates.models
import training.enrolments.models
import training.quizzes.models  # noqa: F401
from training.accounts.models import User, UserRole
from training.assessments.models import Assessment, CompetenceStandard, SkillSignOff
from training.core.audit import AuditEvent
from training.core.jobs import Job
from training.core.mail import OutboxMessage
from training.core.storage import Blob
from training.curriculum.models import (  # noqa: F401
    Curriculum,
    CurriculumImage,
    CurriculumVersion,
    Module,
    Objective,
    Question,
    Skill,
)
from training.enrolments.models import Enrolment
from training.workshops.models import (
    CalendarFeed,
    FacultyProfile,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
)

__all__ = [
    "Assessment",
    "AuditEvent",
    "Blob",
    "CalendarFeed",
    "CompetenceStandard",
    "Curriculum",
    "CurriculumVersion",
    "Enrolment",
    "FacultyProfile",
    "Job",
    "Module",
    "Objective",
    "OutboxMessage",
    "Question",
    "Skill",
    "SkillSignOff",
    "Station",
    "StationAssignment",
    "User",
    "UserRole",
    "Workshop",
    "WorkshopSession",
    "WorkshopStaff",
]
