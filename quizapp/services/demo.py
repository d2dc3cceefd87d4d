"""The demo academy, its accounts and the content bank: what `make run` loads (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from quizapp.models import Role
from quizapp.services import accounts

DEMO_ACADEMY = ("Northbridge Aesthetics Academy", "northbridge")
DEMO_INVITE_CODE = "NORTHBRIDGE-TRAINEE"


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    display_name: str
    password: str


# Demo passwords are printed by `make run` on purpose: they open a local demo only.
DEMO_ACCOUNTS = (
    DemoAccount(Role.TRAINEE, "trainee@demo.example.com", "Dr Amira Haddad", "trainee-demo-2026"),
    DemoAccount(
        Role.EDUCATOR, "educator@demo.example.com", "Dr Jonas Weller", "educator-demo-2026"
    ),
    DemoAccount(Role.ADMIN, "admin@demo.example.com", "Priya Raman", "admin-demo-2026"),
)


def seed_demo() -> list[DemoAccount]:
    """Create the demo academy, accounts and an open trainee invitation if they are missing."""
    name, slug = DEMO_ACADEMY
    academy = accounts.academy_by_slug(slug) or accounts.create_academy(name, slug)
    for account in DEMO_ACCOUNTS:
        user = accounts.find_user(account.email) or accounts.create_user(
            account.email, account.display_name, account.password
        )
        accounts.add_membership(user, academy, account.role)
    if accounts.find_invitation(DEMO_INVITE_CODE) is None:
        accounts.create_invitation(
            academy, Role.TRAINEE, code=DEMO_INVITE_CODE, valid_for=None, max_uses=None
        )
    return list(DEMO_ACCOUNTS)
