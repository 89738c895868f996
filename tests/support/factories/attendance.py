"""Attendance factories."""

from __future__ import annotations

from flask import Flask


class AttendanceFactories:
    app: Flask
