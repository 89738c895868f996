"""The attendance pages."""

from training.attendance import bp  # noqa: F401
