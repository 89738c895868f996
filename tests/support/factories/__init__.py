"""Factories: one call makes a committed object with sensible defaults.

Each capability keeps its factories in a module of this package as a mixin;
``Factories`` (the ``make`` fixture) combines them all.
"""

from flask import Flask

from tests.support.factories.accounts import AccountFactories
from tests.support.factories.curriculum import CurriculumFactories


class Factories(AccountFactories, CurriculumFactories):
    def __init__(self, app: Flask) -> None:
        self.app = app
