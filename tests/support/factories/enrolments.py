"""Enrolments factories: the workshop spine's ``make.enrolment`` covers them.

For building data in an app with its own database (a live server, a race test),
use ``tests.support.detached_factories.factories(app)``.
"""

from __future__ import annotations

from flask import Flask


class EnrolmentsFactories:
    app: Flask
