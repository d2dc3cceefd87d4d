"""Downloads: a CSV document from services/infra/csvout.py, or a JSON payload, as an attachment.

Every CSV a view sends goes through here, so each has a safe file name ending .csv and
`Cache-Control: no-store` (a download holds an academy's or a person's data, and must not sit in
a shared or browser cache, whoever is signed in).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from flask import Response, stream_with_context

from quizapp.services.infra.csvout import csv_chunks, csv_text


def csv_filename(name: str) -> str:
    """`name` reduced to safe characters, ending .csv."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "export"
    return stem if stem.endswith(".csv") else stem + ".csv"


def _download(response: Response, name: str) -> Response:
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{csv_filename(name)}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def csv_response(name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A download response: text/csv, attachment, a file name reduced to safe characters."""
    return _download(Response(csv_text(header, rows), mimetype="text/csv"), name)


def csv_stream(
    name: str, header: Sequence[str], rows: Iterable[Sequence[Any]], *, with_context: bool = False
) -> Response:
    """Like csv_response, but streamed: the document is written in chunks as the client reads
    (csv_chunks), never held whole. Rows already in memory (a built report) need nothing more;
    rows that still query the database as they go need `with_context=True`, which keeps the
    request's context open while streaming (flask.stream_with_context)."""
    body = csv_chunks(header, rows)
    if with_context:
        body = stream_with_context(body)
    return _download(Response(body, mimetype="text/csv"), name)


def json_download(payload: Any, filename: str) -> Response:
    """`payload` as an indented JSON attachment named `filename`."""
    response = Response(json.dumps(payload, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
