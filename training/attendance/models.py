"""The attendance tables."""
