"""People and their global roles."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, TimestampMixin, enum_column, utcnow
from training.extensions import Model


class Role(enum.Enum):
    """Global roles. A person may hold several (a surgeon can teach and learn)."""

    ADMIN = "admin"
    ORGANIZER = "organizer"
    FACULTY = "faculty"
    TRAINEE = "trainee"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def name_in_text(self) -> str:
        """The role as a sentence names it ("trainee"), in the page's language."""
        return str(ROLE_NAMES[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Admin"),
    Role.ORGANIZER: _l("Organizer"),
    Role.FACULTY: _l("Faculty"),
    Role.TRAINEE: _l("Trainee"),
}
ROLE_NAMES = {
    Role.ADMIN: _l("admin"),
    Role.ORGANIZER: _l("organizer"),
    Role.FACULTY: _l("faculty"),
    Role.TRAINEE: _l("trainee"),
}


# Specialties of the surgeons and physicians who train in fat grafting. Stored as
# text so that a programme can add its own without a migration.
SPECIALTIES = (
    "Plastic, reconstructive and aesthetic surgery",
    "Oculoplastic surgery",
    "Facial plastic surgery (ENT)",
    "Oral and maxillofacial surgery",
    "Dermatology",
    "Dermatologic surgery",
    "General surgery",
    "Orthopaedic surgery",
    "Burns surgery",
    "Aesthetic medicine",
    "Other",
)


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(IdMixin, TimestampMixin, UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        # E-mail addresses are unique case-insensitively: they are stored lower-cased.
        sa.CheckConstraint("email = lower(email)", name="email_lower"),
    )

    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # The name exactly as it must appear on a certificate.
    full_name: Mapped[str] = mapped_column(sa.String(200))
    # None until an invited member of staff chooses a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    specialty: Mapped[str | None] = mapped_column(sa.String(80))
    registration_number: Mapped[str | None] = mapped_column(sa.String(60))
    institution: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    # The interface's and the mails' language ("en", "es", "pt"); None: the browser's on
    # pages, the programme's in mails (core/i18n.py).
    language: Mapped[str | None] = mapped_column(sa.String(8))
    active: Mapped[bool] = mapped_column(default=True)
    deactivated_at: Mapped[datetime | None]
    # Set when an admin erased the person's data (see accounts/personal_data.py).
    erased_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # When the owner showed they read mail at ``email`` (a link followed). None: a new
    # sign-up that cannot log in until it does.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    # Part of the login cookie: changing it signs the user out everywhere.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=new_session_token)

    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    # Flask-Login -----------------------------------------------------------------
    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def sign_out_everywhere(self) -> None:
        self.session_token = new_session_token()

    # Roles ------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(link.role for link in self.role_links)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def set_roles(self, roles: set[Role] | frozenset[Role]) -> None:
        wanted = set(roles)
        self.role_links = [link for link in self.role_links if link.role in wanted]
        for role in sorted(wanted - self.roles, key=lambda r: r.value):
            self.role_links.append(UserRole(role=role))

    @property
    def role_names(self) -> list[str]:
        return sorted(role.value for role in self.roles)

    @property
    def role_labels(self) -> list[str]:
        """The roles as a sentence names them, in the page's language."""
        return [role.name_in_text for role in sorted(self.roles, key=lambda role: role.value)]


class UserRole(Model):
    __tablename__ = "user_roles"
    __table_args__ = (sa.Index("ix_user_roles_role", "role"),)

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[Role] = enum_column(Role, primary_key=True)

    user: Mapped[User] = relationship(back_populates="role_links")


class LoginSession(IdMixin, Model):
    """One login: a browser signed in as someone, from the login until it is ended.

    The session cookie carries ``key``; a cookie whose login is gone (logged out, signed
    out everywhere, password changed, account deactivated) or older than the longest a
    login lasts opens nothing, whatever copy of it is replayed."""

    __tablename__ = "login_sessions"

    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written at most every few minutes (``LOGIN_SEEN_EVERY``), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")

    user: Mapped[User] = relationship()
