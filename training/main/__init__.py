"""The home page, health check, job progress and the administrator's logs."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from training.main import views  # noqa: E402, F401  (routes register on import)
