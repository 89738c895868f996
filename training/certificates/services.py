"""Certificates use cases: rules, names, evaluations, issue, revoke, re-issue, verify.

A certificate is issued in one transaction: its row is flushed (the database
refuses a second live certificate of a kind), then its signed PDF is written to
a temporary file and renamed into place. Should the transaction not commit,
the file is removed again, so there is never a row without its PDF nor a PDF
without its row. The PDF is rendered once; downloads serve the stored bytes,
checked against the digest kept in the row.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import User
from training.assessments import services as assessment_services
from training.assessments.scale import ENTRUSTMENT_SCALE, INSTRUMENT
from training.certificates import design, permissions, rules, signing
from training.certificates.evidence import confirmed_trainees, gather
from training.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateName,
    CertificateState,
    CertificationRules,
    CourseEvaluation,
    EvaluationRating,
    QuizPolicy,
    RatingTarget,
)
from training.core import audit, pdf
from training.core.db import Session, utcnow
from training.core.errors import Conflict, DomainError, InvalidInput, NotAllowed, NotFound
from training.core.mail import queue_mail
from training.core.urls import external_url, local_links_allowed
from training.core.venue_time import at_venue
from training.curriculum.models import Module
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import (
    Duty,
    SessionKind,
    Workshop,
    WorkshopSession,
    WorkshopState,
    workshop_modules,
)
from training.workshops.permissions import judges

STORAGE = "certificates"
# The families certificate.css names: a certificate set in a stand-in font is never issued.
CERTIFICATE_FONTS = ("EB Garamond", "DejaVu Sans")


class NotEligible(DomainError):
    """Refused because requirements are missing; ``reasons`` lists all of them."""

    status_code = 409

    def __init__(self, name: str, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(f"{name} is not eligible yet: " + " ".join(self.reasons))


# --- rules -----------------------------------------------------------------


def workshop_skills(workshop: Workshop) -> list[rules.RequiredSkill]:
    """Every skill of the workshop's modules, in curriculum order."""
    modules = (
        db.session.scalars(
            sa.select(Module)
            .join(workshop_modules, workshop_modules.c.module_id == Module.id)
            .where(workshop_modules.c.workshop_id == workshop.id)
            .options(joinedload(Module.skills))
            .order_by(Module.position)
        )
        .unique()
        .all()
    )
    return [
        rules.RequiredSkill(f"{module.code}/{skill.key}", f"{skill.title} ({module.code})")
        for module in modules
        for skill in sorted(module.skills, key=lambda s: (s.position, s.id))
    ]


def rules_of(workshop: Workshop) -> CertificationRules | None:
    return db.session.scalar(
        sa.select(CertificationRules).where(CertificationRules.workshop_id == workshop.id)
    )


def requirements(workshop: Workshop) -> rules.Requirements:
    row = rules_of(workshop)
    skills = workshop_skills(workshop)
    if row is not None and row.required_skills is not None:
        chosen = set(row.required_skills)
        skills = [skill for skill in skills if skill.identity in chosen]
    return rules.Requirements(
        quiz_policy=row.quiz_policy if row else QuizPolicy.MARKED,
        required_skills=tuple(skills),
        evaluation_required=row.evaluation_required if row else False,
        competence_enabled=row.competence_enabled if row else True,
        workshop_open=workshop.state in (WorkshopState.PUBLISHED, WorkshopState.COMPLETED),
    )


def save_rules(
    workshop: Workshop,
    *,
    quiz_policy: QuizPolicy,
    required_skills: list[str],
    evaluation_required: bool,
    competence_enabled: bool,
    actor: User,
    min_domain_score: int | None = None,
    required_entrustment: int | None = None,
) -> CertificationRules:
    """Save the rules; the competence standard with them when it is given."""
    if min_domain_score is not None or required_entrustment is not None:
        current = assessment_services.standard_of(workshop)
        assessment_services.set_standard(
            workshop,
            min_domain_score=current.min_domain_score if min_domain_score is None else min_domain_score,
            required_entrustment=current.required_entrustment
            if required_entrustment is None
            else required_entrustment,
            actor=actor,
        )
    known = {skill.identity for skill in workshop_skills(workshop)}
    unknown = [identity for identity in required_skills if identity not in known]
    if unknown:
        raise InvalidInput({"required_skills": [f"Not a skill of this workshop: {', '.join(unknown)}."]})
    row = rules_of(workshop)
    if row is None:
        row = CertificationRules(workshop_id=workshop.id, required_skills=None)
        db.session.add(row)
    before = _rules_dict(row)
    row.quiz_policy = quiz_policy
    row.required_skills = sorted(required_skills)
    row.evaluation_required = evaluation_required
    row.competence_enabled = competence_enabled
    db.session.flush()
    audit.record_changes(
        "certificates.rules",
        row,
        before,
        _rules_dict(row),
        actor=actor,
        summary=f"Certification rules of {workshop.title} changed",
        workshop_id=workshop.id,
    )
    return row


def _rules_dict(row: CertificationRules) -> dict[str, Any]:
    return {
        "quiz_policy": row.quiz_policy.value if row.quiz_policy else None,
        "required_skills": row.required_skills,
        "evaluation_required": row.evaluation_required,
        "competence_enabled": row.competence_enabled,
    }


# --- the trainee's side ----------------------------------------------------


def is_confirmed_trainee(workshop: Workshop, user: User) -> bool:
    return (
        db.session.scalar(
            sa.select(Enrolment.id).where(
                Enrolment.workshop_id == workshop.id,
                Enrolment.trainee_id == user.id,
                Enrolment.state == EnrolmentState.CONFIRMED,
            )
        )
        is not None
    )


def confirmed_name(workshop: Workshop, trainee: User) -> CertificateName | None:
    return db.session.scalar(
        sa.select(CertificateName).where(
            CertificateName.workshop_id == workshop.id, CertificateName.trainee_id == trainee.id
        )
    )


def confirm_name(workshop: Workshop, name: str, *, actor: User) -> CertificateName:
    """The trainee confirms the name, exactly as it must appear on their certificates."""
    name = " ".join(name.split())
    if not is_confirmed_trainee(workshop, actor):
        raise Conflict(
            "Only trainees with a confirmed place confirm a name for this workshop's certificates."
        )
    if not 2 <= len(name) <= 200:
        raise InvalidInput({"name": ["Enter your name as it must appear (2 to 200 characters)."]})
    if any(ord(char) < 32 for char in name):
        raise InvalidInput({"name": ["The name contains characters that cannot be printed."]})
    row = confirmed_name(workshop, actor)
    old = row.name if row else None
    if row is None:
        row = CertificateName(workshop_id=workshop.id, trainee_id=actor.id, name=name, confirmed_at=utcnow())
        db.session.add(row)
    else:
        row.name, row.confirmed_at = name, utcnow()
    db.session.flush()
    if old != name:
        audit.record(
            "certificates.name_confirmed",
            row,
            actor=actor,
            summary=f"Name for certificates confirmed as {name}",
            old={"name": old},
            new={"name": name},
            workshop_id=workshop.id,
        )
    return row


@dataclass(frozen=True)
class EvaluationTargets:
    sessions: list[WorkshopSession]
    faculty: list[User]


def evaluation_targets(workshop: Workshop) -> EvaluationTargets:
    """The sessions (no breaks, none cancelled) and the faculty a trainee may rate."""
    sessions = db.session.scalars(
        sa.select(WorkshopSession)
        .where(
            WorkshopSession.workshop_id == workshop.id,
            WorkshopSession.kind != SessionKind.BREAK,
            WorkshopSession.cancelled.is_(False),
        )
        .options(selectinload(WorkshopSession.faculty))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
    ).all()
    people: dict[int, User] = {}
    for member in workshop.staff:
        if member.duty in (Duty.FACULTY, Duty.CERTIFIER):
            people[member.user_id] = member.user
    for session in sessions:
        for person in session.faculty:
            people.setdefault(person.id, person)
    return EvaluationTargets(list(sessions), sorted(people.values(), key=lambda u: (u.full_name, u.id)))


def evaluation_open(workshop: Workshop) -> bool:
    """The evaluation opens on the workshop's first day, at the venue."""
    return utcnow().astimezone(workshop.zone).date() >= workshop.starts_on


def evaluation_of(workshop: Workshop, trainee: User) -> CourseEvaluation | None:
    return db.session.scalar(
        sa.select(CourseEvaluation).where(
            CourseEvaluation.workshop_id == workshop.id, CourseEvaluation.trainee_id == trainee.id
        )
    )


def submit_evaluation(
    workshop: Workshop,
    *,
    overall: int,
    comments: str,
    session_ratings: dict[int, int],
    faculty_ratings: dict[int, int],
    actor: User,
) -> CourseEvaluation:
    if not is_confirmed_trainee(workshop, actor):
        raise Conflict("Only trainees with a confirmed place evaluate this workshop.")
    if evaluation_of(workshop, actor) is not None:
        raise Conflict("You have already evaluated this workshop; an evaluation is answered once.")
    if not evaluation_open(workshop):
        raise Conflict(
            f"The evaluation opens on the first day of the workshop, {workshop.starts_on:%d %B %Y}."
        )
    targets = evaluation_targets(workshop)
    session_ids = {s.id for s in targets.sessions}
    faculty_ids = {u.id for u in targets.faculty}
    problems: dict[str | None, list[str]] = {}
    if not 1 <= overall <= 5:
        problems["overall"] = ["Choose an overall rating from 1 to 5."]
    ratings = [(RatingTarget.SESSION, k, v) for k, v in session_ratings.items() if k in session_ids]
    ratings += [(RatingTarget.FACULTY, k, v) for k, v in faculty_ratings.items() if k in faculty_ids]
    if any(not 1 <= value <= 5 for _, _, value in ratings):
        problems[None] = ["Every rating is from 1 to 5."]
    if len(comments) > 5000:
        problems["comments"] = ["Please keep comments under 5000 characters."]
    if problems:
        raise InvalidInput(problems)
    evaluation = CourseEvaluation(
        workshop_id=workshop.id,
        trainee_id=actor.id,
        overall=overall,
        comments=comments.strip(),
        submitted_at=utcnow(),
        ratings=[EvaluationRating(target=t, target_id=k, rating=v) for t, k, v in ratings],
    )
    db.session.add(evaluation)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("You have already evaluated this workshop; an evaluation is answered once.") from None
    return evaluation


@dataclass(frozen=True)
class RatedItem:
    label: str
    detail: str
    average: rules.Average


@dataclass(frozen=True)
class EvaluationResults:
    answers: int
    confirmed: int
    overall: rules.Average
    sessions: list[RatedItem]
    faculty: list[RatedItem]
    comments: list[str]
    comments_hidden: bool


def evaluation_results(workshop: Workshop) -> EvaluationResults:
    overall = db.session.scalars(
        sa.select(CourseEvaluation.overall).where(CourseEvaluation.workshop_id == workshop.id)
    ).all()
    rows = db.session.execute(
        sa.select(EvaluationRating.target, EvaluationRating.target_id, EvaluationRating.rating)
        .join(CourseEvaluation)
        .where(CourseEvaluation.workshop_id == workshop.id)
    ).all()
    by_target: dict[tuple[RatingTarget, int], list[int]] = {}
    for target, target_id, rating in rows:
        by_target.setdefault((target, target_id), []).append(rating)
    targets = evaluation_targets(workshop)
    zone = workshop.zone
    sessions = [
        RatedItem(
            s.title,
            f"{s.starts_at.astimezone(zone):%a %d %b %H:%M} {workshop.timezone}",
            rules.average(by_target.get((RatingTarget.SESSION, s.id), [])),
        )
        for s in targets.sessions
    ]
    faculty = [
        RatedItem(u.full_name, "", rules.average(by_target.get((RatingTarget.FACULTY, u.id), [])))
        for u in targets.faculty
    ]
    comments: list[str] = []
    visible = rules.comments_visible(len(overall))
    if visible:
        comments = list(
            db.session.scalars(
                sa.select(CourseEvaluation.comments)
                .where(CourseEvaluation.workshop_id == workshop.id, CourseEvaluation.comments != "")
                .order_by(CourseEvaluation.id)
            )
        )
    return EvaluationResults(
        answers=len(overall),
        confirmed=len(confirmed_trainees(workshop, order="name")),
        overall=rules.average(overall),
        sessions=sessions,
        faculty=faculty,
        comments=comments,
        comments_hidden=not visible and len(overall) > 0,
    )


# --- eligibility -----------------------------------------------------------


@dataclass
class EligibilityRow:
    trainee: User
    evidence: rules.TraineeEvidence
    results: dict[CertificateKind, rules.Eligibility]
    certificates: dict[CertificateKind, Certificate]


def live_certificates(workshop: Workshop) -> dict[tuple[int, CertificateKind], Certificate]:
    rows = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.workshop_id == workshop.id, Certificate.state == CertificateState.VALID
        )
    )
    return {(c.trainee_id, c.kind): c for c in rows}


def kinds_of(requirements_: rules.Requirements) -> list[CertificateKind]:
    kinds = [CertificateKind.ATTENDANCE]
    if requirements_.competence_enabled:
        kinds.append(CertificateKind.COMPETENCE)
    return kinds


def results_of(
    needs: rules.Requirements, evidence: rules.TraineeEvidence, now: datetime
) -> dict[CertificateKind, rules.Eligibility]:
    """A trainee's eligibility for each kind the workshop awards: what certifying faculty
    see in the table and the trainee sees on the workshop page, from the one rule."""
    return {kind: rules.eligibility(kind, needs, evidence, now=now) for kind in kinds_of(needs)}


def eligibility_table(workshop: Workshop) -> tuple[rules.Requirements, list[EligibilityRow]]:
    trainees = confirmed_trainees(workshop, order="name")
    needs = requirements(workshop)
    evidence = gather(workshop, trainees)
    live = live_certificates(workshop)
    now = utcnow()
    table = []
    for trainee in trainees:
        results = results_of(needs, evidence[trainee.id], now)
        certificates = {kind: live[(trainee.id, kind)] for kind in results if (trainee.id, kind) in live}
        table.append(EligibilityRow(trainee, evidence[trainee.id], results, certificates))
    return needs, table


def issue_refusal(workshop: Workshop) -> str | None:
    """Why no certificate of the workshop can be issued now (its counted sessions have not
    all ended), or None. The same words each trainee's eligibility gives."""
    last_ends_at = db.session.scalar(
        sa.select(WorkshopSession.ends_at)
        .where(
            WorkshopSession.workshop_id == workshop.id,
            WorkshopSession.kind != SessionKind.BREAK,
            WorkshopSession.cancelled.is_(False),
        )
        .order_by(WorkshopSession.ends_at.desc())
        .limit(1)
    )
    label = at_venue(last_ends_at, workshop, "%a %d %b %Y %H:%M")
    return rules.sessions_pending(last_ends_at, label, utcnow())


def trainee_eligibility(workshop: Workshop, trainee: User) -> dict[CertificateKind, rules.Eligibility]:
    """What one confirmed trainee meets and still misses, exactly as the table shows it."""
    evidence = gather(workshop, [trainee])
    return results_of(requirements(workshop), evidence[trainee.id], utcnow())


# --- issuing ---------------------------------------------------------------


def storage_root() -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / STORAGE


def stored_path(certificate: Certificate) -> Path:
    return Path(current_app.config["INSTANCE_PATH"]) / certificate.pdf_file


def new_serial() -> str:
    while True:
        serial = rules.serial_from_bytes(secrets.token_bytes(10))
        if db.session.scalar(sa.select(Certificate.id).where(Certificate.serial == serial)) is None:
            return serial


def _decimal_text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}".rstrip("0")


def _duration_text(minutes: int) -> str:
    hours, rest = divmod(max(0, minutes), 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def build_snapshot(
    workshop: Workshop,
    kind: CertificateKind,
    evidence: rules.TraineeEvidence,
    result: rules.Eligibility,
    *,
    serial: str,
    issued_at: datetime,
    actor: User | None,
) -> dict[str, Any]:
    """What the certificate certifies, frozen: later edits to the workshop change nothing."""
    certifiers = sorted(u.full_name for u in workshop.staff_with(Duty.CERTIFIER))
    attendance = evidence.attendance
    snapshot: dict[str, Any] = {
        "version": 3,
        "serial": serial,
        "kind": kind.value,
        "name": evidence.confirmed_name,
        "trainee_id": evidence.trainee_id,
        "workshop": {
            "id": workshop.id,
            "title": workshop.title,
            "starts_on": workshop.starts_on.isoformat(),
            "ends_on": workshop.ends_on.isoformat(),
            "venue": workshop.venue_name,
            "city": workshop.city,
            "country": workshop.country,
            "timezone": workshop.timezone,
            "curriculum": workshop.curriculum_version.title,
        },
        "modules": [{"code": m.code, "title": m.title} for m in workshop.modules],
        "certifiers": certifiers,
        "issued_at": issued_at.isoformat(),
        "issued_by": actor.full_name if actor else None,
        "requirements_met": list(result.met),
        # Version 3: the seal and the issuer's signature image, as files and their digests.
        **design.snapshot_images(actor),
    }
    if attendance is not None:
        snapshot["attendance"] = {
            "attended_minutes": attendance.attended_minutes,
            "scheduled_minutes": attendance.scheduled_minutes,
            "percent": str(attendance.percent),
        }
    if kind is CertificateKind.ATTENDANCE:
        minutes = attendance.attended_minutes if attendance is not None else 0
        snapshot["hours_attended"] = _duration_text(minutes)
        if workshop.accredited:
            # Credit is printed only for an accredited workshop, with its accreditor's statement.
            hours = attendance.credit_hours if attendance is not None else Decimal(0)
            snapshot["credit_hours"] = _decimal_text(hours)
            snapshot["accreditation"] = {
                "body": workshop.cme_accreditor,
                "statement": workshop.cme_statement,
                "designated_credits": _decimal_text(Decimal(workshop.cme_designated_credits)),
            }
    else:
        snapshot["instrument"] = f"{INSTRUMENT}; entrustment on the {ENTRUSTMENT_SCALE}"
        snapshot["standard"] = assessment_services.standard_of(workshop).words
        snapshot["skills"] = [
            {
                "identity": s.identity,
                "title": s.title,
                "signed_off_by": s.signed_off_by,
                "signed_off_at": s.signed_off_at.isoformat() if s.signed_off_at else None,
                "assessment_id": s.assessment_id,
                "osats": dict(s.osats),
                "total": s.total_text,
                "entrustment": s.entrustment,
                "entrustment_words": s.entrustment_words,
                "settings": list(s.settings),
                "observed_by": list(s.observed_by),
            }
            for s in result.skills
        ]
    return snapshot


def certificate_html(snapshot: dict[str, Any]) -> str:
    """The HTML a certificate's PDF is rendered from."""
    kind = CertificateKind(snapshot["kind"])
    programme = current_app.config["PROGRAMME_NAME"]
    verify_url = external_url("certificates.verify", serial=snapshot["serial"])
    metadata = pdf.Metadata(
        title=f"{kind.label}: {snapshot['name']}",
        author=programme,
        subject=f"{snapshot['workshop']['title']}, {snapshot['workshop']['starts_on']} to "
        f"{snapshot['workshop']['ends_on']}",
        keywords=("certificate", kind.value, f"serial {snapshot['serial']}"),
    )
    return pdf.html(
        "certificates/pdf/certificate.html",
        metadata=metadata,
        snapshot=snapshot,
        kind=kind,
        verify_url=verify_url,
        qr_uri=qr_data_uri(verify_url),
        dates=dates_text(snapshot["workshop"]["starts_on"], snapshot["workshop"]["ends_on"]),
        issued_on=issued_on_text(snapshot["issued_at"], snapshot["workshop"].get("timezone")),
        programme=programme,
        seal_uri=design.seal_uri(snapshot.get("seal")),
        signature_uri=design.signature_uri(snapshot.get("signature")),
    )


def render_certificate(snapshot: dict[str, Any]) -> bytes:
    """The signed PDF of a snapshot. Called once per certificate, at issue."""
    ensure_fonts_installed()
    document = pdf.render_html(certificate_html(snapshot))
    return signing.sign(
        document,
        reason=f"Certificate {snapshot['serial']} issued by {current_app.config['PROGRAMME_NAME']}",
        location=snapshot["workshop"]["city"],
    )


def qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2, dark="#0b2e3f")


def day_text(day: date) -> str:
    """The one way a certificate writes a date: 7 December 2026."""
    return f"{day.day} {day:%B %Y}"


def issued_on_text(issued_at: str, timezone: str | None) -> str:
    """The day of issue where the workshop took place."""
    moment = datetime.fromisoformat(issued_at)
    if timezone:
        moment = moment.astimezone(ZoneInfo(timezone))
    return day_text(moment.date())


def dates_text(starts_on: str, ends_on: str) -> str:
    first, last = datetime.fromisoformat(starts_on).date(), datetime.fromisoformat(ends_on).date()
    if first == last:
        return day_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day} to {last.day} {last:%B %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%B} to {last.day} {last:%B %Y}"
    return f"{day_text(first)} to {day_text(last)}"


# Files written in the current transaction: removed if it rolls back.
_PENDING = "certificate_files_written"


def _write_atomically(relative: str, content: bytes) -> Path:
    path = Path(current_app.config["INSTANCE_PATH"]) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".issuing-", suffix=".pdf")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    db.session.info.setdefault(_PENDING, []).append(path)
    return path


@sa.event.listens_for(Session, "after_commit")
def _keep_written_files(session: Any) -> None:
    session.info.pop(_PENDING, None)


@sa.event.listens_for(Session, "after_soft_rollback")
def _remove_written_files(session: Any, previous_transaction: Any) -> None:
    for path in session.info.pop(_PENDING, []):
        Path(path).unlink(missing_ok=True)


def _lock_enrolment(workshop: Workshop, trainee_id: int) -> Enrolment | None:
    """Serialises issuing for one trainee (a write transaction already does on SQLite)."""
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee_id)
        .with_for_update()
    )


def live_certificate(workshop: Workshop, trainee_id: int, kind: CertificateKind) -> Certificate | None:
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.workshop_id == workshop.id,
            Certificate.trainee_id == trainee_id,
            Certificate.kind == kind,
            Certificate.state == CertificateState.VALID,
        )
    )


def issue_certificate(
    workshop: Workshop,
    trainee_id: int,
    kind: CertificateKind,
    *,
    actor: User | None,
    evidence: dict[int, rules.TraineeEvidence] | None = None,
    needs: rules.Requirements | None = None,
    supersedes: Certificate | None = None,
) -> Certificate:
    """Issue one certificate: eligibility, snapshot, signed PDF, row. Raises
    ``NotEligible`` with every missing requirement, ``Conflict`` if one is live."""
    snapshot = draft_certificate(
        workshop, trainee_id, kind, actor=actor, evidence=evidence, needs=needs, supersedes=supersedes
    )
    return store_certificate(
        workshop, trainee_id, kind, snapshot, render_certificate(snapshot), actor=actor, supersedes=supersedes
    )


def ensure_fonts_installed() -> None:
    """Refuse (DomainError naming the package) to set a certificate in a stand-in font."""
    try:
        pdf.ensure_fonts(*CERTIFICATE_FONTS)
    except pdf.MissingFont as error:
        current_app.logger.error("%s", error)
        raise DomainError(f"Certificates cannot be made on this server now. {error}") from None


def ensure_links_reach_the_public() -> None:
    """Refuse (DomainError) to print a verification link that leads to this computer only."""
    problem = rules.verification_link_refusal(
        current_app.config["BASE_URL"], local_allowed=local_links_allowed(current_app)
    )
    if problem is not None:
        raise DomainError(problem)


def draft_certificate(
    workshop: Workshop,
    trainee_id: int,
    kind: CertificateKind,
    *,
    actor: User | None,
    evidence: dict[int, rules.TraineeEvidence] | None = None,
    needs: rules.Requirements | None = None,
    supersedes: Certificate | None = None,
) -> dict[str, Any]:
    """The snapshot a certificate would freeze, after every check; writes nothing.

    Rendering the snapshot needs no database, so a caller may end the transaction
    between drafting and ``store_certificate`` (bulk issue renders outside it, so that
    parallel workers do not wait on each other's rendering)."""
    if actor is not None and not permissions.can_issue_certificates(actor, workshop):
        raise NotAllowed("Only certifying faculty of this workshop (or an admin) may issue its certificates.")
    if actor is not None and not judges(actor, workshop, trainee_id):
        raise NotAllowed("Nobody certifies themselves, nor a fellow trainee of a workshop they attend.")
    ensure_links_reach_the_public()
    ensure_fonts_installed()
    enrolment = _lock_enrolment(workshop, trainee_id)
    if enrolment is None or enrolment.state is not EnrolmentState.CONFIRMED:
        raise NotFound("This person has no confirmed place on this workshop.")
    existing = live_certificate(workshop, trainee_id, kind)
    if existing is not None and existing is not supersedes:
        raise Conflict(f"{existing.trainee.full_name} already holds {kind.label.lower()} {existing.serial}.")
    needs = needs or requirements(workshop)
    if evidence is None or trainee_id not in evidence:
        evidence = gather(workshop, [enrolment.trainee])
    trainee_evidence = evidence[trainee_id]
    issued_at = utcnow()
    result = rules.eligibility(kind, needs, trainee_evidence, now=issued_at)
    if not result.ok:
        raise NotEligible(enrolment.trainee.full_name, result.missing)
    return build_snapshot(
        workshop, kind, trainee_evidence, result, serial=new_serial(), issued_at=issued_at, actor=actor
    )


def store_certificate(
    workshop: Workshop,
    trainee_id: int,
    kind: CertificateKind,
    snapshot: dict[str, Any],
    document: bytes,
    *,
    actor: User | None,
    supersedes: Certificate | None = None,
) -> Certificate:
    """Record a drafted certificate and its signed PDF, queue the holder's mail and
    audit it. The database refuses a second live certificate of a kind."""
    serial = snapshot["serial"]
    issued_at = datetime.fromisoformat(snapshot["issued_at"])
    if supersedes is not None:
        supersedes.state = CertificateState.SUPERSEDED
        supersedes.superseded_at = issued_at
        db.session.flush()
    relative = f"{STORAGE}/{workshop.id}/{rules.link_serial(serial)}.pdf"
    certificate = Certificate(
        serial=serial,
        workshop_id=workshop.id,
        trainee_id=trainee_id,
        kind=kind,
        state=CertificateState.VALID,
        snapshot=snapshot,
        pdf_file=relative,
        pdf_sha256=hashlib.sha256(document).hexdigest(),
        issued_at=issued_at,
        issued_by_id=actor.id if actor else None,
        supersedes=supersedes,
    )
    db.session.add(certificate)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Another request issued it a moment ago; the caller rolls back.
        raise Conflict(f"{snapshot['name']} already holds a {kind.label.lower()}.") from None
    _write_atomically(relative, document)
    trainee = db.session.get(User, trainee_id)
    assert trainee is not None
    queue_mail(
        trainee.email,
        f"Your {kind.label.lower()}: {workshop.title}",
        "certificate_issued",
        topic="certificates",
        workshop_id=workshop.id,
        name=snapshot["name"],
        kind_label=kind.label,
        workshop_title=workshop.title,
        serial=serial,
        download_url=external_url("certificates.download", serial=serial),
        verify_url=external_url("certificates.verify", serial=serial),
    )
    audit.record(
        "certificates.reissued" if supersedes is not None else "certificates.issued",
        certificate,
        actor=actor,
        summary=f"{kind.label} {serial} issued to {snapshot['name']}"
        + (f", replacing {supersedes.serial}" if supersedes is not None else ""),
        new={"serial": serial, "kind": kind.value, "name": snapshot["name"]},
        old={"serial": supersedes.serial} if supersedes is not None else None,
        workshop_id=workshop.id,
    )
    return certificate


def count_issued_since(workshop_id: int, kind: CertificateKind, since: datetime) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(
                Certificate.workshop_id == workshop_id,
                Certificate.kind == kind,
                Certificate.issued_at >= since,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class BulkOutcome:
    issued: int
    already: int
    not_eligible: int


def eligible_to_issue(workshop: Workshop, kind: CertificateKind) -> list[int]:
    """Ids of trainees eligible for ``kind`` who do not hold a live one yet."""
    _, table = eligibility_table(workshop)
    return [
        row.trainee.id
        for row in table
        if kind in row.results and row.results[kind].ok and kind not in row.certificates
    ]


def revoke_certificate(
    certificate: Certificate,
    reason_code: str,
    *,
    actor: User,
    public_details: str = "",
    internal_note: str = "",
) -> None:
    """Revoke a valid certificate with a public reason (from the list, with optional
    details) and an internal note for staff; the holder is told by mail."""
    reason = rules.public_revocation_reason(reason_code, public_details or "")
    if reason.problems:
        raise InvalidInput(reason.problems)
    if certificate.state is not CertificateState.VALID:
        raise Conflict(
            f"Certificate {certificate.serial} is {certificate.state.value}; only a valid one is revoked."
        )
    certificate.state = CertificateState.REVOKED
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_code = reason_code
    certificate.revocation_reason = reason.text
    certificate.revocation_note = (internal_note or "").strip()[:2000]
    db.session.flush()
    audit.record(
        "certificates.revoked",
        certificate,
        actor=actor,
        summary=f"Certificate {certificate.serial} of {certificate.holder_name} revoked",
        old={"state": "valid"},
        new={
            "state": "revoked",
            "reason": certificate.revocation_reason,
            "note": certificate.revocation_note,
        },
        workshop_id=certificate.workshop_id,
    )
    trainee = certificate.trainee
    if trainee.erased_at is None:
        queue_mail(
            trainee.email,
            f"Your certificate {certificate.serial} was revoked",
            "certificate_revoked",
            topic="certificates",
            workshop_id=certificate.workshop_id,
            certificate=certificate,
            workshop_title=certificate.snapshot.get("workshop", {}).get("title", ""),
            verify_link=external_url("certificates.verify", serial=certificate.serial),
        )


def reissue_certificate(certificate: Certificate, *, actor: User) -> Certificate:
    """A new certificate (new serial, current evidence and confirmed name) replacing a valid one."""
    if certificate.state is not CertificateState.VALID:
        raise Conflict(
            f"Certificate {certificate.serial} is {certificate.state.value}; only a valid one is re-issued."
        )
    workshop = certificate.workshop
    return issue_certificate(
        workshop, certificate.trainee_id, certificate.kind, actor=actor, supersedes=certificate
    )


# --- reading and verifying -------------------------------------------------


class StoredFileProblem(DomainError):
    status_code = 410


def stored_pdf(certificate: Certificate) -> bytes:
    """The stored PDF, exactly as issued: never re-rendered. Refused if it changed on disk."""
    path = stored_path(certificate)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        current_app.logger.error("certificate %s: stored PDF %s is missing", certificate.serial, path)
        raise StoredFileProblem(
            f"The PDF of certificate {certificate.serial} is missing from storage. "
            "An administrator has been told; it is not re-made silently."
        ) from None
    if hashlib.sha256(content).hexdigest() != certificate.pdf_sha256:
        current_app.logger.error(
            "certificate %s: stored PDF %s does not match its digest", certificate.serial, path
        )
        raise StoredFileProblem(
            f"The stored PDF of certificate {certificate.serial} does not match what was issued; "
            "it is not served."
        )
    return content


def find_by_serial(text: str) -> Certificate | None:
    """The certificate a serial names, typed with its check character or as links write it."""
    serial = rules.serial_from_link(text)
    if serial is None:
        return None
    return db.session.scalar(
        sa.select(Certificate)
        .where(Certificate.serial == serial)
        .options(selectinload(Certificate.superseded_by))
    )


@dataclass(frozen=True)
class Verification:
    serial: str
    status: str  # valid, revoked, superseded, unknown
    certificate: Certificate | None = None

    def public(self) -> dict[str, Any]:
        """What anyone may learn: the name, the workshop, the dates, the kind and the status."""
        answer: dict[str, Any] = {"serial": self.serial, "status": self.status}
        certificate = self.certificate
        if certificate is None:
            return answer
        workshop = certificate.snapshot.get("workshop", {})
        answer.update(
            kind=certificate.kind.value,
            kind_label=certificate.kind.label,
            name=certificate.holder_name,
            workshop=workshop.get("title"),
            starts_on=workshop.get("starts_on"),
            ends_on=workshop.get("ends_on"),
            issued_on=certificate.issued_at.date().isoformat(),
        )
        if certificate.state is CertificateState.REVOKED:
            answer.update(
                revoked_on=certificate.revoked_at.date().isoformat() if certificate.revoked_at else None,
                revocation_reason=certificate.revocation_reason,
            )
        if certificate.state is CertificateState.SUPERSEDED and certificate.superseded_by is not None:
            newer = certificate.superseded_by
            answer.update(
                superseded_on=certificate.superseded_at.date().isoformat()
                if certificate.superseded_at
                else None,
                superseded_by=newer.serial,
                superseded_by_url=external_url("certificates.verify", serial=newer.serial),
            )
        return answer


def verify(text: str) -> Verification:
    certificate = find_by_serial(text)
    if certificate is None:
        return Verification(rules.normalise_serial(text) or text.strip()[:40], "unknown")
    return Verification(certificate.serial, certificate.state.value, certificate)


def serial_in(reason: str) -> str | None:
    """The serial named by a signature's reason ("Certificate XXXX-... issued by ...")."""
    for word in reason.split():
        serial = rules.normalise_serial(word)
        if serial is not None:
            return serial
    return None


def search_registry(query: str, state: CertificateState | None) -> sa.Select:
    """Certificates, newest first, whose holder, holder's email, workshop or serial
    contains ``query``. People and workshops are matched in their own (small) tables
    first, so the certificates are filtered by id, never joined row by row."""
    statement = (
        sa.select(Certificate)
        .options(
            # Names and titles are shown: not the holders' roles, nor the workshops' staff.
            selectinload(Certificate.trainee).lazyload(User.role_links),
            selectinload(Certificate.workshop).lazyload(Workshop.staff),
        )
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    query = query.strip()
    if query:
        serial = rules.normalise_serial(query)
        pattern = f"%{query.lower()}%"
        people = sa.select(User.id).where(
            sa.or_(sa.func.lower(User.full_name).like(pattern), sa.func.lower(User.email).like(pattern))
        )
        workshops = sa.select(Workshop.id).where(sa.func.lower(Workshop.title).like(pattern))
        conditions = [
            Certificate.trainee_id.in_(people),
            Certificate.workshop_id.in_(workshops),
            Certificate.serial.like(f"%{query.upper()}%"),
        ]
        if serial is not None:
            conditions.append(Certificate.serial == serial)
        statement = statement.where(sa.or_(*conditions))
    if state is not None:
        statement = statement.where(Certificate.state == state)
    return statement
