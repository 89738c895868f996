"""A trainee takes a timed post-test in Chromium: answers survive a reload, two
submissions give one result; faculty read the gradebook, the knowledge gain and an
item analysis that flags the question everyone answers correctly."""

import io
import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.steps import log_in, log_out
from tests.support.detached_factories import factories
from training.curriculum.models import Question, QuestionKind, VersionState
from training.extensions import db
from training.quizzes.models import Attempt, AttemptState, QuizPurpose

pytestmark = pytest.mark.e2e


def question(page, number):
    return page.locator("fieldset.quiz-question").nth(number - 1)


def test_timed_post_test_survives_a_reload_and_is_graded_once(page, live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["NFAT-301"], questions_per_module=4)
        workshop = make.workshop(version=version)
        trainee = make.enrolment(workshop).trainee
        module = version.modules[0]
        quiz = make.quiz(
            workshop,
            title="Nanofat post-test",
            time_limit_minutes=10,
            purpose=QuizPurpose.POST_TEST,
            purpose_module_id=module.id,
        )
        quiz_id = quiz.id
        trainee = SimpleNamespace(email=trainee.email, password=trainee.password)
    log_in(page, trainee)
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start attempt 1 of 1").click()
    timer = page.get_by_role("timer")
    expect(timer).to_contain_text(re.compile(r"Time left: (9:[0-5]\d|10:00)"))
    expect(timer).to_contain_text("Europe/Rome")

    # Halfway: two answers, each saved as it is chosen.
    for number in (1, 2):
        question(page, number).get_by_label("Right").check()
        expect(question(page, number).locator("[data-save-status]")).to_have_text("Saved")
    question(page, 3).get_by_label("Wrong", exact=True).check()
    expect(question(page, 3).locator("[data-save-status]")).to_have_text("Saved")
    attempt_url = page.url
    page.reload()
    for number in (1, 2):
        expect(question(page, number).get_by_label("Right")).to_be_checked()
    expect(question(page, 3).get_by_label("Wrong", exact=True)).to_be_checked()
    expect(question(page, 4).get_by_label("Right")).not_to_be_checked()

    # The same attempt open in a second tab, then handed in from both.
    other_tab = page.context.new_page()
    other_tab.goto(attempt_url)
    question(page, 4).get_by_label("Right").check()
    # (Saved first: an autosave that reaches the server after the attempt is handed in is
    # refused with a 409, which Chromium logs on the console.)
    expect(question(page, 4).locator("[data-save-status]")).to_have_text("Saved")
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.get_by_test_id("attempt-score")).to_have_text("75.00%")
    expect(page.get_by_test_id("attempt-outcome")).to_have_text("Passed")
    other_tab.get_by_role("button", name="Submit attempt").click()
    expect(other_tab.get_by_text("This attempt was already submitted")).to_be_visible()
    expect(other_tab.get_by_test_id("attempt-score")).to_have_text("75.00%")
    other_tab.go_back()
    other_tab.close()

    with live_app.app_context():
        attempts = db.session.scalars(sa.select(Attempt).where(Attempt.quiz_id == quiz_id)).all()
        assert [(a.state, a.closed_by) for a in attempts] == [(AttemptState.GRADED, "trainee")]


def test_faculty_see_gradebook_gain_and_the_item_everyone_gets_right(page, live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["MFAT-201"], questions_per_module=4)
        workshop = make.workshop(version=version)
        module = version.modules[0]
        pre = make.quiz(
            workshop, title="Microfat pre-test", purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id
        )
        post = make.quiz(
            workshop, title="Microfat post-test", purpose=QuizPurpose.POST_TEST, purpose_module_id=module.id
        )
        easy = module.questions[0].id
        names = []
        for i in range(5):
            trainee = make.enrolment(workshop).trainee
            names.append(trainee.full_name)
            make.attempt(pre, trainee, right=lambda q, i=i: q.id == easy or (q.position + i) % 4 == 0)
            make.attempt(post, trainee, right=lambda q, i=i: q.id == easy or q.position <= i)
        teacher = SimpleNamespace(email=workshop.teacher.email, password=workshop.teacher.password)
        workshop_id, post_id = workshop.id, post.id

    log_in(page, teacher)
    page.goto(f"/workshops/{workshop_id}/quizzes")
    page.get_by_role("link", name="Gradebook").click()
    expect(page.get_by_role("heading", name="Gradebook")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=names[4])
    expect(row).to_contain_text("100.00%")
    page.wait_for_load_state("load")  # the filters send themselves once app.js has run
    page.get_by_label("Quiz", exact=True).select_option(label="Microfat post-test")
    page.wait_for_url(re.compile(r"quiz=\d+"))
    expect(page.get_by_role("columnheader", name=re.compile("Microfat pre-test"))).to_have_count(0)
    page.wait_for_load_state("load")
    page.get_by_label("Status").select_option("not_passed")
    page.wait_for_url(re.compile(r"status=not_passed"))
    expect(page.get_by_role("row").filter(has_text=names[4])).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text=names[0])).to_have_count(1)

    page.goto(f"/workshops/{workshop_id}/quizzes")
    page.get_by_role("link", name="Knowledge gain").click()
    expect(page.get_by_text("5 paired trainee(s)")).to_be_visible()
    expect(page.locator("svg.gain-chart circle.gain-post")).to_have_count(5)

    page.goto(f"/quizzes/{post_id}")
    page.get_by_role("link", name="Item analysis").click()
    easy_row = page.locator('tr[data-question="q-1"]')
    expect(easy_row).to_contain_text("100%")
    expect(easy_row.locator(".badge")).to_contain_text(["too easy", "does not discriminate"])
    expect(page.locator('tr[data-question="q-3"] .badge')).to_have_count(0)
    expect(page.locator("svg.histogram rect.histogram-bar")).to_have_count(10)


def test_faculty_draw_a_hotspot_region_and_a_trainee_clicks_inside_it(page, live_app):
    with factories(live_app) as make:
        draft = make.curriculum_version(["HOTS-101"], state=VersionState.DRAFT, questions_per_module=0)
        module_id = draft.modules[0].id
        author = make.faculty()
        author = SimpleNamespace(email=author.email, password=author.password)
    image = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(image, format="PNG")

    log_in(page, author)
    page.goto(f"/modules/{module_id}/hotspot-questions/new")
    page.get_by_label("Question").fill("Click the deep temporal fat pad.")
    page.get_by_label("Anatomical image (PNG, JPEG or WebP)").set_input_files(
        files=[{"name": "temple.png", "mimeType": "image/png", "buffer": image.getvalue()}]
    )
    canvas = page.locator("[data-hotspot-canvas]")
    expect(canvas).to_have_attribute("viewBox", "0 0 300 200")
    box = canvas.bounding_box()
    scale = box["width"] / 300
    page.mouse.move(box["x"] + 30 * scale, box["y"] + 40 * scale)
    page.mouse.down()
    page.mouse.move(box["x"] + 130 * scale, box["y"] + 120 * scale, steps=5)
    page.mouse.up()
    expect(page.get_by_text("1 region(s) drawn.")).to_be_visible()
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_text("Hotspot question added.")).to_be_visible()
    expect(page.locator("[data-hotspot-canvas] rect.hotspot-region")).to_have_count(1)

    with factories(live_app) as make:
        question = db.session.scalar(sa.select(Question).where(Question.kind == QuestionKind.HOTSPOT))
        (region,) = question.hotspots
        assert region["shape"] == "rect"
        assert region["x"] == pytest.approx(30, abs=2)
        assert region["w"] == pytest.approx(100, abs=3)
        workshop = make.workshop(version=db.session.merge(question.module.version))
        trainee = make.enrolment(workshop).trainee
        quiz_id = make.quiz(workshop, title="Temple anatomy").id
        trainee = SimpleNamespace(email=trainee.email, password=trainee.password)

    log_out(page)
    log_in(page, trainee)
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start attempt 1 of 1").click()
    picture = page.locator("svg.hotspot-answer")
    expect(picture).to_have_attribute("data-ready", "")  # a click before the script ran is lost
    box = picture.bounding_box()
    scale = box["width"] / 300
    picture.click(position={"x": 80 * scale, "y": 80 * scale})
    expect(page.locator("[data-save-status]")).to_have_text("Saved")
    page.reload()
    expect(page.locator("svg.hotspot-answer circle.hotspot-marker")).to_have_attribute(
        "cx", re.compile(r"^(79|80|81)")
    )
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.get_by_test_id("attempt-score")).to_have_text("100.00%")
    expect(page.get_by_text("Your click was inside the region.")).to_be_visible()


def test_an_answer_chosen_before_the_quiz_script_runs_is_saved_when_it_does(page, live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["NFAT-302"], questions_per_module=2)
        workshop = make.workshop(version=version)
        trainee = make.enrolment(workshop).trainee
        quiz_id = make.quiz(workshop, title="Slow connection quiz").id
        trainee = SimpleNamespace(email=trainee.email, password=trainee.password)
    log_in(page, trainee)
    page.goto(f"/quizzes/{quiz_id}")
    held = []
    page.route("**/js/quizzes.js", lambda route: held.append(route))  # a slow script
    page.get_by_role("button", name="Start attempt 1 of 1").click()
    question(page, 1).get_by_label("Right").check()  # before any listener exists
    expect(question(page, 1).locator("[data-save-status]")).to_have_text("")
    for _ in range(250):  # the held request reaches the handler as events are processed
        if held:
            break
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(question(page, 1).locator("[data-save-status]")).to_have_text("Saved")
    expect(question(page, 2).locator("[data-save-status]")).to_have_text("")
