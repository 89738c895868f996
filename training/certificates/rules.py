"""Pure decisions for certificates: eligibility (every reason, not the first),
serial numbers with a check character, and evaluation averages.

Eligibility is judged at a given ``now``: only sessions that have ended count, so
nothing is certified before the last session a certificate counts has ended, and
a session to come is "not yet held", never "missed".

No database, no request: plain data in, plain data out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext, ngettext

from training.certificates.models import CertificateKind, QuizPolicy
from training.core.evidence import AttendanceEvidence, QuizEvidence, SkillEvidence
from training.core.urls import is_local

# --- the verification link --------------------------------------------------


def verification_link_refusal(base_url: str, *, local_allowed: bool) -> str | None:
    """Why no certificate may be stamped with links under ``base_url``, or None.

    A PDF outlives the server that made it: a link to 127.0.0.1 printed on it leads
    nowhere for whoever checks it, and the certificate cannot be corrected once issued.
    Only development and the tests may print one."""
    if local_allowed or not is_local(base_url):
        return None
    return (
        f"Certificates are not issued while TRAINING_BASE_URL is {base_url}: the verification link "
        "and QR code on them would lead to this server's own computer, which nobody else can reach. "
        "Set TRAINING_BASE_URL to the site's public address and restart the app."
    )


# --- serials ---------------------------------------------------------------
# Crockford's base 32 (no I, L, O, U: nothing to misread), 16 symbols = 80 random
# bits, then one check symbol: the number modulo 37, written with the 32 symbols
# and the five extra ones Crockford defines for checks.

SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = SYMBOLS + "*~$=U"
BODY_LENGTH = 16
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def check_symbol(body: str) -> str:
    value = 0
    for symbol in body:
        value = value * 32 + SYMBOLS.index(symbol)
    return CHECK_SYMBOLS[value % 37]


def serial_from_bytes(random_bytes: bytes) -> str:
    """A formatted serial from 10 random bytes: ``XXXX-XXXX-XXXX-XXXX-C``."""
    if len(random_bytes) != BODY_LENGTH * 5 // 8:
        raise ValueError("a serial needs exactly 10 random bytes")
    number = int.from_bytes(random_bytes, "big")
    body = "".join(SYMBOLS[(number >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
    return format_serial(body + check_symbol(body))


def format_serial(compact: str) -> str:
    body, check = compact[:BODY_LENGTH], compact[BODY_LENGTH:]
    groups = [body[i : i + GROUP] for i in range(0, BODY_LENGTH, GROUP)]
    return "-".join([*groups, check])


def normalise_serial(text: str) -> str | None:
    """The canonical serial for what someone typed (any case, with or without
    dashes, O for 0, I or L for 1), or None when it cannot be one of ours."""
    compact = "".join(text.split()).replace("-", "").upper()
    if len(compact) != BODY_LENGTH + 1:
        return None
    body, check = compact[:BODY_LENGTH].translate(_READ_AS), compact[BODY_LENGTH]
    if any(symbol not in SYMBOLS for symbol in body):
        return None
    check = check if check == "U" else check.translate(_READ_AS)
    if check not in CHECK_SYMBOLS or check_symbol(body) != check:
        return None
    return format_serial(body + check)


# Links and file names carry a serial without its check character: four of the check
# symbols (* ~ $ =) are reserved or unsafe in URLs and in file names on some systems.
# The check guards what people type; a link is copied or scanned, not typed.


def link_serial(serial: str) -> str:
    """The serial as links and file names write it: its four groups, no check character.
    Text that is not a serial of ours comes back unchanged."""
    full = normalise_serial(serial) or serial_from_link(serial)
    if full is None:
        return serial
    return full.rpartition("-")[0]


def serial_from_link(text: str) -> str | None:
    """The canonical serial a link or file name names: written without the check
    character (links made now) or with it (links made before), else None."""
    compact = "".join(text.split()).replace("-", "").upper()
    if len(compact) != BODY_LENGTH:
        return normalise_serial(text)
    body = compact.translate(_READ_AS)
    if any(symbol not in SYMBOLS for symbol in body):
        return None
    return format_serial(body + check_symbol(body))


# --- eligibility -----------------------------------------------------------


@dataclass(frozen=True)
class RequiredSkill:
    identity: str  # "MODULE-CODE/skill-key"
    title: str


@dataclass(frozen=True)
class Requirements:
    """What a workshop's certificates require (attendance's threshold and mandatory
    sessions come with the attendance evidence itself)."""

    quiz_policy: QuizPolicy = QuizPolicy.MARKED
    required_skills: tuple[RequiredSkill, ...] = ()
    evaluation_required: bool = False
    competence_enabled: bool = True
    workshop_open: bool = True  # neither a draft nor cancelled
    bilingual: bool = False  # certificates in English as well as in their holder's language


@dataclass(frozen=True)
class TraineeEvidence:
    trainee_id: int
    account_name: str
    confirmed_name: str | None = None
    attendance: AttendanceEvidence | None = None
    quizzes: tuple[QuizEvidence, ...] = ()
    skills: tuple[SkillEvidence, ...] = ()
    evaluation_done: bool = False

    def skill(self, identity: str) -> SkillEvidence | None:
        found = [s for s in self.skills if s.identity == identity and s.signed_off]
        return found[0] if found else next((s for s in self.skills if s.identity == identity), None)


@dataclass(frozen=True)
class Gap:
    """One requirement not met, in words, and where the trainee can act on it.

    ``step`` is one of: "workshop", "schedule" (sessions still to be held), "attendance",
    "quiz" (``ref`` is the quiz id), "skill", "competence", "evaluation", "name"."""

    text: str
    step: str
    ref: int | None = None


@dataclass(frozen=True)
class Eligibility:
    kind: CertificateKind
    met: tuple[str, ...] = ()
    gaps: tuple[Gap, ...] = ()
    # The skills that will be named on a competence certificate.
    skills: tuple[SkillEvidence, ...] = field(default=())

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(gap.text for gap in self.gaps)

    @property
    def ok(self) -> bool:
        return not self.gaps


def percent_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP).normalize():f}%"


def _attendance(
    evidence: AttendanceEvidence | None, now: datetime, met: list[str], missing: list[Gap]
) -> None:
    if evidence is None:
        missing.append(Gap(gettext("No attendance is recorded."), "attendance"))
        return
    # Only sessions that have ended are counted: with none held yet there is no share to judge.
    waiting = sessions_pending(evidence.last_ends_at, evidence.last_ends_label, now)
    time = "the time held so far" if waiting else "the scheduled time"
    if evidence.percent >= evidence.threshold_percent:
        met.append(
            f"Attended {percent_text(evidence.percent)} of {time} "
            f"(at least {percent_text(evidence.threshold_percent)} required)."
        )
    elif evidence.scheduled_minutes > 0 or not waiting:
        words = (
            gettext("Attended %(percent)s of the time held so far; at least %(threshold)s is required.")
            if waiting
            else gettext("Attended %(percent)s of the scheduled time; at least %(threshold)s is required.")
        )
        shares = {
            "percent": percent_text(evidence.percent),
            "threshold": percent_text(evidence.threshold_percent),
        }
        missing.append(Gap(words % shares, "attendance"))
    for session in evidence.missing_mandatory:
        missing.append(
            Gap(gettext("Missed the mandatory session %(session)s.", session=session), "attendance")
        )
    for session in evidence.mandatory_in_progress:
        missing.append(
            Gap(gettext("The mandatory session %(session)s is in progress.", session=session), "schedule")
        )
    upcoming = evidence.mandatory_not_yet_held
    if len(upcoming) > 2:
        # Before a workshop starts every session is to come: one line, not one per session.
        missing.append(
            Gap(
                gettext(
                    "%(count)s mandatory sessions are not yet held; the first is %(session)s.",
                    count=len(upcoming),
                    session=upcoming[0],
                ),
                "schedule",
            )
        )
    for session in upcoming if len(upcoming) <= 2 else ():
        missing.append(
            Gap(gettext("The mandatory session %(session)s is not yet held.", session=session), "schedule")
        )
    if waiting is not None:
        missing.append(Gap(waiting, "schedule"))


def sessions_pending(last_ends_at: datetime | None, last_ends_label: str, now: datetime) -> str | None:
    """Why nothing is certified yet at ``now`` when the last counted session ends later."""
    if last_ends_at is None or now >= last_ends_at:
        return None
    return gettext(
        "Not every session has been held: the last one ends %(moment)s. "
        "A certificate counts only sessions that have ended.",
        moment=last_ends_label,
    )


def required_quizzes(policy: QuizPolicy, quizzes: Iterable[QuizEvidence]) -> list[QuizEvidence]:
    if policy is QuizPolicy.NONE:
        return []
    if policy is QuizPolicy.ALL:
        return list(quizzes)
    return [quiz for quiz in quizzes if quiz.required_for_certificate]


def _quizzes(
    policy: QuizPolicy, quizzes: tuple[QuizEvidence, ...], met: list[str], missing: list[Gap]
) -> None:
    for quiz in required_quizzes(policy, quizzes):
        score = f" ({percent_text(quiz.score_percent)})" if quiz.score_percent is not None else ""
        if quiz.passed:
            met.append(f"Passed the quiz \u201c{quiz.title}\u201d{score}.")
        elif quiz.attempts_used == 0:
            missing.append(
                Gap(
                    gettext("Has not taken the quiz \u201c%(quiz)s\u201d.", quiz=quiz.title),
                    "quiz",
                    quiz.quiz_id,
                )
            )
        else:
            words = ngettext(
                "Has not passed the quiz \u201c%(quiz)s\u201d%(score)s, after %(num)d attempt.",
                "Has not passed the quiz \u201c%(quiz)s\u201d%(score)s, after %(num)d attempts.",
                quiz.attempts_used,
                quiz=quiz.title,
                score=score,
            )
            missing.append(Gap(words, "quiz", quiz.quiz_id))


def eligibility(
    kind: CertificateKind, requirements: Requirements, evidence: TraineeEvidence, *, now: datetime
) -> Eligibility:
    """Everything a trainee meets and everything still missing for one kind of certificate,
    at ``now``: the one answer certifying faculty and the trainee both see."""
    met: list[str] = []
    missing: list[Gap] = []
    if not requirements.workshop_open:
        missing.append(
            Gap(gettext("The workshop is not running: it is a draft or was cancelled."), "workshop")
        )
    _attendance(evidence.attendance, now, met, missing)
    _quizzes(requirements.quiz_policy, evidence.quizzes, met, missing)
    signed: list[SkillEvidence] = []
    if kind is CertificateKind.COMPETENCE:
        if not requirements.competence_enabled:
            missing.append(
                Gap(gettext("This workshop does not award a certificate of competence."), "competence")
            )
        elif not requirements.required_skills:
            missing.append(Gap(gettext("No skill is set to be certified on this workshop."), "competence"))
        for required in requirements.required_skills if requirements.competence_enabled else ():
            skill = evidence.skill(required.identity)
            if skill is not None and skill.signed_off:
                signed.append(skill)
                by = f" by {skill.signed_off_by}" if skill.signed_off_by else ""
                met.append(f"Skill \u201c{required.title}\u201d signed off{by}.")
            else:
                missing.append(
                    Gap(
                        gettext("Skill \u201c%(skill)s\u201d is not signed off.", skill=required.title),
                        "skill",
                    )
                )
    if requirements.evaluation_required:
        if evidence.evaluation_done:
            met.append("Completed the course evaluation.")
        else:
            missing.append(Gap(gettext("Has not completed the course evaluation."), "evaluation"))
    if evidence.confirmed_name:
        met.append(f"Confirmed the name for the certificate: \u201c{evidence.confirmed_name}\u201d.")
    else:
        missing.append(Gap(gettext("Has not confirmed the name to print on the certificate."), "name"))
    return Eligibility(kind, tuple(met), tuple(missing), tuple(signed))


# --- course evaluation -----------------------------------------------------


@dataclass(frozen=True)
class Average:
    count: int
    mean: Decimal | None  # one decimal; None without ratings
    distribution: tuple[int, ...]  # how many gave 1, 2, 3, 4, 5


def average(ratings: Iterable[int]) -> Average:
    values = [r for r in ratings if 1 <= r <= 5]
    distribution = tuple(values.count(score) for score in range(1, 6))
    if not values:
        return Average(0, None, distribution)
    mean = (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Average(len(values), mean, distribution)


# Fewer answers than this and the free-text comments could name their author to an organizer
# who knows who came; the figures are still shown.
MIN_ANSWERS_FOR_COMMENTS = 3


def comments_visible(answers: int) -> bool:
    return answers >= MIN_ANSWERS_FOR_COMMENTS


# Why a certificate was revoked, as anyone checking it may read. A short list, so that a
# certifier does not publish by accident what happened to whom; details are optional.
REVOCATION_REASONS: dict[str, str] = {
    "issued-in-error": "Issued in error.",
    "requirements-not-met": "The requirements for this certificate were not met.",
    "record-corrected": "A training record it relied on was corrected.",
    "holder-request": "Withdrawn at the holder's request.",
    "other": "Revoked by the programme.",
}
MAX_PUBLIC_DETAILS = 300


@dataclass(frozen=True)
class PublicReason:
    text: str  # what the verification page says
    problems: dict[str | None, list[str]] = field(default_factory=dict)


def public_revocation_reason(code: str, details: str) -> PublicReason:
    """The public wording of a revocation: the chosen reason, then the details if any.
    "Other" needs details to say anything."""
    details = " ".join(details.split())
    problems: dict[str | None, list[str]] = {}
    if code not in REVOCATION_REASONS:
        problems["reason_code"] = ["Choose a reason from the list."]
    elif code == "other" and len(details) < 5:
        problems["public_details"] = ['For "Other", say in a few words why (at least 5 characters).']
    if len(details) > MAX_PUBLIC_DETAILS:
        problems["public_details"] = [f"Keep the public details under {MAX_PUBLIC_DETAILS} characters."]
    if problems:
        return PublicReason("", problems)
    label = REVOCATION_REASONS[code]
    return PublicReason(f"{label} {details}".strip() if details else label)
