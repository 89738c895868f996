"""Enrolment: seats, the waitlist, prerequisites, imports and their notifications."""

from flask import Blueprint

bp = Blueprint("enrolments", __name__)
