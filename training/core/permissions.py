"""Who may do what: every access decision is a named predicate here.

Views call them (through ``ensure``) and templates call the same ones (as
``can.<name>``), so a button is shown exactly when pressing it is allowed.
Predicates take the acting user first and never read the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, g
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as SASession

from training.accounts.models import Role

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.core.jobs import Job
    from training.curriculum.models import CurriculumVersion, Question
    from training.quizzes.models import Attempt, Quiz
    from training.workshops.models import Workshop


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def is_admin(user: User) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def can_edit_own_profile(user: User) -> bool:
    return _signed_in(user)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_view_audit_log(user: User) -> bool:
    return is_admin(user)


def can_view_outbox(user: User) -> bool:
    return is_admin(user)


def can_export_own_data(user: User) -> bool:
    return _signed_in(user)


def can_erase_personal_data(user: User) -> bool:
    return is_admin(user)


def can_view_job(user: User, job: Job) -> bool:
    return _signed_in(user) and (job.created_by_id == user.id or is_admin(user))


# --- per-workshop duties (shared by every capability) ---
# A duty is held on one workshop (see workshops.models.Duty); admins may do
# everything an organizer of any workshop may do. A duty has effect only while its
# holder is active, holds a global role it needs, and is not a trainee (confirmed or
# waitlisted) of the same workshop. Every per-workshop check, in Python or in SQL,
# goes through ``_duties`` or ``staffed_workshops`` below.

# The global roles each duty needs (by the duty's value: this module is imported by
# the capabilities' views, so it must not import a capability package itself).
DUTY_NEEDS: dict[str, tuple[Role, ...]] = {
    "organizer": (Role.ORGANIZER, Role.ADMIN),
    "faculty": (Role.FACULTY,),
    "certifier": (Role.FACULTY,),
}


def duties_in_effect(user: User) -> frozenset[str]:
    """The duties that would have effect for this person, by their roles alone."""
    if not _signed_in(user):
        return frozenset()
    return frozenset(duty for duty, needs in DUTY_NEEDS.items() if any(user.has_role(r) for r in needs))


def trainee_of(workshop_id: int, person_id: int, *states: str) -> bool:
    """Whether the person has an enrolment in the workshop in one of ``states``
    (enrolment state values; confirmed or waitlisted when none is named)."""
    import sqlalchemy as sa

    from training.extensions import db
    from training.workshops.models import Enrolment, EnrolmentState

    wanted = [EnrolmentState(state) for state in states or ("confirmed", "waitlisted")]
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop_id, Enrolment.trainee_id == person_id, Enrolment.state.in_(wanted)
    )
    return db.session.scalar(query) is not None


_ENROLLED = "permissions.enrolled_in"


def enrolled_in(user: User, workshop_id: int) -> bool:
    """A trainee of the workshop: a confirmed or waitlisted enrolment.

    Asked by every duty check of a page, so kept in the database session until it next
    writes or its transaction ends (see ``_forget_enrolments``)."""
    from training.extensions import db

    known = db.session.info.setdefault(_ENROLLED, {})
    key = (user.id, workshop_id)
    if key not in known:
        known[key] = trainee_of(workshop_id, user.id)
    return known[key]


@sa_event.listens_for(SASession, "after_flush")
@sa_event.listens_for(SASession, "after_transaction_end")
def _forget_enrolments(session: SASession, *args: Any) -> None:
    session.info.pop(_ENROLLED, None)


def _duties(user: User, workshop: Workshop) -> set[str]:
    held = {duty.value for duty in workshop.duties_of(user)} & duties_in_effect(user)
    if held and enrolled_in(user, workshop.id):
        return set()  # a trainee of the workshop judges nobody on it
    return held


def staffed_workshops(user: User, *duties: str) -> Any:
    """The ids of the workshops where the person holds one of ``duties`` (any duty
    when none is named) with effect: the SQL twin of ``organizes``, ``teaches``,
    ``certifies`` and ``is_staff_of`` (admins excepted: callers decide for them)."""
    import sqlalchemy as sa

    from training.workshops.models import Duty, Enrolment, EnrolmentState, WorkshopStaff

    wanted = sorted(set(duties or DUTY_NEEDS) & duties_in_effect(user))
    as_trainee = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id,
        Enrolment.state.in_([EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED]),
    )
    return sa.select(WorkshopStaff.workshop_id).where(
        WorkshopStaff.user_id == user.id,
        WorkshopStaff.duty.in_([Duty(duty) for duty in wanted]),
        WorkshopStaff.workshop_id.not_in(as_trainee),
    )


def sees_drafts(user: User) -> bool:
    """Whether any draft could show to the person: admins, and whoever could hold a
    duty with effect. Everyone else sees exactly the published workshops."""
    return is_admin(user) or bool(duties_in_effect(user))


def organizes(user: User, workshop: Workshop) -> bool:
    return _signed_in(user) and (is_admin(user) or "organizer" in _duties(user, workshop))


def teaches(user: User, workshop: Workshop) -> bool:
    """Faculty on the workshop (certifying faculty teach too)."""
    return _signed_in(user) and bool({"faculty", "certifier"} & _duties(user, workshop))


def certifies(user: User, workshop: Workshop) -> bool:
    return _signed_in(user) and "certifier" in _duties(user, workshop)


def judges(user: User, workshop: Workshop, trainee_id: int) -> bool:
    """Whether the person may record something about this trainee on the workshop
    (attendance, a rating, a sign-off, a certificate), their duty aside: never about
    themselves, nor while they are a trainee of the same workshop."""
    return _signed_in(user) and user.id != trainee_id and not enrolled_in(user, workshop.id)


def is_staff_of(user: User, workshop: Workshop) -> bool:
    """Organizer or faculty of the workshop, or an admin."""
    return organizes(user, workshop) or teaches(user, workshop)


def can_create_workshop(user: User) -> bool:
    return _signed_in(user) and (is_admin(user) or user.has_role(Role.ORGANIZER))


# --- curriculum ---
# The catalogue is open to everyone (it says what the programme teaches); the
# content is for signed-in users; question banks (answer keys) and drafts are for
# authors: faculty, organizers and admins (global roles).


def can_browse_catalogue(user: User) -> bool:
    return True


def can_author_curriculum(user: User) -> bool:
    authors = (Role.ADMIN, Role.ORGANIZER, Role.FACULTY)
    return _signed_in(user) and any(user.has_role(role) for role in authors)


def can_view_curriculum_version(user: User, version: CurriculumVersion) -> bool:
    return _signed_in(user) and (version.frozen or can_author_curriculum(user))


def can_view_question_bank(user: User, version: CurriculumVersion) -> bool:
    return can_author_curriculum(user)


def can_edit_curriculum_version(user: User, version: CurriculumVersion) -> bool:
    """Authors edit drafts; a published version never changes."""
    return can_author_curriculum(user) and not version.frozen


# --- workshops ---


def can_view_workshop(user: User, workshop: Workshop) -> bool:
    """Drafts are seen by their own staff and admins; other workshops by anyone, signed in
    or not: a programme advertises its workshops (their pages show nothing private to
    those who are not staff, see templates/workshops/detail.html)."""
    from training.workshops.models import WorkshopState

    if workshop.state is not WorkshopState.DRAFT:
        return True
    return _signed_in(user) and is_staff_of(user, workshop)


def can_edit_workshop(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_manage_staff(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_manage_sessions(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_see_station_lists(user: User, workshop: Workshop) -> bool:
    """Who sees every trainee's station (trainees see only their own)."""
    return is_staff_of(user, workshop)


def can_edit_faculty_profile(user: User) -> bool:
    """Faculty (and organizers, who often teach) keep their own profile and disclosure."""
    return _signed_in(user) and (
        user.has_role(Role.FACULTY) or user.has_role(Role.ORGANIZER) or user.has_role(Role.ADMIN)
    )


def can_browse_workshops(user: User) -> bool:
    """Lists of workshops and faculty pages: anyone, signed in or not (drafts are
    filtered out for those who may not see them)."""
    return True


def can_view_schedule(user: User) -> bool:
    return _signed_in(user)


def can_manage_calendar_feed(user: User) -> bool:
    return _signed_in(user)


# --- enrolments ---


def can_enrol(user: User, workshop: Workshop) -> bool:
    """Enrol oneself: trainees who are not on the workshop's staff. Whether
    enrolment is open now is the service's decision, said in words."""
    return _signed_in(user) and user.has_role(Role.TRAINEE) and not is_staff_of(user, workshop)


def can_see_enrolment(user: User, workshop: Workshop) -> bool:
    """A workshop's enrolment page: any signed-in user once it is published;
    drafts only for their organizers."""
    from training.workshops.models import WorkshopState

    return _signed_in(user) and (workshop.state is not WorkshopState.DRAFT or organizes(user, workshop))


def can_view_own_enrolments(user: User) -> bool:
    return _signed_in(user)


def can_view_roster(user: User, workshop: Workshop) -> bool:
    """Organizers and faculty of the workshop see who comes."""
    return is_staff_of(user, workshop)


def can_manage_enrolments(user: User, workshop: Workshop) -> bool:
    """Enrol, remove, import, export and follow the workshop's mail: its organizers."""
    return organizes(user, workshop)


# --- attendance ---


def can_take_attendance(user: User, workshop: Workshop) -> bool:
    """Roll call, the check-in screen and the paper sign-in sheet."""
    return organizes(user, workshop) or teaches(user, workshop)


def can_view_attendance_report(user: User, workshop: Workshop) -> bool:
    """The trainees x sessions matrix and its CSV file."""
    return organizes(user, workshop) or teaches(user, workshop)


def can_configure_attendance(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_correct_attendance(user: User, workshop: Workshop) -> bool:
    """Change a mark outside roll call (before it opens, after the session), with a reason."""
    return organizes(user, workshop)


def can_view_attendance_record(user: User, workshop: Workshop, trainee_id: int) -> bool:
    """Staff of the workshop, or the trainee the record is about."""
    return can_take_attendance(user, workshop) or (_signed_in(user) and user.id == trainee_id)


def can_check_in(user: User) -> bool:
    return _signed_in(user)


def can_view_own_attendance(user: User) -> bool:
    return _signed_in(user)


# --- quizzes ---


def _confirmed_in(user: User, workshop_id: int) -> bool:
    import sqlalchemy as sa

    from training.extensions import db
    from training.workshops.models import Enrolment, EnrolmentState

    return _signed_in(user) and (
        db.session.scalar(
            sa.select(Enrolment.id).where(
                Enrolment.workshop_id == workshop_id,
                Enrolment.trainee_id == user.id,
                Enrolment.state == EnrolmentState.CONFIRMED,
            )
        )
        is not None
    )


def can_manage_quizzes(user: User, workshop: Workshop) -> bool:
    """Attach and set up quizzes, accommodations, the gradebook and its overrides."""
    return is_staff_of(user, workshop)


def can_view_quiz_results(user: User, workshop: Workshop) -> bool:
    """Gradebook, knowledge gain and item analysis."""
    return is_staff_of(user, workshop)


def can_see_workshop_quizzes(user: User, workshop: Workshop) -> bool:
    return is_staff_of(user, workshop) or _confirmed_in(user, workshop.id)


def can_take_quiz(user: User, quiz: Quiz) -> bool:
    return _confirmed_in(user, quiz.workshop_id)


def can_open_attempt(user: User, attempt: Attempt) -> bool:
    """Only its trainee; for anyone else the attempt does not exist (404)."""
    return _signed_in(user) and attempt.trainee_id == user.id


def can_author_questions(user: User) -> bool:
    """Faculty extend the question banks of draft curriculum versions in the browser."""
    return _signed_in(user) and any(user.has_role(r) for r in (Role.ADMIN, Role.ORGANIZER, Role.FACULTY))


def can_see_question(user: User, question: Question) -> bool:
    """Authors, and trainees who drew the question into one of their attempts."""
    if can_author_questions(user):
        return True
    if not _signed_in(user):
        return False
    import sqlalchemy as sa

    from training.extensions import db
    from training.quizzes.models import Attempt, AttemptQuestion

    return (
        db.session.scalar(
            sa.select(AttemptQuestion.id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(AttemptQuestion.question_id == question.id, Attempt.trainee_id == user.id)
            .limit(1)
        )
        is not None
    )


# --- assessments ---


def can_assess(user: User, workshop: Workshop) -> bool:
    """Rate trainees' practical skills: faculty of the workshop (certifiers included)."""
    return teaches(user, workshop)


def can_sign_off_skills(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop)


def can_view_skills_matrix(user: User, workshop: Workshop) -> bool:
    return is_staff_of(user, workshop)


def can_view_skill_record(user: User, workshop: Workshop, trainee_id: int) -> bool:
    """A trainee's assessments of one skill: the workshop's staff, and the trainee."""
    return is_staff_of(user, workshop) or (_signed_in(user) and user.id == trainee_id)


def can_compare_ratings(user: User, workshop: Workshop, *, has_rated: bool) -> bool:
    """See every rater's scores side by side. A faculty member who has not rated yet
    does not see the others' scores, so that their own rating stays independent."""
    return organizes(user, workshop) or certifies(user, workshop) or (teaches(user, workshop) and has_rated)


def can_view_own_progress(user: User) -> bool:
    return _signed_in(user)


# --- certificates ---


def can_view_eligibility(user: User, workshop: Workshop) -> bool:
    """Certifying faculty see who may be certified; organizers (and admins) too."""
    return certifies(user, workshop) or organizes(user, workshop)


def can_issue_certificates(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop) or is_admin(user)


def can_edit_certification_rules(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop) or organizes(user, workshop)


def can_download_workshop_certificates(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_view_evaluation_results(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_take_certificate_steps(user: User, workshop: Workshop) -> bool:
    """Evaluating the course and confirming one's name: the workshop's confirmed trainees."""
    from training.certificates.services import is_confirmed_trainee

    return _signed_in(user) and is_confirmed_trainee(workshop, user)


def can_view_certificate(user: User, certificate: Any) -> bool:
    """The holder, the workshop's certifying faculty and organizers, and admins."""
    return _signed_in(user) and (
        certificate.trainee_id == user.id
        or certifies(user, certificate.workshop)
        or organizes(user, certificate.workshop)
    )


def can_revoke_certificate(user: User, certificate: Any) -> bool:
    return certifies(user, certificate.workshop) or is_admin(user)


def can_reissue_certificate(user: User, certificate: Any) -> bool:
    return can_revoke_certificate(user, certificate)


def can_search_certificates(user: User) -> bool:
    return is_admin(user)


def can_view_my_certificates(user: User) -> bool:
    return _signed_in(user)


def can_view_own_workshop_progress(user: User, workshop: Workshop) -> bool:
    """A trainee's own progress on a workshop (attendance, quizzes, skills, what each
    certificate still needs): its confirmed trainees, each about themselves only."""
    return _confirmed_in(user, workshop.id)


def can_design_certificates(user: User) -> bool:
    """The programme's seal or logo on its certificates."""
    return is_admin(user)


def can_keep_signature(user: User) -> bool:
    """A signature image for the certificates one issues: faculty (who may certify) and admins."""
    return _signed_in(user) and (user.has_role(Role.FACULTY) or user.has_role(Role.ADMIN))


# --- planning ---


def can_copy_workshop(user: User, workshop: Workshop) -> bool:
    """Schedule the next edition: an organizer of the workshop who may create workshops."""
    return organizes(user, workshop) and can_create_workshop(user)


def can_view_programme_month(user: User) -> bool:
    """The month view shows what the catalogue shows (drafts only to those who see them)."""
    return can_browse_workshops(user)


def can_view_organizer_dashboard(user: User) -> bool:
    """Figures of the workshops one organizes (admins: of every workshop)."""
    return can_create_workshop(user)


# --- end of capability sections ---


def ensure(allowed: bool) -> None:
    """Stop the request with 403 unless ``allowed``."""
    g.permission_checked = True
    if not allowed:
        abort(403)


def ensure_or_404(allowed: bool) -> None:
    """``ensure`` for objects whose very existence is private (another trainee's
    attempt, a draft workshop): refuse with 404, as if there were nothing there."""
    g.permission_checked = True
    if not allowed:
        abort(404)


View = TypeVar("View", bound=Callable[..., Any])


def public(view: View) -> View:
    """Mark a view as open to everyone, signed in or not.

    Every other view must call ``ensure``; under test, a view that does
    neither fails the request (see ``create_app``), so no page can forget.
    """
    view.is_public = True  # type: ignore[attr-defined]
    return view


def was_checked(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, "is_public", False) or g.get("permission_checked"))


class TemplatePredicates:
    """``can.manage_users(current_user)`` in a template calls ``can_manage_users``."""

    def __getattr__(self, name: str) -> Any:
        for candidate in (f"can_{name}", name):
            predicate = globals().get(candidate)
            if callable(predicate) and candidate != "ensure":
                return predicate
        raise AttributeError(name)
