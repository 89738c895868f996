"""The curriculum pages: catalogue, versions, modules, the prerequisite path,
the anatomy index, comparison, and authoring in a draft."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.utils import secure_filename

from training.core.errors import Conflict, InvalidInput
from training.core.forms import choices
from training.core.permissions import ensure, public
from training.core.web import service_call
from training.curriculum import bp, graph, permissions, services
from training.curriculum.forms import CompareForm, ImageForm, ModuleForm, QuestionForm, SkillForm, lines
from training.curriculum.models import (
    Curriculum,
    CurriculumVersion,
    Module,
    Question,
    QuestionKind,
    Skill,
)
from training.curriculum.rules import CRITICAL_MARK, checklist_from_lines
from training.extensions import db


@bp.app_context_processor
def curriculum_helpers() -> dict[str, Any]:
    def has_endpoint(name: str) -> bool:
        """Links to pages another capability may not have yet (e.g. hotspot authoring)."""
        return name in current_app.view_functions

    return {"has_endpoint": has_endpoint}


def _version_or_404(version_id: int) -> CurriculumVersion:
    version = services.load_version(version_id)
    if version is None:
        abort(404)
    return version


def _module_or_404(module_id: int) -> Module:
    module = db.session.get(
        Module, module_id, options=[joinedload(Module.version), selectinload(Module.objectives)]
    )
    if module is None:
        abort(404)
    return module


def _graph(version: CurriculumVersion) -> dict[str, Any]:
    """What ``curriculum/_graph.svg`` needs: the geometry and each box's link."""
    return {
        "graph": graph.build([(m.code, m.title, m.prerequisites) for m in version.modules]),
        "links": {m.code: url_for("curriculum.module", module_id=m.id) for m in version.modules},
    }


@bp.route("/curricula")
@public
def catalogue() -> Any:
    ensure(permissions.can_browse_catalogue(current_user))
    return render_template("curriculum/catalogue.html", curricula=services.catalogue())


@bp.route("/curricula/versions/<int:version_id>")
@login_required
def version(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_view_curriculum_version(current_user, version))
    problems = services.draft_problems(version) if not version.frozen else []
    draft = services.current_draft(version.curriculum) if version.frozen else None
    return render_template(
        "curriculum/version.html",
        version=version,
        images=services.image_sizes(version),
        image_form=ImageForm() if not version.frozen else None,
        **_graph(version),
        problems=problems,
        draft=draft,
        question_counts={m.id: len(m.questions) for m in version.modules},
    )


@bp.route("/curricula/versions/<int:version_id>/prerequisites.svg")
@login_required
def prerequisite_graph(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_view_curriculum_version(current_user, version))
    svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + render_template(
        "curriculum/_graph.svg", **_graph(version)
    )
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/curricula/versions/<int:version_id>/anatomy")
@login_required
def anatomy(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_view_curriculum_version(current_user, version))
    index: dict[str, dict[str, list[Module]]] = {"regions": {}, "layers": {}}
    for kind in index:
        for word in version.vocabulary.get(kind, []):
            index[kind][word] = [m for m in version.modules if word in getattr(m, kind)]
    return render_template("curriculum/anatomy.html", version=version, index=index)


@bp.route("/curricula/modules/<int:module_id>")
@login_required
def module(module_id: int) -> Any:
    module = services.load_module(module_id)
    if module is None:
        abort(404)
    ensure(permissions.can_view_curriculum_version(current_user, module.version))
    siblings = {m.code: m for m in module.version.modules}
    return render_template(
        "curriculum/module.html",
        module=module,
        version=module.version,
        prerequisites=[siblings.get(code) for code in module.prerequisites],
        leads_to=[m for m in module.version.modules if module.code in m.prerequisites],
        workshops=services.upcoming_workshops(module.code, datetime.now(UTC).date()),
        show_questions=permissions.can_view_question_bank(current_user, module.version),
        editable=permissions.can_edit_curriculum_version(current_user, module.version),
    )


@bp.route("/curricula/<int:curriculum_id>/compare")
@login_required
def compare(curriculum_id: int) -> Any:
    curriculum = db.get_or_404(Curriculum, curriculum_id, options=[selectinload(Curriculum.versions)])
    ensure(permissions.can_author_curriculum(current_user))
    versions = list(reversed(curriculum.versions))
    form = CompareForm(request.args)
    form.old.choices = form.new.choices = choices((v.id, f"v{v.number} ({v.state.value})") for v in versions)
    comparison = old = new = None
    by_id = {v.id: v for v in versions}
    if len(versions) >= 2:
        new = by_id.get(form.new.data) if request.args.get("new") else versions[0]
        old = by_id.get(form.old.data) if request.args.get("old") else (new.based_on if new else None)
        old = old or (versions[1] if new is versions[0] else versions[0])
        if old is None or new is None:
            abort(404)
        form.old.data, form.new.data = old.id, new.id
        services.load_versions([old.id, new.id])  # both, with everything under them, at once
        comparison = services.compare_versions(old, new)
    return render_template(
        "curriculum/compare.html", curriculum=curriculum, form=form, old=old, new=new, comparison=comparison
    )


@bp.route("/curricula/versions/<int:version_id>/images/<name>")
@login_required
def image(version_id: int, name: str) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_view_curriculum_version(current_user, version))
    row = services.image_file(version, name)
    if row is None:
        abort(404)
    response = send_file(io.BytesIO(row.data), mimetype=row.media_type, download_name=row.name)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


@bp.route("/curricula/versions/<int:version_id>/export.zip")
@login_required
def export(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_view_question_bank(current_user, version))
    slug = version.curriculum.slug
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / slug
        written = services.export_version(version, root)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in written:
                archive.write(path, f"{slug}/{path.relative_to(root)}")
    buffer.seek(0)
    return send_file(
        buffer, mimetype="application/zip", as_attachment=True, download_name=f"{slug}-v{version.number}.zip"
    )


# --- authoring ---


@bp.route("/curricula/versions/<int:version_id>/draft", methods=["POST"])
@login_required
def start_draft(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_author_curriculum(current_user))
    with service_call() as call:
        draft = services.start_draft(version, actor=current_user._get_current_object())
    if not call.ok:
        existing = services.current_draft(version.curriculum)
        target = existing or version
        return redirect(url_for("curriculum.version", version_id=target.id))
    flash(f"{draft.label} is a draft: edit it, then publish it as a new version.", "success")
    return redirect(url_for("curriculum.version", version_id=draft.id))


def _draft_module(module_id: int) -> Module:
    module = _module_or_404(module_id)
    ensure(permissions.can_author_curriculum(current_user))
    if module.version.frozen:
        raise Conflict(f"{module.version.label} is published and cannot change; start a draft.")
    return module


@bp.route("/curricula/modules/<int:module_id>/edit", methods=["GET", "POST"])
@login_required
def edit_module(module_id: int) -> Any:
    module = _draft_module(module_id)
    form = ModuleForm()
    form.set_choices(module.version.vocabulary, [m.code for m in module.version.modules if m.id != module.id])
    if request.method == "GET":
        form.load(services.module_content(module))
    elif form.validate_on_submit():
        with service_call(form) as call:
            services.update_module(
                module,
                form.fields_for_service(module.version.format),
                actor=current_user._get_current_object(),
            )
        if call.ok:
            flash(f"{module.code} saved in {module.version.label}.", "success")
            return redirect(url_for("curriculum.module", module_id=module.id))
    return render_template("curriculum/edit_module.html", form=form, module=module)


def _question_form(module: Module) -> QuestionForm:
    form = QuestionForm()
    images = services.image_names(module.version_id)
    form.set_choices([(o.key, f"{o.key}: {o.verb} {o.text[:60]}") for o in module.objectives], images)
    return form


def _save_question(module: Module, question: Question | None, form: QuestionForm) -> Any:
    option_errors: list[str] = []
    if form.validate_on_submit():
        item = form.item_for_service()
        item["id"] = question.key if question else _new_key("q", [q.key for q in module.questions])
        with service_call(form) as call:
            try:
                saved = services.save_question(
                    module, question, item, actor=current_user._get_current_object()
                )
            except InvalidInput as error:
                # The options' messages go under the options, as one list; the rest beside their fields.
                option_errors = error.problems.pop("options", [])
                raise
        if call.ok:
            flash(f"Question {saved.key} saved.", "success")
            return redirect(url_for("curriculum.module", module_id=module.id, _anchor="questions"))
    return render_template(
        "curriculum/edit_question.html",
        form=form,
        module=module,
        question=question,
        option_errors=option_errors,
    )


def _new_key(prefix: str, taken: list[str]) -> str:
    number = len(taken) + 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return f"{prefix}-{number}"


@bp.route("/curricula/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(module_id: int) -> Any:
    module = _draft_module(module_id)
    return _save_question(module, None, _question_form(module))


@bp.route("/curricula/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(question_id: int) -> Any:
    question = db.get_or_404(Question, question_id)
    module = _draft_module(question.module_id)
    if question.kind is QuestionKind.HOTSPOT:
        if "quizzes.edit_hotspot_question" in current_app.view_functions:
            return redirect(url_for("quizzes.edit_hotspot_question", question_id=question.id))
        abort(404)
    form = _question_form(module)
    if request.method == "GET":
        form.load(services.module_content(module)["questions"][module.questions.index(question)])
    return _save_question(module, question, form)


def _save_skill(module: Module, skill: Skill | None) -> Any:
    form = SkillForm()
    if request.method == "GET" and skill is not None:
        form.title.data, form.description.data = skill.title, skill.description
        form.checklist.data = "\n".join(
            (f"{CRITICAL_MARK} " if step.get("critical") else "") + step["text"] for step in skill.checklist
        )
    elif form.validate_on_submit():
        item = {
            "id": skill.key if skill else _skill_key(form.title.data, [s.key for s in module.skills]),
            "title": form.title.data.strip(),
            "description": (form.description.data or "").strip(),
            "checklist": checklist_from_lines(lines(form.checklist.data), skill.checklist if skill else []),
        }
        with service_call(form) as call:
            saved = services.save_skill(module, skill, item, actor=current_user._get_current_object())
        if call.ok:
            flash(f"Skill {saved.title} saved.", "success")
            return redirect(url_for("curriculum.module", module_id=module.id, _anchor="skills"))
    return render_template("curriculum/edit_skill.html", form=form, module=module, skill=skill)


def _skill_key(title: str, taken: list[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:32] or "skill"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


@bp.route("/curricula/modules/<int:module_id>/skills/new", methods=["GET", "POST"])
@login_required
def new_skill(module_id: int) -> Any:
    return _save_skill(_draft_module(module_id), None)


@bp.route("/curricula/skills/<int:skill_id>/edit", methods=["GET", "POST"])
@login_required
def edit_skill(skill_id: int) -> Any:
    skill = db.get_or_404(Skill, skill_id)
    return _save_skill(_draft_module(skill.module_id), skill)


@bp.route("/curricula/versions/<int:version_id>/images", methods=["POST"])
@login_required
def upload_image(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_author_curriculum(current_user))
    form = ImageForm()
    if not form.validate_on_submit():
        for message in form.image.errors:
            flash(message, "danger")
        return redirect(url_for("curriculum.version", version_id=version.id, _anchor="images"))
    upload = form.image.data
    name = secure_filename(upload.filename or "").lower()
    with service_call() as call:
        services.add_image(version, name, upload.read(), actor=current_user._get_current_object())
    if call.ok:
        flash(f"Image {name} added to {version.label}.", "success")
    return redirect(url_for("curriculum.version", version_id=version.id, _anchor="images"))


@bp.route("/curricula/versions/<int:version_id>/publish", methods=["POST"])
@login_required
def publish(version_id: int) -> Any:
    version = _version_or_404(version_id)
    ensure(permissions.can_author_curriculum(current_user))
    notes = request.form.get("version_notes")
    with service_call() as call:
        services.publish(
            version, actor=current_user._get_current_object(), notes=notes[:5000] if notes else None
        )
    if call.ok:
        flash(f"{version.label} is published. Workshops keep the version they were planned with.", "success")
    return redirect(url_for("curriculum.version", version_id=version.id))


@bp.route("/curricula/<int:curriculum_id>/draft/discard", methods=["POST"])
@login_required
def discard(curriculum_id: int) -> Any:
    curriculum = db.get_or_404(Curriculum, curriculum_id)
    ensure(permissions.can_author_curriculum(current_user))
    draft = services.current_draft(curriculum)
    if draft is None:
        flash(f"{curriculum.title} has no draft to discard.", "info")
        return redirect(url_for("curriculum.catalogue", _anchor=f"curriculum-{curriculum.id}"))
    label, draft_id = draft.label, draft.id
    with service_call() as call:
        services.discard(draft, actor=current_user._get_current_object())
    if not call.ok:
        return redirect(url_for("curriculum.version", version_id=draft_id))
    flash(f"Draft {label} discarded.", "success")
    return redirect(url_for("curriculum.catalogue", _anchor=f"curriculum-{curriculum.id}"))
