"""Assessments factories.

``make.assessment(workshop, trainee, skill, assessor, respect_for_tissue=2, ...)`` rates a
trainee (every domain 4 or ``value=``, entrustment 4, competent, all checklist steps done unless
given, observed at the workshop's first station session when it has one);
``make.signed_off(workshop, trainee, skill)`` leaves the skill signed off by the workshop's
certifying faculty, resting on an assessment it makes if there is none.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask

from training.accounts.models import User
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS
from training.core.db import utcnow
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Duty, Workshop


class AssessmentsFactories:
    app: Flask

    def assessment(
        self,
        workshop: Workshop,
        trainee: User,
        skill: Skill,
        assessor: User | None = None,
        **scores: Any,
    ) -> Assessment:
        with self.app.app_context():
            workshop = db.session.merge(workshop)
            skill = db.session.merge(skill)
            if assessor is None:
                assessor = workshop.staff_with(Duty.FACULTY)[0]
            default = scores.pop("value", 4)  # every domain not given
            values = {key: scores.pop(key, default) for key in DOMAIN_KEYS}
            done = scores.pop("done_steps", None)
            steps = [str(step["id"]) for step in skill.checklist]
            assessment = Assessment(
                workshop_id=workshop.id,
                trainee_id=trainee.id,
                skill_id=skill.id,
                assessor_id=assessor.id,
                checklist={step: (done is None or step in done) for step in steps},
                entrustment=scores.pop("entrustment", 4),
                competent=scores.pop("competent", True),
                feedback=scores.pop("feedback", "Gentle harvest; keep the cannula moving."),
                session_id=scores.pop("session_id", _station_session_id(workshop)),
                **values,
                **scores,
            )
            db.session.add(assessment)
            db.session.commit()
            db.session.refresh(assessment)
        return assessment

    def signed_off(
        self,
        workshop: Workshop,
        trainee: User,
        skill: Skill,
        *,
        certifier: User | None = None,
        assessment: Assessment | None = None,
        **fields: Any,
    ) -> SkillSignOff:
        with self.app.app_context():
            workshop = db.session.merge(workshop)
            if certifier is None:
                certifier = workshop.staff_with(Duty.CERTIFIER)[0]
            if assessment is None:
                assessment = db.session.scalar(
                    sa.select(Assessment)
                    .where(
                        Assessment.workshop_id == workshop.id,
                        Assessment.trainee_id == trainee.id,
                        Assessment.skill_id == skill.id,
                        Assessment.competent.is_(True),
                    )
                    .order_by(Assessment.id)
                )
            if assessment is None:
                assessment = self.assessment(workshop, trainee, skill, certifier)
            assessment = db.session.merge(assessment)
            record = SkillSignOff(
                workshop_id=workshop.id,
                trainee_id=trainee.id,
                skill_id=skill.id,
                assessment_id=assessment.id,
                signed_by_id=certifier.id,
                signed_at=fields.pop("signed_at", utcnow()),
                note=fields.pop("note", ""),
                assessments=[assessment],
                **fields,
            )
            db.session.add(record)
            db.session.commit()
            db.session.refresh(record)
        return record


def _station_session_id(workshop: Workshop) -> int | None:
    return next((s.id for s in workshop.sessions if s.kind.has_stations and not s.cancelled), None)
