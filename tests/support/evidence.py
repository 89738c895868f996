"""Evidence from attendance, quizzes and assessments, made up for certificates tests.

Until those capabilities are merged, their providers are placeholders that
return empty evidence. The ``evidence`` fixture replaces the three provider
functions (``training.core.evidence`` is the contract) with ones that answer
from what a test declared::

    evidence.attended(trainee, percent=92)
    evidence.quiz(trainee, "Final quiz", passed=True)
    evidence.skill(trainee, "MFAT-201/skill-1", by="Prof. Rossi")
    evidence.ready(workshop, trainee)  # meets everything the defaults ask

This is the one place to change when real attendance, quiz and assessment
records replace it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from training.assessments import evidence as assessments
from training.assessments.scale import ENTRUSTMENT_BY_LEVEL
from training.attendance import evidence as attendance
from training.core.evidence import AttendanceEvidence, QuizEvidence, SkillEvidence
from training.quizzes import evidence as quizzes


@dataclass
class EvidenceBuilder:
    attendance: dict[int, AttendanceEvidence] = field(default_factory=dict)
    quizzes: dict[int, list[QuizEvidence]] = field(default_factory=dict)
    skills: dict[int, list[SkillEvidence]] = field(default_factory=dict)

    def attended(
        self,
        trainee: Any,
        percent: int | str = 100,
        *,
        threshold: int | str = 80,
        credit_hours: str = "12",
        scheduled_minutes: int = 720,
        missing_mandatory: tuple[str, ...] = (),
    ) -> EvidenceBuilder:
        share = Decimal(str(percent))
        self.attendance[trainee.id] = AttendanceEvidence(
            attended_minutes=int(scheduled_minutes * share / 100),
            scheduled_minutes=scheduled_minutes,
            percent=share,
            threshold_percent=Decimal(str(threshold)),
            missing_mandatory=tuple(missing_mandatory),
            credit_hours=Decimal(credit_hours),
        )
        return self

    def quiz(
        self,
        trainee: Any,
        title: str = "Final quiz",
        *,
        passed: bool = True,
        required: bool = True,
        score: int | None = 85,
        attempts: int = 1,
        quiz_id: int | None = None,
    ) -> EvidenceBuilder:
        taken = self.quizzes.setdefault(trainee.id, [])
        taken.append(
            QuizEvidence(
                quiz_id=quiz_id or 1000 + len(taken),
                title=title,
                required_for_certificate=required,
                passed=passed,
                score_percent=Decimal(score) if score is not None else None,
                attempts_used=attempts,
            )
        )
        return self

    def skill(
        self,
        trainee: Any,
        identity: str,
        title: str | None = None,
        *,
        signed_off: bool = True,
        by: str = "Prof. Chiara Rossi",
        osats: dict[str, int | None] | None = None,
        entrustment: int | None = 4,
        settings: tuple[str, ...] = ("bench model",),
        observed_by: tuple[str, ...] | None = None,
    ) -> EvidenceBuilder:
        self.skills.setdefault(trainee.id, []).append(
            SkillEvidence(
                skill_id=len(self.skills) + 1,
                identity=identity,
                title=title or identity,
                signed_off=signed_off,
                signed_off_by=by if signed_off else None,
                signed_off_at=datetime(2026, 5, 12, 15, 30, tzinfo=UTC) if signed_off else None,
                assessment_id=500 + len(self.skills) if signed_off else None,
                osats=osats if osats is not None else {"respect_for_tissue": 4, "instrument_handling": 5},
                entrustment=entrustment if signed_off else None,
                entrustment_words=ENTRUSTMENT_BY_LEVEL[entrustment].words
                if signed_off and entrustment
                else None,
                total_text="9/10" if signed_off else None,
                settings=settings if signed_off else (),
                observed_by=(observed_by if observed_by is not None else (by,)) if signed_off else (),
            )
        )
        return self

    def ready(self, workshop: Any, trainee: Any) -> EvidenceBuilder:
        """Full attendance and every skill of the workshop's modules signed off."""
        self.attended(trainee)
        for module in workshop.modules:
            for skill in module.skills:
                self.skill(trainee, f"{module.code}/{skill.key}", skill.title)
        return self

    # --- the replacement providers ---

    def _attendance(
        self, original: Any, workshop: Any, trainees: Any = None
    ) -> dict[int, AttendanceEvidence]:
        answer = original(workshop, trainees)
        answer.update({k: v for k, v in self.attendance.items() if k in answer})
        return answer

    def _quizzes(self, original: Any, workshop: Any, trainees: Any = None) -> dict[int, list[QuizEvidence]]:
        answer = original(workshop, trainees)
        answer.update({k: list(v) for k, v in self.quizzes.items() if k in answer})
        return answer

    def _skills(self, original: Any, workshop: Any, trainees: Any = None) -> dict[int, list[SkillEvidence]]:
        answer = original(workshop, trainees)
        answer.update({k: list(v) for k, v in self.skills.items() if k in answer})
        return answer


def install(monkeypatch: pytest.MonkeyPatch) -> EvidenceBuilder:
    builder = EvidenceBuilder()
    for module, name, method in (
        (attendance, "attendance_evidence", builder._attendance),
        (quizzes, "quiz_evidence", builder._quizzes),
        (assessments, "skill_evidence", builder._skills),
    ):
        original = getattr(module, name)
        monkeypatch.setattr(
            module, name, lambda workshop, trainees=None, o=original, m=method: m(o, workshop, trainees)
        )
    return builder


@pytest.fixture
def evidence(monkeypatch: pytest.MonkeyPatch) -> EvidenceBuilder:
    return install(monkeypatch)
