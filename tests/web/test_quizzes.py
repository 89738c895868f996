"""The quiz pages over HTTP: taking an attempt, privacy, the gradebook, overrides,
reports, and hotspot questions with their uploaded images."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from training.core import storage
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.curriculum.models import (
    CurriculumImage,
    CurriculumVersion,
    Question,
    QuestionKind,
    VersionState,
)
from training.extensions import db
from training.quizzes.models import Attempt, AttemptQuestion, AttemptState, QuizPurpose


def png(width=300, height=200, fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def setup(make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version)
    trainee = make.enrolment(workshop).trainee
    quiz = make.quiz(workshop, title="Anatomy post-test", time_limit_minutes=20, max_attempts=2)
    return workshop, trainee, quiz


def start(client, quiz):
    response = client.post(f"/quizzes/{quiz.id}/start")
    assert response.status_code == 302
    return int(response.location.rsplit("/", 1)[1])


def drawn(attempt_id):
    return list(
        db.session.scalars(
            sa.select(AttemptQuestion.question_id)
            .where(AttemptQuestion.attempt_id == attempt_id)
            .order_by(AttemptQuestion.position)
        )
    )


def test_a_trainee_takes_a_quiz_autosaves_reloads_and_submits_twice(client, setup):
    _, trainee, quiz = setup
    client.login(trainee)
    attempt_id = start(client, quiz)
    page = client.get(f"/attempts/{attempt_id}")
    assert page.status_code == 200
    assert "data-deadline" in page.text
    assert "Europe/Rome" in page.text
    questions = drawn(attempt_id)
    for question_id in questions[:2]:
        saved = client.post(
            f"/attempts/{attempt_id}/answer",
            data={"question_id": question_id, f"q-{question_id}": "a"},
            headers={"Accept": "application/json"},
        )
        assert saved.json == {"saved": True, "question_id": question_id, "answered": True}
    reloaded = client.get(f"/attempts/{attempt_id}")
    for question_id in questions[:2]:
        assert re.search(rf'id="q-{question_id}-a" value="a" checked', reloaded.text)
    first = client.post(f"/attempts/{attempt_id}/submit", data={f"q-{questions[2]}": "a"})
    second = client.post(f"/attempts/{attempt_id}/submit", data={f"q-{questions[3]}": "a"})
    assert first.location == second.location == f"/attempts/{attempt_id}/result"
    result = client.get(second.location)
    assert "This attempt was already submitted" in result.text
    assert "75.00%" in result.text
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1
    # The attempt page of a graded attempt leads to its result; the start button now opens attempt 2.
    assert client.get(f"/attempts/{attempt_id}").location == f"/attempts/{attempt_id}/result"
    assert "Start attempt 2 of 2" in client.get(f"/quizzes/{quiz.id}").text


def test_the_plain_form_saves_without_scripts(client, setup):
    _, trainee, quiz = setup
    client.login(trainee)
    attempt_id = start(client, quiz)
    question_id = drawn(attempt_id)[0]
    response = client.post(
        f"/attempts/{attempt_id}", data={f"q-{question_id}": "b", f"present-{question_id}": "1"}
    )
    assert response.status_code == 302
    assert re.search(rf'id="q-{question_id}-b" value="b" checked', client.get(f"/attempts/{attempt_id}").text)


def test_another_trainee_and_staff_cannot_see_or_change_an_attempt(client, make, setup):
    workshop, trainee, quiz = setup
    client.login(trainee)
    attempt_id = start(client, quiz)
    question_id = drawn(attempt_id)[0]
    other = make.enrolment(workshop).trainee
    for user in (other, workshop.teacher):
        client.login(user)
        assert client.get(f"/attempts/{attempt_id}").status_code == 404
        answer = client.post(
            f"/attempts/{attempt_id}/answer",
            data={"question_id": question_id, f"q-{question_id}": "a"},
            headers={"Accept": "application/json"},
        )
        assert answer.status_code == 404
        assert client.post(f"/attempts/{attempt_id}/submit").status_code == 404
    assert (
        db.session.scalar(
            sa.select(AttemptQuestion.response).where(AttemptQuestion.question_id == question_id)
        )
        is None
    )


def test_only_drawn_questions_can_be_answered(client, make, setup):
    workshop, trainee, _ = setup
    small = make.quiz(workshop, question_count=1)
    client.login(trainee)
    attempt_id = start(client, small)
    other_question = db.session.scalar(sa.select(Question.id).where(Question.id.not_in(drawn(attempt_id))))
    response = client.post(
        f"/attempts/{attempt_id}/answer",
        data={"question_id": other_question, f"q-{other_question}": "a"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 404
    assert response.json["error"] == "That question is not part of this attempt."


def test_a_late_autosave_is_refused_and_the_attempt_graded(client, setup):
    _, trainee, quiz = setup
    client.login(trainee)
    attempt_id = start(client, quiz)
    attempt = db.session.get(Attempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    question_id = drawn(attempt_id)[0]
    response = client.post(
        f"/attempts/{attempt_id}/answer",
        data={"question_id": question_id, f"q-{question_id}": "a"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert response.json["result"] == f"/attempts/{attempt_id}/result"
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.state is AttemptState.GRADED
    assert attempt.percent == 0


def test_faculty_of_another_workshop_cannot_open_the_gradebook(client, make, setup):
    workshop, _, quiz = setup
    elsewhere = make.workshop()
    client.login(elsewhere.teacher)
    assert client.get(f"/workshops/{workshop.id}/gradebook").status_code == 403
    assert client.get(f"/quizzes/{quiz.id}/analysis").status_code == 403
    assert client.get(f"/workshops/{workshop.id}/quizzes").status_code == 403


def test_gradebook_filters_and_csv(client, make, setup):
    workshop, trainee, quiz = setup
    make.passed_quiz(quiz, trainee)
    sneaky = make.trainee(full_name="=HYPERLINK(1)")
    make.enrolment(workshop, sneaky)
    make.attempt(quiz, sneaky, right=False)
    client.login(workshop.teacher)
    page = client.get(f"/workshops/{workshop.id}/gradebook?status=passed")
    assert trainee.full_name in page.text
    assert "HYPERLINK" not in page.text
    response = client.get(f"/workshops/{workshop.id}/gradebook.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Trainee", "E-mail", "Anatomy post-test: score %"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name[trainee.full_name][2:5] == ["100.00", "1", "yes"]
    assert by_name["'=HYPERLINK(1)"][2:5] == ["0.00", "1", "no"]


def test_a_manual_override_needs_a_reason_and_is_audited(client, make, setup):
    workshop, trainee, quiz = setup
    make.attempt(quiz, trainee, right=False)
    client.login(workshop.teacher)
    url = f"/quizzes/{quiz.id}/grades/{trainee.id}"
    refused = client.post(url, data={"percent": "85", "reason": ""})
    assert refused.status_code == 422
    assert "Say why." in refused.text
    assert client.post(url, data={"percent": "85", "reason": "Re-sat orally"}).status_code == 302
    page = client.get(f"/workshops/{workshop.id}/gradebook")
    assert "85.00%" in page.text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "quiz.grade_overridden"))
    assert event.actor_id == workshop.teacher.id
    assert event.new == {"percent": "85.00", "reason": "Re-sat orally"}
    removed = client.post(url, data={"remove-reason": "Entered by mistake"})
    assert removed.status_code == 302
    assert "85.00%" not in client.get(f"/workshops/{workshop.id}/gradebook").text


def test_gain_and_item_analysis_pages(client, make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version)
    module = workshop.modules[0]
    pre = make.quiz(workshop, title="Pre", purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id)
    post = make.quiz(workshop, title="Post", purpose=QuizPurpose.POST_TEST, purpose_module_id=module.id)
    easy = module.questions[0].id
    for i in range(4):
        trainee = make.enrolment(workshop).trainee
        make.attempt(pre, trainee, right={easy})
        make.attempt(post, trainee, right=lambda q, i=i: q.id == easy or q.position <= i)
    client.login(workshop.organizer)
    gain = client.get(f"/workshops/{workshop.id}/knowledge-gain")
    assert "<svg" in gain.text
    assert "4 paired trainee(s)" in gain.text
    assert "+37.50 points" in gain.text
    summary = client.get(f"/quizzes/{post.id}").text
    assert "4 graded attempt(s), 0 in progress, 2 passed; mean score 62.5" in summary
    early = client.get(f"/quizzes/{post.id}/analysis").text
    assert 'data-testid="alpha">— (shown from 5 graded attempts)' in early
    assert "too easy" not in re.search(r'<tr data-question="q-1">(.*?)</tr>', early, re.S).group(1)
    make.attempt(post, make.enrolment(workshop).trainee, right={easy})
    analysis = client.get(f"/quizzes/{post.id}/analysis")
    assert 'data-testid="alpha">— (shown from' not in analysis.text
    row = re.search(r'<tr data-question="q-1">(.*?)</tr>', analysis.text, re.S).group(1)
    assert "too easy" in row
    assert "100%" in row
    # Options are shuffled per attempt, so the analysis names them by their text, not a letter.
    correct = next(o for o in module.questions[0].options if o["correct"])
    assert f'<div data-option="{correct["id"]}">{correct["text"]} <span' in row


def test_authoring_a_hotspot_question_on_a_draft(client, make, app):
    draft = make.curriculum_version(["HOTS-101"], state=VersionState.DRAFT, questions_per_module=0)
    module = draft.modules[0]
    author = make.faculty()
    client.login(author)
    url = f"/modules/{module.id}/hotspot-questions/new"
    assert "data-hotspot-editor" in client.get(url).text
    regions = [
        {"shape": "circle", "cx": 50, "cy": 50, "r": 20},
        {"shape": "polygon", "points": [[100, 10], [200, 10], [150, 90]]},
    ]
    response = client.post(
        url,
        data={
            "stem": "Click the infraorbital foramen.",
            "objective_id": str(module.objectives[0].id),
            "explanation": "It lies below the orbital rim.",
            "hotspots": json.dumps(regions),
            "image": (io.BytesIO(png()), "face.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    question = db.session.scalar(sa.select(Question).where(Question.kind == QuestionKind.HOTSPOT))
    assert question.hotspots[0] == {"shape": "circle", "cx": 50.0, "cy": 50.0, "r": 20.0}
    # The image is one of the draft's images, where the curriculum rules look for it
    # (it used to go to uploads/, and then every module edit and the publish failed).
    # (Other tests may store uploads of their own: look for this question's file only.)
    assert not storage.exists(f"uploads/question-images/{question.image}")
    stored = db.session.scalar(
        sa.select(CurriculumImage).where(
            CurriculumImage.version_id == draft.id, CurriculumImage.name == question.image
        )
    )
    assert (stored.width, stored.height) == (300, 200)
    edited = client.post(
        f"/curricula/modules/{module.id}/edit",
        data={
            "title": "Hotspots, edited after the image was added",
            "kinds": module.kinds,
            "planned_minutes": str(module.planned_minutes),
            "objectives": "\n".join(f"{o.key} | {o.verb} | {o.text}" for o in module.objectives),
        },
    )
    assert edited.status_code == 302, edited.text
    published = client.post(f"/curricula/versions/{draft.id}/publish", data={"version_notes": "Hotspot."})
    assert published.status_code == 302
    db.session.expire_all()
    assert db.session.get(CurriculumVersion, draft.id).state is VersionState.PUBLISHED
    image = client.get(f"/questions/{question.id}/image")
    assert image.mimetype == "image/png"
    assert image.headers["Cache-Control"] == "private, no-store"
    assert image.get_data()[:8] == b"\x89PNG\r\n\x1a\n"
    image.close()
    stranger = make.trainee()
    client.login(stranger)
    assert client.get(f"/questions/{question.id}/image").status_code == 404


def test_bad_images_and_regions_are_explained(client, make):
    draft = make.curriculum_version(["HOTS-101"], state=VersionState.DRAFT, questions_per_module=0)
    module = draft.modules[0]
    client.login(make.faculty())
    url = f"/modules/{module.id}/hotspot-questions/new"
    base = {"stem": "Where?", "objective_id": str(module.objectives[0].id)}
    fake = client.post(
        url,
        data={**base, "hotspots": "[]", "image": (io.BytesIO(b"<?php echo 1; ?>"), "x.png")},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 422
    assert "not an image we can read" in fake.text
    tiny = client.post(
        url,
        data={**base, "hotspots": "[]", "image": (io.BytesIO(png(20, 20)), "x.png")},
        content_type="multipart/form-data",
    )
    assert "at least 64 on a side" in tiny.text
    outside = client.post(
        url,
        data={
            **base,
            "hotspots": json.dumps([{"shape": "rect", "x": 250, "y": 10, "w": 100, "h": 10}]),
            "image": (io.BytesIO(png()), "x.png"),
        },
        content_type="multipart/form-data",
    )
    assert "lie on the image" in outside.text
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 0


def test_published_versions_are_frozen(client, make):
    version = make.curriculum_version(["ANAT-101"], state=VersionState.PUBLISHED, questions_per_module=0)
    module = version.modules[0]
    client.login(make.faculty())
    page = client.get(f"/modules/{module.id}/hotspot-questions/new")
    assert "published and frozen" in page.text
    response = client.post(
        f"/modules/{module.id}/hotspot-questions/new",
        data={
            "stem": "Where?",
            "objective_id": str(module.objectives[0].id),
            "hotspots": json.dumps([{"shape": "rect", "x": 1, "y": 1, "w": 10, "h": 10}]),
            "image": (io.BytesIO(png()), "x.png"),
        },
        content_type="multipart/form-data",
    )
    assert "published and frozen" in response.text
    assert db.session.scalar(sa.select(sa.func.count(Question.id))) == 0


def test_a_trainee_answers_a_hotspot_question_by_clicking(client, make, app):
    draft = make.curriculum_version(["HOTS-101"], state=VersionState.DRAFT, questions_per_module=0)
    module = draft.modules[0]
    author = make.faculty()
    client.login(author)
    client.post(
        f"/modules/{module.id}/hotspot-questions/new",
        data={
            "stem": "Click the temple.",
            "objective_id": str(module.objectives[0].id),
            "hotspots": json.dumps([{"shape": "rect", "x": 10, "y": 10, "w": 40, "h": 40}]),
            "image": (io.BytesIO(png()), "x.png"),
        },
        content_type="multipart/form-data",
    )
    workshop = make.workshop(version=draft)
    trainee = make.enrolment(workshop).trainee
    quiz = make.quiz(workshop)
    question_id = db.session.scalar(sa.select(Question.id).where(Question.kind == QuestionKind.HOTSPOT))
    client.login(trainee)
    assert client.get(f"/questions/{question_id}/image").status_code == 404  # not drawn yet
    attempt_id = start(client, quiz)
    page = client.get(f"/attempts/{attempt_id}")
    assert 'viewBox="0 0 300 200"' in page.text
    image = client.get(f"/questions/{question_id}/image")
    image.close()
    assert image.status_code == 200
    client.post(
        f"/attempts/{attempt_id}/answer",
        data={"question_id": question_id, f"x-{question_id}": "30", f"y-{question_id}": "25.5"},
        headers={"Accept": "application/json"},
    )
    client.post(f"/attempts/{attempt_id}/submit")
    result = client.get(f"/attempts/{attempt_id}/result")
    assert "100.00%" in result.text
    assert "Your click was inside the region." in result.text


def test_the_dashboard_tile_lists_my_quizzes(client, make, setup):
    _, trainee, _ = setup
    client.login(trainee)
    assert "Anatomy post-test" in client.get("/").text
    client.login(make.trainee())
    assert "Anatomy post-test" not in client.get("/").text


def test_the_workshop_panel_links_by_role(app, make, setup):
    from flask import render_template
    from flask_login import login_user

    workshop, trainee, _ = setup
    for user, shown, hidden in (
        (trainee, ["Quizzes of this workshop"], ["Gradebook", "Add a quiz"]),
        (workshop.organizer, ["Gradebook", "Knowledge gain", "Add a quiz", "Accommodations"], []),
        (make.trainee(), [], ["Quizzes of this workshop"]),
    ):
        with app.test_request_context():
            login_user(db.session.merge(user))
            html = render_template("quizzes/_workshop_panel.html", workshop=db.session.merge(workshop))
        assert all(text in html for text in shown), user.email
        assert not any(text in html for text in hidden), user.email


def quiz_form(module_id, **overrides):
    data = {
        "title": "Temple post-test",
        "module_ids": str(module_id),
        "question_count": "4",
        "pass_percent": "70",
        "max_attempts": "1",
        "grading_method": "highest",
        "feedback_timing": "immediate",
        "purpose": "practice",
        "purpose_module_id": "",
        "shuffle_options": "y",
    }
    data.update(overrides)
    return data


def test_setting_up_a_quiz_reports_every_problem(client, make):
    version = make.curriculum_version(["ANAT-101", "MFAT-201"], questions_per_module=4)
    workshop = make.workshop(version=version)
    first, second = workshop.modules
    client.login(workshop.organizer)
    url = f"/workshops/{workshop.id}/quizzes/new"
    response = client.post(
        url,
        data=quiz_form(
            first.id,
            question_count="9",
            purpose="post_test",
            purpose_module_id=str(second.id),
            opens_at="2026-05-02T10:00",
            closes_at="2026-05-02T09:00",
        ),
    )
    assert response.status_code == 422
    assert "The chosen modules hold 4 question(s)" in response.text
    assert "A pre- or post-test is of one of the quiz&#39;s modules." in response.text
    assert "The quiz must close after it opens." in response.text
    nan = client.post(url, data=quiz_form(first.id, pass_percent="NaN"))
    assert nan.status_code == 422
    assert "Give a number." in nan.text
    assert client.post(url, data=quiz_form(first.id)).status_code == 302


def test_the_window_is_read_and_shown_in_the_venue_zone_across_a_dst_change(client, make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version, timezone="Europe/Rome")
    client.login(workshop.organizer)
    # Clocks in Rome go from 02:00 to 03:00 on 29 March 2026: 01:30 to 03:30 is one hour.
    response = client.post(
        f"/workshops/{workshop.id}/quizzes/new",
        data=quiz_form(workshop.modules[0].id, opens_at="2026-03-29T01:30", closes_at="2026-03-29T03:30"),
    )
    assert response.status_code == 302
    from training.quizzes.models import Quiz

    quiz = db.session.scalar(sa.select(Quiz))
    assert quiz.opens_at.isoformat() == "2026-03-29T00:30:00+00:00"
    assert quiz.closes_at - quiz.opens_at == timedelta(hours=1)
    page = client.get(f"/quizzes/{quiz.id}")
    assert "from 2026-03-29 01:30 Europe/Rome until 2026-03-29 03:30 Europe/Rome" in page.text
    edit = client.get(f"/quizzes/{quiz.id}/edit")
    assert 'value="2026-03-29T03:30"' in edit.text


def test_the_gradebook_is_paged(client, make, setup, monkeypatch):
    from training.quizzes import views

    workshop, trainee, _ = setup
    monkeypatch.setattr(views, "GRADEBOOK_PAGE_SIZE", 2)
    others = make.enrolled_trainees(workshop, 2)
    client.login(workshop.teacher)
    first = client.get(f"/workshops/{workshop.id}/gradebook")
    second = client.get(f"/workshops/{workshop.id}/gradebook?page=2")
    beyond = client.get(f"/workshops/{workshop.id}/gradebook?page=99")
    everyone = [t.full_name for t in (trainee, *others)]
    assert sum(name in first.text for name in everyone) == 2
    assert sum(name in second.text for name in everyone) == 1
    assert "3 in all, page 2 of 2." in second.text
    assert "page 2 of 2" in beyond.text
