"""The educator's pages: the case bank and the modules."""

from __future__ import annotations

from flask import Blueprint, render_template

from quizapp.permissions import Action, requires
from quizapp.services import catalogue

bp = Blueprint("author", __name__, url_prefix="/author")


@bp.route("/")
@requires(Action.AUTHOR)
def index():
    return render_template(
        "author/index.html",
        cases=catalogue.case_listing(),
        modules=catalogue.published_modules(),
    )
