"""The academy blueprint and what its pages share: the admin's academy, redirects, a lone button's
CSRF check, a checkbox list field. Each subject's routes are in a file of their own; the package
imports them all.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, make_response, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.models import Academy
from quizapp.permissions import current_membership
from quizapp.web.forms import EmptyForm

bp = Blueprint("academy", __name__, url_prefix="/academy")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def current_academy() -> Academy:
    """The academy the user works in; a site admin without one sees a short explanation."""
    membership = current_membership(current_user)
    if membership is None:
        abort(make_response(render_template("academy/none.html"), 200))
    return membership.academy


def back(default: str, **values) -> Response:
    return redirect(url_for(default, **values))


def require_post_token() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)
