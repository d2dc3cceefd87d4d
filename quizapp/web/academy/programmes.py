"""Certification programmes: what each asks (modules, good cases, no unsafe plans, logbook, time
limit, CPD hours), editing them, and issuing the certificates already earned.
"""

from __future__ import annotations

from flask import abort, flash, render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from quizapp.domain.certification import Rules, clean_extra_rules, recertification_text
from quizapp.extensions import db
from quizapp.models import Academy
from quizapp.models.base import now_utc
from quizapp.permissions import Action, requires
from quizapp.services.academy import certification
from quizapp.services.learning.catalogue import published_modules
from quizapp.services.people import auditlog
from quizapp.web.academy.common import (
    MultiCheckboxField,
    back,
    bp,
    current_academy,
    require_post_token,
)
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_query


class ProgrammeForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=160)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    required_modules = MultiCheckboxField("Modules to pass (each at its own pass mark)")
    min_good_cases = IntegerField(
        "Case studies planned conservatively or naturally",
        default=3,
        validators=[NumberRange(0, 100)],
        description="How many different cases must end in the conservative or natural band.",
    )
    no_unsafe_in_last = IntegerField(
        "No unsafe plan in the last … case studies",
        default=5,
        validators=[NumberRange(0, 100)],
        description="0 leaves this out.",
    )
    validity_months = IntegerField(
        "Valid for (months)",
        default=24,
        validators=[NumberRange(0, 120)],
        description="0: certificates do not expire.",
    )
    recertification = TextAreaField(
        "Recertification: anything to add",
        validators=[Optional(), Length(max=4000)],
        description="The rule is stated for you (below); add what your academy also expects.",
    )
    # Logbook, duration and CPD rules, kept in Programme.extra_rules (docs/portfolio.md).
    logbook_toxin_observed = IntegerField(
        "Signed toxin treatments observed", default=0, validators=[NumberRange(0, 500)]
    )
    logbook_toxin_performed = IntegerField(
        "Signed toxin treatments performed under supervision",
        default=0,
        validators=[NumberRange(0, 500)],
    )
    logbook_filler_observed = IntegerField(
        "Signed filler treatments observed", default=0, validators=[NumberRange(0, 500)]
    )
    logbook_filler_performed = IntegerField(
        "Signed filler treatments performed under supervision",
        default=0,
        validators=[NumberRange(0, 500)],
    )
    max_duration_months = IntegerField(
        "Longest time to complete (months)",
        default=0,
        validators=[NumberRange(0, 240)],
        description="From the start date of the trainee's cohort. 0 leaves this out.",
    )
    cpd_hours = DecimalField(
        "CPD hours within the programme",
        default=0,
        places=2,
        validators=[NumberRange(0, 1000)],
        description="Hours of CPD logged between the cohort start and the time limit. 0: none.",
    )
    active = BooleanField("Active (issues certificates)", default=True)
    submit = SubmitField("Save programme")

    def extra_rules(self) -> dict:
        counts: dict[str, dict[str, int]] = {}
        for modality in ("toxin", "filler"):
            for role in ("observed", "performed"):
                value = getattr(self, f"logbook_{modality}_{role}").data or 0
                if value:
                    counts.setdefault(modality, {})[role] = value
        return {
            "logbook": counts,
            "max_duration_months": self.max_duration_months.data or 0,
            "cpd_hours": float(self.cpd_hours.data or 0),
        }

    def fill_extra_rules(self, extra: dict) -> None:
        for modality, roles in (extra.get("logbook") or {}).items():
            for role, count in roles.items():
                field = getattr(self, f"logbook_{modality}_{role}", None)
                if field is not None:
                    field.data = count
        self.max_duration_months.data = extra.get("max_duration_months", 0)
        self.cpd_hours.data = extra.get("cpd_hours", 0)


def _programme_form(academy: Academy, programme=None) -> ProgrammeForm:
    form = ProgrammeForm(obj=programme)
    if programme is not None and request.method != "POST":
        form.fill_extra_rules(clean_extra_rules(programme.extra_rules or {}))
    modules = published_modules(academy.id)
    form.required_modules.choices = [
        (m.slug, f"{m.title} (pass mark {m.summary.get('pass_mark', 100)}%)") for m in modules
    ]
    return form


def _save_programme(academy: Academy, form: ProgrammeForm, programme=None):
    return certification.save_programme(
        academy.id,
        programme,
        name=form.name.data,
        description=form.description.data or "",
        required_modules=form.required_modules.data or [],
        min_good_cases=form.min_good_cases.data,
        no_unsafe_in_last=form.no_unsafe_in_last.data,
        validity_months=form.validity_months.data,
        recertification=form.recertification.data or "",
        active=form.active.data,
        actor_id=current_user.id,
        extra_rules=form.extra_rules(),
    )


@bp.route("/programmes", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def programmes():
    academy = current_academy()
    form = _programme_form(academy)
    if form.validate_on_submit():
        try:
            programme = _save_programme(academy, form)
        except certification.ProgrammeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                f"Programme {programme.name} created. Assign it to a cohort so its trainees "
                "can earn it.",
                "success",
            )
            return back("academy.programme", programme_id=programme.id)
    return render_template(
        "academy/programmes.html",
        academy=academy,
        programmes=certification.academy_programmes(academy.id),
        form=form,
        rules_text=recertification_text,
        Rules=Rules,
    )


def _programme(academy: Academy, programme_id: int):
    programme = certification.programme_in(academy.id, programme_id)
    if programme is None:
        abort(404)
    return programme


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def programme(programme_id: int):
    academy = current_academy()
    programme = _programme(academy, programme_id)
    form = _programme_form(academy, programme)
    if form.validate_on_submit():
        try:
            _save_programme(academy, form, programme)
        except certification.ProgrammeError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Programme saved. New rules apply to certificates issued from now on.", "success")
            return back("academy.programme", programme_id=programme.id)
    titles = {m.slug: m.title for m in published_modules(academy.id)}
    return render_template(
        "academy/programme.html",
        academy=academy,
        programme=programme,
        form=form,
        titles=titles,
        recertification=recertification_text(Rules.of(programme)),
        certificates=paginate_query(
            certification.academy_certificates_query(academy.id, programme.id),
            anchor="issued",
        ),
        action_form=EmptyForm(),
        now=now_utc(),
    )


@bp.route("/programmes/<int:programme_id>/issue", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def programme_issue(programme_id: int):
    academy = current_academy()
    programme = _programme(academy, programme_id)
    require_post_token()
    issued = certification.issue_for_programme(programme, now_utc())
    # Each certificate.issued entry is quizapp's; this one records who asked for the run.
    auditlog.audit(
        academy.id,
        current_user.id,
        "programme.issue_run",
        f"programme {programme.id}",
        {"certificates": [c.id for c in issued]},
    )
    db.session.commit()
    if issued:
        flash(f"{len(issued)} certificate(s) issued.", "success")
    else:
        flash("No trainee has newly met the requirements.", "info")
    return back("academy.programme", programme_id=programme.id)
