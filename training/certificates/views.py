"""The certificates pages."""

from training.certificates import bp  # noqa: F401
