"""Demo data so that every page has something real to show on a new machine.

``seed()`` is idempotent: it creates what is missing and leaves the rest.
The demo passwords are printed and documented in the README; they are for a
local trial, never for a real installation.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from training.accounts import services
from training.accounts.models import Role, User
from training.core.db import watching_lazy_loads


@dataclass(frozen=True)
class DemoAccount:
    email: str
    full_name: str
    roles: frozenset[Role]
    password: str
    specialty: str | None = None
    registration_number: str | None = None
    institution: str | None = None
    country: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount(
        "admin@example.org",
        "Ada Lindqvist",
        frozenset({Role.ADMIN}),
        "microfat-admin-demo",
        institution="Programme office",
        country="SE",
    ),
    DemoAccount(
        "organizer@example.org",
        "Marco Bellini",
        frozenset({Role.ORGANIZER}),
        "microfat-organizer-demo",
        institution="Regenerative Surgery Academy",
        country="IT",
    ),
    DemoAccount(
        "faculty@example.org",
        "Dr. Amara Okafor",
        frozenset({Role.FACULTY}),
        "microfat-faculty-demo",
        specialty="Plastic, reconstructive and aesthetic surgery",
        registration_number="GMC 7012345",
        institution="St Thomas' Hospital",
        country="GB",
    ),
    DemoAccount(
        "certifier@example.org",
        "Prof. Lucas Ferreira",
        frozenset({Role.FACULTY}),
        "microfat-certifier-demo",
        specialty="Plastic, reconstructive and aesthetic surgery",
        registration_number="CRM-SP 123456",
        institution="Hospital das Clínicas",
        country="BR",
    ),
    DemoAccount(
        "trainee@example.org",
        "Dr. Sofia Marín",
        frozenset({Role.TRAINEE}),
        "microfat-trainee-demo",
        specialty="Oculoplastic surgery",
        registration_number="CMM 28/2819311",
        institution="Hospital Clínic de Barcelona",
        country="ES",
    ),
)


def seed_accounts() -> list[str]:
    lines = []
    for account in DEMO_ACCOUNTS:
        user = services.find_by_email(account.email)
        if user is None:
            profile = services.Profile(
                full_name=account.full_name,
                email=account.email,
                specialty=account.specialty,
                registration_number=account.registration_number,
                institution=account.institution,
                country=account.country,
            )
            user = services.create_user_from_command(profile, set(account.roles), account.password)
        lines.append(f"  {', '.join(user.role_names):<20} {account.email:<26} {account.password}")
    return lines


def demo_user(email: str) -> User:
    user = services.find_by_email(email)
    if user is None:
        raise LookupError(f"demo account {email} is missing; run seed-demo")
    return user


# Each capability seeds its own demo data, in this order (later ones build on earlier ones).
CAPABILITIES = (
    "curriculum",
    "workshops",
    "enrolments",
    "attendance",
    "quizzes",
    "assessments",
    "certificates",
)


def seed() -> str:
    lines = ["Demo accounts (role, e-mail, password):", *seed_accounts()]
    # Demo data is written once, on a computer of one's own: its loops are not pages,
    # and may touch relationships as they go.
    with watching_lazy_loads(False):
        for name in CAPABILITIES:
            capability = importlib.import_module(f"training.{name}.demo")
            lines.extend(capability.seed())
    return "\n".join(lines)
