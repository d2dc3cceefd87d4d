"""The academy's pages: members and invitations, cohorts, programmes, certificates, reports.

Admins manage (Action.MANAGE_ACADEMY); educators may read the reports (Action.AUTHOR). Everything
is looked up inside the admin's current academy: another academy's members, cohorts, programmes
and certificates answer 404.
"""

from __future__ import annotations

import json
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quizapp.domain.certification import Rules, clean_extra_rules, recertification_text
from quizapp.domain.terms import BAND_LABELS
from quizapp.extensions import db
from quizapp.models import Academy, Role
from quizapp.models.base import now_utc
from quizapp.permissions import Action, can, current_membership, requires
from quizapp.services.academy import certification, reports
from quizapp.services.infra import xapi
from quizapp.services.learning.catalogue import published_modules
from quizapp.services.people import auditlog, members
from quizapp.services.portfolio import practice
from quizapp.web.downloads import csv_response, csv_stream
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_list, paginate_query

bp = Blueprint("academy", __name__, url_prefix="/academy")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InvitationForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])
    email = EmailField(
        "Email (optional)",
        validators=[Optional(), Length(max=254)],
        description="With an address, only that person can use the invitation, once. "
        "Leave empty for a link anyone you send it to can use.",
    )
    days = IntegerField("Valid for (days)", default=14, validators=[NumberRange(1, 365)])
    max_uses = IntegerField(
        "Uses (link only)", default=1, validators=[Optional(), NumberRange(1, 1000)]
    )
    submit = SubmitField("Create invitation")


class BulkInvitationForm(FlaskForm):
    file = FileField(
        "Invitation file (CSV)",
        validators=[FileRequired("Choose a CSV file.")],
        description="One row per person under a header row: " + members.CSV_HEADER_HELP + ".",
    )
    submit = SubmitField("Check and invite")


class CohortForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    start_date = DateField("Start date", validators=[DataRequired()], default=date.today)
    submit = SubmitField("Save cohort")


class CohortMembersForm(FlaskForm):
    users = SelectMultipleField("Members", coerce=int, validators=[DataRequired()])
    role = SelectField(
        "As", choices=[SelectChoice("trainee", "Trainees"), SelectChoice("educator", "Educators")]
    )
    submit = SubmitField("Add to cohort")


class CohortProgrammesForm(FlaskForm):
    programmes = MultiCheckboxField("Programmes", coerce=int)
    submit = SubmitField("Save programmes")


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


class RevokeForm(FlaskForm):
    reason = TextAreaField(
        "Reason for revoking",
        validators=[
            DataRequired(),
            Length(min=5, max=2000, message="Give the reason in 5 to 2000 characters."),
        ],
        description="Kept in the audit log and shown to the holder. The public verification "
        "page only says the certificate was revoked.",
    )
    submit = SubmitField("Revoke certificate")


def _academy() -> Academy:
    """The academy the user works in; a site admin without one sees a short explanation."""
    membership = current_membership(current_user)
    if membership is None:
        abort(make_response(render_template("academy/none.html"), 200))
    return membership.academy


def _back(default: str, **values) -> Response:
    return redirect(url_for(default, **values))


def _require_post_token() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


# --------------------------------------------------------------------------------------------
# Overview, members and invitations
# --------------------------------------------------------------------------------------------


@bp.route("/")
@requires(Action.MANAGE_ACADEMY)
def index():
    academy = _academy()
    now = now_utc()
    active_members, inactive_members = members.member_counts(academy.id)
    summary = reports.certificates(reports.Scope(academy.id), now)
    return render_template(
        "academy/index.html",
        academy=academy,
        active_members=active_members,
        inactive_members=inactive_members,
        invitations=len(members.open_invitations(academy.id, now)),
        cohorts=members.academy_cohorts(academy.id),
        programmes=certification.academy_programmes(academy.id),
        certificates=summary,
    )


@bp.route("/members", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def members_page():
    academy = _academy()
    now = now_utc()
    form = InvitationForm()
    if form.validate_on_submit():
        try:
            invitation = members.invite(
                academy,
                Role(form.role.data),
                email=form.email.data or None,
                valid_days=form.days.data,
                max_uses=form.max_uses.data,
                actor=current_user,
                now=now,
            )
        except members.MemberError as error:
            db.session.rollback()
            form.email.errors = [*form.email.errors, str(error)]
        else:
            db.session.commit()
            link = url_for("auth.signup", code=invitation.code, _external=True)
            who = f"for {invitation.email}" if invitation.email else "as a link"
            flash(f"Invitation created {who}. Send this link: {link}", "success")
            return _back("academy.members_page")
    return render_template(
        "academy/members.html",
        academy=academy,
        members=paginate_query(members.academy_members_query(academy.id), anchor="people"),
        active_members=members.member_counts(academy.id)[0],
        invitations=paginate_query(
            members.open_invitations_query(academy.id, now),
            param="invitations_page",
            anchor="invitations",
        ),
        form=form,
        action_form=EmptyForm(),
        now=now,
    )


@bp.route("/members/<int:membership_id>/<any(deactivate, reactivate):change>", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def member_active(membership_id: int, change: str):
    academy = _academy()
    _require_post_token()
    membership = members.membership_in(academy.id, membership_id)
    if membership is None:
        abort(404)
    try:
        members.set_member_active(membership, change == "reactivate", current_user)
    except members.MemberError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        verb = "reactivated" if change == "reactivate" else "deactivated; their history is kept"
        flash(f"{membership.user.display_name} {verb}.", "success")
    return _back("academy.members_page")


@bp.route("/members/<int:user_id>/xapi.json")
@requires(Action.MANAGE_ACADEMY)
def learner_xapi(user_id: int):
    academy = _academy()
    if not any(m.user_id == user_id for m in members.academy_members(academy.id)):
        abort(404)
    statements = xapi.learner_statements(academy.id, user_id, request.url_root)
    return _json_download(statements, f"{academy.slug}-learner-{user_id}-xapi.json")


@bp.route("/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def withdraw_invitation(invitation_id: int):
    academy = _academy()
    _require_post_token()
    try:
        members.withdraw_invitation(academy.id, invitation_id, current_user.id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash("Invitation withdrawn: its link no longer works.", "success")
    return _back("academy.members_page")


@bp.route("/invitations/import", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def import_invitations():
    academy = _academy()
    form = BulkInvitationForm()
    errors: list[members.RowError] = []
    created = []
    if form.validate_on_submit():
        raw = form.file.data.read(members.MAX_CSV_ROWS * 400 + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors = [members.RowError(0, "", "Save the file as CSV in UTF-8 and try again.")]
        else:
            try:
                created = members.bulk_invite(academy, text, current_user, now_utc())
            except members.BulkInvitationError as error:
                db.session.rollback()
                errors = error.errors
            else:
                db.session.commit()
                flash(f"{len(created)} invitations created.", "success")
    status = 422 if errors else 200
    return (
        render_template(
            "academy/import.html",
            academy=academy,
            form=form,
            errors=errors,
            created=created,
            help=members.CSV_HEADER_HELP,
        ),
        status,
    )


@bp.route("/invitations.csv")
@requires(Action.MANAGE_ACADEMY)
def invitations_csv():
    academy = _academy()
    rows = [
        [
            inv.email or "",
            inv.role.value,
            url_for("auth.signup", code=inv.code, _external=True),
            inv.expires_at,
            inv.uses,
            inv.max_uses,
        ]
        for inv in members.open_invitations(academy.id, now_utc(), limit=10_000)
    ]
    header = ["email", "role", "link", "expires", "used", "uses allowed"]
    return csv_response(f"{academy.slug}-invitations.csv", header, rows)


# --------------------------------------------------------------------------------------------
# Cohorts
# --------------------------------------------------------------------------------------------


@bp.route("/cohorts", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def cohorts():
    academy = _academy()
    form = CohortForm()
    if form.validate_on_submit():
        try:
            cohort = members.save_cohort(
                academy.id, None, form.name.data, form.start_date.data, current_user.id
            )
        except members.MemberError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash(f"Cohort {cohort.name} created. Add its members and programmes.", "success")
            return _back("academy.cohort", cohort_id=cohort.id)
    return render_template(
        "academy/cohorts.html",
        academy=academy,
        cohorts=paginate_query(members.academy_cohorts_query(academy.id), rows=True),
        form=form,
    )


def _cohort(academy: Academy, cohort_id: int):
    cohort = members.cohort_in(academy.id, cohort_id)
    if cohort is None:
        abort(404)
    return cohort


def _cohort_forms(academy: Academy, cohort, current: list, *, bind_programmes: bool = False):
    in_cohort = {m.user_id for m in current}
    candidates = [
        m for m in members.academy_members(academy.id) if m.active and m.user_id not in in_cohort
    ]
    add_form = CohortMembersForm(prefix="add")
    add_form.users.choices = [
        (m.user_id, f"{m.user.display_name} ({m.role.value})") for m in candidates
    ]
    programmes = certification.academy_programmes(academy.id)
    programme_form = CohortProgrammesForm(
        prefix="prog",
        programmes=[p.id for p in cohort.programmes],
        formdata=request.form if bind_programmes else None,
    )
    programme_form.programmes.choices = [
        (p.id, p.name + ("" if p.active else " (inactive)")) for p in programmes
    ]
    return add_form, programme_form, candidates


@bp.route("/cohorts/<int:cohort_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort(cohort_id: int):
    academy = _academy()
    cohort = _cohort(academy, cohort_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        try:
            members.save_cohort(
                academy.id, cohort, form.name.data, form.start_date.data, current_user.id
            )
        except members.MemberError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(error)]
        else:
            db.session.commit()
            flash("Cohort saved.", "success")
            return _back("academy.cohort", cohort_id=cohort.id)
    current = members.cohort_members(cohort)
    add_form, programme_form, _ = _cohort_forms(academy, cohort, current)
    return render_template(
        "academy/cohort.html",
        academy=academy,
        cohort=cohort,
        form=form,
        members=paginate_list(current, anchor="members"),
        add_form=add_form,
        programme_form=programme_form,
        action_form=EmptyForm(),
        lrs=_lrs_configured(),
    )


@bp.route("/cohorts/<int:cohort_id>/members", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_add(cohort_id: int):
    academy = _academy()
    cohort = _cohort(academy, cohort_id)
    add_form, _, _ = _cohort_forms(academy, cohort, members.cohort_members(cohort))
    if not add_form.validate_on_submit():
        flash("Choose the members to add.", "error")
        return _back("academy.cohort", cohort_id=cohort.id)
    try:
        added = members.add_to_cohort(
            cohort, add_form.users.data, add_form.role.data, current_user.id
        )
    except members.MemberError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{added} added to {cohort.name}.", "success")
    return _back("academy.cohort", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/members/<int:member_id>/remove", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_remove(cohort_id: int, member_id: int):
    academy = _academy()
    cohort = _cohort(academy, cohort_id)
    _require_post_token()
    try:
        members.remove_from_cohort(cohort, member_id, current_user.id)
    except LookupError:
        abort(404)
    db.session.commit()
    flash("Removed from the cohort. Their attempts and certificates are kept.", "success")
    return _back("academy.cohort", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/programmes", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_programmes(cohort_id: int):
    academy = _academy()
    cohort = _cohort(academy, cohort_id)
    _, programme_form, _ = _cohort_forms(academy, cohort, [], bind_programmes=True)
    if not programme_form.validate_on_submit():
        abort(400)
    try:
        members.set_cohort_programmes(cohort, programme_form.programmes.data, current_user.id)
    except members.MemberError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Programmes saved.", "success")
    return _back("academy.cohort", cohort_id=cohort.id)


@bp.route("/cohorts/<int:cohort_id>/xapi.json")
@requires(Action.MANAGE_ACADEMY)
def cohort_xapi(cohort_id: int):
    academy = _academy()
    cohort = _cohort(academy, cohort_id)
    statements = xapi.cohort_statements(cohort, request.url_root)
    return _json_download(statements, f"{academy.slug}-cohort-{cohort.id}-xapi.json")


@bp.route("/cohorts/<int:cohort_id>/xapi/send", methods=["POST"])
@requires(Action.MANAGE_ACADEMY)
def cohort_xapi_send(cohort_id: int):
    academy = _academy()
    cohort = _cohort(academy, cohort_id)
    _require_post_token()
    try:
        settings = xapi.lrs_settings()
        if settings is None:
            raise xapi.XapiError("No learning record store is configured (XAPI_LRS_URL).")
        sent = xapi.send(xapi.cohort_statements(cohort, request.url_root), settings)
    except xapi.XapiError as error:
        flash(str(error), "error")
    else:
        auditlog.audit(academy.id, current_user.id, "xapi.sent", f"cohort {cohort.id}", {"n": sent})
        db.session.commit()
        flash(f"{sent} statements sent to the learning record store.", "success")
    return _back("academy.cohort", cohort_id=cohort.id)


def _lrs_configured() -> bool:
    try:
        return xapi.lrs_settings() is not None
    except xapi.XapiError:
        return False


# --------------------------------------------------------------------------------------------
# Programmes and certificates
# --------------------------------------------------------------------------------------------


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
    academy = _academy()
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
            return _back("academy.programme", programme_id=programme.id)
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
    academy = _academy()
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
            return _back("academy.programme", programme_id=programme.id)
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
    academy = _academy()
    programme = _programme(academy, programme_id)
    _require_post_token()
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
    return _back("academy.programme", programme_id=programme.id)


@bp.route("/certificates")
@requires(Action.MANAGE_ACADEMY)
def certificates():
    academy = _academy()
    return render_template(
        "academy/certificates.html",
        academy=academy,
        certificates=paginate_query(certification.academy_certificates_query(academy.id)),
        now=now_utc(),
    )


@bp.route("/certificates/<int:certificate_id>", methods=["GET", "POST"])
@requires(Action.MANAGE_ACADEMY)
def certificate(certificate_id: int):
    academy = _academy()
    certificate = certification.certificate_in(academy.id, certificate_id)
    if certificate is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            certification.revoke(certificate, form.reason.data, current_user.id, now_utc())
        except certification.ProgrammeError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash("Certificate revoked. Its verification page now says so.", "success")
            return _back("academy.certificate", certificate_id=certificate.id)
    return render_template(
        "academy/certificate.html",
        academy=academy,
        certificate=certificate,
        form=form,
        now=now_utc(),
    )


def _audit_action() -> str | None:
    return (request.args.get("action") or "").strip()[:60] or None


@bp.route("/audit")
@requires(Action.MANAGE_ACADEMY)
def audit():
    """Who did what in the academy, newest first, 50 a page, filtered by action."""
    academy = _academy()
    action = _audit_action()
    entries = paginate_query(
        auditlog.entries_query(academy.id, action), rows=True, per_page=50, anchor="log"
    )
    return render_template(
        "academy/audit.html",
        academy=academy,
        entries=entries,
        actions=auditlog.actions(academy.id),
        action=action,
        actor_label=auditlog.actor_label,
    )


@bp.route("/audit.csv")
@requires(Action.MANAGE_ACADEMY)
def audit_csv():
    academy = _academy()
    action = _audit_action()
    suffix = f"-{action}" if action else ""
    stamp = now_utc().strftime("%Y%m%d")
    rows = auditlog.csv_rows(academy.id, action)
    return csv_response(f"{academy.slug}-audit{suffix}-{stamp}.csv", auditlog.CSV_HEADER, rows)


# --------------------------------------------------------------------------------------------
# Reports (educators may read them)
# --------------------------------------------------------------------------------------------


def _report() -> tuple[Academy, reports.AcademyReport, list]:
    academy = _academy()
    cohort_id = request.args.get("cohort", type=int)
    if cohort_id is not None and members.cohort_in(academy.id, cohort_id) is None:
        abort(404)
    inactive = request.args.get("inactive", type=int) or reports.DEFAULT_INACTIVE_DAYS
    inactive = min(max(inactive, 1), 365)
    report = reports.build(reports.Scope(academy.id, cohort_id), now_utc(), inactive)
    return academy, report, members.academy_cohorts(academy.id)


@bp.route("/reports")
@requires(Action.AUTHOR)
def reports_page():
    academy, report, cohorts = _report()
    return render_template(
        "academy/reports.html",
        academy=academy,
        report=report,
        cohorts=cohorts,
        at_risk=paginate_list(report.at_risk, param="risk_page", anchor="at-risk"),
        learners=paginate_list(report.learners, param="learners_page", anchor="learners"),
        funnel_chart=reports.funnel_chart(report.funnel),
        band_chart=reports.band_chart(report.bands),
        expiry_chart=reports.expiry_chart(report.certificates),
        band_labels=BAND_LABELS,
        band_order=reports.BAND_ORDER,
        windows=reports.EXPIRY_WINDOWS,
        average_band_label=reports.average_band_label,
        manage=can(current_user, Action.MANAGE_ACADEMY),
        logbook=practice.academy_logbook_report(academy.id),
    )


@bp.route("/reports/<any(funnel, bands, learners, certificates, expiring):name>.csv")
@requires(Action.AUTHOR)
def report_csv(name: str):
    academy, report, _ = _report()
    header, rows = reports.table(report, name)
    suffix = f"-cohort-{report.scope.cohort_id}" if report.scope.cohort_id else ""
    stamp = report.generated_at.strftime("%Y%m%d")
    return csv_stream(f"{academy.slug}{suffix}-{name}-{stamp}.csv", header, rows)


# --------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------


def _json_download(payload, filename: str) -> Response:
    response = Response(json.dumps(payload, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
