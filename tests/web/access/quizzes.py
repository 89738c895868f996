"""The quizzes pages in the access matrix.

The world: a workshop organized by ``organizer`` and taught by ``faculty``, with
``trainee`` confirmed; a quiz with the trainee's attempt in progress, another quiz
with their graded attempt, another trainee's attempt (404 for everyone else: an
attempt's existence is private), and a hotspot question of a draft curriculum.
"""

import io

from PIL import Image

from tests.web.access.common import TO_LOGIN, Entry, only
from training.core import uploads
from training.curriculum.models import Question, QuestionKind, VersionState
from training.extensions import db
from training.quizzes.services import IMAGE_KIND


def build(world, make) -> None:
    world.quiz_workshop = make.workshop(organizer=world.organizer, faculty=[world.faculty])
    make.enrolment(world.quiz_workshop, world.trainee)
    world.quiz = make.quiz(world.quiz_workshop, max_attempts=3)
    world.other_quiz = make.quiz(world.quiz_workshop)
    world.attempt = make.attempt(world.quiz, world.trainee, submit=False)
    world.graded_attempt = make.attempt(world.other_quiz, world.trainee)
    world.other_attempt = make.attempt(world.quiz)
    draft = make.curriculum_version(["HOTS-101"], state=VersionState.DRAFT, questions_per_module=1)
    module = db.session.merge(draft.modules[0])
    world.draft_module = module
    png = io.BytesIO()
    Image.new("RGB", (200, 120), "white").save(png, format="PNG")
    name = uploads.store(uploads.check_image(png.getvalue()), IMAGE_KIND)
    question = Question(
        module_id=module.id,
        key="hotspot-1",
        kind=QuestionKind.HOTSPOT,
        stem="Click the temporal fossa.",
        objective_id=module.objectives[0].id,
        image=name,
        hotspots=[{"shape": "rect", "x": 10, "y": 10, "w": 50, "h": 40}],
    )
    db.session.add(question)
    db.session.commit()
    world.hotspot_question = question


STAFF_ONLY = only("faculty", "organizer", "admin")
STAFF_FORM = only("faculty", "organizer", "admin", status=422)
# An attempt is its trainee's alone: for anyone else it does not exist.
OWNER = {"anonymous": TO_LOGIN, "trainee": 200, "faculty": 404, "organizer": 404, "admin": 404}


def owner(status: int) -> dict[str, int]:
    return {**OWNER, "trainee": status}


ENTRIES = {
    ("quizzes.workshop_quizzes", "GET"): Entry(
        "/workshops/{quiz_workshop.id}/quizzes", only("trainee", "faculty", "organizer", "admin")
    ),
    ("quizzes.new_quiz", "GET"): Entry("/workshops/{quiz_workshop.id}/quizzes/new", STAFF_ONLY),
    ("quizzes.new_quiz", "POST"): Entry("/workshops/{quiz_workshop.id}/quizzes/new", STAFF_FORM),
    ("quizzes.quiz", "GET"): Entry("/quizzes/{quiz.id}", only("trainee", "faculty", "organizer", "admin")),
    ("quizzes.edit_quiz", "GET"): Entry("/quizzes/{quiz.id}/edit", STAFF_ONLY),
    # Posting an empty form: the fields are required, the form comes back.
    ("quizzes.edit_quiz", "POST"): Entry("/quizzes/{quiz.id}/edit", STAFF_FORM),
    ("quizzes.accommodations", "GET"): Entry("/workshops/{quiz_workshop.id}/accommodations", STAFF_ONLY),
    ("quizzes.accommodations", "POST"): Entry("/workshops/{quiz_workshop.id}/accommodations", STAFF_FORM),
    # The trainee resumes the attempt in progress; staff are not taking the quiz.
    ("quizzes.start_attempt", "POST"): Entry("/quizzes/{quiz.id}/start", only("trainee", status=302)),
    ("quizzes.attempt", "GET"): Entry("/attempts/{attempt.id}", owner(200)),
    ("quizzes.attempt", "POST"): Entry("/attempts/{attempt.id}", owner(302)),
    # The autosave without a question: a JSON 400.
    ("quizzes.save_answer", "POST"): Entry("/attempts/{attempt.id}/answer", owner(400)),
    ("quizzes.submit_attempt", "POST"): Entry("/attempts/{attempt.id}/submit", owner(302)),
    ("quizzes.result", "GET"): Entry("/attempts/{graded_attempt.id}/result", owner(200)),
    ("quizzes.gradebook", "GET"): Entry("/workshops/{quiz_workshop.id}/gradebook", STAFF_ONLY),
    ("quizzes.gradebook_csv", "GET"): Entry("/workshops/{quiz_workshop.id}/gradebook.csv", STAFF_ONLY),
    ("quizzes.override_grade", "GET"): Entry("/quizzes/{quiz.id}/grades/{trainee.id}", STAFF_ONLY),
    ("quizzes.override_grade", "POST"): Entry("/quizzes/{quiz.id}/grades/{trainee.id}", STAFF_FORM),
    ("quizzes.knowledge_gain", "GET"): Entry("/workshops/{quiz_workshop.id}/knowledge-gain", STAFF_ONLY),
    ("quizzes.item_analysis", "GET"): Entry("/quizzes/{quiz.id}/analysis", STAFF_ONLY),
    ("quizzes.new_hotspot_question", "GET"): Entry(
        "/modules/{draft_module.id}/hotspot-questions/new", STAFF_ONLY
    ),
    ("quizzes.new_hotspot_question", "POST"): Entry(
        "/modules/{draft_module.id}/hotspot-questions/new", STAFF_FORM
    ),
    ("quizzes.edit_hotspot_question", "GET"): Entry("/questions/{hotspot_question.id}/hotspot", STAFF_ONLY),
    ("quizzes.edit_hotspot_question", "POST"): Entry("/questions/{hotspot_question.id}/hotspot", STAFF_FORM),
    # A trainee who never drew the question is told the image does not exist.
    ("quizzes.question_image", "GET"): Entry(
        "/questions/{hotspot_question.id}/image", only("faculty", "organizer", "admin", denied=404)
    ),
}
