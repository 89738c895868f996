"""Quizzes: question banks in use, timed attempts, grading, gradebook and item analysis."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from training.quizzes import tasks, views  # noqa: E402, F401  (routes and tasks register on import)
