"""Public pages and the signed-in home."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from flask_login import current_user

from quizapp.domain.scoring import score_plan
from quizapp.domain.sources import TAG_LABELS
from quizapp.domain.terms import BAND_LABELS, VERDICT_LABELS
from quizapp.formats.cases import load_case_file
from quizapp.formats.plans import plan_from_dict
from quizapp.permissions import Action, can, current_membership, public

bp = Blueprint("main", __name__)

#: The landing page shows a real result: this bank case scored against a plan that goes too far.
EXAMPLE_CASE = "f44-frown-lines"
EXAMPLE_PLAN = {
    "disposition": "treat",
    "items": [
        {"zone": "glabella", "product": "ona", "amount": 20, "side": "midline"},
        {"zone": "crows_feet", "product": "ona", "amount": 12, "side": "both"},
        {"zone": "forehead", "product": "ona", "amount": 20, "side": "midline"},
    ],
}


@cache
def _example(cases_dir: str) -> dict | None:
    """The example case and the engine's verdict on the plan above (once per worker), or None
    where the bank is not installed beside the app."""
    path = Path(cases_dir) / f"{EXAMPLE_CASE}.yaml"
    if not path.exists():
        return None
    case = load_case_file(path)
    return {"case": case, "plan": score_plan(case, plan_from_dict(EXAMPLE_PLAN)).to_dict()}


@bp.route("/")
@public
def home():
    if not current_user.is_authenticated:
        return render_template(
            "main/landing.html",
            example=_example(current_app.config["CASES_DIR"]),
            band_labels=BAND_LABELS,
            verdict_labels=VERDICT_LABELS,
        )
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


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page says: answer with the SVG icon."""
    return Response(
        _icon(current_app.static_folder),
        mimetype="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )


@cache
def _icon(static_folder: str) -> bytes:
    return (Path(static_folder) / "favicon.svg").read_bytes()
