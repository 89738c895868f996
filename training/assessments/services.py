"""The assessments capability's use cases, as other capabilities, templates and tests
call them: rate a trainee, sign a skill off, revoke it, set the competence standard;
and the reads behind the station view, a trainee's record of a skill, the skills
matrix and progress.

Each use case lives in the module of its kind (teaching, rating, signing, standard,
stations, reports); this module only gathers them. Services take the acting user as
``actor``, flush but never commit, and raise DomainErrors that the views turn into
messages.
"""

from __future__ import annotations

from training.assessments.rating import AssessmentData, own_assessment, rating_of, record_assessment
from training.assessments.reports import (
    MatrixCell,
    Progress,
    SkillRecord,
    SkillsMatrix,
    skill_record,
    skills_matrix,
    trainee_progress,
)
from training.assessments.scale import DOMAIN_KEYS
from training.assessments.signing import assessments_of, revoke_sign_off, sign_off, standing_sign_off
from training.assessments.standard import set_standard, standard_of, standard_row
from training.assessments.stations import StationBlock, StationView, TraineeRow, station_view, upcoming_labs
from training.assessments.teaching import (
    OPEN_STATES,
    confirmed_trainee_ids,
    is_confirmed,
    observable_sessions,
    session_label,
    session_skills,
    setting_of,
    skill_of_workshop,
    workshop_skills,
)

__all__ = [
    "DOMAIN_KEYS",
    "OPEN_STATES",
    "AssessmentData",
    "MatrixCell",
    "Progress",
    "SkillRecord",
    "SkillsMatrix",
    "StationBlock",
    "StationView",
    "TraineeRow",
    "assessments_of",
    "confirmed_trainee_ids",
    "is_confirmed",
    "observable_sessions",
    "own_assessment",
    "rating_of",
    "record_assessment",
    "revoke_sign_off",
    "session_label",
    "session_skills",
    "set_standard",
    "setting_of",
    "sign_off",
    "skill_of_workshop",
    "skill_record",
    "skills_matrix",
    "standard_of",
    "standard_row",
    "standing_sign_off",
    "station_view",
    "trainee_progress",
    "upcoming_labs",
    "workshop_skills",
]
