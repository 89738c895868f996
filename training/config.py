"""Configuration, read from the environment.

Every setting the operator can change is a ``TRAINING_*`` environment variable,
documented in the README. Nothing secret is a constant in the code: when no
secret key is given, one is generated on first run and kept in the instance
folder, readable by its owner only.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# TRAINING_ENV: "development" (as `make run` sets it) allows what only makes sense on
# one's own computer, such as certificates whose links lead to 127.0.0.1.
ENVIRONMENTS = ("production", "development")


def instance_path() -> Path:
    """The folder for everything this installation owns: database, keys, files."""
    configured = os.environ.get("TRAINING_INSTANCE_PATH")
    return Path(configured).resolve() if configured else PROJECT_ROOT / "instance"


def secure_instance_folder(folder: Path) -> None:
    """Keep the instance folder to this installation's own user.

    It holds the database (password hashes, personal data), the task queue (mails
    with live reset links) and the keys. The process umask makes every file created
    from now on (SQLite's WAL and journal files too) readable by the owner only;
    what an older version created is tightened here."""
    os.umask(0o077)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    for root, folders, files in os.walk(folder):
        for name in folders:
            (Path(root) / name).chmod(0o700)
        for name in files:
            path = Path(root) / name
            if not path.is_symlink():
                path.chmod(0o600)


def load_or_create_secret(path: Path, nbytes: int = 48) -> str:
    """Return the secret stored at ``path``, creating it (mode 0600) if absent.

    Several gunicorn workers may start at once: O_EXCL makes exactly one of them
    write the file, the others read what it wrote.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            value = path.read_text().strip()
            if value:
                return value
            # Another process created the file and is about to write it.
            time.sleep(0.01)
        raise RuntimeError(f"{path} exists but is empty; delete it to generate a new key") from None
    value = secrets.token_urlsafe(nbytes)
    with os.fdopen(fd, "w") as handle:
        handle.write(value + "\n")
    return value


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs that name no driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings for a real installation, from ``TRAINING_*`` variables."""

    TESTING = False

    def __init__(self, instance: Path | None = None) -> None:
        env = os.environ
        folder = instance or instance_path()
        self.INSTANCE_PATH = str(folder)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            env.get("TRAINING_DATABASE_URL") or f"sqlite:///{folder / 'training.db'}"
        )
        self.SECRET_KEY = self.secret_key(folder)
        self.BASE_URL = (env.get("TRAINING_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
        self.ENVIRONMENT = env.get("TRAINING_ENV") or "production"
        if self.ENVIRONMENT not in ENVIRONMENTS:
            raise ValueError(
                f"TRAINING_ENV is {self.ENVIRONMENT!r}; it must be one of: {', '.join(ENVIRONMENTS)}."
            )
        # A relationship loaded one object at a time (the N+1 pattern) fails in
        # development; a production site logs it and goes on.
        self.LAZY_LOADS = "raise" if self.ENVIRONMENT == "development" else "log"
        self.SMTP_URL = env.get("TRAINING_SMTP_URL") or None
        self.PROGRAMME_NAME = env.get("TRAINING_PROGRAMME_NAME") or "Regenerative Fat Grafting Programme"
        # The interface's language for someone who chose none and whose browser asks for
        # none of en, es, pt.
        self.DEFAULT_LANGUAGE = (env.get("TRAINING_DEFAULT_LANGUAGE") or "en").strip().lower()
        if self.DEFAULT_LANGUAGE not in ("en", "es", "pt"):
            raise ValueError(
                f"TRAINING_DEFAULT_LANGUAGE is {self.DEFAULT_LANGUAGE!r}; it must be one of: en, es, pt."
            )
        self.MAIL_FROM = env.get("TRAINING_MAIL_FROM") or "Training programme <no-reply@localhost>"
        self.REDIS_URL = env.get("TRAINING_REDIS_URL") or None
        # Certificate PDFs, uploads and export files: "database" or s3://bucket/prefix.
        self.STORAGE_URL = env.get("TRAINING_STORAGE_URL") or "database"
        self.S3_ENDPOINT_URL = env.get("TRAINING_S3_ENDPOINT_URL") or None
        self.S3_REGION = env.get("TRAINING_S3_REGION") or None
        self.S3_ACCESS_KEY_ID = env.get("TRAINING_S3_ACCESS_KEY_ID") or None
        self.S3_SECRET_ACCESS_KEY = env.get("TRAINING_S3_SECRET_ACCESS_KEY") or None
        self.TRUSTED_PROXIES = int(env.get("TRAINING_TRUSTED_PROXIES") or 0)
        self.SESSION_IDLE_TIMEOUT = timedelta(minutes=int(env.get("TRAINING_SESSION_IDLE_MINUTES") or 120))
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=int(env.get("TRAINING_SESSION_HOURS") or 12))
        secure = urlsplit(self.BASE_URL).scheme == "https"
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_SECURE = secure
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        # Only the benchmark's load test turns rate limits off (it hammers one address).
        self.RATELIMIT_ENABLED = env.get("TRAINING_RATELIMITS", "on") != "off"

    def secret_key(self, folder: Path) -> str:
        return os.environ.get("TRAINING_SECRET_KEY") or load_or_create_secret(folder / "secret_key")

    # Fixed settings, the same for every installation.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # The cookie is written only when the session changes (a login, a flash, the idle stamp
    # once a minute), never by a static file or an image. Otherwise a response still in flight
    # at logout brings the old cookie back and the "You have logged out" message is lost; and
    # responses that set cookies are not cached. The login's lifetime is kept on the server.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Uploads larger than this are refused with 413 before a view sees them.
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "moving-window"
    # Argon2id cost: OWASP's minimum for argon2id (m=19 MiB, t=2, p=1), chosen over
    # argon2-cffi's defaults (t=3, 64 MiB, p=4) so that 50 trainees logging in at once
    # at a venue do not queue behind the hashing: on this project's 2-core machine a
    # verify costs about a seventh of the old CPU time, 30 ms instead of 230 ms
    # (tools/password_hash_cost.py; the README's "Security" section has the figures).
    # A hash made with other parameters is re-made with these at the owner's next login.
    PASSWORD_HASH_TIME_COST = 2
    PASSWORD_HASH_MEMORY_KIB = 19456
    PASSWORD_HASH_PARALLELISM = 1
    # Logins: what is refused, and when. Failed attempts are counted per account (its
    # e-mail address, whether or not an account uses it) and per account and address,
    # so a venue's trainees behind one NAT address are never refused for each other;
    # every POST to /login from one address counts towards a ceiling against floods.
    LOGIN_FAILURES_PER_ACCOUNT = "10 per 15 minutes"
    LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes"
    LOGIN_POSTS_PER_ADDRESS = "300 per 5 minutes"
    PASSWORD_RESET_MAX_AGE = timedelta(hours=2)
    ACCOUNT_INVITE_MAX_AGE = timedelta(days=7)
    ADMIN_PAGE_SIZE = 25


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and fast hashing."""

    __test__ = False  # a configuration, not a test class for pytest to collect
    TESTING = True
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 64
    PASSWORD_HASH_PARALLELISM = 1

    def secret_key(self, folder: Path) -> str:
        return "test-only-" + secrets.token_hex(16)

    def __init__(self, instance: Path, database_url: str | None = None) -> None:
        super().__init__(instance)
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(
            database_url or os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
        )
        self.BASE_URL = "http://training.test"
        self.DEFAULT_LANGUAGE = "en"
        self.LAZY_LOADS = "raise"
        self.SMTP_URL = None
        self.REDIS_URL = None
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.SESSION_COOKIE_SECURE = False
