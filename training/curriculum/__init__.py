"""Curricula: versioned modules, objectives, skills and question banks."""
