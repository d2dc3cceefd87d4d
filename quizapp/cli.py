"""`flask` commands: demo data, users, and (from the content modules) cases and plans."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from quizapp.extensions import db
from quizapp.models import Role
from quizapp.services.people import accounts

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=None)
@click.option("--academy", "academy_slug", default=None, help="Academy slug for --role.")
@click.option("--site-admin", is_flag=True, help="May administer every academy.")
@click.password_option()
def create_user(email, display_name, role, academy_slug, site_admin, password):
    """Create a user, optionally with a role in an academy."""
    if bool(role) != bool(academy_slug):
        raise click.UsageError("--role and --academy go together.")
    try:
        user = accounts.create_user(email, display_name, password, site_admin=site_admin)
        if role:
            academy = accounts.academy_by_slug(academy_slug)
            if academy is None:
                raise accounts.AccountError(f"No academy with the slug {academy_slug!r}.")
            accounts.add_membership(user, academy, Role(role))
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error))
    db.session.commit()
    click.echo(f"Created {user.email}" + (f" ({role} in {academy_slug})" if role else ""))


@click.command("demo")
@with_appcontext
@click.option("--quiet", is_flag=True, help="Do not print the demo logins.")
def demo(quiet):
    """Load the demo academy, demo accounts and the content bank (safe to run twice)."""
    from quizapp.services.academy.demo import DEMO_INVITE_CODE, seed_demo
    from quizapp.services.academy.demo_cohort import seed_demo_activity

    demo_accounts = seed_demo()
    report = _import_bank()
    seed_demo_activity()  # needs the bank: its trainees study the published content
    db.session.commit()
    if quiet:
        return
    click.echo(report)
    click.echo("Demo logins:")
    for account in demo_accounts:
        click.echo(f"  {account.role.value:<9} {account.email:<30} {account.password}")
    click.echo(f"Trainee invitation code: {DEMO_INVITE_CODE}")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup(target):
    """Copy the embedded SQLite database to TARGET while the app runs (online backup).

    For PostgreSQL use pg_dump (see README); this command refuses other databases.
    """
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("flask backup copies SQLite only; use pg_dump for PostgreSQL.")
    source = sqlite3.connect(url.database)
    destination = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot even while requests write.
        source.backup(destination)
    finally:
        destination.close()
        source.close()
    click.echo(f"Backed up {url.database} to {target}")


def _import_bank() -> str:
    """Import cases/ and cases/modules/ into the database; returns a one-line summary."""
    from quizapp.services.authoring import content

    result = content.import_bank(current_app.config["CASES_DIR"])
    return result.summary()


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo)
    app.cli.add_command(backup)
    from quizapp.content_cli import register_content_cli

    register_content_cli(app)
