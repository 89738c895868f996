"""Passwords: hashing with Argon2, checking, and the strength a new one needs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from training.accounts import rules
from training.accounts.models import User
from training.core.errors import InvalidInput


@cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher() -> PasswordHasher:
    """The hasher with the configured cost (``PASSWORD_HASH_*``, see config.py)."""
    config = current_app.config
    return _hasher(
        config["PASSWORD_HASH_TIME_COST"],
        config["PASSWORD_HASH_MEMORY_KIB"],
        config["PASSWORD_HASH_PARALLELISM"],
    )


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a real password, only for timing")


def dummy_hash() -> str:
    """A hash of no one's password, at the configured cost: checking a password against
    it takes as long as checking a real one."""
    return _dummy_hash(hasher())


def hash_password(password: str) -> str:
    return hasher().hash(password)


@dataclass(frozen=True)
class Verdict:
    """What checking a password found: whether it matched, and, when it did against a
    hash made with other parameters, the hash to keep instead."""

    matches: bool
    upgraded_hash: str | None = None


def verify(password_hash: str | None, password: str) -> Verdict:
    """Check ``password`` against ``password_hash`` (taking as long when there is no hash,
    so the time taken does not tell whether an account exists). Touches no database: the
    caller decides which transaction, if any, is open meanwhile."""
    current = hasher()
    try:
        current.verify(password_hash or dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return Verdict(matches=False)
    if not password_hash:
        return Verdict(matches=False)
    if current.check_needs_rehash(password_hash):
        return Verdict(matches=True, upgraded_hash=current.hash(password))
    return Verdict(matches=True)


def check_password(user: User, password: str) -> bool:
    """Whether ``password`` is the user's; a hash made with older parameters is replaced
    (the caller's transaction keeps the change)."""
    verdict = verify(user.password_hash, password)
    if verdict.upgraded_hash is not None:
        user.password_hash = verdict.upgraded_hash
    return verdict.matches


def require_good_password(password: str, *, personal: list[str], field: str = "password") -> None:
    problems = rules.password_problems(password, personal=personal)
    if problems:
        raise InvalidInput({field: problems})
