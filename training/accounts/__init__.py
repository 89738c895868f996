"""Accounts: sign-up, login, passwords, profiles, roles and their administration."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from training.accounts import exports, views  # noqa: E402, F401  (routes and job handlers register on import)
