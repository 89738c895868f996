"""Accounts: sign-up, login, passwords, profiles, roles and their administration."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
