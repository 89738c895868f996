"""The enrolments tables."""
