"""The quizzes pages: set-up, taking an attempt, results, gradebook, gain, item analysis,
and hotspot question authoring."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import User
from training.core import csv as safe_csv
from training.core.db import utcnow
from training.core.errors import DomainError
from training.core.forms import choices
from training.core.permissions import ensure, ensure_or_404
from training.core.web import json_error, page_number, show_domain_error, wants_json
from training.curriculum.forms import words
from training.curriculum.models import Module, Question, QuestionKind
from training.extensions import db
from training.quizzes import bp, permissions, rules, services
from training.quizzes.forms import (
    AccommodationForm,
    HotspotQuestionForm,
    OverrideForm,
    QuizForm,
    RemoveOverrideForm,
)
from training.quizzes.models import (
    Accommodation,
    Attempt,
    AttemptState,
    FeedbackTiming,
    GradeOverride,
    GradingMethod,
    Quiz,
    QuizPurpose,
)
from training.workshops.models import Workshop
from training.workshops.permissions import staffed_workshops
from training.workshops.views import register_workshop_argument

# A quiz of a draft workshop is as hidden as the workshop.
register_workshop_argument(
    "quiz_id", lambda quiz_id: db.session.scalar(sa.select(Quiz.workshop_id).where(Quiz.id == quiz_id))
)


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _load_quiz(quiz_id: int) -> Quiz:
    quiz = db.session.scalar(
        sa.select(Quiz)
        .where(Quiz.id == quiz_id)
        .options(joinedload(Quiz.workshop), selectinload(Quiz.modules), joinedload(Quiz.purpose_module))
    )
    if quiz is None:
        abort(404)
    return quiz


def _own_attempt(attempt_id: int) -> Attempt:
    """The attempt, only for its trainee: anyone else is told it does not exist."""
    attempt = services.load_attempt(attempt_id)
    ensure_or_404(attempt is not None and permissions.can_open_attempt(current_user, attempt))
    return attempt


# Setting quizzes up ------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/quizzes")
@login_required
def workshop_quizzes(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_see_workshop_quizzes(current_user, workshop))
    quizzes = services.workshop_quizzes(workshop)
    manage = permissions.can_manage_quizzes(current_user, workshop)
    mine = {}
    if not manage:
        cells = services.grades(workshop, quizzes, [_me()])
        mine = cells[current_user.id]
    return render_template(
        "quizzes/workshop_quizzes.html", workshop=workshop, quizzes=quizzes, manage=manage, mine=mine
    )


def _quiz_form(workshop: Workshop, quiz: Quiz | None = None) -> QuizForm:
    form = QuizForm(obj=quiz)
    modules = [(m.id, f"{m.code} {m.title}") for m in workshop.modules]
    form.module_ids.choices = modules
    form.purpose_module_id.choices = choices([(None, "—"), *modules])
    if quiz is not None and request.method == "GET":
        form.module_ids.data = [m.id for m in quiz.modules]
        form.grading_method.data = quiz.grading_method.value
        form.feedback_timing.data = quiz.feedback_timing.value
        form.purpose.data = quiz.purpose.value
        zone = workshop.zone
        form.opens_at.data = quiz.opens_at.astimezone(zone).replace(tzinfo=None) if quiz.opens_at else None
        form.closes_at.data = quiz.closes_at.astimezone(zone).replace(tzinfo=None) if quiz.closes_at else None
    return form


def _settings(form: QuizForm, workshop: Workshop) -> services.QuizSettings:
    zone = workshop.zone

    def at_venue(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=zone) if value else None

    return services.QuizSettings(
        title=form.title.data,
        module_ids=list(form.module_ids.data or []),
        question_count=form.question_count.data,
        pass_percent=form.pass_percent.data,
        instructions=form.instructions.data or "",
        shuffle_options=form.shuffle_options.data,
        time_limit_minutes=form.time_limit_minutes.data,
        opens_at=at_venue(form.opens_at.data),
        closes_at=at_venue(form.closes_at.data),
        max_attempts=form.max_attempts.data,
        grading_method=GradingMethod(form.grading_method.data),
        feedback_timing=FeedbackTiming(form.feedback_timing.data),
        purpose=QuizPurpose(form.purpose.data),
        purpose_module_id=form.purpose_module_id.data,
        required_for_certificate=form.required_for_certificate.data,
    )


@bp.route("/workshops/<int:workshop_id>/quizzes/new", methods=["GET", "POST"])
@login_required
def new_quiz(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_manage_quizzes(current_user, workshop))
    form = _quiz_form(workshop)
    if form.validate_on_submit():
        try:
            quiz = services.create_quiz(workshop, _settings(form, workshop), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash(f"Quiz {quiz.title} added.", "success")
            return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    status = 422 if request.method == "POST" else 200
    return render_template("quizzes/quiz_form.html", form=form, workshop=workshop, quiz=None), status


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@login_required
def edit_quiz(quiz_id: int):
    quiz = _load_quiz(quiz_id)
    ensure(permissions.can_manage_quizzes(current_user, quiz.workshop))
    form = _quiz_form(quiz.workshop, quiz)
    if form.validate_on_submit():
        try:
            services.update_quiz(quiz, _settings(form, quiz.workshop), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("Quiz saved.", "success")
            return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    status = 422 if request.method == "POST" else 200
    return render_template("quizzes/quiz_form.html", form=form, workshop=quiz.workshop, quiz=quiz), status


@bp.route("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    quiz = _load_quiz(quiz_id)
    ensure(permissions.can_see_workshop_quizzes(current_user, quiz.workshop))
    manage = permissions.can_manage_quizzes(current_user, quiz.workshop)
    standing = None if manage else services.standing(quiz, _me())
    summary = services.quiz_summary(quiz) if manage else None
    return render_template(
        "quizzes/quiz.html", quiz=quiz, manage=manage, standing=standing, summary=summary, now=utcnow()
    )


@bp.route("/workshops/<int:workshop_id>/accommodations", methods=["GET", "POST"])
@login_required
def accommodations(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_manage_quizzes(current_user, workshop))
    trainees = services.confirmed_trainees(workshop, order="name")
    form = AccommodationForm()
    form.trainee_id.choices = [(t.id, t.full_name) for t in trainees]
    if form.validate_on_submit():
        try:
            services.set_accommodation(
                workshop,
                form.trainee_id.data,
                form.time_factor.data,
                form.extra_attempts.data,
                form.note.data or "",
                actor=_me(),
            )
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("Accommodation saved.", "success")
            return redirect(url_for("quizzes.accommodations", workshop_id=workshop.id))
    granted = db.session.scalars(
        sa.select(Accommodation)
        .where(Accommodation.workshop_id == workshop.id)
        .options(joinedload(Accommodation.trainee))
    ).all()
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/accommodations.html", workshop=workshop, form=form, granted=granted
    ), status


# Taking a quiz -----------------------------------------------------------------------------


@bp.route("/quizzes/<int:quiz_id>/start", methods=["POST"])
@login_required
def start_attempt(quiz_id: int):
    quiz = _load_quiz(quiz_id)
    ensure(permissions.can_take_quiz(current_user, quiz))
    try:
        attempt = services.start_attempt(quiz, actor=_me())
    except DomainError as error:
        show_domain_error(error)
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    db.session.commit()
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


def _answers_from_form(attempt: Attempt) -> dict[int, tuple[list[str], str | None, str | None]]:
    """The answers in a posted attempt form, for the questions drawn into it."""
    answers = {}
    for item in attempt.questions:
        key = str(item.question_id)
        options = request.form.getlist(f"q-{key}")
        x, y = request.form.get(f"x-{key}"), request.form.get(f"y-{key}")
        if options or x or y or f"present-{key}" in request.form:
            answers[item.question_id] = (options, x, y)
    return answers


def _image_sizes(attempt_or_questions: Any) -> dict[int, tuple[int, int]]:
    sizes = {}
    for question in attempt_or_questions:
        if question.kind is QuestionKind.HOTSPOT and (size := services.image_size(question)):
            sizes[question.id] = size
    return sizes


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.state is AttemptState.GRADED:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    now = utcnow()
    if request.method == "POST":
        # The plain form's "Save answers" (without scripts, or as a fallback).
        try:
            for question_id, (options, x, y) in _answers_from_form(attempt).items():
                services.save_answer(attempt, question_id, options, x, y, actor=_me(), now=now)
        except services.TimeIsUp as error:
            db.session.commit()  # the attempt was closed and graded
            flash(error.message, "warning")
            return redirect(url_for("quizzes.result", attempt_id=attempt.id))
        except DomainError as error:
            show_domain_error(error)
        else:
            db.session.commit()
            flash("Your answers are saved.", "success")
            return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    overdue = not rules.accepts_answers(now, attempt.deadline_at)
    return render_template(
        "quizzes/attempt.html",
        attempt=attempt,
        quiz=attempt.quiz,
        now=now,
        overdue=overdue,
        sizes=_image_sizes(item.question for item in attempt.questions),
    )


@bp.route("/attempts/<int:attempt_id>/answer", methods=["POST"])
@login_required
def save_answer(attempt_id: int):
    """The autosave: one question's answer, answered in JSON."""
    attempt = _own_attempt(attempt_id)
    try:
        question_id = int(request.form.get("question_id", ""))
    except ValueError:
        return json_error(400, "Which question? question_id is missing.")
    key = str(question_id)
    try:
        item = services.save_answer(
            attempt,
            question_id,
            request.form.getlist(f"q-{key}"),
            request.form.get(f"x-{key}"),
            request.form.get(f"y-{key}"),
            actor=_me(),
        )
    except services.TimeIsUp as error:
        db.session.commit()
        return json_error(409, error.message, result=url_for("quizzes.result", attempt_id=attempt.id))
    except DomainError as error:
        db.session.rollback()
        return json_error(error.status_code, error.message)
    db.session.commit()
    return {"saved": True, "question_id": question_id, "answered": item.response is not None}


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit_attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    try:
        submission = services.submit_attempt(attempt, _answers_from_form(attempt), actor=_me())
    except DomainError as error:
        show_domain_error(error)
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    db.session.commit()
    if submission.already:
        flash("This attempt was already submitted; here is its result.", "info")
    elif submission.late:
        flash("Time was up: answers saved before the deadline were graded.", "warning")
    else:
        flash("Your attempt is submitted and graded.", "success")
    if wants_json():
        return {
            "attempt": attempt.id,
            "percent": str(submission.attempt.percent),
            "already": submission.already,
        }
    return redirect(url_for("quizzes.result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.state is not AttemptState.GRADED:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    quiz = attempt.quiz
    feedback = rules.show_feedback(quiz.feedback_timing.value, utcnow(), quiz.closes_at)
    return render_template(
        "quizzes/result.html",
        attempt=attempt,
        quiz=quiz,
        feedback=feedback,
        standing=services.standing(quiz, _me()),
        sizes=_image_sizes(item.question for item in attempt.questions) if feedback else {},
    )


# Faculty: gradebook, gain, item analysis -----------------------------------------------------


def _filtered_gradebook(workshop: Workshop) -> tuple[list[Quiz], list[services.GradebookRow], dict[str, str]]:
    quizzes, rows = services.gradebook(workshop)
    filters = {
        "quiz": request.args.get("quiz", ""),
        "status": request.args.get("status", ""),
        "q": request.args.get("q", "").strip()[:100],
    }
    if filters["quiz"].isdigit() and int(filters["quiz"]) in {q.id for q in quizzes}:
        quizzes = [q for q in quizzes if q.id == int(filters["quiz"])]
    else:
        filters["quiz"] = ""
    if filters["q"]:
        needle = filters["q"].casefold()
        rows = [r for r in rows if needle in r.trainee.full_name.casefold() or needle in r.trainee.email]
    status = filters["status"]
    if status == "passed":
        rows = [r for r in rows if all(r.cells[q.id].passed for q in quizzes)]
    elif status == "not_passed":
        rows = [r for r in rows if any(not r.cells[q.id].passed for q in quizzes)]
    elif status == "not_attempted":
        rows = [r for r in rows if any(r.cells[q.id].attempts_used == 0 for q in quizzes)]
    else:
        filters["status"] = ""
    return quizzes, rows, filters


@dataclass
class ListPage:
    """A page of a list already in memory, shaped like Flask-SQLAlchemy's pagination."""

    all_items: list[Any]
    page: int
    per_page: int

    @property
    def total(self) -> int:
        return len(self.all_items)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def items(self) -> list[Any]:
        start = (self.page - 1) * self.per_page
        return self.all_items[start : start + self.per_page]

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, **_: int) -> Any:
        last = None
        for number in range(1, self.pages + 1):
            if number <= 2 or number > self.pages - 2 or abs(number - self.page) <= 2:
                if last is not None and number > last + 1:
                    yield None
                yield number
                last = number


GRADEBOOK_PAGE_SIZE = 50


@bp.route("/workshops/<int:workshop_id>/gradebook")
@login_required
def gradebook(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_view_quiz_results(current_user, workshop))
    all_quizzes = services.workshop_quizzes(workshop)
    quizzes, rows, filters = _filtered_gradebook(workshop)
    page = ListPage(
        rows, min(page_number(), math.ceil(len(rows) / GRADEBOOK_PAGE_SIZE) or 1), GRADEBOOK_PAGE_SIZE
    )
    return render_template(
        "quizzes/gradebook.html",
        workshop=workshop,
        quizzes=quizzes,
        all_quizzes=all_quizzes,
        page=page,
        filters=filters,
    )


@bp.route("/workshops/<int:workshop_id>/gradebook.csv")
@login_required
def gradebook_csv(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_view_quiz_results(current_user, workshop))
    quizzes, rows, _ = _filtered_gradebook(workshop)
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["Trainee", "E-mail"]
    for quiz in quizzes:
        header += [
            f"{quiz.title}: score %",
            f"{quiz.title}: attempts",
            f"{quiz.title}: passed",
            f"{quiz.title}: manual",
        ]
    writer.writerow(safe_csv.safe_row(header))
    for row in rows:
        values: list[Any] = [row.trainee.full_name, row.trainee.email]
        for quiz in quizzes:
            cell = row.cells[quiz.id]
            values += [
                "" if cell.percent is None else str(cell.percent),
                cell.attempts_used,
                "yes" if cell.passed else "no",
                cell.override_reason if cell.overridden else "",
            ]
        writer.writerow(safe_csv.safe_row(values))
    filename = f"gradebook-workshop-{workshop.id}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/quizzes/<int:quiz_id>/grades/<int:trainee_id>", methods=["GET", "POST"])
@login_required
def override_grade(quiz_id: int, trainee_id: int):
    quiz = _load_quiz(quiz_id)
    ensure(permissions.can_manage_quizzes(current_user, quiz.workshop))
    trainee = db.get_or_404(User, trainee_id)
    if trainee.id not in {t.id for t in services.confirmed_trainees(quiz.workshop, order="name")}:
        abort(404)
    form = OverrideForm()
    remove = RemoveOverrideForm(prefix="remove")
    if request.method == "POST":
        removing = "remove-reason" in request.form
        chosen = remove if removing else form
        if chosen.validate_on_submit():
            try:
                if removing:
                    services.remove_override(quiz, trainee.id, remove.reason.data, actor=_me())
                else:
                    services.override_grade(
                        quiz, trainee.id, form.percent.data, form.reason.data, actor=_me()
                    )
            except DomainError as error:
                show_domain_error(error, chosen)
            else:
                db.session.commit()
                flash(f"Grade of {trainee.full_name} on {quiz.title} saved.", "success")
                return redirect(url_for("quizzes.gradebook", workshop_id=quiz.workshop_id))
    cell = services.grades(quiz.workshop, [quiz], [trainee])[trainee.id][quiz.id]
    attempts = services.attempts_of(quiz, trainee)
    existing = db.session.scalar(
        sa.select(GradeOverride).where(
            GradeOverride.quiz_id == quiz.id, GradeOverride.trainee_id == trainee.id
        )
    )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/override.html",
        quiz=quiz,
        trainee=trainee,
        form=form,
        remove=remove,
        cell=cell,
        attempts=attempts,
        existing=existing,
    ), status


@bp.route("/workshops/<int:workshop_id>/knowledge-gain")
@login_required
def knowledge_gain(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_view_quiz_results(current_user, workshop))
    report = services.knowledge_gain(workshop)
    return render_template("quizzes/gain.html", workshop=workshop, report=report)


@bp.route("/quizzes/<int:quiz_id>/analysis")
@login_required
def item_analysis(quiz_id: int):
    quiz = _load_quiz(quiz_id)
    ensure(permissions.can_view_quiz_results(current_user, quiz.workshop))
    analysis = services.item_analysis(quiz)
    peak = max((count for _, count in analysis.histogram), default=0) or 1
    return render_template("quizzes/analysis.html", quiz=quiz, analysis=analysis, peak=peak, rules=rules)


# Hotspot questions -------------------------------------------------------------------------


def _hotspot_form(module: Module) -> HotspotQuestionForm:
    form = HotspotQuestionForm()
    form.objective_id.choices = choices((str(o.id), f"{o.key}: {o.text}") for o in module.objectives)
    return form


def _save_hotspot(module: Module, question: Question | None, form: HotspotQuestionForm) -> Question | None:
    upload = form.image.data
    # A real file part has a name and can be read; anything else sent as "image" is ignored.
    data = upload.read() if hasattr(upload, "read") and getattr(upload, "filename", "") else None
    try:
        saved = services.save_hotspot_question(
            module,
            question,
            stem=form.stem.data or "",
            objective_id=form.objective_id.data,
            explanation=form.explanation.data or "",
            regions_json=form.hotspots.data or "",
            image_data=data,
            refs=words(form.refs.data),
            tags=[tag.lower() for tag in words(form.tags.data)],
            actor=_me(),
        )
    except DomainError as error:
        show_domain_error(error, form)
        return None
    db.session.commit()
    return saved


@bp.route("/modules/<int:module_id>/hotspot-questions/new", methods=["GET", "POST"])
@login_required
def new_hotspot_question(module_id: int):
    module = db.get_or_404(Module, module_id)
    ensure(permissions.can_author_questions(current_user))
    form = _hotspot_form(module)
    if module.version.frozen:
        flash(services.FROZEN, "warning")
    elif form.validate_on_submit() and (saved := _save_hotspot(module, None, form)):
        flash("Hotspot question added.", "success")
        return redirect(url_for("quizzes.edit_hotspot_question", question_id=saved.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/hotspot_form.html", form=form, module=module, question=None, size=None
    ), status


@bp.route("/questions/<int:question_id>/hotspot", methods=["GET", "POST"])
@login_required
def edit_hotspot_question(question_id: int):
    question = db.get_or_404(Question, question_id)
    ensure(permissions.can_author_questions(current_user))
    if question.kind is not QuestionKind.HOTSPOT:
        abort(404)
    module = question.module
    form = _hotspot_form(module)
    if request.method == "GET":
        form.stem.data = question.stem
        form.objective_id.data = question.objective_id
        form.explanation.data = question.explanation
        form.hotspots.data = json.dumps(question.hotspots)
        form.refs.data = ", ".join(question.refs)
        form.tags.data = ", ".join(question.tags)
    if module.version.frozen:
        flash(services.FROZEN, "warning")
    elif form.validate_on_submit() and _save_hotspot(module, question, form):
        flash("Hotspot question saved.", "success")
        return redirect(url_for("quizzes.edit_hotspot_question", question_id=question.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/hotspot_form.html",
        form=form,
        module=module,
        question=question,
        size=services.image_size(question),
    ), status


@bp.route("/questions/<int:question_id>/image")
@login_required
def question_image(question_id: int):
    question = db.get_or_404(Question, question_id)
    ensure_or_404(permissions.can_see_question(current_user, question))
    found = services.image_file(question)
    if found is None:
        abort(404)
    data, media_type = found
    response = current_app.response_class(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.app_template_global("quiz_dashboard")
def quiz_dashboard(user: Any) -> list[Quiz]:
    """The dashboard tile's quizzes: of my confirmed workshops, or of the workshops I staff."""
    from training.enrolments.models import Enrolment, EnrolmentState

    if not getattr(user, "is_authenticated", False):
        return []
    mine = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    staffed = staffed_workshops(user)
    return list(
        db.session.scalars(
            sa.select(Quiz)
            .where(sa.or_(Quiz.workshop_id.in_(mine), Quiz.workshop_id.in_(staffed)))
            .options(joinedload(Quiz.workshop))
            .order_by(Quiz.id.desc())
            .limit(8)
        )
    )
