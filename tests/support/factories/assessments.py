"""Assessments factories."""

from __future__ import annotations

from flask import Flask


class AssessmentsFactories:
    app: Flask
