"""Workshops: scheduling, staff, sessions, stations, timetables and calendars."""

from flask import Blueprint

bp = Blueprint("workshops", __name__)
