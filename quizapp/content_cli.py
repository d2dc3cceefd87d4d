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


@cases_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def validate_cases(paths):
    """Check case files (default: every file in the bank); list every error, exit 1 if any."""
    from quizapp.formats.cases import CaseFileError, load_case_file

    files: list[Path] = []
    for path in paths or (Path(current_app.config["CASES_DIR"]),):
        files.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    issues = []
    for file in files:
        try:
            load_case_file(file)
        except CaseFileError as error:
            issues.extend(error.issues)
    if issues:
        _echo_issues(issues)
        raise SystemExit(1)
    click.echo(f"{len(files)} case file(s) valid.")


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
def export_case(case_id, number):
    """Print a case's stored YAML, exactly as imported or authored."""
    from quizapp.models import CaseRecord, CaseVersion

    query = (
        select(CaseVersion)
        .join(CaseRecord)
        .where(CaseRecord.slug == case_id, CaseRecord.academy_id.is_(None))
        .order_by(CaseVersion.number.desc())
    )
    if number is not None:
        query = query.where(CaseVersion.number == number)
    version = db.session.scalars(query).first()
    if version is None:
        raise click.ClickException(
            f"No case {case_id!r}" + (f" version {number}" if number else "")
        )
    click.echo(version.source_text, nl=False)


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
    """Fail on any problem in the bank: files, sources, ranges, candidate plans and their bands,
    duplicate question stems, modules naming missing cases. Source keys nothing cites are noted."""
    from quizapp.services.authoring import content

    root = path or Path(current_app.config["CASES_DIR"])
    try:
        files = content.read_bank(root, strict=True)
    except content.ContentImportError as error:
        _echo_issues(error.issues)
        raise SystemExit(1)
    kinds = Counter(f.kind for f in files)
    click.echo(
        f"Content OK: {kinds['case']} cases, {kinds['drill']} drills, {kinds['module']} modules."
    )
    uncited = content.uncited_source_keys(files)
    if uncited:
        keys = ", ".join(uncited)
        click.echo(f"Note: no case or module cites {len(uncited)} source key(s): {keys}")


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
