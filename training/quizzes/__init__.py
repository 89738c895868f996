"""Quizzes: question banks in use, timed attempts, grading, gradebook and item analysis."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)

from training.quizzes import personal_data, tasks, views  # noqa: E402, F401  (routes, tasks, data section)
