"""Certificates: eligibility, signed PDFs, verification, revocation and re-issue."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)

# Routes, the bulk-issue job handler and the `flask certificates ...` commands register on import.
from training.certificates import cli, jobs, views  # noqa: E402, F401
