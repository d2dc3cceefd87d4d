"""Academy reports on a known history: the module funnel, pass rates, case bands, learners at
risk, certificates expiring; charts and CSV; fixed query counts; academies kept apart."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from quizapp.models import Certificate, Membership, Programme, Role
from quizapp.models.base import now_utc
from quizapp.services.academy import reports
from quizapp.services.infra.csvout import safe_cell
from tests.conftest import login
from tests.data import academykit as kit

NOW = now_utc()


@pytest.fixture()
def history(tmp_path, factory, db):
    """Four trainees with known histories, two of them in a cohort, and a stranger elsewhere."""
    kit.import_bank(tmp_path)
    academy = factory.academy("Northbridge", "northbridge")
    admin = factory.user(Role.ADMIN, academy)
    educator = factory.user(Role.EDUCATOR, academy)
    ana = factory.user(Role.TRAINEE, academy, display_name="Ana Steady")
    ben = factory.user(Role.TRAINEE, academy, display_name="=HYPERLINK(evil)")
    cleo = factory.user(Role.TRAINEE, academy, display_name="Cleo Absent")
    dan = factory.user(Role.TRAINEE, academy, display_name="Dan Quiet")
    day = timedelta(days=1)
    # Ana: failed then passed basics, opened advanced, two good plans. Not at risk.
    kit.quiz(ana, academy, "basics", 40, NOW - 3 * day)
    kit.quiz(ana, academy, "basics", 80, NOW - 2 * day)
    kit.open_quiz(ana, academy, "advanced", NOW - day)
    kit.case_attempt(ana, academy, "natural", NOW - 2 * day)
    kit.case_attempt(ana, academy, "conservative", NOW - day)
    # Ben: failed basics twice, one unsafe and one overfilled plan. At risk twice over.
    kit.quiz(ben, academy, "basics", 30, NOW - 3 * day)
    kit.quiz(ben, academy, "basics", 20, NOW - 2 * day)
    kit.case_attempt(ben, academy, "unsafe", NOW - 2 * day)
    kit.case_attempt(ben, academy, "overfilled", NOW - day)
    # Cleo: joined 40 days ago and has done nothing.
    cleo_membership = db.session.scalar(select(Membership).where(Membership.user_id == cleo.id))
    cleo_membership.created_at = NOW - 40 * day
    # Dan: passed basics, but 20 days ago.
    kit.quiz(dan, academy, "basics", 100, NOW - 20 * day)
    cohort = kit.cohort(academy, [ana, ben], name="Spring")
    # Certificates: expiring in 20 and 50 days, one expired, one revoked.
    programme = kit.programme(academy)
    for holder, cycle, expires, revoked in [
        (ana, 1, NOW + 20 * day, None),
        (dan, 1, NOW + 50 * day, None),
        (ben, 1, NOW - day, None),
        (ben, 2, NOW + 300 * day, NOW - day),
    ]:
        db.session.add(
            Certificate(
                code=f"code-{holder.id}-{cycle}",
                user_id=holder.id,
                programme_id=programme.id,
                academy_id=academy.id,
                cycle=cycle,
                holder_name=holder.display_name,
                programme_name=programme.name,
                academy_name=academy.name,
                issued_at=NOW - 400 * day,
                expires_at=expires,
                revoked_at=revoked,
            )
        )
    # Someone else's academy, with history that must never show.
    elsewhere = factory.academy("Elsewhere")
    stranger = factory.user(Role.TRAINEE, elsewhere, display_name="Stranger Elsewhere")
    kit.quiz(stranger, elsewhere, "basics", 100, NOW - day)
    kit.case_attempt(stranger, elsewhere, "unsafe", NOW - day)
    db.session.commit()
    return {
        "academy": academy,
        "admin": admin,
        "educator": educator,
        "cohort": cohort,
        "elsewhere": elsewhere,
        "trainees": (ana, ben, cleo, dan),
        "programme": programme,
    }


def _build(history, cohort=None):
    scope = reports.Scope(history["academy"].id, cohort.id if cohort else None)
    return reports.build(scope, NOW)


def test_funnel_and_pass_rates(history):
    report = _build(history)
    assert report.learner_count == 4
    basics, advanced = report.funnel
    assert (basics.slug, basics.learners, basics.started, basics.submitted, basics.passed) == (
        "basics",
        4,
        3,
        3,
        2,
    )
    assert basics.pass_rate == pytest.approx(200 / 3)
    assert basics.average_best == pytest.approx((80 + 30 + 100) / 3)
    assert (advanced.started, advanced.submitted, advanced.passed) == (1, 0, 0)
    assert advanced.pass_rate is None


def test_funnel_follows_the_modules_grading(history, db):
    """With grading "last", Ana's pass (80 after 40) counts; a later failure would undo it."""
    ana = history["trainees"][0]
    kit.quiz(ana, history["academy"], "basics", 10, NOW)
    assert _build(history).funnel[0].passed == 2  # highest: still passed
    from quizapp.models import ModuleVersion

    version = db.session.scalar(select(ModuleVersion))
    version.summary = {**version.summary, "grading": "last"}
    db.session.commit()
    assert _build(history).funnel[0].passed == 1  # last: Ana's 10 now counts


def test_bands_and_average_band(history):
    bands = _build(history).bands
    assert bands.counts == {
        "under_treated": 0,
        "conservative": 1,
        "natural": 1,
        "overdone": 0,
        "overfilled": 1,
        "unsafe": 1,
    }
    assert bands.total == 4
    assert bands.average_position == pytest.approx((2 + 3 + 5) / 3)
    assert bands.average_label == "Natural"
    assert bands.share("unsafe") == 25.0


def test_learners_at_risk(history):
    report = _build(history)
    by_name = {row.name: row for row in report.learners}
    assert set(by_name) == {"Ana Steady", "=HYPERLINK(evil)", "Cleo Absent", "Dan Quiet"}
    assert by_name["Ana Steady"].reasons == []
    assert by_name["Ana Steady"].modules_passed == 1 and by_name["Ana Steady"].good_cases == 1
    ben = by_name["=HYPERLINK(evil)"]
    assert ben.failing_attempts == 2 and ben.recent_bad_plans == 2 and ben.unsafe == 1
    assert ben.reasons == [
        "failed a module 2 times without passing it",
        "2 unsafe or overfilled plans in their last 10 cases",
    ]
    assert by_name["Cleo Absent"].reasons == ["no activity in the 40 days since joining"]
    assert by_name["Dan Quiet"].reasons == ["inactive for 20 days"]
    assert [r.name for r in report.at_risk] == ["=HYPERLINK(evil)", "Cleo Absent", "Dan Quiet"]
    # A longer inactivity window takes Dan off the list.
    relaxed = reports.build(reports.Scope(history["academy"].id), NOW, inactive_days=30)
    assert [r.name for r in relaxed.at_risk] == ["=HYPERLINK(evil)", "Cleo Absent"]


@pytest.mark.parametrize("inactive_days", [19, 20, 21, 40, 41])
def test_pages_read_from_the_standings_match_the_full_list(history, factory, inactive_days):
    """The page view (counts and page ids from the learner standings) shows the same learners
    in the same order as the full list decided in Python, page by page, on both sides of the
    idle boundaries (Dan idle 20 days, Cleo 40 since joining)."""
    academy = history["academy"]
    for n in range(3):  # more learners than one page, some never active (joined today)
        factory.user(Role.TRAINEE, academy, display_name=f"Ana Steady {n}")
    scope = reports.Scope(academy.id)
    full = reports.build(scope, NOW, inactive_days)
    at_risk, listed, pages = [], [], 0
    while True:
        pages += 1
        paged = reports.build(scope, NOW, inactive_days, reports.Pages(pages, pages, per_page=2))
        assert (paged.learner_count, paged.at_risk_count) == (7, len(full.at_risk))
        if not paged.learners and not paged.at_risk:
            break
        listed += [r.user_id for r in paged.learners]
        at_risk += [(r.user_id, r.reasons) for r in paged.at_risk]
    assert listed == [r.user_id for r in full.learners]
    assert at_risk == [(r.user_id, r.reasons) for r in full.at_risk]
    expected = ["=HYPERLINK(evil)"]  # Ben: failing and bad plans, whatever the window
    expected += ["Cleo Absent"] if inactive_days <= 40 else []
    expected += ["Dan Quiet"] if inactive_days <= 20 else []
    assert [r.name for r in full.at_risk] == expected


def test_at_risk_rules():
    joined = NOW - timedelta(days=100)
    assert (
        reports.risk_reasons(
            last_active=NOW - timedelta(days=13),
            joined_at=joined,
            failing_attempts=1,
            recent_bad_plans=1,
            now=NOW,
        )
        == []
    )
    assert reports.risk_reasons(
        last_active=NOW - timedelta(days=14),
        joined_at=joined,
        failing_attempts=2,
        recent_bad_plans=2,
        now=NOW,
    ) == [
        "inactive for 14 days",
        "failed a module 2 times without passing it",
        "2 unsafe or overfilled plans in their last 10 cases",
    ]
    assert (
        reports.risk_reasons(
            last_active=None,
            joined_at=NOW - timedelta(days=3),
            failing_attempts=0,
            recent_bad_plans=0,
            now=NOW,
        )
        == []
    )


def test_only_the_last_ten_cases_count_for_repeated_bad_plans(history):
    ana = history["trainees"][0]
    academy = history["academy"]
    kit.case_attempt(ana, academy, "unsafe", NOW - timedelta(days=30))
    kit.case_attempt(ana, academy, "overfilled", NOW - timedelta(days=29))
    row = next(r for r in _build(history).learners if r.user_id == ana.id)
    assert row.recent_bad_plans == 2 and row.reasons
    for hour in range(10):
        kit.case_attempt(ana, academy, "natural", NOW - timedelta(hours=hour + 1))
    row = next(r for r in _build(history).learners if r.user_id == ana.id)
    assert row.recent_bad_plans == 0 and row.unsafe == 1 and row.reasons == []


def test_certificates_issued_and_expiring(history):
    summary = _build(history).certificates
    (programme,) = summary.by_programme
    assert (programme.issued, programme.valid, programme.expired, programme.revoked) == (4, 2, 1, 1)
    assert programme.expiring == {30: 1, 60: 2, 90: 2}
    assert [e.holder for e in summary.expiring] == ["Ana Steady", "Dan Quiet"]


def test_a_cohort_report_covers_its_trainees_only(history):
    report = _build(history, history["cohort"])
    assert report.learner_count == 2
    assert sorted(r.name for r in report.learners) == ["=HYPERLINK(evil)", "Ana Steady"]
    assert (report.funnel[0].started, report.funnel[0].passed) == (2, 1)
    assert report.certificates.total("issued") == 3
    assert report.bands.total == 4


def test_reports_page_with_charts_and_tables(client, history):
    login(client, history["admin"].email)
    html = client.get("/academy/reports").get_data(as_text=True)
    assert html.count('<svg viewBox="0 0') == 3 and 'role="img"' in html
    assert 'class="bar bar-passed"' in html and "<desc" in html
    assert "Basics of restraint" in html and "Learners at risk" in html
    assert "Cleo Absent" in html and "inactive for 20 days".capitalize() in html
    assert "Stranger Elsewhere" not in html
    assert "&lt;" not in html.split("=HYPERLINK")[0][-20:]  # names are escaped, not executed
    for name in reports.TABLES:
        assert f"/academy/reports/{name}.csv" in html
    cohort_html = client.get(f"/academy/reports?cohort={history['cohort'].id}").get_data(
        as_text=True
    )
    assert "Cleo Absent" not in cohort_html and "Ana Steady" in cohort_html


def test_reports_page_runs_a_fixed_number_of_queries(client, history, factory, count_queries):
    login(client, history["admin"].email)
    client.get("/academy/reports")
    with count_queries() as small:
        assert client.get("/academy/reports").status_code == 200
    academy = history["academy"]
    for n in range(8):
        trainee = factory.user(Role.TRAINEE, academy)
        kit.quiz(trainee, academy, "basics", 50 + n)
        kit.quiz(trainee, academy, "advanced", 90)
        kit.case_attempt(trainee, academy, "overdone")
    with count_queries() as large:
        assert client.get("/academy/reports").status_code == 200
    assert len(large) == len(small)
    assert len(small) <= 16  # 15, plus one for the logbook counts (docs/portfolio.md)


def test_csv_downloads_neutralise_formulas(client, history):
    login(client, history["admin"].email)
    response = client.get("/academy/reports/learners.csv?inactive=14")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "northbridge-learners-" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["name", "email"]
    names = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(evil)" in names and "=HYPERLINK(evil)" not in names
    ben = next(r for r in rows if r[0] == "'=HYPERLINK(evil)")
    assert "failed a module 2 times" in ben[-1]
    for name in reports.TABLES:
        body = client.get(f"/academy/reports/{name}.csv").get_data(as_text=True)
        assert len(body.splitlines()) >= 2, name
    funnel = list(
        csv.reader(
            io.StringIO(
                client.get("/academy/reports/funnel.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert funnel[1][:7] == ["basics", "Basics of restraint", "60.0", "4", "3", "3", "2"]
    assert client.get("/academy/reports/secrets.csv").status_code == 404


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=1+1", "'=1+1"),
        ("+44 20", "'+44 20"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("Plain", "Plain"),
        (-2, -2),
        (None, ""),
        (2.345, 2.35),
    ],
)
def test_csv_cell(value, cell):
    assert safe_cell(value) == cell


def test_educators_read_reports_but_do_not_manage(client, history):
    login(client, history["educator"].email)
    html = client.get("/academy/reports").get_data(as_text=True)
    assert "Learners at risk" in html and "/academy/members" not in html
    assert client.get("/academy/reports/bands.csv").status_code == 200
    assert client.get("/academy/").status_code == 403
    assert client.get("/academy/certificates").status_code == 403


def test_trainees_cannot_read_reports(client, history):
    login(client, history["trainees"][0].email)
    assert client.get("/academy/reports").status_code == 403
    assert client.get("/academy/reports/learners.csv").status_code == 403


def test_admins_of_another_academy_never_see_this_academys_data(client, history, factory):
    admin = factory.user(Role.ADMIN, history["elsewhere"])
    login(client, admin.email)
    html = client.get("/academy/reports").get_data(as_text=True)
    for name in ("Ana Steady", "HYPERLINK", "Cleo Absent", "Dan Quiet"):
        assert name not in html
    assert "Stranger Elsewhere" in html
    body = client.get("/academy/reports/learners.csv").get_data(as_text=True)
    assert "Ana Steady" not in body and "Stranger Elsewhere" in body
    assert client.get(f"/academy/reports?cohort={history['cohort'].id}").status_code == 404
    assert "Safe toxin practice" not in client.get("/academy/reports/certificates.csv").get_data(
        as_text=True
    )
    programme_id = history["programme"].id
    assert client.get(f"/academy/programmes/{programme_id}").status_code == 404
    assert isinstance(history["programme"], Programme)
