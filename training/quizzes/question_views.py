"""The quizzes pages for hotspot questions: faculty author them on a draft curriculum
version; the question's image is served to authors and to the trainees who drew it."""

from __future__ import annotations

import json

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from training.core.forms import choices
from training.core.permissions import ensure, ensure_or_404
from training.core.web import service_call
from training.curriculum.forms import words
from training.curriculum.models import Module, Question, QuestionKind
from training.extensions import db
from training.quizzes import bp, hotspots, permissions
from training.quizzes.forms import HotspotQuestionForm
from training.quizzes.views import me


def _hotspot_form(module: Module) -> HotspotQuestionForm:
    form = HotspotQuestionForm()
    form.objective_id.choices = choices((str(o.id), f"{o.key}: {o.text}") for o in module.objectives)
    return form


def _save_hotspot(module: Module, question: Question | None, form: HotspotQuestionForm) -> Question | None:
    upload = form.image.data
    # A real file part has a name and can be read; anything else sent as "image" is ignored.
    filename = getattr(upload, "filename", None)
    data = upload.read() if hasattr(upload, "read") and filename else None
    with service_call(form) as call:
        saved = hotspots.save_hotspot_question(
            module,
            question,
            stem=form.stem.data or "",
            objective_id=form.objective_id.data,
            explanation=form.explanation.data or "",
            regions_json=form.hotspots.data or "",
            image_data=data,
            refs=words(form.refs.data),
            tags=[tag.lower() for tag in words(form.tags.data)],
            actor=me(),
        )
    return saved if call.ok else None


@bp.route("/modules/<int:module_id>/hotspot-questions/new", methods=["GET", "POST"])
@login_required
def new_hotspot_question(module_id: int):
    module = db.get_or_404(Module, module_id)
    ensure(permissions.can_author_questions(current_user))
    form = _hotspot_form(module)
    if module.version.frozen:
        flash(hotspots.FROZEN, "warning")
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
        flash(hotspots.FROZEN, "warning")
    elif form.validate_on_submit() and _save_hotspot(module, question, form):
        flash("Hotspot question saved.", "success")
        return redirect(url_for("quizzes.edit_hotspot_question", question_id=question.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "quizzes/hotspot_form.html",
        form=form,
        module=module,
        question=question,
        size=hotspots.image_size(question),
    ), status


@bp.route("/questions/<int:question_id>/image")
@login_required
def question_image(question_id: int):
    question = db.get_or_404(Question, question_id)
    ensure_or_404(permissions.can_see_question(current_user, question))
    found = hotspots.image_file(question)
    if found is None:
        abort(404)
    data, media_type = found
    response = current_app.response_class(data, mimetype=media_type)
    response.headers["Cache-Control"] = "private, no-store"
    return response
