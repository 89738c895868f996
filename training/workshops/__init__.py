"""Workshops: scheduling, staff, sessions, stations, timetables and calendars."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)

from training.workshops import views  # noqa: E402, F401  (routes register on import)
