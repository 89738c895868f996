"""The assessments tables."""
