"""Pure decisions about assessments: totals, checklists, disagreement between raters,
whether a skill may be signed off, and each trainee's profile over time.

Plain data in, plain data out: no database, no request, no current user.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from training.assessments.scale import (
    DISAGREEMENT_POINTS,
    DOMAIN_KEYS,
    DOMAINS_BY_KEY,
    ENTRUSTMENT_BY_LEVEL,
    FLOOR_DOMAIN_SCORE,
    FLOOR_ENTRUSTMENT,
    HIGHEST,
    LOWEST,
)


@dataclass(frozen=True)
class Rating:
    """One rater's assessment of one trainee on one skill, as the rules need it."""

    assessment_id: int
    assessor_id: int
    assessor_name: str
    scores: Mapping[str, int | None]  # None: the domain does not apply
    entrustment: int
    competent: bool
    critical_missed: tuple[str, ...] = ()  # texts of the critical checklist steps not done
    session_id: int | None = None  # the observed session; None on records older than the rule


@dataclass(frozen=True)
class Disagreement:
    domain: str
    title: str
    low: int
    high: int

    @property
    def spread(self) -> int:
        return self.high - self.low


@dataclass(frozen=True)
class Decision:
    ok: bool
    reasons: tuple[str, ...] = ()


# Scores and checklists -----------------------------------------------------------------------


def total(scores: Mapping[str, int | None]) -> int:
    """The OSATS total over the applicable domains."""
    return sum(value for key in DOMAIN_KEYS if (value := scores.get(key)) is not None)


def max_total(scores: Mapping[str, int | None]) -> int:
    """The highest total the applicable domains allow (35 when all seven apply)."""
    return HIGHEST * sum(1 for key in DOMAIN_KEYS if scores.get(key) is not None)


def score_problems(scores: Mapping[str, object], entrustment: object) -> dict[str | None, list[str]]:
    """Every missing or out-of-range score, by field name (all at once).

    A domain given as None does not apply; a domain absent from ``scores`` is missing.
    """
    problems: dict[str | None, list[str]] = {}
    for key in DOMAIN_KEYS:
        value = scores.get(key, ...)
        if value is not None and not _in_range(value, LOWEST, HIGHEST):
            problems[key] = [
                f"Choose a score from {LOWEST} to {HIGHEST} for {DOMAINS_BY_KEY[key].title.lower()}, "
                "or mark it not applicable."
            ]
    if not problems and all(scores.get(key) is None for key in DOMAIN_KEYS):
        problems[DOMAIN_KEYS[0]] = ["Rate at least one domain: not every domain can be not applicable."]
    if not _in_range(entrustment, min(ENTRUSTMENT_BY_LEVEL), max(ENTRUSTMENT_BY_LEVEL)):
        problems["entrustment"] = ["Choose an entrustment level from 1 to 5."]
    return problems


def _in_range(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


@dataclass(frozen=True)
class ChecklistResult:
    results: dict[str, bool]  # every step of the skill's checklist -> done
    unknown: tuple[str, ...]  # ids sent that the checklist does not have

    @property
    def done(self) -> int:
        return sum(self.results.values())


def critical_missed(
    checklist: Sequence[Mapping[str, object]], results: Mapping[str, object]
) -> tuple[str, ...]:
    """The texts of the critical (must-pass) steps of ``checklist`` not done in ``results``."""
    return tuple(
        str(step.get("text") or step["id"])
        for step in checklist
        if step.get("critical") and not results.get(str(step["id"]))
    )


def checklist_result(checklist: Sequence[Mapping[str, object]], done_ids: Iterable[str]) -> ChecklistResult:
    """Each step of ``checklist`` marked done when its id is in ``done_ids``."""
    step_ids = [str(step["id"]) for step in checklist]
    done = set(done_ids)
    return ChecklistResult(
        results={step_id: step_id in done for step_id in step_ids},
        unknown=tuple(sorted(done - set(step_ids))),
    )


# Raters ---------------------------------------------------------------------------------------


def disagreements(ratings: Sequence[Rating]) -> list[Disagreement]:
    """The domains on which some two raters are DISAGREEMENT_POINTS or more apart."""
    if len(ratings) < 2:
        return []
    found = []
    for key in DOMAIN_KEYS:
        values = [value for rating in ratings if (value := rating.scores.get(key)) is not None]
        if len(values) < 2:
            continue
        low, high = min(values), max(values)
        if high - low >= DISAGREEMENT_POINTS:
            found.append(Disagreement(key, DOMAINS_BY_KEY[key].title, low, high))
    return found


def split_judgement(ratings: Sequence[Rating]) -> bool:
    """Some raters judge the trainee competent and others not yet."""
    return len({rating.competent for rating in ratings}) > 1


def mean_scores(ratings: Sequence[Rating]) -> dict[str, float]:
    """Each domain's mean over the raters who rated it (empty without ratings; a domain
    nobody rated is left out)."""
    means = {}
    for key in DOMAIN_KEYS:
        values = [value for r in ratings if (value := r.scores.get(key)) is not None]
        if values:
            means[key] = round(sum(values) / len(values), 2)
    return means


# When and where an assessment is made ----------------------------------------------------------


@dataclass(frozen=True)
class ObservedSession:
    """The session an assessment says the trainee was watched at, as the rule needs it."""

    label: str  # the title with its venue date and time
    of_workshop: bool
    teaches_skill: bool  # a station session, or a session of a module that has the skill
    cancelled: bool
    is_break: bool
    starts_at: datetime  # aware UTC


def observation_problem(session: ObservedSession | None, now: datetime) -> str | None:
    """Why an assessment may not be recorded against ``session`` at ``now``, or None.

    An assessment describes an observed attempt: it names the session, and it is
    recorded during or after that session, never before it starts.
    """
    if session is None:
        return "Choose the session at which you watched the trainee."
    if not session.of_workshop or session.is_break or not session.teaches_skill:
        return "Choose a station session, or another session of this workshop that teaches the skill."
    if session.cancelled:
        return f"The session {session.label} was cancelled: nobody was observed there."
    if now < session.starts_at:
        return (
            f"The session {session.label} has not started yet: an assessment records an attempt "
            "you watched, so it can be recorded only once the session has begun."
        )
    return None


# The competence standard ----------------------------------------------------------------------


@dataclass(frozen=True)
class Standard:
    """What a sign-off must meet, set per workshop in advance; never below the floor."""

    min_domain_score: int = FLOOR_DOMAIN_SCORE
    required_entrustment: int = FLOOR_ENTRUSTMENT

    @property
    def words(self) -> str:
        level = ENTRUSTMENT_BY_LEVEL[self.required_entrustment]
        return (
            f"no applicable OSATS domain below {self.min_domain_score} of {HIGHEST}, every critical "
            f"checklist step done, and O-SCORE entrustment {level.words} or higher"
        )


def standard_problems(min_domain_score: object, required_entrustment: object) -> dict[str | None, list[str]]:
    """Why a proposed standard may not be set: it may be stricter than the floor, never looser."""
    problems: dict[str | None, list[str]] = {}
    if not _in_range(min_domain_score, FLOOR_DOMAIN_SCORE, HIGHEST):
        problems["min_domain_score"] = [
            f"The lowest domain score allowed must be from {FLOOR_DOMAIN_SCORE} to {HIGHEST}: "
            f"the standard may be stricter than {FLOOR_DOMAIN_SCORE}, never looser."
        ]
    top = max(ENTRUSTMENT_BY_LEVEL)
    if not _in_range(required_entrustment, FLOOR_ENTRUSTMENT, top):
        problems["required_entrustment"] = [
            f"The entrustment required must be from {FLOOR_ENTRUSTMENT} to {top}: "
            f"the standard may be stricter than {FLOOR_ENTRUSTMENT}, never looser."
        ]
    return problems


def shortfalls(rating: Rating, standard: Standard) -> list[str]:
    """Every way ``rating`` falls short of ``standard`` (empty when it meets it)."""
    reasons = []
    for key in DOMAIN_KEYS:
        value = rating.scores.get(key)
        if value is not None and value < standard.min_domain_score:
            reasons.append(
                f"{DOMAINS_BY_KEY[key].title} scored {value}; the standard asks for at least "
                f"{standard.min_domain_score}."
            )
    for step in rating.critical_missed:
        reasons.append(f"The critical step \u201c{step}\u201d was not done.")
    if rating.entrustment < standard.required_entrustment:
        have = ENTRUSTMENT_BY_LEVEL[rating.entrustment].words
        need = ENTRUSTMENT_BY_LEVEL[standard.required_entrustment].words
        reasons.append(f"Entrustment is {have}; the standard asks for {need} or higher.")
    if not rating.competent:
        reasons.append(f"The assessor ({rating.assessor_name}) judged the trainee not yet competent.")
    return reasons


# Signing a skill off --------------------------------------------------------------------------


@dataclass(frozen=True)
class SignOffRequest:
    signer_id: int
    signer_certifies: bool  # certifying faculty of the workshop
    trainee_id: int
    trainee_confirmed: bool  # holds a confirmed place on the workshop
    workshop_open: bool  # published or completed (not a draft, not cancelled)
    already_signed_off: bool
    ratings: Sequence[Rating]  # every assessment of this trainee and skill in this workshop
    evidence_id: int | None  # the assessment chosen as the evidence on record
    reviewed_disagreement: bool = False  # the certifier confirms they weighed dissent
    note: str = ""
    standard: Standard = Standard()


def sign_off_decision(request: SignOffRequest) -> Decision:
    """May this certifier sign this skill off now? Lists every reason it may not."""
    reasons: list[str] = []
    if not request.signer_certifies:
        reasons.append("Only certifying faculty of this workshop may sign a skill off.")
    if request.signer_id == request.trainee_id:
        reasons.append("Nobody may sign off their own skill.")
    if not request.workshop_open:
        reasons.append("Skills are signed off only on a published or completed workshop.")
    if not request.trainee_confirmed:
        reasons.append("The trainee does not hold a confirmed place on this workshop.")
    if request.already_signed_off:
        reasons.append("This skill is already signed off for this trainee.")
    if not request.ratings:
        reasons.append("Nobody has assessed this skill yet: a sign-off rests on an assessment.")
    else:
        evidence = next((r for r in request.ratings if r.assessment_id == request.evidence_id), None)
        if evidence is None:
            reasons.append("Choose the assessment that justifies the sign-off.")
        else:
            if evidence.session_id is None:
                reasons.append(
                    f"The chosen assessment (by {evidence.assessor_name}) names no session at which the "
                    "trainee was observed on this workshop; it cannot back a sign-off."
                )
            reasons.extend(
                f"Below the competence standard: {reason}"
                for reason in shortfalls(evidence, request.standard)
            )
        dissent = _dissent(request.ratings)
        if dissent and not request.reviewed_disagreement:
            reasons.append(f"{dissent} Review the assessments and confirm that you have weighed them.")
        if dissent and request.reviewed_disagreement and not request.note.strip():
            reasons.append("Say in the note why you sign off despite the raters' disagreement.")
    return Decision(ok=not reasons, reasons=tuple(reasons))


def _dissent(ratings: Sequence[Rating]) -> str:
    parts = []
    found = disagreements(ratings)
    if found:
        parts.append(
            "The raters disagree by 2 points or more on " + ", ".join(d.title.lower() for d in found) + "."
        )
    not_yet = [r.assessor_name for r in ratings if not r.competent]
    if not_yet:
        parts.append(f"Judged not yet competent by {', '.join(not_yet)}.")
    return " ".join(parts)


def revoke_problems(*, standing: bool, reason: str) -> list[str]:
    problems = []
    if not standing:
        problems.append("This sign-off has already been revoked.")
    if not reason.strip():
        problems.append("Give the reason for revoking the sign-off; it is kept in the record.")
    return problems


# Progress over time ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProfileEntry:
    """One rating of the trainee, with where it was made."""

    identity: str  # the skill across curriculum versions, "MODULE/key"
    skill_title: str
    workshop_id: int
    workshop_title: str
    workshop_starts_on: date
    rating: Rating
    signed_off: bool = False


@dataclass(frozen=True)
class WorkshopProfile:
    workshop_id: int
    workshop_title: str
    starts_on: date
    means: dict[str, float]
    mean_total: float
    raters: int
    best_entrustment: int
    competent: bool  # the majority judgement (ties count as not yet)
    signed_off: bool


@dataclass(frozen=True)
class SkillProgress:
    identity: str
    title: str
    workshops: tuple[WorkshopProfile, ...]  # oldest first

    @property
    def latest(self) -> WorkshopProfile:
        return self.workshops[-1]

    @property
    def change(self) -> float | None:
        """The mean total's change since the previous workshop, if there was one."""
        if len(self.workshops) < 2:
            return None
        return round(self.workshops[-1].mean_total - self.workshops[-2].mean_total, 2)


def progress(entries: Iterable[ProfileEntry]) -> list[SkillProgress]:
    """The trainee's profile per skill identity, one point per workshop, oldest first."""
    by_skill: dict[str, dict[int, list[ProfileEntry]]] = {}
    for entry in entries:
        by_skill.setdefault(entry.identity, {}).setdefault(entry.workshop_id, []).append(entry)
    result = []
    for identity, workshops in by_skill.items():
        points = []
        for workshop_entries in workshops.values():
            first = workshop_entries[0]
            ratings = [e.rating for e in workshop_entries]
            means = mean_scores(ratings)
            points.append(
                WorkshopProfile(
                    workshop_id=first.workshop_id,
                    workshop_title=first.workshop_title,
                    starts_on=first.workshop_starts_on,
                    means=means,
                    mean_total=round(sum(means.values()), 2),
                    raters=len(ratings),
                    best_entrustment=max(r.entrustment for r in ratings),
                    competent=sum(r.competent for r in ratings) * 2 > len(ratings),
                    signed_off=any(e.signed_off for e in workshop_entries),
                )
            )
        points.sort(key=lambda p: (p.starts_on, p.workshop_id))
        latest_title = max(
            (e for w in workshops.values() for e in w), key=lambda e: (e.workshop_starts_on, e.workshop_id)
        ).skill_title
        result.append(SkillProgress(identity, latest_title, tuple(points)))
    result.sort(key=lambda s: s.identity)
    return result
