"""Curricula: versioned modules, objectives, skills and question banks."""

from flask import Blueprint

bp = Blueprint("curriculum", __name__)
