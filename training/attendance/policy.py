"""A workshop's attendance rules (minimum share, excused absences, late grace), and the
policy the rules module reads from them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.attendance import rules
from training.attendance.models import AttendanceSettings, ExcusedPolicy
from training.core import audit
from training.core.errors import InvalidInput
from training.extensions import db
from training.workshops.models import Workshop


def settings_for(workshop: Workshop) -> AttendanceSettings:
    found = db.session.scalar(
        sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == workshop.id)
    )
    return found or AttendanceSettings.defaults(workshop.id)


def policy_of(settings: AttendanceSettings, workshop: Workshop) -> rules.Policy:
    return rules.Policy(
        min_percent=Decimal(settings.min_percent),
        excused_policy=settings.excused_policy,
        late_grace_minutes=settings.late_grace_minutes,
        # The accreditation's cap per day and designated credits; no credit without accreditation.
        daily_cap_hours=Decimal(workshop.cme_daily_cap),
        offered_credit_hours=Decimal(workshop.cme_designated_credits or 0),
    )


def save_settings(
    workshop: Workshop,
    *,
    min_percent: Decimal,
    excused_policy: ExcusedPolicy,
    late_grace_minutes: int,
    actor: User,
) -> AttendanceSettings:
    problems: dict[str | None, list[str]] = {}
    if not Decimal(0) <= min_percent <= Decimal(100):
        problems["min_percent"] = ["Give a percentage from 0 to 100."]
    if not 0 <= late_grace_minutes <= 120:
        problems["late_grace_minutes"] = ["Give a number of minutes from 0 to 120."]
    if problems:
        raise InvalidInput(problems)
    settings = db.session.scalar(
        sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == workshop.id).with_for_update()
    )
    current = settings or AttendanceSettings.defaults(workshop.id)
    before = _settings_snapshot(current)
    if settings is None:
        settings = current
        db.session.add(settings)
    settings.min_percent = min_percent
    settings.excused_policy = excused_policy
    settings.late_grace_minutes = late_grace_minutes
    db.session.flush()
    audit.record_changes(
        "attendance.settings_changed",
        settings,
        before,
        _settings_snapshot(settings),
        actor=actor,
        summary=f"Attendance rules of {workshop.title}",
        workshop_id=workshop.id,
    )
    return settings


def _settings_snapshot(settings: AttendanceSettings) -> dict[str, Any]:
    return {
        "min_percent": str(Decimal(settings.min_percent).quantize(Decimal("0.01"))),
        "excused_policy": settings.excused_policy.value,
        "late_grace_minutes": settings.late_grace_minutes,
    }
