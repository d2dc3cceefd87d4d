"""How the app reads input: URL ids within the database's range, query and form integers in
ASCII digits only, files only where a form has a file field. Installed by the app factory, so
every view and form reads numbers the same way (`parse_int` and `parse_decimal` live in the
domain, where services and file readers use the same rules)."""

from __future__ import annotations

import inspect

from flask import Request, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, ValidationError
from wtforms import IntegerField
from wtforms.fields import FileField

from quizapp.domain.numbers import INT_MAX, parse_int


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in URLs (registered as "int" by the app factory): ASCII digits within
    INT_MAX, else the route does not match and the answer is 404, not a database error."""

    regex = r"[0-9]+"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):
            raise ValidationError()  # int() never reads a 100 KB number
        return super().to_python(value)


_flask_wtf_formdata = FlaskForm.Meta.wrap_formdata
_AUTO = inspect.signature(FlaskForm.__init__).parameters["formdata"].default  # "read the request"


def _typed_formdata(meta, form, formdata):
    """What a form reads from a request: uploaded files for its file fields only, so that a file
    posted in a text field's name leaves that field empty instead of reaching its validators
    (len() of a file); and a JSON body is not a form (its numbers and lists would reach them)."""
    if formdata is not _AUTO or request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return _flask_wtf_formdata(meta, form, formdata)
    if not request.files:
        return request.form or None
    file_fields = {field.name for field in form if isinstance(field, FileField)}
    files = MultiDict(
        [(name, file) for name, file in request.files.items(multi=True) if name in file_fields]
    )
    return CombinedMultiDict((files, request.form))


def _whole_number_formdata(field: IntegerField, valuelist: list) -> None:
    """IntegerField reads its text as parse_int does: "٣" and 2^63 are not valid integers
    (int() would take them, and the database would raise on the second)."""
    if not valuelist:
        return
    field.data = parse_int(valuelist[0], minimum=-INT_MAX - 1)
    if field.data is None:
        raise ValueError(field.gettext("Not a valid integer value."))


def whole_number(value: object) -> int:
    """`coerce` for select fields of ids: an int, or text parse_int accepts; ValueError else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    number = parse_int(value)
    if number is None:
        raise ValueError("not a whole number")
    return number


def install_input_rules() -> None:
    """Called by the app factory: every form of the app reads files and integers as above."""
    FlaskForm.Meta.wrap_formdata = _typed_formdata
    IntegerField.process_formdata = _whole_number_formdata


class _Parameters(ImmutableMultiDict):
    """Query and form values whose `get(name, type=int)` reads like parse_int: "²", "٣" and
    numbers past INT_MAX give the default, as any other non-number does, instead of an
    OverflowError from the database or a lookup of row 3."""

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's name
        if type is not int:
            return super().get(key, default, type)
        value = parse_int(super().get(key), minimum=-INT_MAX - 1)
        return default if value is None else value

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's name
        if type is not int:
            return super().getlist(key, type)
        values = (parse_int(raw, minimum=-INT_MAX - 1) for raw in super().getlist(key))
        return [value for value in values if value is not None]


class QuizappRequest(Request):
    """The app's request: its query and form values read ints as parse_int does."""

    parameter_storage_class = _Parameters
