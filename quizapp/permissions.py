"""Who may do what: the one place that decides.

Views ask `can(user, action, academy_id)` or use `@requires(action)`; templates ask the same helper
(exposed as `can` in Jinja), so navigation and access never disagree.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, session
from flask_login import current_user

from quizapp.models import Membership, Role, User


class Action(enum.StrEnum):
    LEARN = "learn"  # take modules and case studies
    AUTHOR = "author"  # write, preview and publish content; see trainees' mistakes
    MANAGE_ACADEMY = "manage_academy"  # members, invitations, cohorts, programmes, reports
    MANAGE_SITE = "manage_site"  # academies themselves: site admins only (no role grants it)


ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.TRAINEE: frozenset({Action.LEARN}),
    Role.EDUCATOR: frozenset({Action.LEARN, Action.AUTHOR}),
    Role.ADMIN: frozenset({Action.LEARN, Action.AUTHOR, Action.MANAGE_ACADEMY}),
}


def active_memberships(user: User) -> list[Membership]:
    """Memberships the user may work in: active, in an academy that is not deactivated."""
    return [m for m in user.memberships if m.active and m.academy.active]


def current_membership(user: User) -> Membership | None:
    """The membership the user is working in: the one chosen in the session, else the first."""
    if not getattr(user, "is_authenticated", False):
        return None
    cached = g.get("_membership_cache")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    memberships = active_memberships(user)
    chosen_id = session.get("academy_id")
    chosen = next((m for m in memberships if m.academy_id == chosen_id), None)
    if chosen is None and memberships:
        chosen = sorted(memberships, key=lambda m: m.id)[0]
    g._membership_cache = (user.id, chosen)
    return chosen


def current_academy_id() -> int | None:
    """The academy the signed-in user is working in, or None."""
    membership = current_membership(current_user)
    return membership.academy_id if membership else None


def can(user: Any, action: Action | str, academy_id: int | None = None) -> bool:
    """True when `user` may perform `action` in `academy_id` (default: their current academy)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_site_admin:
        return True
    action = Action(action)
    if academy_id is None:
        membership = current_membership(user)
    else:
        membership = next((m for m in active_memberships(user) if m.academy_id == academy_id), None)
    return membership is not None and action in ROLE_ACTIONS[membership.role]


def requires(action: Action) -> Callable:
    """View decorator: 401 (to login) for anonymous users, 403 for members without the right."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                from quizapp.extensions import login_manager

                return login_manager.unauthorized()
            if not can(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_action = action  # read by the access-matrix tests
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Marks a view anyone may open; the access tests require every view to say which it is."""
    view.public = True
    return view


def signed_in(view: Callable) -> Callable:
    """View decorator for pages of one's own account: any active, signed-in user."""
    from flask_login import login_required

    wrapped = login_required(view)
    wrapped.required_action = "signed_in"
    return wrapped
