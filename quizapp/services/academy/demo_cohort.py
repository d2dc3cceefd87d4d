"""The demo cohort: about 40 trainees with six weeks of activity, so that the reports, insight
and common-mistakes pages a newcomer opens show what they are for.

Attempts are started, answered and submitted through the real services and logbook entries
created and sent for sign-off the same way, so scores come from the real graders and engine and
certificates are issued by the real rules. Quizzes take a shorter path (_submit_quiz) that
keeps it to a few thousand statements (`flask demo` in seconds, on PostgreSQL too): the answers
written in one go rather than one save each, the question rows in one executemany, and no
certificate check (see there). Moments are spread over the weeks with a
fixed seed: the same database gets the same demo every time, and a second run adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from quizapp.domain import quiz
from quizapp.domain.sample_answers import plan_rows, plan_variants, quiz_response
from quizapp.extensions import db
from quizapp.models import (
    Academy,
    Cohort,
    CohortMember,
    Programme,
    QuestionResult,
    QuizAttempt,
    Role,
    User,
)
from quizapp.services.learning import casestudy, quizzes, summaries
from quizapp.services.learning.catalogue import case_listing, published_modules
from quizapp.services.people import accounts
from quizapp.services.portfolio import cpd, practice

COHORT_NAME = "Spring cohort (demo)"
PROGRAMME_NAME = "Foundation certificate (demo)"
TRAINEES = 40
WEEKS = 6
SEED = 2026
#: One password for every cohort trainee (hashed once): a local demo only.
TRAINEE_PASSWORD = "cohort-demo-2026"  # noqa: S105

_FIRST = ("Aisha", "Ben", "Chloe", "Daniel", "Elena", "Farah", "George", "Hana")
_LAST = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Whitfield")


def trainee_email(n: int) -> str:
    return f"cohort{n:02d}@demo.example.com"


@dataclass
class _Trainee:
    user: User
    skill: float  # 0-1: how often an answer is right and a plan sound
    moment: datetime  # their clock: every action moves it on


def seed_demo_activity() -> bool:
    """The cohort in the demo academy, mentored by the demo educator (after the bank import:
    the trainees study its published modules and cases)."""
    from quizapp.services.academy.demo import DEMO_ACADEMY, DEMO_ACCOUNTS

    academy = accounts.academy_by_slug(DEMO_ACADEMY[1])
    educator = accounts.find_user(DEMO_ACCOUNTS[1].email)
    return seed_demo_cohort(academy, educator)


def seed_demo_cohort(academy: Academy, educator: User, now: datetime | None = None) -> bool:
    """Create the cohort and its activity if it is missing; True if it was created."""
    existing = db.session.scalar(
        select(Cohort.id).where(Cohort.academy_id == academy.id, Cohort.name == COHORT_NAME)
    )
    if existing is not None:
        return False
    now = now or datetime.now(UTC)
    rng = random.Random(SEED)
    start = now - timedelta(weeks=WEEKS)
    modules = published_modules(academy.id)
    cases = case_listing(academy.id)
    programme = Programme(
        academy_id=academy.id,
        name=PROGRAMME_NAME,
        description="The first two modules passed and two sound case plans, none unsafe lately.",
        required_modules=[m.slug for m in modules[:2]],
        min_good_cases=2,
        no_unsafe_in_last=3,
        validity_months=24,
    )
    cohort = Cohort(academy_id=academy.id, name=COHORT_NAME, start_date=start.date())
    cohort.programmes = [programme]
    db.session.add_all([programme, cohort])
    db.session.flush()
    password_hash = accounts.hash_password(TRAINEE_PASSWORD)
    trainees = []
    for n in range(TRAINEES):
        joined = start + timedelta(hours=rng.randint(0, 96))
        user = User(
            email=trainee_email(n + 1),
            display_name=f"Dr {_FIRST[n % len(_FIRST)]} {_LAST[n // len(_FIRST) % len(_LAST)]}",
            password_hash=password_hash,
            created_at=joined,
        )
        db.session.add(user)
        db.session.flush()
        accounts.add_membership(user, academy, Role.TRAINEE).created_at = joined
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, role="trainee"))
        trainees.append(_Trainee(user, min(max(rng.betavariate(4, 3), 0.05), 0.98), joined))
    # The summaries are computed once from the attempts as stored, not upserted at every step:
    # the steps run on today's clock and the submissions on the trainees' past ones.
    with summaries.deferred():
        for trainee in trainees:
            _take_modules(trainee, academy.id, modules, rng, now)
            _study_cases(trainee, academy.id, cases, rng, now)
        for trainee in trainees[::5]:
            _log_practice(trainee, academy.id, educator, rng)
        db.session.flush()
    summaries.rebuild(academy.id)
    return True


def _step(trainee: _Trainee, rng: random.Random, now: datetime, hours: float) -> datetime | None:
    """Move the trainee's clock on by about `hours`; None once it would pass `now`."""
    trainee.moment += timedelta(hours=hours * rng.uniform(0.5, 1.5))
    return trainee.moment if trainee.moment < now else None


def _take_modules(trainee, academy_id, modules, rng, now) -> None:
    """Modules in curriculum order, as far as the trainee's diligence goes; a failed module is
    retried once, a bit better prepared."""
    reach = rng.randint(0, len(modules))
    for listed in modules[:reach]:
        for effort in (0.0, 0.15):
            moment = _step(trainee, rng, now, 40)
            if moment is None:
                return
            try:
                attempt = quizzes.start_or_resume(trainee.user.id, academy_id, listed, moment)
            except quizzes.AttemptRefused:
                return
            module = quizzes.module_content(attempt.module_version)
            p = min(trainee.skill + effort, 0.99)
            answers = {}
            for question in module.questions:
                response = quiz_response(question, p, rng)
                if response is not None:
                    answers[question.id] = response
            _submit_quiz(attempt, module, answers, moment + timedelta(minutes=rng.randint(8, 30)))
            if attempt.passed:
                break
        if not attempt.passed:
            return


def _submit_quiz(attempt: QuizAttempt, module: quiz.Module, answers: dict, now: datetime) -> None:
    """What one save per answer and quizzes.submit leave, in fewer statements: the answers in
    one write, graded by the same domain grader, the question rows in one executemany, the CPD
    record of a pass. No certificate check: a trainee's quizzes all come before their first
    case study, and the programme asks for good case plans, so only a case submission can
    complete it (casestudy.submit checks, as it does for everyone)."""
    grade = quiz.grade_attempt(module.questions, answers, module.pass_mark)
    attempt.answers = answers
    attempt.close(now, grade.percent, grade.passed, grade.to_dict())
    db.session.execute(
        insert(QuestionResult),
        [
            {
                "attempt_id": attempt.id,
                "module_version_id": attempt.module_version_id,
                "question_id": result.question_id,
                "topic": result.topic,
                "score": result.score,
                "correct": result.correct,
                "response": result.response,
            }
            for result in grade.results
        ],
    )
    if grade.passed:
        cpd.record_module_completion(attempt, module, now)


def _study_cases(trainee, academy_id, cases, rng, now) -> None:
    """A few case studies, with plans of every quality: a skilled trainee mostly submits one of
    the author's candidate plans, others scaled or trimmed variants."""
    for listed in rng.sample(cases, k=min(len(cases), rng.randint(0, 7))):
        moment = _step(trainee, rng, now, 30)
        if moment is None:
            return
        attempt = casestudy.start_or_resume(trainee.user.id, academy_id, listed, moment)
        case = casestudy.case_content(attempt.case_version)
        careful = rng.random() < trainee.skill
        grades = {z.zone: {"rest": z.rest, "moving": z.moving} for z in case.assessment if z.zone}
        if not careful:
            for pair in grades.values():
                if pair["moving"] is not None and rng.random() < 0.4:
                    pair["moving"] = min(4, max(0, pair["moving"] + rng.choice((-1, 1))))
        flags = sorted(f.id for f in case.reference.red_flags)
        if flags and not careful:
            flags = flags[:-1]
        candidates = [c.plan for c in case.reference.candidate_plans]
        plans = candidates if careful and candidates else plan_variants(case)
        plan = rng.choice(plans)
        casestudy.finish_reading(attempt)
        casestudy.save_assessment(attempt, grades)
        casestudy.save_candidacy(attempt, flags, plan.disposition.value)
        casestudy.save_plan_rows(attempt, plan_rows(plan))
        casestudy.submit(attempt, moment + timedelta(minutes=rng.randint(10, 40)))


def _log_practice(trainee, academy_id, educator, rng) -> None:
    """A supervised glabellar treatment at the labelled 20 U (B1), sent to the demo educator."""
    practice.assign(academy_id, educator.id, trainee.user.id, None)
    treated = trainee.moment.date() - timedelta(days=rng.randint(1, 10))
    entry = practice.create_entry(
        academy_id, trainee.user.id, _logbook_entry(treated, rng), trainee.moment.date()
    )
    practice.submit_entry(entry, educator.id, trainee.user.id)


def _logbook_entry(treated: date, rng: random.Random) -> dict:
    return {
        "treated_on": treated.isoformat(),
        "modality": "toxin",
        "role": rng.choice(("observed", "performed")),
        "age_band": rng.choice(("25-34", "35-44", "45-54")),
        "sex": rng.choice(("F", "M")),
        "fitzpatrick": rng.choice(("I", "II", "III", "IV")),
        "consultation_done": "yes",
        "consent_form_version": "v3",
        "contraindications_screened": "yes",
        "zones": [{"zone": "glabella", "grade": "3", "product": "ona", "amount": "20"}],
        "review_outcome": "Softer frown lines at two weeks; brow position unchanged.",
        "complications": "",
        "reflection_went_well": "Explained the expected onset and the review visit.",
        "reflection_change": "Check the brow at rest before marking points.",
    }
