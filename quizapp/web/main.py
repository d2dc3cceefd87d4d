"""Public pages and the signed-in home."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from quizapp.domain.sources import TAG_LABELS
from quizapp.permissions import Action, can, current_membership, public

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    membership = current_membership(current_user)
    if membership is None and not current_user.is_site_admin:
        return redirect(url_for("auth.join"))
    if can(current_user, Action.LEARN) and membership and membership.role.value == "trainee":
        return redirect(url_for("learn.index"))
    return render_template("main/home.html", membership=membership)


@bp.route("/about")
@public
def about():
    return render_template("main/about.html")


@bp.route("/sources")
@public
def sources():
    """Every source key with its citation and strength: public, like the citations themselves."""
    return render_template("main/sources.html", tag_labels=TAG_LABELS)


@bp.route("/healthz")
@public
def healthz():
    return {"status": "ok"}
