"""The quizzes pages."""

from training.quizzes import bp  # noqa: F401
