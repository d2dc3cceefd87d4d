"""The academy report and common mistakes read the summaries written with each attempt
(services/learning/summaries.py): never stale, a new attempt or a change of who is a learner
shows at once, and the same figures on every call. The report's big CSV is streamed."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from quizapp.models import Membership
from quizapp.services.academy import reports
from quizapp.services.authoring import insight
from quizapp.services.infra.csvout import csv_chunks, csv_text
from quizapp.web.downloads import csv_stream
from tests.conftest import login
from tests.data import academykit as kit
from tests.web.test_academy_reports import NOW, history  # noqa: F401 - the shared fixture


def _report(history, cohort=None):  # noqa: F811
    scope = reports.Scope(history["academy"].id, cohort.id if cohort else None)
    return reports.build(scope, NOW)


def _row(report, user):
    return next(r for r in report.learners if r.user_id == user.id)


def test_the_report_is_the_same_on_every_call(history):  # noqa: F811
    assert _report(history) == _report(history)
    assert _report(history, history["cohort"]) == _report(history, history["cohort"])


def test_a_new_submission_changes_the_report(history, db):  # noqa: F811
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    before = _report(history)
    assert before.bands.counts["unsafe"] == 1 and _row(before, dan).unsafe == 0
    basics = next(f for f in before.funnel if f.slug == "basics")
    assert _row(before, cleo).modules_passed == 0

    kit.case_attempt(dan, academy, "unsafe", NOW)
    after_case = _report(history)
    assert after_case.bands.counts["unsafe"] == 2
    assert _row(after_case, dan).unsafe == 1

    kit.quiz(cleo, academy, "basics", 90, NOW)
    after_quiz = _report(history)
    assert _row(after_quiz, cleo).modules_passed == 1
    assert next(f for f in after_quiz.funnel if f.slug == "basics").passed == basics.passed + 1

    # An attempt that only starts moves "last active" too.
    kit.open_quiz(cleo, academy, "advanced", NOW)
    assert _row(_report(history), cleo).last_active == NOW

    # Who counts as a learner is read fresh: a deactivated member leaves the figures at once.
    membership = db.session.scalar(select(Membership).where(Membership.user_id == dan.id))
    membership.active = False
    db.session.commit()
    without_dan = _report(history)
    assert without_dan.learner_count == 3
    assert without_dan.bands.counts["unsafe"] == 1


def test_a_new_submission_changes_common_mistakes(history):  # noqa: F811
    ana, ben, cleo, dan = history["trainees"]
    academy = history["academy"]
    before = insight.common_mistakes(academy.id)
    assert insight.common_mistakes(academy.id) == before
    overfilled = sum(c.overfilled for c in before.cases)
    answers = sum(t.answers for t in before.topics)

    kit.case_attempt(cleo, academy, "overfilled", NOW)
    after = insight.common_mistakes(academy.id)
    assert sum(c.overfilled for c in after.cases) == overfilled + 1

    kit.quiz(cleo, academy, "basics", 0, NOW)
    again = insight.common_mistakes(academy.id)
    assert sum(t.answers for t in again.topics) == answers + 2


def test_learners_csv_is_streamed_with_everyone(history, client):  # noqa: F811
    login(client, history["admin"].email)
    response = client.get("/academy/reports/learners.csv")
    assert response.status_code == 200
    assert response.is_streamed
    body = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 1 + 4
    assert "'=HYPERLINK(evil)" in [r[0] for r in rows]


def test_csv_chunks_make_the_same_document():
    rows = [[f"=row {n}", n, -n / 3] for n in range(7)]
    chunks = list(csv_chunks(["a", "b", "c"], iter(rows), rows_per_chunk=3))
    assert len(chunks) == 3
    assert "".join(chunks) == csv_text(["a", "b", "c"], rows)


def test_csv_stream_can_keep_the_request_context(app):
    def rows():
        from flask import request

        yield [request.path, "=1+1"]  # needs the request while streaming

    with app.test_request_context("/export"):
        response = csv_stream("x.csv", ["path", "formula"], rows(), with_context=True)
    assert response.is_streamed
    assert response.get_data(as_text=True) == "\ufeffpath,formula\r\n/export,'=1+1\r\n"
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
