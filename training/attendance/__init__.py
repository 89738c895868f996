"""Attendance: roll call, QR self check-in, attendance rules and credit hours."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)

from training.attendance import personal_data, views  # noqa: E402, F401  (routes and the data section register on import)
