"""Check-in codes: signed, bound to one session and one short time window.

Time is cut into windows of ``WINDOW_SECONDS``; the check-in screen shows the
code of the current window and changes it with the next one. A token is the
session id and the window number, signed with the app's secret (HMAC-SHA256
through itsdangerous); the short typed code is six digits of another HMAC of
the same pair. A code is accepted in its own window and one window either
side, which tolerates a phone or a screen whose clock is a little off, and
refused after that: a photo of the code sent home is useless a minute later.

The functions take the secret and the time as arguments: pure, and testable
with any clock.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from itsdangerous import BadSignature, Signer, URLSafeSerializer

WINDOW_SECONDS = 45
DRIFT_WINDOWS = 1
# A valid scan is honoured this long afterwards: time to log in first, or to tap "Check in".
SCAN_TICKET_SECONDS = 10 * 60
_SALT = "training.attendance.check-in"


class TokenRefused(ValueError):
    """A check-in token that cannot be used; the message says why, in words."""


@dataclass(frozen=True)
class Window:
    number: int
    starts_at_epoch: int

    @property
    def ends_at_epoch(self) -> int:
        return self.starts_at_epoch + WINDOW_SECONDS


def window_at(at: datetime) -> Window:
    number = int(at.timestamp()) // WINDOW_SECONDS
    return Window(number, number * WINDOW_SECONDS)


def seconds_left(at: datetime) -> int:
    return window_at(at).ends_at_epoch - int(at.timestamp())


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=_SALT, digest_method=hashlib.sha256)


def make_token(secret: str, session_id: int, window: int) -> str:
    return _signer(secret).sign(f"{session_id}-{window}").decode()


def read_token(secret: str, token: str, *, session_id: int, at: datetime) -> int:
    """The window of a token valid for ``session_id`` at ``at``; TokenRefused otherwise."""
    try:
        payload = _signer(secret).unsign(token.encode()).decode()
    except (BadSignature, UnicodeError) as error:
        raise TokenRefused(
            gettext("This check-in code is not valid. Scan the code on the screen again.")
        ) from error
    token_session, _, token_window = payload.partition("-")
    if not (token_session.isdigit() and token_window.isdigit()):
        raise TokenRefused(gettext("This check-in code is not valid. Scan the code on the screen again."))
    if int(token_session) != session_id:
        raise TokenRefused(gettext("This code belongs to another session. Scan the code shown in your room."))
    window = int(token_window)
    if not accepted(window, at):
        raise TokenRefused(
            gettext(
                "This check-in code has expired: codes change every 45 seconds. "
                "Scan the code on the screen again."
            )
        )
    return window


def accepted(window: int, at: datetime) -> bool:
    return abs(window - window_at(at).number) <= DRIFT_WINDOWS


def short_code(secret: str, session_id: int, window: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{_SALT}:code:{session_id}:{window}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def code_matches(secret: str, session_id: int, code: str, at: datetime) -> bool:
    """Whether a typed code is the session's code of a window accepted at ``at``."""
    typed = "".join(ch for ch in code if ch in "0123456789")
    if len(typed) != 6:
        return False
    now = window_at(at).number
    return any(
        hmac.compare_digest(typed, short_code(secret, session_id, window))
        for window in range(now - DRIFT_WINDOWS, now + DRIFT_WINDOWS + 1)
    )


def format_code(code: str) -> str:
    """``"482913"`` as ``"482 913"``: easier to read from across a room."""
    return f"{code[:3]} {code[3:]}"


@dataclass(frozen=True)
class ScanTicket:
    """A valid scan, carried to the confirmation (through the login page if need be).

    It belongs to whoever scanned: the signed-in user (``user_id``) or, for a guest
    who must log in first, the browser holding the cookie with ``nonce``. A link
    forwarded to someone else is refused.
    """

    session_id: int
    scanned_at_epoch: int
    user_id: int | None = None
    nonce: str | None = None

    def belongs_to(self, user_id: int, cookie: str | None) -> bool:
        if self.user_id is not None:
            return self.user_id == user_id
        return bool(self.nonce and cookie) and hmac.compare_digest(
            str(self.nonce).encode(), str(cookie).encode()
        )


def make_scan_ticket(
    secret: str,
    session_id: int,
    scanned_at: datetime,
    *,
    user_id: int | None = None,
    nonce: str | None = None,
) -> str:
    """Proof that a valid code was scanned at ``scanned_at`` by this user or browser."""
    payload: dict[str, object] = {"s": session_id, "at": int(scanned_at.timestamp())}
    if user_id is not None:
        payload["u"] = user_id
    if nonce is not None:
        payload["n"] = nonce
    return URLSafeSerializer(secret, salt=f"{_SALT}:scan").dumps(payload)


def read_scan_ticket(secret: str, ticket: str, *, at: datetime) -> ScanTicket:
    """The scan a ticket records, if it is still fresh at ``at``."""
    invalid = gettext("This check-in link is not valid. Scan the code on the screen again.")
    try:
        data = URLSafeSerializer(secret, salt=f"{_SALT}:scan").loads(ticket)
    except BadSignature as error:
        raise TokenRefused(invalid) from error
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("s"), int)
        or not isinstance(data.get("at"), int)
    ):
        raise TokenRefused(invalid)
    age = int(at.timestamp()) - data["at"]
    if age > SCAN_TICKET_SECONDS or age < -WINDOW_SECONDS:
        raise TokenRefused(gettext("This check-in link has expired. Scan the code on the screen again."))
    user_id, nonce = data.get("u"), data.get("n")
    if (user_id is None) == (nonce is None):
        raise TokenRefused(invalid)
    return ScanTicket(data["s"], data["at"], user_id, nonce)
