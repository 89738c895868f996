"""Practical skills: OSATS assessment at the station and each trainee's progress."""

from flask import Blueprint

bp = Blueprint("assessments", __name__)
