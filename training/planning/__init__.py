"""Planning: the organizer's tools over many workshops: copying a workshop to
schedule its next edition, the programme's month view and the organizer dashboard.

It sits above the other capabilities (it reads attendance, quizzes and certificates,
and copies their per-workshop rules), as certificates does."""

from flask import Blueprint

bp = Blueprint("planning", __name__)
