"""Quiz use cases: set up quizzes, take attempts, grade them, and report on them.

The quizzes' public interface for other capabilities, scripts and tests; the use
cases live in modules by what they are for:

- ``setup``: quizzes of a workshop and their settings, accommodations;
- ``attempts``: start an attempt, save its answers, submit and grade it;
- ``gradebook``: grades per trainee and quiz, the gradebook, manual overrides;
- ``analysis``: knowledge gain, item analysis, a quiz's summary;
- ``hotspots``: hotspot questions and their images.

Services take the acting user as ``actor``, lock what they count, flush, and never
commit: the request (or the task, or the command) commits once at its end.
"""

from __future__ import annotations

from training.quizzes.analysis import (
    GainReport,
    ItemAnalysis,
    QuizSummary,
    item_analysis,
    knowledge_gain,
    quiz_summary,
)
from training.quizzes.attempts import (
    Answers,
    SavedAnswers,
    Standing,
    Submission,
    TimeIsUp,
    attempts_of,
    close_overdue_attempts,
    load_attempt,
    save_answer,
    save_answers,
    standing,
    start_attempt,
    submit_attempt,
)
from training.quizzes.grading import (
    Cell,
    GradebookRow,
    filtered_gradebook,
    gradebook,
    grades,
    override_grade,
    parse_percent,
    remove_override,
)
from training.quizzes.hotspots import FROZEN, IMAGE_KIND, image_file, image_size, save_hotspot_question
from training.quizzes.setup import (
    QuizSettings,
    accommodation_for,
    create_quiz,
    question_pool,
    set_accommodation,
    update_quiz,
    workshop_quizzes,
)

__all__ = [
    "FROZEN",
    "IMAGE_KIND",
    "Answers",
    "Cell",
    "GainReport",
    "GradebookRow",
    "ItemAnalysis",
    "QuizSettings",
    "QuizSummary",
    "SavedAnswers",
    "Standing",
    "Submission",
    "TimeIsUp",
    "accommodation_for",
    "attempts_of",
    "close_overdue_attempts",
    "create_quiz",
    "filtered_gradebook",
    "gradebook",
    "grades",
    "image_file",
    "image_size",
    "item_analysis",
    "knowledge_gain",
    "load_attempt",
    "override_grade",
    "parse_percent",
    "question_pool",
    "quiz_summary",
    "remove_override",
    "save_answer",
    "save_answers",
    "save_hotspot_question",
    "set_accommodation",
    "standing",
    "start_attempt",
    "submit_attempt",
    "update_quiz",
    "workshop_quizzes",
]
