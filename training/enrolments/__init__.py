"""Enrolment: seats, the waitlist, prerequisites, imports and their notifications."""

from flask import Blueprint

bp = Blueprint("enrolments", __name__)

from training.enrolments import personal_data, views  # noqa: E402, F401  (routes and the data section register on import)
