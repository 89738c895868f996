"""Curricula: versioned modules, objectives, skills and question banks."""

from flask import Blueprint

bp = Blueprint("curriculum", __name__)

from training.curriculum import cli, views  # noqa: E402, F401  (routes and commands register on import)
