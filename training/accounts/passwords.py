"""Passwords: hashing with Argon2, checking, and the strength a new one needs."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from training.accounts import rules
from training.accounts.models import User
from training.core.errors import InvalidInput


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"])


@cache
def dummy_hash(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def require_good_password(password: str, *, personal: list[str], field: str = "password") -> None:
    problems = rules.password_problems(password, personal=personal)
    if problems:
        raise InvalidInput({field: problems})
