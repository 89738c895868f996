"""The workshops pages."""

from training.workshops import bp  # noqa: F401
