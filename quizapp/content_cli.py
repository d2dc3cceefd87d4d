"""`flask cases`, `flask plan` and `flask content`: the content bank from the command line."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from quizapp.extensions import db

cases_cli = AppGroup("cases", help="Validate, import and export case files.")
plan_cli = AppGroup("plan", help="Score a plan against a case from the command line.")
content_cli = AppGroup("content", help="Check the whole content bank and count what it holds.")


def _echo_issues(issues) -> None:
    for issue in issues:
        click.echo(str(issue), err=True)
    click.echo(f"{len(issues)} problem(s) found.", err=True)


def _is_drill_path(path: Path) -> bool:
    """A drill file lives in a folder named `drills` (cases/drills/<id>.yaml)."""
    return path.parent.name == "drills"


def _validation_files(paths) -> list[Path]:
    """The files to validate: a folder gives its *.yaml and, for a bank folder, drills/*.yaml."""
    files: list[Path] = []
    for path in paths:
        if not path.is_dir():
            files.append(path)
            continue
        files.extend(sorted(path.glob("*.yaml")))
        if path.name != "drills" and (path / "drills").is_dir():
            files.extend(sorted((path / "drills").glob("*.yaml")))
    return files


@cases_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate_cases(paths):
    """Check case and drill files (default: every case and drill in the bank); list every error,
    exit 1 if any. Files in a folder named `drills` are read as complication drills."""
    from quizapp.formats.cases import CaseFileError, load_case_file
    from quizapp.formats.drills import DrillFileError, load_drill_file

    files = _validation_files(paths or (Path(current_app.config["CASES_DIR"]),))
    issues = []
    counts = Counter()
    for file in files:
        kind = "drill" if _is_drill_path(file) else "case"
        counts[kind] += 1
        try:
            if kind == "drill":
                load_drill_file(file)
            else:
                load_case_file(file)
        except (CaseFileError, DrillFileError) as error:
            issues.extend(error.issues)
    if issues:
        _echo_issues(issues)
        raise SystemExit(1)
    click.echo(f"{counts['case']} case file(s) and {counts['drill']} drill file(s) valid.")


@cases_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path), required=False)
def import_cases(path):
    """Import a bank folder (cases and modules/) or one case file: all or nothing."""
    from quizapp.services.authoring import content

    try:
        result = content.import_path(path or Path(current_app.config["CASES_DIR"]))
    except content.ContentImportError as error:
        db.session.rollback()
        _echo_issues(error.issues)
        click.echo("Nothing was imported.", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(result.summary())


@cases_cli.command("export")
@click.argument("case_id")
@click.option("--version", "number", type=int, default=None, help="Default: the newest.")
@click.option(
    "--kind",
    type=click.Choice(["any", "case", "drill"]),
    default="any",
    help="Look for a case, a drill, or either (default; an id used by both must name the kind).",
)
def export_case(case_id, number, kind):
    """Print a bank case's or drill's stored YAML, exactly as imported or authored."""
    from quizapp.models import CaseRecord, CaseVersion, DrillRecord, DrillVersion

    found = {}
    tables = {
        "case": (CaseRecord, CaseVersion, "case_id"),
        "drill": (DrillRecord, DrillVersion, "drill_id"),
    }
    for name, (record, version_model, fk) in tables.items():
        if kind not in ("any", name):
            continue
        query = (
            select(version_model)
            .join(record, getattr(version_model, fk) == record.id)
            .where(record.slug == case_id, record.academy_id.is_(None))
            .order_by(version_model.number.desc())
        )
        if number is not None:
            query = query.where(version_model.number == number)
        version = db.session.scalars(query).first()
        if version is not None:
            found[name] = version
    if len(found) > 1:
        raise click.ClickException(
            f"Both a case and a drill have id {case_id!r}: add --kind case or --kind drill"
        )
    if not found:
        what = {"any": "case or drill", "case": "case", "drill": "drill"}[kind]
        raise click.ClickException(
            f"No {what} {case_id!r}" + (f" version {number}" if number else "")
        )
    click.echo(next(iter(found.values())).source_text, nl=False)


@plan_cli.command("score")
@click.argument("case_file", type=click.Path(exists=True, path_type=Path))
@click.argument("plan_file", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def score_plan_command(case_file, plan_file, as_json):
    """Score PLAN_FILE against CASE_FILE and print every verdict with its reasons."""
    from quizapp.domain.scoring import score_plan
    from quizapp.formats.cases import CaseFileError, load_case_file
    from quizapp.formats.plans import PlanFileError, load_plan_file
    from quizapp.formats.report import plan_score_json, render_plan_score

    try:
        case = load_case_file(case_file)
        plan = load_plan_file(plan_file)
    except (CaseFileError, PlanFileError) as error:
        _echo_issues(error.issues)
        raise SystemExit(1)
    score = score_plan(case, plan)
    if as_json:
        click.echo(json.dumps(plan_score_json(score), indent=2, sort_keys=True))
    else:
        click.echo(render_plan_score(score))


@content_cli.command("check")
@click.argument("path", type=click.Path(exists=True, path_type=Path), required=False)
def check_content(path):
    """Fail on any problem in the bank: files, unknown source keys, ranges, candidate plans and
    their bands, plan-comparison questions the engine disagrees with, duplicate question stems,
    modules naming missing cases, figures no cited source states, source keys nothing cites."""
    from quizapp.services.authoring import content

    root = path or Path(current_app.config["CASES_DIR"])
    try:
        files = content.read_bank(root, strict=True)
    except content.ContentImportError as error:
        _echo_issues(error.issues)
        raise SystemExit(1)
    kinds = Counter(f.kind for f in files)
    click.echo(
        f"Content OK: {kinds['case']} cases, {kinds['drill']} drills, {kinds['module']} modules; "
        "every figure traced, every source key used."
    )


@content_cli.command("stats")
@click.argument("path", type=click.Path(exists=True, path_type=Path), required=False)
def content_stats(path):
    """Count cases by decade, sex and skin type, and questions by module and type."""
    from quizapp.services.authoring import content

    root = path or Path(current_app.config["CASES_DIR"])
    try:
        stats = content.bank_stats(root)
    except content.ContentImportError as error:
        _echo_issues(error.issues)
        raise SystemExit(1)
    click.echo(stats.render())


def register_content_cli(app: Flask) -> None:
    app.cli.add_command(cases_cli)
    app.cli.add_command(plan_cli)
    app.cli.add_command(content_cli)
