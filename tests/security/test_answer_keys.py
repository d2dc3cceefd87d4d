"""Answer keys never leave before submission: every question of every bank module and every step
of every case, opened as a trainee mid-attempt, carry no correct-option marker, explanation,
reference range or plan, red-flag key of the answer, learning point or `correct` attribute.

The module format's only release rule is "review after submission": the review and the case
result answer only a submitted attempt. Steps cannot be skipped by posting out of order.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import or_, select

from quizapp.domain.quiz import (
    ChoiceQuestion,
    HotspotQuestion,
    NumericQuestion,
    OrderingQuestion,
    TrueFalseQuestion,
)
from quizapp.domain.redflags import RED_FLAGS
from quizapp.extensions import db as _db
from quizapp.models import (
    AttemptStatus,
    CaseAttempt,
    CaseRecord,
    CaseStep,
    ModuleRecord,
    QuizAttempt,
)
from quizapp.services.learning import casestudy, quizzes
from tests.security.conftest import fingerprint, signed_in_client, token_for

pytestmark = pytest.mark.usefixtures("fresh_limits")

# Attributes or hidden fields that would carry a key: data-correct, correct="...", data-answer...
KEY_ATTRIBUTE = re.compile(
    r"<[^>]*\s(?:data-[\w-]*(?:correct|answer|right|key|expected|reference|band|verdict)[\w-]*"
    r"|correct|answer|expected)\s*=",
    re.IGNORECASE,
)
HIDDEN_INPUT = re.compile(r"<input[^>]*type=\"hidden\"[^>]*>", re.IGNORECASE)
CHECKED = re.compile(r"\bchecked\b|\bselected\b(?!\s*>\s*–)")


def visible_text(page: str) -> str:
    """The page's text and attribute values, unescaped and with whitespace collapsed."""
    return " ".join(html.unescape(page).split())


def clipped(text: str, length: int = 60) -> str:
    """A stretch of `text` long enough to be unmistakable, cut before any markdown."""
    plain = " ".join(text.split())
    plain = re.sub(r"[*_`]", "", plain)
    return plain[:length]


def assert_no_keys(page: str, secrets: list[str], where: str) -> None:
    text = re.sub(r"[*_`]", "", visible_text(page))
    for secret in secrets:
        if len(secret) >= 12:
            assert secret not in text, f"{where} shows {secret!r}"
    found = KEY_ATTRIBUTE.search(page)
    assert found is None, f"{where} has a key attribute: {found.group(0)[:120]!r}"
    for hidden in HIDDEN_INPUT.findall(page):
        # The only hidden fields: the CSRF token and the submit form's one-off token.
        assert re.search(r'name="(csrf_token|submission_token)"', hidden), (
            f"{where} has a hidden field {hidden!r}"
        )


def question_secrets(question) -> list[str]:
    secrets = [clipped(question.explanation)] if getattr(question, "explanation", "") else []
    if isinstance(question, ChoiceQuestion):
        secrets += [clipped(o.explanation) for o in question.options if o.explanation]
    if isinstance(question, OrderingQuestion):
        secrets += [clipped(i.explanation) for i in question.items if i.explanation]
    return secrets


@pytest.fixture(scope="module")
def trainee(app, world):
    return signed_in_client(app, world.users["trainee"])


def _visible(model, world):
    return _db.session.scalars(
        select(model).where(or_(model.academy_id.is_(None), model.academy_id == world.a.academy_id))
    ).all()


def _quiz_attempts(world) -> list[int]:
    """An open attempt at every published module the trainee can see (prerequisites aside)."""
    ids = []
    records = _db.session.query(ModuleRecord).filter(
        ModuleRecord.academy_id.in_([None, world.a.academy_id]) | ModuleRecord.academy_id.is_(None)
    )
    for record in records:
        version = record.latest_published()
        if version is None:
            continue
        existing = (
            _db.session.query(QuizAttempt)
            .filter_by(
                user_id=world.a.trainee_id, module_id=record.id, status=AttemptStatus.IN_PROGRESS
            )
            .first()
        )
        if existing is None:
            existing = QuizAttempt(
                user_id=world.a.trainee_id,
                academy_id=world.a.academy_id,
                module_id=record.id,
                module_version_id=version.id,
                number=10,
                seed=12345,
                answers={},
            )
            _db.session.add(existing)
            _db.session.flush()
        ids.append(existing.id)
    _db.session.commit()
    return ids


def test_question_pages_carry_no_answer_key(world, trainee):
    kinds = set()
    for attempt_id in _quiz_attempts(world):
        attempt = _db.session.get(QuizAttempt, attempt_id)
        module = quizzes.module_content(attempt.module_version)
        for number, question in enumerate(module.questions, start=1):
            kinds.add(question.type)
            where = f"{module.id} question {number} ({question.type})"
            response = trainee.get(f"/learn/attempts/{attempt_id}/q/{number}")
            assert response.status_code == 200, where
            page = response.get_data(as_text=True)
            assert_no_keys(page, question_secrets(question), where)
            form = page[page.index("<form") :]
            if isinstance(question, (ChoiceQuestion, HotspotQuestion)):
                assert not CHECKED.search(form.split("</form>")[0].replace("selected>–", "")), (
                    f"{where} has an option chosen before the trainee chose"
                )
            if isinstance(question, NumericQuestion):
                assert f'value="{question.answer:g}"' not in form, where
            if isinstance(question, TrueFalseQuestion):
                assert "checked" not in form.split("</form>")[0], where
        finish = trainee.get(f"/learn/attempts/{attempt_id}/finish").get_data(as_text=True)
        assert_no_keys(finish, [s for q in module.questions for s in question_secrets(q)], "finish")
    # Every question type of the format was looked at.
    assert kinds >= {
        "single",
        "multi",
        "truefalse",
        "numeric",
        "ordering",
        "hotspot",
        "plan_compare",
    }


def case_secrets(case) -> list[str]:
    reference = case.reference
    secrets = [clipped(reference.note)] if reference.note else []
    for plan in reference.candidate_plans:
        secrets += [clipped(plan.label, 40), clipped(plan.rationale)]
    for zone in reference.zones:
        secrets += [clipped(t) for t in (zone.justification, zone.note) if t]
    secrets += [clipped(r.explanation) for r in case.ranges if r.explanation]
    secrets += [clipped(point) for point in case.learning_points]
    # A label may quote the patient ("the same as last time"): what the vignette says is public.
    public = " ".join(
        [case.title, case.summary, case.patient.request, case.patient.context, *case.medical]
    ).lower()
    return [s for s in secrets if " ".join(s.split()).lower() not in " ".join(public.split())]


@pytest.fixture(scope="module")
def educator(app, world):
    """Educators learn too; they take the cases here so the trainee's attempts stay as built."""
    return signed_in_client(app, world.users["educator"])


def _case_attempts(world) -> list[int]:
    """An open attempt at every published case, advanced to the plan step (all steps open)."""
    ids = []
    for record in _visible(CaseRecord, world):
        version = record.latest_published()
        if version is None:
            continue
        attempt = CaseAttempt(
            user_id=world.a.educator_id,
            academy_id=world.a.academy_id,
            case_id=record.id,
            case_version_id=version.id,
            step=CaseStep.PLAN.value,
        )
        _db.session.add(attempt)
        _db.session.flush()
        ids.append(attempt.id)
    _db.session.commit()
    return ids


def test_case_steps_carry_no_answer_key(world, educator):
    all_flags = set(RED_FLAGS)
    attempt_ids = _case_attempts(world)
    assert len(attempt_ids) > 20
    for attempt_id in attempt_ids:
        attempt = _db.session.get(CaseAttempt, attempt_id)
        case = casestudy.case_content(attempt.case_version)
        secrets = case_secrets(case)
        assert secrets, case.id
        for step in ("patient", "assessment", "candidacy", "plan"):
            where = f"{case.id} {step}"
            response = educator.get(f"/learn/cases/attempts/{attempt_id}/{step}")
            assert response.status_code == 200, where
            page = response.get_data(as_text=True)
            assert_no_keys(page, secrets, where)
            assert "data-min" not in page and "data-max" not in page, where
            if step == "candidacy":
                # Every flag of the catalogue is offered, so the offer says nothing; none ticked.
                offered = set(re.findall(r'name="flag"[^>]*value="([^"]+)"', page))
                assert offered == all_flags, where
                assert "checked" not in page, where
        result = educator.get(f"/learn/cases/attempts/{attempt_id}/result")
        assert result.status_code == 302, f"{case.id}: the result opened before submission"
        assert result.headers["Location"].endswith(f"/{attempt_id}/plan")


def test_review_only_after_submission(world, trainee):
    """The module format's release rule: answers and explanations once the attempt is
    submitted, never before (the open attempt's review sends the trainee to finish it)."""
    early = trainee.get(f"/learn/attempts/{world.a.quiz_open_id}/review")
    assert early.status_code == 302
    assert early.headers["Location"].endswith(f"/learn/attempts/{world.a.quiz_open_id}/finish")
    review = trainee.get(f"/learn/attempts/{world.a.quiz_done_id}/review")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    # The explanations the other tests search for are the ones a review shows.
    assert "Secret-explanation-a-1" in page and "Secret-explanation-a-3" in page
    with pytest.raises(AssertionError):
        assert_no_keys(page, ["Secret-explanation-a-1: more than two added no benefit."], "review")
    done = trainee.get(f"/learn/cases/attempts/{world.a.case_done_id}/result")
    assert done.status_code == 200


def test_case_steps_cannot_be_skipped(app, world):
    """Posting a later step before the earlier ones is refused and stores nothing."""
    client = signed_in_client(app, world.users["admin"])
    token = token_for(client, True)
    record = _db.session.get(CaseRecord, world.a.case_id)
    attempt = CaseAttempt(
        user_id=world.a.admin_id,
        academy_id=world.a.academy_id,
        case_id=record.id,
        case_version_id=record.latest_published().id,
    )
    _db.session.add(attempt)
    _db.session.commit()
    base = f"/learn/cases/attempts/{attempt.id}"
    posts = {
        "plan": {
            "zone-0": "glabella",
            "product-0": "ona",
            "amount-0": "20",
            "side-0": "midline",
            "go": "submit",
        },
        "candidacy": {"flag": "toxin_within_3_months", "disposition": "defer"},
        "assessment": {"rest-glabella": "0", "moving-glabella": "2"},
        "result": {},
    }
    for step, form in posts.items():
        before = fingerprint()
        response = client.post(f"{base}/{step}", data={"csrf_token": token, **form})
        assert response.status_code == 302, step
        assert response.headers["Location"].endswith(f"{base}/patient"), step
        assert fingerprint() == before, f"posting {step} first stored something"
    _db.session.refresh(attempt)
    assert attempt.step == "patient" and attempt.status is AttemptStatus.IN_PROGRESS
    assert attempt.plan_items == [] and attempt.grades == {} and attempt.disposition is None
    # In order, the same posts go through.
    assert client.post(f"{base}/patient", data={"csrf_token": token}).status_code == 302
    client.post(f"{base}/assessment", data={"csrf_token": token, **posts["assessment"]})
    _db.session.refresh(attempt)
    assert attempt.step == "candidacy" and attempt.grades["glabella"]["moving"] == 2


def test_quiz_questions_outside_the_module_do_not_exist(world, trainee):
    token = token_for(trainee, True)
    for number in (0, 3, 99):
        path = f"/learn/attempts/{world.a.quiz_open_id}/q/{number}"
        assert trainee.get(path).status_code == 404
        before = fingerprint()
        assert trainee.post(path, data={"csrf_token": token, "answer": "0"}).status_code == 404
        assert fingerprint() == before
