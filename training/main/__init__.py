"""The home page, health check, job progress and the administrator's logs."""

from flask import Blueprint

bp = Blueprint("main", __name__)
