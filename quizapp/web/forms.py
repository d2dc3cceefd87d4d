"""Form pieces every blueprint shares."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SubmitField


class EmptyForm(FlaskForm):
    """A form with only a CSRF token, for lone buttons such as "Log out"."""

    submit = SubmitField("Submit")
