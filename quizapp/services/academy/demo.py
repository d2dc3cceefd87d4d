"""The demo academy, its accounts and the content bank: what `make run` loads (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from quizapp.models import Role
from quizapp.models.base import now_utc
from quizapp.services.people import accounts

DEMO_ACADEMY = ("Northbridge Aesthetics Academy", "northbridge")
DEMO_INVITE_CODE = "NORTHBRIDGE-TRAINEE"
# The code is printed and documented, so anyone may know it: it lasts two weeks from the last
# `flask demo` and admits a classroom, never an open-ended crowd.
DEMO_INVITE_VALID_FOR = timedelta(days=14)
DEMO_INVITE_MAX_USES = 30


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


def seed_demo(now: datetime | None = None) -> list[DemoAccount]:
    """Create the demo academy, accounts and a trainee invitation if they are missing.

    An expired demo invitation is given another DEMO_INVITE_VALID_FOR, so that `make run` keeps
    printing a code that works; its uses are not reset.
    """
    now = now or now_utc()
    name, slug = DEMO_ACADEMY
    academy = accounts.academy_by_slug(slug) or accounts.create_academy(name, slug)
    for account in DEMO_ACCOUNTS:
        user = accounts.find_user(account.email) or accounts.create_user(
            account.email, account.display_name, account.password
        )
        accounts.add_membership(user, academy, account.role)
    invitation = accounts.find_invitation(DEMO_INVITE_CODE)
    if invitation is None:
        accounts.create_invitation(
            academy,
            Role.TRAINEE,
            code=DEMO_INVITE_CODE,
            valid_for=DEMO_INVITE_VALID_FOR,
            max_uses=DEMO_INVITE_MAX_USES,
            now=now,
        )
    elif invitation.expires_at is None or invitation.expires_at <= now:
        # Also closes the unlimited code that earlier versions created.
        invitation.expires_at = now + DEMO_INVITE_VALID_FOR
        invitation.max_uses = invitation.max_uses or DEMO_INVITE_MAX_USES
    _seed_practice(academy)
    return list(DEMO_ACCOUNTS)


def other_users() -> int:
    """How many users are neither demo accounts nor members of the demo academy only: people
    of a real installation, whose database `flask demo` must not touch without --force."""
    from sqlalchemy import func, select

    from quizapp.extensions import db
    from quizapp.models import Academy, Membership, User

    demo_members = (
        select(Membership.user_id)
        .join(Academy, Academy.id == Membership.academy_id)
        .where(Academy.slug == DEMO_ACADEMY[1])
    )
    elsewhere = (
        select(Membership.user_id)
        .join(Academy, Academy.id == Membership.academy_id)
        .where(Academy.slug != DEMO_ACADEMY[1])
    )
    demo_emails = [account.email for account in DEMO_ACCOUNTS]
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.email.not_in(demo_emails),
            (User.id.not_in(demo_members)) | (User.id.in_(elsewhere)) | User.is_site_admin,
        )
    )


#: The demo programme's logbook counts are demo settings, not a standard (docs/portfolio.md).
DEMO_PROGRAMME = "Supervised practice (demo)"
DEMO_COHORT = "Demo cohort"
DEMO_LOGBOOK_RULES = {"logbook": {"toxin": {"observed": 2, "performed": 2}}}


def _seed_practice(academy) -> None:
    """The educator mentors the demo trainee, and the trainee is in a cohort whose programme
    counts signed logbook entries. Each piece is created only if missing."""
    from datetime import date

    from sqlalchemy import select

    from quizapp.extensions import db
    from quizapp.models import Cohort, CohortMember, Programme
    from quizapp.services.portfolio import practice

    trainee = accounts.find_user(DEMO_ACCOUNTS[0].email)
    educator = accounts.find_user(DEMO_ACCOUNTS[1].email)
    if practice.mentor_profile(academy.id, educator.id) is None:
        practice.save_mentor_profile(
            academy.id,
            educator.id,
            registration_body="other",
            registration_number="DEMO-0001",
            prescriber=True,
            toxin_years=5,
            filler_years=5,
            actor_id=None,
        )
    practice.assign(academy.id, educator.id, trainee.id, None)
    programme = db.session.scalar(
        select(Programme).where(
            Programme.academy_id == academy.id, Programme.name == DEMO_PROGRAMME
        )
    )
    if programme is None:
        programme = Programme(
            academy_id=academy.id,
            name=DEMO_PROGRAMME,
            description="Signed logbook entries of supervised toxin treatments.",
            required_modules=[],
            min_good_cases=0,
            no_unsafe_in_last=0,
            validity_months=24,
            recertification="",
            extra_rules=DEMO_LOGBOOK_RULES,
        )
        db.session.add(programme)
    cohort = db.session.scalar(
        select(Cohort).where(Cohort.academy_id == academy.id, Cohort.name == DEMO_COHORT)
    )
    if cohort is None:
        cohort = Cohort(academy_id=academy.id, name=DEMO_COHORT, start_date=date.today())
        cohort.programmes = [programme]
        db.session.add(cohort)
        db.session.flush()
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=trainee.id, role="trainee"))
    db.session.flush()
