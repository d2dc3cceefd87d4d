"""The authoring blueprint and what every authoring page needs to find an item."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, render_template, request, url_for

from quizapp.permissions import Action, current_academy_id, requires
from quizapp.services.authoring import lifecycle, records
from quizapp.web.forms import EmptyForm
from quizapp.web.pagination import paginate_list

bp = Blueprint("author", __name__, url_prefix="/author")


KIND_BY_SEGMENT = {"cases": "case", "modules": "module", "drills": "drill"}
SEGMENT_BY_KIND = {v: k for k, v in KIND_BY_SEGMENT.items()}


STATE_LABELS = {
    "draft": "Draft",
    "changes": "Published, with a draft",
    "published": "Published",
    "retired": "Retired",
}


def segment_kind(segment: str) -> str:
    kind = KIND_BY_SEGMENT.get(segment)
    if kind is None:
        abort(404)
    return kind


def visible_or_404(kind: str, record_id: int):
    record = records.visible(kind, record_id, current_academy_id())
    if record is None:
        abort(404)
    return record


def owned_or_404(kind: str, record_id: int):
    """Only the academy's own items can change; the bank and other academies' items 404."""
    record = records.owned(kind, record_id, current_academy_id())
    if record is None:
        abort(404)
    return record


def need_academy() -> int:
    academy_id = current_academy_id()
    if academy_id is None:
        abort(404)
    return academy_id


def check_csrf() -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)


def item_url(record) -> str:
    kind = records.kind_of(record)
    if kind == "case":
        return url_for("author.case_view", case_id=record.id)
    if kind == "drill":
        return url_for("author.drill_view", drill_id=record.id)
    return url_for("author.module_view", module_id=record.id)


@bp.route("/")
@requires(Action.AUTHOR)
def index():
    academy_id = current_academy_id()
    case_rows = records.content_rows("case", academy_id)
    module_rows = records.content_rows("module", academy_id)
    drill_rows = records.content_rows("drill", academy_id)
    return render_template(
        "author/index.html",
        own_cases=paginate_list([r for r in case_rows if not r.bank], anchor="own-cases"),
        bank_cases=paginate_list(
            [r for r in case_rows if r.bank], param="bank_cases_page", anchor="bank-cases"
        ),
        own_modules=paginate_list(
            [r for r in module_rows if not r.bank], param="modules_page", anchor="own-modules"
        ),
        bank_modules=paginate_list(
            [r for r in module_rows if r.bank], param="bank_modules_page", anchor="bank-modules"
        ),
        own_drills=[r for r in drill_rows if not r.bank],
        bank_drills=[r for r in drill_rows if r.bank],
        has_academy=academy_id is not None,
        state_labels=STATE_LABELS,
        form=EmptyForm(),
    )


def flash_saved(version, changed: bool, saved: str = "") -> None:
    """Say what a save did: the draft version it wrote (or `saved`), or that nothing changed."""
    if changed:
        flash(saved or f"Saved as draft version {version.number}.", "success")
    else:
        flash("No changes to save.", "info")


def export_version_or_404(record):
    """The version asked for (?version=N), else the newest published, else the newest."""
    version = lifecycle.export_version(record, request.args.get("version", type=int))
    if version is None:
        abort(404)
    return version


def yaml_download(record) -> Response:
    """A case's or drill's version (?version=N, else as export_version picks) as a YAML file."""
    version = export_version_or_404(record)
    return Response(
        version.source_text,
        mimetype="application/yaml",
        headers={
            "Content-Disposition": f'attachment; filename="{record.slug}-v{version.number}.yaml"'
        },
    )
