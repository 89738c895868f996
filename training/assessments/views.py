"""The assessments pages."""

from training.assessments import bp  # noqa: F401
