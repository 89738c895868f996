"""Practical skills: OSATS assessment at the station and each trainee's progress."""

from flask import Blueprint

bp = Blueprint("assessments", __name__)

from training.assessments import personal_data, views  # noqa: E402, F401  (routes and the data section register on import)
