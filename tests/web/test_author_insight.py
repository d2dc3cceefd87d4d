"""Insight: statistics computed on known attempts, scoped to the academy, exported as safe CSV, in a
fixed number of queries."""

from __future__ import annotations

import csv
import io
import statistics

import pytest
from sqlalchemy import select

from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseRecord,
    CaseZoneResult,
    ModuleRecord,
    QuestionResult,
    QuizAttempt,
    Role,
)
from quizapp.models.base import now_utc
from quizapp.services.authoring import cases, insight, insight_tables, lifecycle, modules, records
from quizapp.services.infra.csvout import csv_text, safe_cell
from quizapp.services.learning import casestudy, summaries
from tests.conftest import login
from tests.web.test_author_cases import CASE_YAML

MODULE = """\
id: stats
title: Statistics module
order: 3
summary: For statistics.
prerequisites: []
pass_mark: 50
references: [F15]
questions:
  - id: st-01
    type: single
    topic: aims
    stem: Which is right?
    options:
      - {text: Right, correct: true, explanation: Yes.}
      - {text: Wrong one, correct: false, explanation: No.}
      - {text: Wrong two, correct: false, explanation: No.}
    references: [F15]
  - id: st-02
    type: multi
    topic: risks
    stem: Which two are right?
    options:
      - {text: A, correct: true, explanation: Yes.}
      - {text: B, correct: true, explanation: Yes.}
      - {text: C, correct: false, explanation: No.}
      - {text: D, correct: false, explanation: No.}
    references: [F15]
  - id: st-03
    type: truefalse
    topic: aims
    stem: This statement is true.
    answer: true
    explanation: It is.
    references: [F15]
  - id: st-04
    type: numeric
    topic: doses
    stem: How many units?
    answer: 20
    unit: U
    explanation: Twenty.
    references: [B1]
"""

# Four attempts of the academy: (response, score) per question.
ANSWERS = [
    {"st-01": (0, 1), "st-02": ([0, 1], 1), "st-03": (True, 1), "st-04": ("20", 1)},
    {"st-01": (0, 1), "st-02": ([0], 0.5), "st-03": (False, 0), "st-04": ("=1+1", 0)},
    {"st-01": (1, 0), "st-02": ([0, 2], 0), "st-03": (True, 1), "st-04": ("20", 1)},
    {"st-01": (2, 0), "st-02": (None, 0), "st-03": (None, 0), "st-04": (None, 0)},
]


@pytest.fixture()
def setup(factory, db, client):
    academy = factory.academy("Northbridge", "northbridge")
    other = factory.academy("Elsewhere", "elsewhere")
    educator = factory.user(Role.EDUCATOR, academy)
    trainees = [factory.user(Role.TRAINEE, academy) for _ in ANSWERS]
    stranger = factory.user(Role.TRAINEE, other)
    module = modules.create_module(academy.id, educator, records.plain_data(MODULE))
    lifecycle.publish(module, educator)
    case = cases.create_case(academy.id, educator, CASE_YAML)
    lifecycle.publish(case, educator)
    db.session.commit()
    version = module.versions[-1]
    for trainee, answers in zip(trainees, ANSWERS, strict=True):
        _quiz_attempt(db, trainee, academy.id, module, version, answers)
    # Another academy's attempt on the same version must not count.
    _quiz_attempt(db, stranger, other.id, module, version, ANSWERS[3])
    db.session.commit()
    login(client, educator.email)
    return {
        "academy": academy,
        "other": other,
        "module": module,
        "version": version,
        "case": case,
        "trainees": trainees,
        "stranger": stranger,
    }


def _quiz_attempt(db, user, academy_id, module, version, answers, number=1):
    total = sum(score for _, score in answers.values())
    attempt = QuizAttempt(
        user_id=user.id,
        academy_id=academy_id,
        module_id=module.id,
        module_version_id=version.id,
        number=number,
        seed=1,
        status=AttemptStatus.SUBMITTED,
        submitted_at=now_utc(),
        score_percent=100 * total / len(answers),
        passed=True,
        answers={},
    )
    db.session.add(attempt)
    db.session.flush()
    topics = {"st-01": "aims", "st-02": "risks", "st-03": "aims", "st-04": "doses"}
    for qid, (response, score) in answers.items():
        db.session.add(
            QuestionResult(
                attempt_id=attempt.id,
                module_version_id=version.id,
                question_id=qid,
                topic=topics[qid],
                score=score,
                correct=score == 1,
                response=response,
            )
        )
    return attempt


def test_facility_discrimination_and_choices_on_known_attempts(setup, db):
    stats = insight.question_stats(setup["academy"].id, setup["version"].id)
    scores = {qid: [a[qid][1] for a in ANSWERS] for qid in ANSWERS[0]}
    totals = [sum(a[q][1] for q in a) for a in ANSWERS]
    for qid, item in scores.items():
        stat = stats[qid]
        assert stat.answers == 4
        assert stat.facility == pytest.approx(statistics.fmean(item))
        rest = [t - x for t, x in zip(totals, item, strict=True)]
        assert stat.discrimination == pytest.approx(statistics.correlation(item, rest))
    assert stats["st-01"].facility == 0.5 and stats["st-01"].fully_right == 2
    assert dict(stats["st-01"].choices) == {0: 2, 1: 1, 2: 1}
    assert dict(stats["st-02"].choices) == {0: 3, 1: 1, 2: 1} and stats["st-02"].answered == 3
    assert dict(stats["st-03"].choices) == {True: 2, False: 1}
    assert dict(stats["st-04"].choices) == {"20": 2, "=1+1": 1}


def test_discrimination_is_undefined_without_variation(setup, db):
    assert insight.pearson(3, 3, 1.5, 3, 1.25, 1.5) is None  # every item score the same
    assert insight.pearson(1, 1, 1, 1, 1, 1) is None


def test_module_insight_page_and_csv(setup, client, db):
    module = setup["module"]
    html = client.get(f"/author/insight/modules/{module.id}").get_data(as_text=True)
    assert "st-01" in html and "50%" in html
    assert "Wrong one" in html  # option labels with their counts
    response = client.get(f"/author/insight/modules/{module.id}?csv=questions")
    assert response.mimetype == "text/csv"
    assert 'filename="stats-v1-questions.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:6] == ["#", "question", "type", "topic", "answers", "facility %"]
    assert rows[1][1] == "st-01" and rows[1][4] == "4" and rows[1][5] == "50.0"
    choices = client.get(f"/author/insight/modules/{module.id}?csv=choices").get_data(as_text=True)
    # A trainee's typed "=1+1" cannot become a formula in a spreadsheet.
    assert "'=1+1" in choices and ",=1+1" not in choices


def test_case_insight_on_known_attempts(setup, client, db):
    case = setup["case"]
    version = case.versions[-1]
    plans = [
        ("natural", 100, [("glabella", "on_target", 0.0)], [], ["bdd_signs"]),
        (
            "overfilled",
            40,
            [("glabella", "overfilled", 1.5), ("forehead", "not_indicated", 1.0)],
            ["pregnancy"],
            [],
        ),
        (
            "overdone",
            60,
            [("glabella", "heavy", 0.25), ("crows_feet", "missed", -1.0)],
            ["pregnancy"],
            ["bdd_signs"],
        ),
    ]
    for trainee, (band, score, zones, missed, found) in zip(setup["trainees"], plans, strict=False):
        attempt = CaseAttempt(
            user_id=trainee.id,
            academy_id=setup["academy"].id,
            case_id=case.id,
            case_version_id=version.id,
            status=AttemptStatus.SUBMITTED,
            submitted_at=now_utc(),
            band=band,
            score=score,
            result={"red_flags": {"found": found, "missed": missed, "false_alarms": []}},
        )
        db.session.add(attempt)
        db.session.flush()
        db.session.add_all(casestudy.flag_rows(attempt.id, found, missed))
        for zone, verdict, deviation in zones:
            db.session.add(
                CaseZoneResult(
                    attempt_id=attempt.id,
                    user_id=trainee.id,
                    case_version_id=version.id,
                    zone=zone,
                    verdict=verdict,
                    deviation=deviation,
                )
            )
    # Elsewhere's unsafe attempt does not count here.
    elsewhere = CaseAttempt(
        user_id=setup["stranger"].id,
        academy_id=setup["other"].id,
        case_id=case.id,
        case_version_id=version.id,
        status=AttemptStatus.SUBMITTED,
        band="unsafe",
        score=0,
        result={"red_flags": {"found": [], "missed": ["pregnancy", "bdd_signs"]}},
    )
    db.session.add(elsewhere)
    db.session.flush()
    db.session.add_all(casestudy.flag_rows(elsewhere.id, [], ["pregnancy", "bdd_signs"]))
    summaries.rebuild()  # rows written past the services
    db.session.commit()
    data = insight.case_insight(setup["academy"].id, case.id)
    assert data.attempts == 3 and data.mean_score == pytest.approx(200 / 3)
    assert data.bands["natural"] == 1 and data.bands["overfilled"] == 1
    assert data.bands["overdone"] == 1 and data.bands["unsafe"] == 0
    zones = {z.zone: z for z in data.zones}
    assert data.zones[0].zone == "glabella"  # most often over-treated first
    assert (zones["glabella"].judged, zones["glabella"].over) == (3, 2)
    assert zones["glabella"].mean_deviation == pytest.approx((0 + 1.5 + 0.25) / 3)
    assert zones["crows_feet"].missed == 1 and zones["forehead"].over == 1
    flags = {f.flag: f for f in data.flags}
    assert (flags["pregnancy"].present, flags["pregnancy"].missed) == (2, 2)
    assert (flags["bdd_signs"].present, flags["bdd_signs"].missed) == (2, 0)
    assert data.flags[0].flag == "pregnancy"
    html = client.get(f"/author/insight/cases/{case.id}").get_data(as_text=True)
    assert "3 submitted attempts" in html and "Pregnancy" in html
    for table in ("bands", "zones", "flags"):
        response = client.get(f"/author/insight/cases/{case.id}?csv={table}")
        assert response.mimetype == "text/csv" and response.get_data(as_text=True).count("\n") > 1
    zones_csv = client.get(f"/author/insight/cases/{case.id}?csv=zones").get_data(as_text=True)
    assert "crows_feet,1,0,1,0,0,-100.0" in zones_csv  # a negative number stays a number

    mistakes = insight.common_mistakes(setup["academy"].id)
    top = mistakes.lessons[0]
    assert (top.kind, top.key, top.mistakes, top.out_of) == ("question", "st-02", 2.5, 4)
    kinds = {(lesson.kind, lesson.key) for lesson in mistakes.lessons}
    assert ("red_flag", "pregnancy") in kinds and ("over_treated", "glabella") in kinds
    assert ("missed_zone", "crows_feet") in kinds
    assert [t.topic for t in mistakes.topics] == ["risks", "aims", "doses"]  # ties by name
    page = client.get("/author/insight/mistakes").get_data(as_text=True)
    assert "What to teach next" in page and "Pregnancy" in page
    ranking = client.get("/author/insight/mistakes?csv=ranking").get_data(as_text=True)
    assert ranking.lstrip("\ufeff").startswith("rank,kind,what,mistakes,out of,rate %")


def test_insight_pages_use_a_fixed_number_of_queries(setup, client, db, count_queries):
    module = setup["module"]
    urls = [
        "/author/insight/",
        f"/author/insight/modules/{module.id}",
        f"/author/insight/cases/{setup['case'].id}",
        "/author/insight/mistakes",
    ]
    for url in urls:
        client.get(url)
    before = {}
    for url in urls:
        with count_queries() as statements:
            assert client.get(url).status_code == 200
        before[url] = len(statements)
    for trainee in setup["trainees"]:
        _quiz_attempt(db, trainee, setup["academy"].id, module, setup["version"], ANSWERS[0], 2)
    db.session.commit()
    for url in urls:
        with count_queries() as statements:
            client.get(url)
        assert len(statements) == before[url], url


def test_insight_is_scoped_to_the_academy(setup, app, factory, db):
    outsider = app.test_client()
    login(outsider, factory.user(Role.EDUCATOR, setup["other"]).email)
    assert outsider.get(f"/author/insight/modules/{setup['module'].id}").status_code == 404
    page = outsider.get("/author/insight/").get_data(as_text=True)
    assert "Statistics module" not in page
    assert insight.module_activity(setup["other"].id) == []  # not their module
    assert insight.module_activity(setup["academy"].id)[0].attempts == 4
    assert db.session.scalar(select(ModuleRecord.id)) == setup["module"].id
    assert db.session.scalar(select(CaseRecord.id)) == setup["case"].id


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        (-0.5, -0.5),
        (3, 3),
        (None, ""),
        (True, "yes"),
    ],
)
def test_csv_cells_cannot_start_a_formula(value, cell):
    assert safe_cell(value) == cell


def test_csv_text_has_a_bom_and_quotes_what_needs_quoting():
    text = csv_text(["a", "b"], [['say "hi", then', "=x"]])
    assert text.startswith("\ufeff")
    assert text.splitlines()[1] == '"say ""hi"", then",\'=x'


def test_every_insight_download_is_its_service_table(setup, client, db):
    """The views only turn the service's tables into files: each CSV is the table as built by
    services/authoring/insight_tables.py, for every table each page offers."""
    academy_id, module, case = setup["academy"].id, setup["module"], setup["case"]
    stats = insight.question_stats(academy_id, setup["version"].id)
    rows = insight_tables.question_rows(modules.module_of(setup["version"]).questions, stats)
    case_data = insight.case_insight(academy_id, case.id)
    mistakes = insight.common_mistakes(academy_id)
    expected = {
        **{
            f"/author/insight/modules/{module.id}?csv={name}": insight_tables.module_table(
                rows, name
            )
            for name in insight_tables.MODULE_TABLES
        },
        **{
            f"/author/insight/cases/{case.id}?csv={name}": insight_tables.case_table(
                case_data, name
            )
            for name in insight_tables.CASE_TABLES
        },
        **{
            f"/author/insight/mistakes?csv={name}": insight_tables.mistakes_table(mistakes, name)
            for name in insight_tables.MISTAKES_TABLES
        },
    }
    assert len(expected) == 11
    for url, (header, table_rows) in expected.items():
        response = client.get(url)
        assert response.mimetype == "text/csv", url
        assert response.get_data(as_text=True) == csv_text(header, table_rows), url
