"""The trainee's pages: modules and case studies."""

from __future__ import annotations

from flask import Blueprint, render_template

from quizapp.permissions import Action, requires
from quizapp.services import catalogue

bp = Blueprint("learn", __name__, url_prefix="/learn")


@bp.route("/")
@requires(Action.LEARN)
def index():
    return render_template("learn/index.html", modules=catalogue.published_modules())
