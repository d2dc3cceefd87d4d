"""CSV downloads: the web turns a CSV document from services/infra/csvout.py into an attachment
that no cache keeps, whoever asks (the response says so itself, not only the signed-in default)."""

from __future__ import annotations

import pytest

from quizapp.web.downloads import csv_filename, csv_response, csv_stream


@pytest.mark.parametrize("make", [csv_response, csv_stream])
def test_a_csv_download_is_a_named_attachment_no_cache_keeps(app, make):
    with app.test_request_context("/export"):  # no one signed in: no default header to lean on
        response = make("Cohort 1 / bands", ["zone", "note"], [["glabella", "=1+1"]])
    assert response.headers["Content-Disposition"] == 'attachment; filename="Cohort-1-bands.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data(as_text=True) == "\ufeffzone,note\r\nglabella,'=1+1\r\n"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("report.csv", "report.csv"), ("../etc/passwd", "etc-passwd.csv"), ("", "export.csv")],
)
def test_download_names_are_reduced_to_safe_characters_ending_csv(name, expected):
    assert csv_filename(name) == expected
