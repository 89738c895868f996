"""Quizzes factories."""

from __future__ import annotations

from flask import Flask


class QuizzesFactories:
    app: Flask
