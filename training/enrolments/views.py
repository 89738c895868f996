"""The enrolments pages."""

from training.enrolments import bp  # noqa: F401
