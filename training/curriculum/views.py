"""The curriculum pages."""

from training.curriculum import bp  # noqa: F401
