"""Form pieces every blueprint shares (how input is read is in web/inputs.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget


class EmptyForm(FlaskForm):
    """A form with only a CSRF token, for lone buttons such as "Log out"."""

    submit = SubmitField("Submit")


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
