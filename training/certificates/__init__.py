"""Certificates: eligibility, signed PDFs, verification, revocation and re-issue."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

# Routes, the bulk-issue job handler, the `flask certificates ...` commands and the personal-data
# section register on import.
from training.certificates import cli, jobs, personal_data, views  # noqa: E402, F401
