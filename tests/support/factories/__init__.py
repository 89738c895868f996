"""Factories: one call makes a committed object with sensible defaults.

Each capability keeps its factories in a module of this package as a mixin;
``Factories`` (the ``make`` fixture) combines them all.
"""

from flask import Flask

from tests.support.factories.accounts import AccountFactories
from tests.support.factories.assessments import AssessmentsFactories
from tests.support.factories.attendance import AttendanceFactories
from tests.support.factories.certificates import CertificatesFactories
from tests.support.factories.curriculum import CurriculumFactories
from tests.support.factories.enrolments import EnrolmentsFactories
from tests.support.factories.quizzes import QuizzesFactories
from tests.support.factories.workshops import WorkshopsFactories


class Factories(
    AccountFactories,
    CurriculumFactories,
    WorkshopsFactories,
    EnrolmentsFactories,
    AttendanceFactories,
    QuizzesFactories,
    AssessmentsFactories,
    CertificatesFactories,
):
    def __init__(self, app: Flask) -> None:
        self.app = app
