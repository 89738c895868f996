"""The quizzes pages for setting quizzes up and reading their results: a workshop's
quizzes, a quiz's settings and page, accommodations, the gradebook and its overrides,
knowledge gain and item analysis. Taking a quiz is in ``attempt_views``, hotspot
question authoring in ``question_views``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from training.accounts.models import User
from training.core import page_parts
from training.core.csv import csv_response
from training.core.db import utcnow
from training.core.forms import choices
from training.core.permissions import ensure
from training.core.web import page_number, service_call
from training.extensions import db
from training.quizzes import analysis, attempts, bp, grading, permissions, rules, setup
from training.quizzes.forms import AccommodationForm, OverrideForm, QuizForm, RemoveOverrideForm
from training.quizzes.models import FeedbackTiming, GradingMethod, Quiz, QuizPurpose
from training.quizzes.setup import QuizSettings
from training.workshops.models import Workshop
from training.workshops.services import confirmed_trainees
from training.workshops.views import register_workshop_argument

# A quiz of a draft workshop is as hidden as the workshop.
register_workshop_argument("quiz_id", setup.workshop_id_of_quiz)


def me() -> User:
    """The signed-in person, the ``actor`` of the services."""
    return current_user._get_current_object()


def quiz_or_404(quiz_id: int) -> Quiz:
    quiz = setup.load_quiz(quiz_id)
    if quiz is None:
        abort(404)
    return quiz


# Setting quizzes up ------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/quizzes")
@login_required
def workshop_quizzes(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_see_workshop_quizzes(current_user, workshop))
    quizzes = setup.workshop_quizzes(workshop)
    manage = permissions.can_manage_quizzes(current_user, workshop)
    mine = {}
    if not manage:
        cells = grading.grades(workshop, quizzes, [me()])
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


def _settings(form: QuizForm, workshop: Workshop) -> QuizSettings:
    zone = workshop.zone

    def at_venue(value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=zone) if value else None

    return QuizSettings(
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
        with service_call(form) as call:
            quiz = setup.create_quiz(workshop, _settings(form, workshop), actor=me())
        if call.ok:
            flash(f"Quiz {quiz.title} added.", "success")
            return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    status = 422 if request.method == "POST" else 200
    return render_template("quizzes/quiz_form.html", form=form, workshop=workshop, quiz=None), status


@bp.route("/quizzes/<int:quiz_id>/edit", methods=["GET", "POST"])
@login_required
def edit_quiz(quiz_id: int):
    quiz = quiz_or_404(quiz_id)
    ensure(permissions.can_manage_quizzes(current_user, quiz.workshop))
    form = _quiz_form(quiz.workshop, quiz)
    if form.validate_on_submit():
        with service_call(form) as call:
            setup.update_quiz(quiz, _settings(form, quiz.workshop), actor=me())
        if call.ok:
            flash("Quiz saved.", "success")
            return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    status = 422 if request.method == "POST" else 200
    return render_template("quizzes/quiz_form.html", form=form, workshop=quiz.workshop, quiz=quiz), status


@bp.route("/quizzes/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    quiz = quiz_or_404(quiz_id)
    ensure(permissions.can_see_workshop_quizzes(current_user, quiz.workshop))
    manage = permissions.can_manage_quizzes(current_user, quiz.workshop)
    mine = None if manage else attempts.standing(quiz, me())
    summary = analysis.quiz_summary(quiz) if manage else None
    return render_template(
        "quizzes/quiz.html", quiz=quiz, manage=manage, standing=mine, summary=summary, now=utcnow()
    )


@bp.route("/workshops/<int:workshop_id>/accommodations", methods=["GET", "POST"])
@login_required
def accommodations(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_manage_quizzes(current_user, workshop))
    trainees = confirmed_trainees(workshop, order="name")
    form = AccommodationForm()
    form.trainee_id.choices = [(t.id, t.full_name) for t in trainees]
    if form.validate_on_submit():
        with service_call(form) as call:
            setup.set_accommodation(
                workshop,
                form.trainee_id.data,
                form.time_factor.data,
                form.extra_attempts.data,
                form.note.data or "",
                actor=me(),
            )
        if call.ok:
            flash("Accommodation saved.", "success")
            return redirect(url_for("quizzes.accommodations", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/accommodations.html", workshop=workshop, form=form, granted=setup.accommodations(workshop)
    ), status


# Faculty: gradebook, gain, item analysis -----------------------------------------------------


def _filtered_gradebook(workshop: Workshop) -> tuple[list[Quiz], list[grading.GradebookRow], dict[str, str]]:
    return grading.filtered_gradebook(
        workshop,
        quiz=request.args.get("quiz", ""),
        status=request.args.get("status", ""),
        q=request.args.get("q", ""),
    )


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
    all_quizzes = setup.workshop_quizzes(workshop)
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
    header = ["Trainee", "E-mail"]
    for quiz in quizzes:
        header += [
            f"{quiz.title}: score %",
            f"{quiz.title}: attempts",
            f"{quiz.title}: passed",
            f"{quiz.title}: manual",
        ]
    lines = []
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
        lines.append(values)
    return csv_response(f"gradebook-workshop-{workshop.id}.csv", header, lines)


@bp.route("/quizzes/<int:quiz_id>/grades/<int:trainee_id>", methods=["GET", "POST"])
@login_required
def override_grade(quiz_id: int, trainee_id: int):
    quiz = quiz_or_404(quiz_id)
    ensure(permissions.can_manage_quizzes(current_user, quiz.workshop))
    trainee = db.get_or_404(User, trainee_id)
    if trainee.id not in {t.id for t in confirmed_trainees(quiz.workshop, order="name")}:
        abort(404)
    form = OverrideForm()
    remove = RemoveOverrideForm(prefix="remove")
    if request.method == "POST":
        removing = "remove-reason" in request.form
        chosen = remove if removing else form
        if chosen.validate_on_submit():
            with service_call(chosen) as call:
                if removing:
                    grading.remove_override(quiz, trainee.id, remove.reason.data, actor=me())
                else:
                    grading.override_grade(quiz, trainee.id, form.percent.data, form.reason.data, actor=me())
            if call.ok:
                flash(f"Grade of {trainee.full_name} on {quiz.title} saved.", "success")
                return redirect(url_for("quizzes.gradebook", workshop_id=quiz.workshop_id))
    cell = grading.grades(quiz.workshop, [quiz], [trainee])[trainee.id][quiz.id]
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/override.html",
        quiz=quiz,
        trainee=trainee,
        form=form,
        remove=remove,
        cell=cell,
        attempts=attempts.attempts_of(quiz, trainee),
        existing=grading.grade_override(quiz, trainee.id),
    ), status


@bp.route("/workshops/<int:workshop_id>/knowledge-gain")
@login_required
def knowledge_gain(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_view_quiz_results(current_user, workshop))
    return render_template("quizzes/gain.html", workshop=workshop, report=analysis.knowledge_gain(workshop))


@bp.route("/quizzes/<int:quiz_id>/analysis")
@login_required
def item_analysis(quiz_id: int):
    quiz = quiz_or_404(quiz_id)
    ensure(permissions.can_view_quiz_results(current_user, quiz.workshop))
    report = analysis.item_analysis(quiz)
    peak = max((count for _, count in report.histogram), default=0) or 1
    return render_template("quizzes/analysis.html", quiz=quiz, analysis=report, peak=peak, rules=rules)


@page_parts.tile("quizzes")
def quiz_tile(user: Any) -> list[Quiz]:
    """The dashboard tile's quizzes: of my confirmed workshops, or of the workshops I staff."""
    return setup.dashboard_quizzes(user)
