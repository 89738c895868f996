"""The quizzes pages for taking a quiz: start an attempt, answer (the plain form and the
autosave), submit, and read the result."""

from __future__ import annotations

from collections.abc import Iterable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from training.core.db import utcnow
from training.core.errors import DomainError
from training.core.permissions import ensure, ensure_or_404
from training.core.web import commit_now, json_error, service_call, wants_json
from training.curriculum.models import Question, QuestionKind
from training.quizzes import attempts, bp, hotspots, permissions, rules
from training.quizzes.models import Attempt, AttemptState
from training.quizzes.views import me, quiz_or_404


def _own_attempt(attempt_id: int) -> Attempt:
    """The attempt, only for its trainee: anyone else is told it does not exist."""
    attempt = attempts.load_attempt(attempt_id)
    if attempt is None:
        abort(404)
    ensure_or_404(permissions.can_open_attempt(current_user, attempt))
    return attempt


def _answers_from_form(attempt: Attempt) -> attempts.Answers:
    """The answers in a posted attempt form, for the questions drawn into it."""
    answers: attempts.Answers = {}
    for item in attempt.questions:
        key = str(item.question_id)
        options = request.form.getlist(f"q-{key}")
        x, y = request.form.get(f"x-{key}"), request.form.get(f"y-{key}")
        if options or x or y or f"present-{key}" in request.form:
            answers[item.question_id] = (options, x, y)
    return answers


def _image_sizes(questions: Iterable[Question]) -> dict[int, tuple[int, int]]:
    sizes = {}
    for question in questions:
        if question.kind is QuestionKind.HOTSPOT and (size := hotspots.image_size(question)):
            sizes[question.id] = size
    return sizes


@bp.route("/quizzes/<int:quiz_id>/start", methods=["POST"])
@login_required
def start_attempt(quiz_id: int):
    quiz = quiz_or_404(quiz_id)
    ensure(permissions.can_take_quiz(current_user, quiz))
    with service_call() as call:
        attempt = attempts.start_attempt(quiz, actor=me())
    if not call.ok:
        return redirect(url_for("quizzes.quiz", quiz_id=quiz.id))
    return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.state is AttemptState.GRADED:
        return redirect(url_for("quizzes.result", attempt_id=attempt.id))
    now = utcnow()
    if request.method == "POST":
        # The plain form's "Save answers" (without scripts, or as a fallback).
        with service_call() as call:
            saved = attempts.save_answers(attempt, _answers_from_form(attempt), actor=me(), now=now)
        if call.ok and saved.time_is_up:
            flash(str(attempts.TIME_IS_UP), "warning")
            return redirect(url_for("quizzes.result", attempt_id=attempt.id))
        if call.ok:
            flash(gettext("Your answers are saved."), "success")
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
    answer = (request.form.getlist(f"q-{key}"), request.form.get(f"x-{key}"), request.form.get(f"y-{key}"))
    try:
        saved = attempts.save_answers(attempt, {question_id: answer}, actor=me())
    except DomainError as error:
        # Always JSON, whatever the request accepts: the page's script reads the message.
        return json_error(error.status_code, error.message)
    if saved.time_is_up:
        commit_now()  # the attempt was closed and graded: that stays, though the answer is refused
        return json_error(409, attempts.TIME_IS_UP, result=url_for("quizzes.result", attempt_id=attempt.id))
    return {"saved": True, "question_id": question_id, "answered": saved.items[0].response is not None}


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@login_required
def submit_attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    with service_call() as call:
        submission = attempts.submit_attempt(attempt, _answers_from_form(attempt), actor=me())
    if not call.ok:
        return redirect(url_for("quizzes.attempt", attempt_id=attempt.id))
    if submission.already:
        flash(gettext("This attempt was already submitted; here is its result."), "info")
    elif submission.late:
        flash(gettext("Time was up: answers saved before the deadline were graded."), "warning")
    else:
        flash(gettext("Your attempt is submitted and graded."), "success")
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
        standing=attempts.standing(quiz, me()),
        sizes=_image_sizes(item.question for item in attempt.questions) if feedback else {},
    )
