"""Accounts: passwords, sign-in, sign-up by invitation, memberships."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from quizapp.extensions import db
from quizapp.models import Academy, Invitation, Membership, Role, User
from quizapp.models.base import now_utc

# argon2id at the first configuration of OWASP's Password Storage Cheat Sheet: m=19 MiB, t=2,
# p=1 (docs/security.md). The library's default (RFC 9106 low memory: m=64 MiB, t=3, p=4) made
# every worker that checked a password peak 64 MiB higher, over the 150 MB a worker may use;
# hashes made with it still verify and are rehashed at the next login (`authenticate`).
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked when the email is unknown, so a wrong email costs as much time as a wrong password.
    Made on first use, not at import: hashing allocates the full memory cost (19 MiB) and every
    worker would carry that peak from start-up, signing-in or not."""
    return _hasher.hash(secrets.token_hex(16))


MIN_PASSWORD_LENGTH = 8


class AccountError(Exception):
    """A request about an account that cannot be carried out; the message is safe to show."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    return email.strip().lower()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """Passwords every attacker tries first (quizapp/data/common-passwords.txt)."""
    text = (Path(__file__).resolve().parents[2] / "data" / "common-passwords.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a new password is too weak, or None (OWASP ASVS: length and a breached-list check)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if password.lower() in common_passwords():
        return "That password is one of the most common and would be guessed: choose another."
    if email and password.lower() == normalise_email(email):
        return "Do not use your email address as your password."
    return None


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Rehashes outdated hashes."""
    dummy = _dummy_hash()  # made by the first sign-in of either kind, so both cost the same
    user = find_user(email)
    if user is None:
        _verify(dummy, password)
        return None
    if not _verify(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = now_utc()
    return user


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create_user(email: str, display_name: str, password: str, *, site_admin: bool = False) -> User:
    email = normalise_email(email)
    if find_user(email) is not None:
        raise AccountError("An account with this email address already exists.")
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem)
    user = User(
        email=email,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        is_site_admin=site_admin,
    )
    db.session.add(user)
    db.session.flush()
    return user


def add_membership(user: User, academy: Academy, role: Role) -> Membership:
    """Give `user` a role in `academy`; an existing membership is reactivated with the new role."""
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.academy_id == academy.id)
    )
    if membership is None:
        membership = Membership(user=user, academy=academy, role=role)
        db.session.add(membership)
    else:
        membership.role = role
        membership.active = True
    db.session.flush()
    return membership


def find_invitation(code: str) -> Invitation | None:
    code = code.strip()
    if not code:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.code == code))


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """Join the invitation's academy. Joining never changes a membership the user already has
    (its role, or its state: reactivation is the academy admins' decision)."""
    refusal = invitation.refusal(user.email, now_utc())
    if refusal:
        raise AccountError(refusal)
    existing = db.session.scalar(
        select(Membership.active).where(
            Membership.user_id == user.id, Membership.academy_id == invitation.academy_id
        )
    )
    if existing is not None:
        raise AccountError(
            f"You are already a member of {invitation.academy.name}."
            if existing
            else f"Your membership of {invitation.academy.name} has been deactivated; "
            "its admins can reactivate it."
        )
    # Counted in SQL so two people using the last place of an invitation cannot both get in.
    updated = db.session.execute(
        db.update(Invitation)
        .where(Invitation.id == invitation.id)
        .where((Invitation.max_uses.is_(None)) | (Invitation.uses < Invitation.max_uses))
        .values(uses=Invitation.uses + 1)
    )
    if updated.rowcount != 1:
        raise AccountError("This invitation has already been used.")
    return add_membership(user, invitation.academy, invitation.role)


def register(code: str, email: str, display_name: str, password: str) -> User:
    """Sign up with an invitation code: creates the user and their membership, or nothing."""
    invitation = find_invitation(code)
    if invitation is None:
        raise AccountError("That invitation code is not valid. Check it with your academy.")
    refusal = invitation.refusal(email, now_utc())
    if refusal:
        raise AccountError(refusal)
    user = create_user(email, display_name, password)
    accept_invitation(invitation, user)
    return user


def end_all_sessions(user: User) -> None:
    """Every session and remember cookie of this user stops working at its next request.

    Signed cookies cannot be recalled, so the user's session version moves on instead.
    """
    user.session_version += 1


def change_password(user: User, current: str, new: str) -> None:
    if not _verify(user.password_hash, current):
        raise AccountError("Your current password is not correct.")
    problem = password_problem(new, email=user.email)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    end_all_sessions(user)


def create_invitation(
    academy: Academy,
    role: Role,
    *,
    email: str | None = None,
    valid_for: timedelta | None = timedelta(days=14),
    max_uses: int | None = 1,
    created_by: User | None = None,
    code: str | None = None,
    now: datetime | None = None,
) -> Invitation:
    now = now or now_utc()
    invitation = Invitation(
        code=code or secrets.token_urlsafe(12),
        academy=academy,
        role=role,
        email=normalise_email(email) if email else None,
        expires_at=now + valid_for if valid_for else None,
        max_uses=max_uses,
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation


def academy_by_slug(slug: str) -> Academy | None:
    return db.session.scalar(select(Academy).where(Academy.slug == slug))


def create_academy(name: str, slug: str) -> Academy:
    if db.session.scalar(select(func.count()).select_from(Academy).where(Academy.slug == slug)):
        raise AccountError(f"An academy with the slug {slug!r} already exists.")
    academy = Academy(name=name, slug=slug)
    db.session.add(academy)
    db.session.flush()
    return academy
