"""The certificates tables."""
