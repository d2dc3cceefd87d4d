"""The trainee's pages as they read: the dashboard's certification card and wording, the
assessment's grade buttons, the plan's side by zone, and the small defects (favicon, CPD)."""

from __future__ import annotations

import re

from quizapp.web.templating import plural, topic_label
from tests.conftest import login
from tests.data import academykit as kit
from tests.web.test_case_player import _post, _start, case_bank, trainee  # noqa: F401
from tests.web.test_certificates import _issue, world  # noqa: F401
from tests.web.test_quiz_player import bank  # noqa: F401


def test_dashboard_shows_a_held_certificate_as_certified(client, world):  # noqa: F811
    _issue(world)
    login(client, world[2].email)
    html = client.get("/learn/").get_data(as_text=True)
    card = html.split("Certification</h2>", 1)[1].split("</section>", 1)[0]
    assert 'Safe toxin practice</strong> <span class="badge cert-valid">Certified</span>' in card
    assert "requirements met\n" not in card and "<progress" not in card


def test_dashboard_progress_is_a_drawn_meter_with_its_figures(client, world):  # noqa: F811
    academy, _, learner, _ = world
    kit.quiz(learner, academy, "basics", 100)
    login(client, learner.email)
    html = client.get("/learn/").get_data(as_text=True)
    card = html.split("Certification</h2>", 1)[1].split("</section>", 1)[0]
    met, total = map(int, re.search(r"(\d) of (\d) requirements met", card).groups())
    assert 0 < met < total
    width = float(
        re.search(r'<rect width="([\d.]+)" height="6" rx="3" class="meter-done"/>', card)[1]
    )
    assert width == 100 * met / total


def test_plural_and_topic_label():
    assert plural(1, "answer") == "1 answer" and plural(3, "answer") == "3 answers"
    assert (
        plural(1, "entry", "entries") == "1 entry" and plural(0, "entry", "entries") == "0 entries"
    )
    assert topic_label("dose-judgement") == "Dose judgement"


def test_module_summaries_render_their_markdown(client, trainee, bank):  # noqa: F811
    bank(
        second=kit.MODULE.format(slug="next", title="Next", order=2, grading="highest").replace(
            "summary: A short module for tests.", "summary: Learn **doing less**."
        )
    )
    for page in ("/learn/", "/learn/modules/next"):
        html = client.get(page).get_data(as_text=True)
        assert "<strong>doing less</strong>" in html and "**doing less**" not in html


def test_assessment_offers_grade_buttons_grouped_by_region(client, trainee, case_bank):  # noqa: F811
    base = _start(client)
    _post(client, f"{base}/patient")
    html = client.get(f"{base}/assessment").get_data(as_text=True)
    assert "<select" not in html
    for region in ("Upper face", "Midface", "Lower face", "Neck"):
        assert f"<h3>{region}</h3>" in html
    for value in ("none", "0", "1", "2", "3", "4"):
        assert f'id="moving-glabella-{value}"' in html
    assert 'type="radio" name="moving-glabella" id="moving-glabella-none" value="" checked' in html
    # The plain form still submits: the saved grade comes back checked, and on the face.
    _post(client, f"{base}/assessment", **{"moving-glabella": "3", "rest-glabella": "1"})
    html = client.get(f"{base}/assessment").get_data(as_text=True)
    assert 'id="moving-glabella-3" value="3" checked' in html
    assert 'class="zone grade-3" data-zone="glabella"' in html


def test_plan_side_defaults_by_zone(client, trainee, case_bank, db):  # noqa: F811
    from quizapp.models import CaseAttempt

    base = _start(client)
    _post(client, f"{base}/patient")
    _post(client, f"{base}/assessment", **{"moving-glabella": "3"})
    _post(client, f"{base}/candidacy", disposition="treat")
    rows = {"zone-0": "crows_feet", "product-0": "ona", "amount-0": "8", "side-0": ""}
    rows |= {"zone-1": "glabella", "product-1": "ona", "amount-1": "20", "side-1": ""}
    _post(client, f"{base}/plan", go="add", **rows)
    attempt = db.session.get(CaseAttempt, int(base.rsplit("/", 1)[1]))
    db.session.refresh(attempt)
    assert [r["side"] for r in attempt.plan_items] == ["both", "midline"]
    html = client.get(f"{base}/plan").get_data(as_text=True)
    assert "Toxin: 36 U onabotulinumtoxinA" in html  # 8 on each side + 20
    assert '<template id="plan-row-template">' in html and 'id="plan-data"' in html


def test_plan_page_embeds_no_reference_range(client, trainee, case_bank):  # noqa: F811
    base = _start(client)
    _post(client, f"{base}/patient")
    _post(client, f"{base}/assessment", **{"moving-glabella": "3"})
    _post(client, f"{base}/candidacy", disposition="treat")
    data = client.get(f"{base}/plan").get_data(as_text=True).split('id="plan-data">', 1)[1]
    data = data.split("</script>", 1)[0]
    assert '"limits"' in data and "ranges" not in data and "reference" not in data


def test_favicon_answers(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data


def test_cpd_verifiable_starts_unticked(client, factory):
    user = factory.user()
    login(client, user.email)
    html = client.get("/cpd/").get_data(as_text=True)
    box = re.search(r'<input[^>]*id="verifiable"[^>]*>', html).group(0)
    assert "checked" not in box


def test_landing_shows_a_real_scored_result_with_the_face(client):
    html = client.get("/").get_data(as_text=True)
    assert "A real result from the case bank" in html
    assert "Frown lines and crow&#39;s feet at 44" in html
    assert 'class="band band-overdone active"' in html  # the engine's band for the example plan
    assert re.search(r'class="zone v-[a-z_]+" data-zone="glabella"', html)


def test_landing_falls_back_without_the_case_bank(app, client, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "CASES_DIR", str(tmp_path))
    html = client.get("/").get_data(as_text=True)
    assert "Plan treatments that look natural." in html and "A real result" not in html
