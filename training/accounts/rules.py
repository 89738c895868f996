"""Account decisions as pure functions: no database, no request, no current user."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from zxcvbn import zxcvbn

from training.accounts.models import Role

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
# zxcvbn scores 0-4; 3 means "safely unguessable: moderate protection from
# offline attacks". Common passwords, keyboard walks and repeats score below it.
MIN_PASSWORD_SCORE = 3


def password_problems(password: str, *, personal: Iterable[str] = ()) -> list[str]:
    """Everything wrong with a new password, in words the user can act on.

    ``personal`` holds the person's name and e-mail: a password built from them
    is easy to guess for anyone who knows them.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return [f"Use at least {MIN_PASSWORD_LENGTH} characters."]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [f"Use at most {MAX_PASSWORD_LENGTH} characters."]
    hints = [word for value in personal for word in _words(value)]
    if hints and _built_from(password, hints):
        return ["Do not build your password from your name or e-mail address."]
    result = zxcvbn(password, user_inputs=hints)
    if result["score"] >= MIN_PASSWORD_SCORE:
        return []
    feedback = result["feedback"]
    problems = ["This password is too easy to guess."]
    if feedback.get("warning"):
        problems.append(feedback["warning"])
    problems.extend(feedback.get("suggestions", []))
    return problems


def _built_from(password: str, words: list[str]) -> bool:
    """True when little is left of the password once the given words, digits and
    punctuation are taken out of it."""
    rest = password.lower()
    for word in sorted(words, key=len, reverse=True):
        rest = rest.replace(word, "")
    return sum(ch.isalpha() for ch in rest) < 4


def _words(value: str) -> list[str]:
    cleaned = "".join(ch if ch.isalnum() else " " for ch in value.lower())
    return [word for word in cleaned.split() if len(word) >= 3]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def safe_next_url(target: str | None) -> str | None:
    """Accept a post-login redirect only to a path on this site.

    Refuses absolute URLs, scheme-relative ``//host`` and backslash tricks that
    browsers read as another host.
    """
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@dataclass(frozen=True)
class RoleChange:
    actor_id: int
    target_id: int
    old: frozenset[Role]
    new: frozenset[Role]
    target_active: bool
    # Active admins other than the target.
    other_active_admins: int


def role_change_problems(change: RoleChange) -> list[str]:
    problems = []
    if not change.new:
        problems.append("A person needs at least one role.")
    losing_admin = Role.ADMIN in change.old and Role.ADMIN not in change.new
    if losing_admin and change.actor_id == change.target_id:
        problems.append("You cannot remove your own admin role; ask another admin.")
    if losing_admin and change.target_active and change.other_active_admins == 0:
        problems.append("This is the last active admin; make someone else admin first.")
    return problems


def deactivation_problems(
    *, actor_id: int, target_id: int, target_is_admin: bool, other_active_admins: int
) -> list[str]:
    problems = []
    if actor_id == target_id:
        problems.append("You cannot deactivate your own account.")
    if target_is_admin and other_active_admins == 0:
        problems.append("This is the last active admin; make someone else admin first.")
    return problems


# Personal-data exports: each gathers everything about a person, so they are rationed,
# and each ZIP is a copy of it all, so it is kept only as long as it takes to download.
EXPORTS_PER_DAY = 3
EXPORT_KEPT_DAYS = 7


def export_refusal(exports_in_last_day: int) -> str | None:
    """Why a person may not start another export of their data now, or None."""
    if exports_in_last_day >= EXPORTS_PER_DAY:
        return (
            f"You have prepared your data {exports_in_last_day} times in the last 24 hours, the most "
            f"allowed. Download one of those ({EXPORT_KEPT_DAYS} days' keeping), or try again tomorrow."
        )
    return None


@dataclass(frozen=True)
class LoginCheck:
    over: bool  # the login has ended: older than the longest a login lasts, or idle too long
    touch: bool  # time to write down that it was seen again


def check_login(
    *,
    created_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    lifetime: timedelta,
    idle_limit: timedelta,
    seen_every: timedelta,
) -> LoginCheck:
    """Whether a login still holds. Its lifetime counts from the login itself, never
    from the last request, so using a session does not make it last for ever."""
    if now - created_at > lifetime or now - last_seen_at > idle_limit:
        return LoginCheck(over=True, touch=False)
    return LoginCheck(over=False, touch=now - last_seen_at >= seen_every)
