"""Quizzes: question banks in use, timed attempts, grading, gradebook and item analysis."""

from flask import Blueprint

bp = Blueprint("quizzes", __name__)
