"""Enrolments factories."""

from __future__ import annotations

from flask import Flask


class EnrolmentsFactories:
    app: Flask
