"""In a real browser: an academy admin creates a programme and a cohort, a trainee completes the
programme's case study, the certificate appears and its public verification page says valid."""

from __future__ import annotations

import uuid

import pytest

from quizapp.services.academy.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import case_to_plan, log_in

pytestmark = pytest.mark.e2e


def _user_id(app, email: str) -> int:
    from quizapp.services.people import accounts

    with app.app_context():
        return accounts.find_user(email).id


def test_admin_creates_a_programme_and_the_trainee_earns_it(browser, live, page, new_trainee):
    base_url, app = live
    email, password = new_trainee
    suffix = uuid.uuid4().hex[:6]
    programme = f"Natural upper face {suffix}"
    admin = DEMO_ACCOUNTS[2]

    # The admin: a programme asking for one case study planned conservatively or naturally.
    log_in(page, admin.email, admin.password, landing="**/")
    page.goto("/academy/programmes")
    page.get_by_label("Name").fill(programme)
    page.get_by_label("Case studies planned conservatively or naturally").fill("1")
    page.get_by_label("No unsafe plan in the last … case studies").fill("3")
    page.get_by_label("Valid for (months)").fill("24")
    page.get_by_role("button", name="Create programme").click()
    assert page.get_by_role("heading", name=programme).is_visible()

    # ... and a cohort with the trainee in it, following that programme.
    page.get_by_role("link", name="Cohorts").click()
    page.get_by_label("Name").fill(f"Browser cohort {suffix}")
    page.get_by_label("Start date").fill("2026-04-01")
    page.get_by_role("button", name="Save cohort").click()
    page.locator(f"#add-users-{_user_id(app, email)}").check()
    page.get_by_role("button", name="Add to cohort").click()
    assert page.get_by_text("1 added to").is_visible()
    page.get_by_label(programme).check()
    page.get_by_role("button", name="Save programmes").click()
    assert page.get_by_text("Programmes saved.").is_visible()

    # The trainee completes a case study with a natural plan.
    trainee = browser.new_context(base_url=base_url).new_page()
    log_in(trainee, email, password)
    trainee.goto("/certificates/")
    assert trainee.get_by_text("No certificates yet").is_visible()
    assert trainee.get_by_role("heading", name=programme).is_visible()
    trainee.goto("/learn/cases/")
    trainee.locator("form[action='/learn/cases/f44-frown-lines/start'] button").click()
    case_to_plan(trainee)
    trainee.get_by_label("Row 1 zone").select_option("glabella")
    trainee.get_by_label("Row 1 product").select_option("ona")
    trainee.get_by_label("Row 1 amount").fill("20")
    trainee.get_by_role("button", name="Add a row").click()
    trainee.get_by_label("Row 2 zone").select_option("crows_feet")
    trainee.get_by_label("Row 2 product").select_option("ona")
    trainee.get_by_label("Row 2 amount").fill("8")
    trainee.get_by_label("Row 2 side").select_option("both")
    trainee.get_by_role("button", name="Submit plan for scoring").click()
    trainee.wait_for_url("**/result")
    assert trainee.get_by_text(f"Certificate earned: {programme}").is_visible()

    # The certificate appears, and its public verification page says valid.
    trainee.goto("/certificates/")
    trainee.get_by_role("link", name=programme).click()
    trainee.wait_for_url("**/certificates/*")
    holder = trainee.get_by_text("Dr Browser Trainee").first
    holder.wait_for(state="visible", timeout=10_000)  # waits; is_visible() alone does not
    assert holder.is_visible()
    # The PDF downloads as a real PDF that names the holder's certificate code.
    with trainee.expect_download() as download_info:
        trainee.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    code = trainee.locator("dl.facts code").inner_text().strip()
    assert download.suggested_filename == f"certificate-{code}.pdf"
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    verify_link = trainee.get_by_role("link", name="Open the verification page")
    verify_url = verify_link.get_attribute("href")
    assert verify_url.endswith(f"/verify/{code}")
    # Anyone, without an account, checks it by typing the code on the public page.
    anonymous = browser.new_context(base_url=base_url).new_page()
    anonymous.goto("/verify/")
    anonymous.get_by_label("Certificate code").fill(code)
    anonymous.get_by_role("button", name="Check").click()
    anonymous.wait_for_url(f"**{verify_url}")
    assert anonymous.get_by_text("Valid certificate").is_visible()
    assert anonymous.get_by_text(programme).is_visible()
    assert anonymous.get_by_text("Northbridge Aesthetics Academy").first.is_visible()
    assert email not in anonymous.content()
    anonymous.context.close()
    trainee.context.close()


def _serious(page) -> list[tuple[str, str, int]]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        (v["id"], v["impact"], len(v["nodes"]))
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_academy_certificate_and_verification_pages_pass_axe(browser, live, page, new_trainee):
    """axe-core finds no serious or critical violation on the pages this feature adds."""
    base_url, app = live
    email, password = new_trainee
    from quizapp.extensions import db
    from quizapp.models.base import now_utc
    from quizapp.services.academy import certification
    from quizapp.services.people import accounts, members

    suffix = uuid.uuid4().hex[:6]
    with app.app_context():
        academy = accounts.academy_by_slug("northbridge")
        user = accounts.find_user(email)
        programme = certification.save_programme(
            academy.id,
            None,
            name=f"Axe programme {suffix}",
            description="",
            required_modules=[],
            min_good_cases=1,
            no_unsafe_in_last=0,
            validity_months=12,
            recertification="",
            active=True,
            actor_id=None,
        )
        cohort = members.save_cohort(
            academy.id, None, f"Axe cohort {suffix}", now_utc().date(), None
        )
        members.add_to_cohort(cohort, [user.id], "trainee", None)
        members.set_cohort_programmes(cohort, [programme.id], None)
        db.session.commit()
        cohort_id, programme_id = cohort.id, programme.id
        from tests.data import academykit

        academykit.case_attempt(user, academy, "natural", now_utc())
        (certificate,) = certification.issue_earned(user.id, academy.id, now_utc())
        db.session.commit()
        code, certificate_id = certificate.code, certificate.id

    admin = DEMO_ACCOUNTS[2]
    log_in(page, admin.email, admin.password, landing="**/")
    found = {}
    for path in (
        "/academy/",
        "/academy/members",
        "/academy/invitations/import",
        "/academy/cohorts",
        f"/academy/cohorts/{cohort_id}",
        "/academy/programmes",
        f"/academy/programmes/{programme_id}",
        "/academy/certificates",
        f"/academy/certificates/{certificate_id}",
        "/academy/reports",
        "/academy/audit",
    ):
        page.goto(path)
        found[path] = _serious(page)

    trainee = browser.new_context(base_url=base_url).new_page()
    log_in(trainee, email, password)
    for path in ("/certificates/", f"/certificates/{code}"):
        trainee.goto(path)
        found[path] = _serious(trainee)
    anonymous = browser.new_context(base_url=base_url).new_page()
    for path in ("/verify/", f"/verify/{code}", "/verify/no-such-code"):
        anonymous.goto(path)
        found[path] = _serious(anonymous)
    trainee.context.close()
    anonymous.context.close()
    assert {k: v for k, v in found.items() if v} == {}
