"""Attendance: roll call, QR self check-in, attendance rules and credit hours."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
