"""The trainee's pages: my learning, modules, the quiz player and its review."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from quizapp.domain import quiz
from quizapp.domain.numbers import parse_int
from quizapp.domain.terms import BAND_LABELS
from quizapp.extensions import db
from quizapp.models import AttemptStatus
from quizapp.models.base import now_utc
from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.academy import certification
from quizapp.services.learning import casestudy, drills, progress, quizzes
from quizapp.services.portfolio import practice
from quizapp.web import answers
from quizapp.web.certificates import announce
from quizapp.web.forms import EmptyForm

bp = Blueprint("learn", __name__, url_prefix="/learn")


@bp.route("/")
@requires(Action.LEARN)
def index():
    academy_id = current_academy_id()
    listed_drills = drills.drill_listing(academy_id)
    enrolled = certification.enrolment(current_user.id, academy_id) if academy_id else None
    # Quiz, case and drill attempts in one statement, shared by the panels below, with a
    # programme's other evidence (its academy's case outcomes, the CPD) when there is one.
    attempts = progress.learner_attempts(
        current_user.id,
        [d.id for d in listed_drills],
        evidence_academy=academy_id if enrolled and enrolled.programmes else None,
    )
    modules = quizzes.module_progress(current_user.id, academy_id, attempts.quizzes)
    history = progress.score_history(current_user.id, attempts=attempts)
    # The logbook once, for the practice tendency and the programmes' signed entries.
    logbook = practice.trainee_logbook(current_user.id)
    standings = (
        certification.standings(
            current_user.id,
            academy_id,
            now_utc(),
            enrolled=enrolled,
            known={
                **certification.evidence_from(attempts, academy_id),
                "signed": logbook.signed(academy_id),
            },
        )
        if academy_id
        else []
    )
    tendency, weakest = progress.tendency_and_weakest(current_user.id)
    return render_template(
        "learn/index.html",
        progress=modules,
        next_item=quizzes.next_step(modules),
        passed=sum(1 for m in modules if m.status == "passed"),
        chart=progress.chart_points(history),
        history=history,
        weakest=weakest,
        tendency=tendency,
        tendencies=practice.tendencies(current_user.id, tendency, logbook),
        standings=standings,
        recent=history[-5:][::-1],
        band_labels=BAND_LABELS,
        drills=drills.drill_progress(current_user.id, academy_id, attempts=attempts.drills),
    )


@bp.route("/modules/<slug>")
@requires(Action.LEARN)
def module(slug: str):
    modules = quizzes.module_progress(current_user.id, current_academy_id())
    item = next((p for p in modules if p.listed.slug == slug), None)
    if item is None:
        abort(404)
    wanted = item.listed.summary.get("cases", [])
    cases = [
        c
        for c in casestudy.case_progress(current_user.id, current_academy_id(), wanted)
        if c.listed.slug in wanted
    ]
    listed_drills = item.listed.summary.get("drills", [])
    module_drills = (
        drills.drill_progress(current_user.id, current_academy_id(), listed_drills)
        if listed_drills
        else []
    )
    return render_template(
        "learn/module.html",
        item=item,
        cases=cases,
        drills=module_drills,
        band_labels=BAND_LABELS,
        form=EmptyForm(),
    )


@bp.route("/modules/<slug>/start", methods=["POST"])
@requires(Action.LEARN)
def start(slug: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    academy_id = current_academy_id()
    listed = quizzes.find_listed(slug, academy_id)
    if listed is None or academy_id is None:
        abort(404)
    try:
        attempt_id = quizzes.open_attempt_id(current_user.id, academy_id, listed, now_utc())
    except quizzes.AttemptRefused as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("learn.module", slug=slug))
    db.session.commit()
    return redirect(url_for("learn.question", attempt_id=attempt_id, number=1))


def _own_attempt(attempt_id: int):
    attempt = quizzes.attempt_for(current_user.id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _close_if_time_is_up(attempt) -> bool:
    """Submit an open attempt whose time has run out (server clock); True if it is closed."""
    if attempt.status is AttemptStatus.IN_PROGRESS and quizzes.time_is_up(attempt, now_utc()):
        _submit(attempt, attempt.deadline_at)
        db.session.commit()
        flash("Time is up: your attempt was submitted with the answers you had saved.", "info")
    return attempt.status is AttemptStatus.SUBMITTED


def _submit(attempt, now: datetime, token: str | None = None) -> None:
    submitted = quizzes.submit(attempt, now, token)
    if submitted is not None:
        announce(submitted.certificates)


def _shuffle(attempt) -> bool:
    return quizzes.attempt_module(attempt).shuffle


@bp.route("/attempts/<int:attempt_id>/q/<int:number>", methods=["GET", "POST"])
@requires(Action.LEARN)
def question(attempt_id: int, number: int):
    attempt = _own_attempt(attempt_id)
    if _close_if_time_is_up(attempt):
        return redirect(url_for("learn.review", attempt_id=attempt.id))
    module = quizzes.attempt_module(attempt)
    if not 1 <= number <= len(module.questions):
        abort(404)
    question = module.questions[number - 1]
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            response = answers.response_from_form(
                question, attempt.seed, _shuffle(attempt), request.form
            )
            quizzes.save_answer(attempt, question.id, response, now_utc())
        except quizzes.AttemptRefused as refusal:
            flash(str(refusal), "error")
            return redirect(url_for("learn.review", attempt_id=attempt.id))
        db.session.commit()  # expires `attempt`: redirects use the URL's id, not a reload
        go = request.form.get("go", "next")
        if go == "finish" or (go == "next" and number == len(module.questions)):
            return redirect(url_for("learn.finish", attempt_id=attempt_id))
        target = number - 1 if go == "previous" else number + 1
        if go.startswith("q"):
            target = parse_int(go[1:]) or number
        target = min(max(target, 1), len(module.questions))
        return redirect(url_for("learn.question", attempt_id=attempt_id, number=target))
    public = quiz.question_public_view(question, attempt.seed, shuffle=module.shuffle)
    return render_template(
        "learn/question.html",
        attempt=attempt,
        module=module,
        question=public,
        number=number,
        answered={qid for qid, value in (attempt.answers or {}).items() if value is not None},
        saved=answers.displayed_answer(
            question, attempt.seed, _shuffle(attempt), (attempt.answers or {}).get(question.id)
        ),
        form=form,
        now=now_utc(),
    )


@bp.route("/attempts/<int:attempt_id>/finish", methods=["GET", "POST"])
@requires(Action.LEARN)
def finish(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if _close_if_time_is_up(attempt):
        return redirect(url_for("learn.review", attempt_id=attempt.id))
    module = quizzes.attempt_module(attempt)
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        _submit(attempt, now_utc(), request.form.get("submission_token"))
        db.session.commit()
        return redirect(url_for("learn.review", attempt_id=attempt_id))
    answered = {qid for qid, value in (attempt.answers or {}).items() if value is not None}
    return render_template(
        "learn/finish.html", attempt=attempt, module=module, answered=answered, form=form
    )


@bp.route("/attempts/<int:attempt_id>/review")
@requires(Action.LEARN)
def review(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt.status is not AttemptStatus.SUBMITTED:
        # No answers or explanations before submission.
        return redirect(url_for("learn.finish", attempt_id=attempt.id))
    module = quizzes.attempt_module(attempt)
    record = quizzes.record_for(attempt)
    return render_template(
        "learn/review.html", attempt=attempt, module=module, record=record, result=attempt.result
    )
